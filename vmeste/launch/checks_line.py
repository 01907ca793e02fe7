"""The checks of a configuration's line and centres (a mixin of `checks.Checker`: it uses
the checker's readers and `fail`)."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from django.utils.translation import gettext as _

from vmeste.launch import coverage
from vmeste.launch import document as doc

ROLES = ("operator", "courier", "psychologist", "driver", "coordinator")
KINDS = ("national", "regional")


def valid_phone(phone) -> bool:
    """A valid number written in E.164 (+7…), as the telephony will present it."""
    try:
        return (
            isinstance(phone, str)
            and phone.startswith("+")
            and phonenumbers.is_valid_number(phonenumbers.parse(phone))
        )
    except phonenumbers.NumberParseException:
        return False


class LineChecks:
    def line(self, raw) -> dict:
        data = self.mapping(raw, "line", doc.LINE_KEYS)
        hours = doc.parse_hours(data.get("hours"))
        if hours is None:
            self.fail(
                "line.hours", _("часы работы: «24/7» или «ЧЧ:ММ-ЧЧ:ММ» (например 08:00-22:00).")
            )
        zone = self.text(data.get("time_zone"), "line.time_zone", required=True)
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail("line.time_zone", _("неизвестный часовой пояс «%s».") % zone)
        prefix = self.text(data.get("number_prefix"), "line.number_prefix")
        if prefix and not re.fullmatch(r"[A-Z]{2,8}", prefix):
            self.fail("line.number_prefix", _("префикс: 2–8 заглавных латинских букв."))
        menu = data.get("menu")
        if menu is not None and not isinstance(menu, (str, int)):
            self.fail("line.menu", _("голосовое меню указывается кодом или номером."))
        return {
            "code": self.slug(data.get("code"), "line.code"),
            "name_ru": self.text(data.get("name_ru"), "line.name_ru", required=True),
            "name_en": self.text(data.get("name_en"), "line.name_en"),
            "number_prefix": prefix,
            "phones": self.phones(data.get("phones")),
            "time_zone": zone,
            "hours": data.get("hours") if hours is not None else None,
            "regions": self.codes(
                data.get("regions"), "line.regions", self.known.regions, _("регион")
            ),
            "categories": self.codes(
                data.get("categories"), "line.categories", self.known.categories, _("категория")
            ),
            "menu": None if menu in (None, "") else str(menu),
            "intake_fields": self.intake_fields(data.get("intake_fields")),
            "script": self.text(data.get("script"), "line.script"),
        }

    def phones(self, raw) -> list[str]:
        phones = self.listing(raw, "line.phones")
        for i, phone in enumerate(phones):
            if not valid_phone(phone):
                self.fail(f"line.phones[{i}]", _("номер не в формате E.164: «%s».") % phone)
        self.unique([(f"line.phones[{i}]", str(p)) for i, p in enumerate(phones)], _("номер"))
        return [p for p in phones if isinstance(p, str)]

    def intake_fields(self, raw) -> list[dict]:
        fields = []
        for i, item in enumerate(self.listing(raw, "line.intake_fields")):
            path = f"line.intake_fields[{i}]"
            data = self.mapping(item, path, doc.FIELD_KEYS)
            required = data.get("required", False)
            if not isinstance(required, bool):
                self.fail(f"{path}.required", _("ожидается true или false."))
            fields.append(
                {
                    "code": self.slug(data.get("code"), f"{path}.code"),
                    "label": self.text(data.get("label"), f"{path}.label", required=True),
                    "required": required is True,
                }
            )
        self.unique(
            [(f"line.intake_fields[{i}].code", f["code"]) for i, f in enumerate(fields)],
            _("поле анкеты"),
        )
        return fields

    def centres(self, raw) -> list[dict]:
        centres = []
        for i, item in enumerate(self.listing(raw, "centres")):
            path = f"centres[{i}]"
            data = self.mapping(item, path, doc.CENTRE_KEYS)
            kind = data.get("kind")
            if kind not in KINDS:
                self.fail(f"{path}.kind", _("тип центра: national или regional."))
            region = data.get("region")
            if region is not None and not (
                isinstance(region, str) and region in self.known.regions
            ):
                self.fail(f"{path}.region", _("неизвестный код: регион «%s».") % region)
            if kind == "regional" and region is None:
                self.fail(f"{path}.region", _("у регионального центра должен быть регион."))
            centres.append(
                {
                    "code": self.slug(data.get("code"), f"{path}.code"),
                    "name_ru": self.text(data.get("name_ru"), f"{path}.name_ru", required=True),
                    "name_en": self.text(data.get("name_en"), f"{path}.name_en"),
                    "kind": kind,
                    "region": region if isinstance(region, str) else None,
                    "requirements": self.requirements(data.get("requirements"), path),
                    "shift_templates": self.shift_templates(data.get("shift_templates"), path),
                }
            )
        self.unique(
            [(f"centres[{i}].code", c["code"]) for i, c in enumerate(centres)], _("код центра")
        )
        return centres

    def requirements(self, raw, path: str) -> dict | None:
        if raw is None:
            return None
        path = f"{path}.requirements"
        data = self.mapping(raw, path, doc.REQUIREMENT_KEYS)
        required = data.get("health_document_required", False)
        if not isinstance(required, bool):
            self.fail(f"{path}.health_document_required", _("ожидается true или false."))
        values = {
            "min_age": self.integer(data.get("min_age", 18), f"{path}.min_age", low=14, high=99),
            "max_age": self.integer(
                data.get("max_age"), f"{path}.max_age", low=14, high=120, null=True
            ),
            "health_document_required": required is True,
            "health_document_label": self.text(
                data.get("health_document_label", ""), f"{path}.health_document_label"
            ),
            "warn_days": self.integer(data.get("warn_days", 14), f"{path}.warn_days", high=365),
        }
        if values["max_age"] and values["min_age"] and values["max_age"] < values["min_age"]:
            self.fail(f"{path}.max_age", _("верхняя граница возраста меньше нижней."))
        return values

    def shift_templates(self, raw, centre_path: str) -> list[dict]:
        shifts = []
        for i, item in enumerate(self.listing(raw, f"{centre_path}.shift_templates")):
            path = f"{centre_path}.shift_templates[{i}]"
            data = self.mapping(item, path, doc.SHIFT_KEYS)
            starts, ends = doc.parse_time(data.get("starts")), doc.parse_time(data.get("ends"))
            for key, value in (("starts", starts), ("ends", ends)):
                if value is None:
                    self.fail(f"{path}.{key}", _("время: ЧЧ:ММ, например 08:00."))
            if starts is not None and starts == ends:
                self.fail(f"{path}.ends", _("смена не может начинаться и кончаться в одно время."))
            weekdays = self.listing(data.get("weekdays"), f"{path}.weekdays")
            if any(isinstance(d, bool) or d not in range(7) for d in weekdays):
                self.fail(f"{path}.weekdays", _("дни недели — числа от 0 (пн) до 6 (вс)."))
            shifts.append(
                {
                    "name": self.text(data.get("name"), f"{path}.name", required=True),
                    "starts": doc.hhmm(starts) if starts else None,
                    "ends": doc.hhmm(ends) if ends else None,
                    "weekdays": sorted({d for d in weekdays if d in range(7)}),
                    "headcount": self.headcount(data.get("headcount"), f"{path}.headcount"),
                }
            )
        self.unique(
            [(f"{centre_path}.shift_templates[{i}].name", s["name"]) for i, s in enumerate(shifts)],
            _("смена"),
        )
        return shifts

    def headcount(self, raw, path: str) -> dict[str, int]:
        counts = self.mapping(raw, path, ROLES)
        clean = {
            r: n
            for r, n in counts.items()
            if r in ROLES and self.integer(n, f"{path}.{r}", high=1000) is not None
        }
        if not any(clean.values()) and counts is raw:
            self.fail(path, _("укажите, сколько людей нужно на смену."))
        return {r: n for r, n in clean.items() if n}

    def hours_covered(self, line: dict, centres: list[dict]) -> None:
        hours = doc.parse_hours(line["hours"]) if line["hours"] is not None else None
        if hours is None or (not hours[0] and hours[1] is None) or not centres:
            return
        zones = {
            c["code"]: self.known.regions.get(c["region"]) or line["time_zone"] for c in centres
        }
        try:
            gaps = coverage.gaps(
                hours=hours,
                line_zone=line["time_zone"],
                shifts=[
                    (zones[c["code"]], s)
                    for c in centres
                    for s in c["shift_templates"]
                    if s["starts"] and s["ends"] and s["starts"] != s["ends"]
                ],
            )
        except (ZoneInfoNotFoundError, ValueError):
            return  # the zone itself is reported by the line's check
        if gaps:
            self.fail(
                "line.hours", _("смены не покрывают часы работы линии: %s.") % ", ".join(gaps)
            )
