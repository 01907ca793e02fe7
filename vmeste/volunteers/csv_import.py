"""`vmeste volunteers import CSV`: many applications at once, all or nothing.

Columns (a header row, comma or semicolon): centre (a centre code; may be left out when the
command names one with --centre, or when there is only one centre), last_name, first_name,
middle_name, birth_date
(YYYY-MM-DD or DD.MM.YYYY), phone, email, district, roles (separated by «|»),
document_valid_until, consent (да/yes/1). Every row is checked by the same `apply()` as the
public form; any error in any row and nothing is stored.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from vmeste.core.errors import ServiceError, ValidationFailed
from vmeste.core.models import Centre
from vmeste.volunteers import services
from vmeste.volunteers.models import Volunteer

REQUIRED = ("last_name", "first_name", "birth_date", "phone", "consent")
YES = {"да", "yes", "1", "true", "y", "д", "+"}


class ImportFailed(ValidationFailed):
    """Row-numbered errors: {"строка 3": ["телефон: неверный номер"]}."""


class _Rollback(Exception):
    pass


def _date(text: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError(text)


def parse(text: str) -> list[dict[str, str]]:
    sample = text[:2000]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportFailed(
            {"header": _("Нет столбцов: %s.") % ", ".join(missing)},
            _("В файле нет нужных столбцов."),
        )
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def _centres(default: Centre | None) -> tuple[dict[str, Centre], Centre | None]:
    by_code = {c.code: c for c in Centre.objects.all()}
    if default is None and len(by_code) == 1:
        default = next(iter(by_code.values()))
    return by_code, default


def import_csv(*, text: str, actor, centre: Centre | None = None) -> list[Volunteer]:
    rows = parse(text)
    by_code, centre = _centres(centre)
    if not rows:
        raise ImportFailed({"file": _("В файле нет строк.")}, _("Пустой файл."))
    errors: dict[str, list[str]] = {}
    created: list[Volunteer] = []
    try:
        with transaction.atomic():
            for number, row in enumerate(rows, start=2):  # line 1 is the header
                label = _("строка %d") % number
                code = row.get("centre", "")
                row_centre = by_code.get(code) if code else centre
                if row_centre is None:
                    errors[label] = [
                        _("неизвестный центр «%s»") % code if code else _("не указан центр")
                    ]
                    continue
                try:
                    application = services.Application(
                        centre=row_centre,
                        last_name=row.get("last_name", ""),
                        first_name=row.get("first_name", ""),
                        middle_name=row.get("middle_name", ""),
                        birth_date=_date(row.get("birth_date", "")),
                        phone=row.get("phone", ""),
                        email=row.get("email", ""),
                        district=row.get("district", ""),
                        wanted_roles=tuple(
                            r.strip() for r in row.get("roles", "").split("|") if r.strip()
                        ),
                        consent=row.get("consent", "").lower() in YES,
                        document_valid_until=_date(row.get("document_valid_until", "")),
                    )
                except ValueError as exc:
                    errors[label] = [_("неверная дата «%s» (нужно ГГГГ-ММ-ДД)") % exc]
                    continue
                try:
                    with transaction.atomic():
                        created.append(
                            services.apply(application=application, source="import", actor=actor)
                        )
                except ServiceError as exc:
                    errors[label] = [
                        f"{name}: {message}"
                        for name, msgs in exc.fields.items()
                        for message in msgs
                    ] or [exc.message]
            if errors:
                raise _Rollback
    except _Rollback:
        raise ImportFailed(
            errors,
            _("Ничего не загружено: ошибки в %d строках.") % len(errors),
            code="import_failed",
        ) from None
    return created
