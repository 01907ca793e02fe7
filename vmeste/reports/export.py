"""The figures page as a file: what the page shows (totals, by day, by region, line and
category), as CSV or as an XLSX workbook. Pure: the figures in, bytes out.

CSV: semicolon-separated UTF-8 with a byte-order mark — what a spreadsheet with Russian
regional settings opens into columns by a double click; one table, the section in the first
column, then, after an empty row, the calls (figure, name, value). XLSX: one sheet per part
of the page, days as dates and counts as numbers.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from django.utils.translation import gettext as _

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def filename(data: dict, filters: dict[str, str], fmt: str) -> str:
    parts = ["vmeste-figures", data["date_from"], data["date_to"]]
    parts += [value for value in (filters.get("region"), filters.get("line")) if value]
    # Codes come from the address bar: only their plain characters go into a header.
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(parts)) + f".{fmt}"


def _text(value: str) -> str:
    """A name as text, never a formula: a spreadsheet runs a cell that starts with = + - @
    (and openpyxl writes such a string as one), whoever typed the line's name."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


def _counts_header() -> list[str]:
    return [_("Обращения"), _("Заявки"), _("Помогли людям")]


def _sections(data: dict) -> list[tuple[str, str, list[dict], bool]]:
    """(title, column label, rows, with contacts) of each breakdown, as the page shows them."""
    return [
        (_("По регионам"), _("Регион"), data["by_region"], True),
        (_("По линиям"), _("Линия"), data["by_line"], True),
        (_("По категориям"), _("Категория"), data["by_category"], False),
    ]


def call_rows(calls: dict) -> list[tuple[str, str, int | float | None]]:
    """(code, name, value) of each call figure, in the page's order; the service level as a
    share (0.8), None when no call was offered."""
    names = {
        "offered": _("поступило в очереди"),
        "answered": _("отвечено"),
        "within_target": _("отвечено в целевое время"),
        "abandoned": _("не дождались в очереди"),
        "abandoned_in_menu": _("ушли из голосового меню"),
        "served_in_menu": _("обслужены голосовым меню"),
        "service_level": _("уровень обслуживания"),
    }
    return [(code, name, calls[code]) for code, name in names.items()]


def _counts(row: dict, with_contacts: bool = True) -> list[int | str]:
    contacts = row["contacts"] if with_contacts else ""
    return [contacts, row["requests"], row["people_helped"]]


def to_csv(data: dict, filters: dict[str, str]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Раздел"), _("Код"), _("Название"), *_counts_header()])
    period = f"{data['date_from']} — {data['date_to']} ({data['time_zone']})"
    writer.writerow([_("Итого"), "", period, *_counts(data)])
    for day in data["by_day"]:
        writer.writerow([_("По дням"), day["date"], "", *_counts(day)])
    for title, _label, rows, with_contacts in _sections(data):
        for row in rows:
            name = _text(row["name"])
            writer.writerow([title, _text(row["code"]), name, *_counts(row, with_contacts)])
    writer.writerow([])
    writer.writerow([_("Звонки"), _("Код"), _("Название"), _("Значение")])
    for code, name, value in call_rows(data["calls"]):
        writer.writerow([_("Звонки"), code, name, "" if value is None else value])
    return out.getvalue().encode("utf-8")


def to_xlsx(data: dict, filters: dict[str, str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = _("Итого")
    bold = Font(bold=True)
    summary.append([_("Показатели")])
    summary["A1"].font = bold
    summary.append([_("Период с"), date.fromisoformat(data["date_from"])])
    summary.append([_("по"), date.fromisoformat(data["date_to"])])
    summary.append([_("Часовой пояс"), data["time_zone"]])
    summary.append([_("Регион"), _text(filters.get("region") or _("все регионы"))])
    summary.append([_("Линия"), _text(filters.get("line") or _("все линии"))])
    summary.append([])
    summary.append(_counts_header())
    summary.append(_counts(data))
    for cell in (summary["B2"], summary["B3"]):
        cell.number_format = "DD.MM.YYYY"
    _widths(summary, [22, 16, 16])

    days = book.create_sheet(_("По дням"))
    days.append([_("День"), *_counts_header()])
    for day in data["by_day"]:
        days.append([date.fromisoformat(day["date"]), *_counts(day)])
    for cell in days["A"][1:]:
        cell.number_format = "DD.MM.YYYY"
    _widths(days, [12, 12, 10, 16])

    for title, label, rows, with_contacts in _sections(data):
        sheet = book.create_sheet(title)
        counts = _counts_header() if with_contacts else _counts_header()[1:]
        sheet.append([_("Код"), label, *counts])
        for row in rows:
            values = _counts(row, with_contacts)
            numbers = values if with_contacts else values[1:]
            sheet.append([_text(row["code"]), _text(row["name"]), *numbers])
        _widths(sheet, [24, 40, 12, 10, 16])
    calls = book.create_sheet(_("Звонки"))
    calls.append([_("Код"), _("Название"), _("Значение")])
    for row in call_rows(data["calls"]):
        calls.append(list(row))
    _widths(calls, [20, 32, 12])
    for sheet in book.worksheets[1:]:
        for cell in sheet[1]:
            cell.font = bold
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _widths(sheet, widths: list[int]) -> None:
    for n, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + n)].width = width


def render(data: dict, filters: dict[str, str], fmt: str) -> bytes:
    return to_xlsx(data, filters) if fmt == "xlsx" else to_csv(data, filters)
