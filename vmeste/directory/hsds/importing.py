"""Import HSDS 3.0 JSON: a file or a folder of single objects, list pages, arrays or the
tabular form. All-or-nothing, idempotent by `id`; nested records are upserted.

The import first flattens every object into table rows (the nesting gives each child its
parent's id, as in HSDS's tabular form), merges rows that share an id, checks them all and
only then writes, in one transaction. Errors name the file and the path of the field.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from django.db import models, transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from vmeste.core.errors import ValidationFailed
from vmeste.core.models import Region
from vmeste.directory import models as m
from vmeste.directory.hsds.tables import (
    CHILDREN,
    ENUMS,
    EXTRA_TABLES,
    MODELS,
    OURS,
    RENAMES,
    REQUIRED,
    SINGLES,
    TABULAR,
    UNIVERSAL,
    detect,
    hint_from_filename,
    parent_link,
)

OWNER_FIELDS = (
    "organization_id",
    "service_id",
    "location_id",
    "service_at_location_id",
    "contact_id",
    "phone_id",
)


@dataclass
class Row:
    table: str
    data: dict
    where: str  # "file: services[0].phones[1]"
    owners: list[tuple[str, str]] = field(default_factory=list)  # for Extra rows


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0
    skipped: list[str] = field(default_factory=list)


class Collector:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.errors: dict[str, list[str]] = {}

    def error(self, where: str, message: str) -> None:
        self.errors.setdefault(where, []).append(message)

    def add(self, table: str, obj: object, where: str, parent: tuple[str, str] | None = None):
        """Flatten one object and its nested records into rows; return its id."""
        if not isinstance(obj, dict):
            self.error(where, _("Ожидался объект HSDS."))
            return None
        flat = {k: v for k, v in obj.items() if not isinstance(v, dict | list)}
        if table == "attribute" and parent:
            flat.setdefault("link_id", parent[1])
            flat.setdefault("link_entity", parent[0])
        for key, child_table, link in SINGLES.get(table, []):
            if isinstance(obj.get(key), dict):
                child_id = self.add(child_table, obj[key], f"{where}.{key}")
                if child_id:
                    flat[link] = child_id
        row = Row(table, flat, where)
        if table in EXTRA_TABLES:
            row.owners = [parent] if parent else _owners_of(flat)
        self.rows.append(row)
        own_id = flat.get("id")
        link = parent_link(table)
        for key, child_table in CHILDREN.get(table, []):
            for i, child in enumerate(_array(self, obj, key, where)):
                if isinstance(child, dict) and own_id:
                    child = {**child, link: own_id}
                self.add(child_table, child, f"{where}.{key}[{i}]", (table, own_id))
        for key, child_table in UNIVERSAL:
            for i, child in enumerate(_array(self, obj, key, where)):
                self.add(child_table, child, f"{where}.{key}[{i}]", (table, own_id))
        return own_id


def _array(collector: Collector, obj: dict, key: str, where: str) -> list:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        collector.error(f"{where}.{key}", _("Ожидался массив."))
        return []
    return value


def _owners_of(flat: dict) -> list[tuple[str, str]]:
    if flat.get("resource_id"):
        return [(str(flat.get("resource_type") or ""), str(flat["resource_id"]))]
    owners = [(f.removesuffix("_id"), str(flat[f])) for f in OWNER_FIELDS if flat.get(f)]
    return owners or [("", "")]


# --- reading files -------------------------------------------------------------------------


def collect_path(path: Path, collector: Collector, report: ImportReport) -> None:
    files = sorted(path.rglob("*.json")) if path.is_dir() else [path]
    if not files:
        collector.error(str(path), _("Нет файлов JSON."))
    for file in files:
        report.files += 1
        try:
            document = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            collector.error(file.name, _("Файл не читается как JSON: %s") % exc)
            continue
        collect_document(document, file.name, collector, report)


def collect_document(document: object, name: str, collector: Collector, report: ImportReport):
    hint = hint_from_filename(name)
    if isinstance(document, dict) and isinstance(document.get("contents"), list):
        items, label = document["contents"], "contents"
    elif isinstance(document, dict) and document and all(k.endswith(".csv") for k in document):
        _collect_tabular(document, name, collector)
        return
    elif isinstance(document, dict) and "id" not in document and "version" in document:
        report.skipped.append(name)  # the API's base document: no records in it
        return
    elif isinstance(document, dict):
        collector.add(detect(document, hint), document, f"{name}: $")
        return
    elif isinstance(document, list):
        items, label = document, ""
    else:
        collector.error(name, _("Ожидался объект, массив или страница списка HSDS."))
        return
    for i, item in enumerate(items):
        where = f"{name}: {label}[{i}]" if label else f"{name}: [{i}]"
        table = detect(item, hint) if isinstance(item, dict) else "organization"
        collector.add(table, item, where)


def _collect_tabular(document: dict, name: str, collector: Collector) -> None:
    for csv_name, rows in document.items():
        table = TABULAR.get(csv_name.removesuffix(".csv"))
        if table is None:
            collector.error(f"{name}: {csv_name}", _("Неизвестная таблица HSDS."))
            continue
        for i, row in enumerate(rows if isinstance(rows, list) else []):
            collector.add(table, row, f"{name}: {csv_name}[{i}]")


# --- checking -------------------------------------------------------------------------------


def _coerce(model_field: models.Field, value):
    """A JSON value as the model field wants it; ValueError with a reason when it cannot be."""
    if value is None:
        return None if model_field.null else ""
    if isinstance(model_field, models.BooleanField):
        if not isinstance(value, bool):
            raise ValueError(_("ожидалось true или false"))
        return value
    if isinstance(model_field, models.IntegerField):
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise ValueError(_("ожидалось целое число"))
        return int(value)
    if isinstance(model_field, models.FloatField):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(_("ожидалось число"))
        return float(value)
    if isinstance(model_field, models.DateTimeField):
        parsed = parse_datetime(str(value).replace("Z", "+00:00"))
        if parsed is None:
            raise ValueError(_("ожидались дата и время ISO 8601"))
        return parsed
    if isinstance(model_field, models.DateField):
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ValueError(_("ожидалась дата ГГГГ-ММ-ДД")) from None
    if isinstance(model_field, models.TimeField):
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            raise ValueError(_("ожидалось время ЧЧ:ММ:СС")) from None
    if isinstance(value, dict | list):
        raise ValueError(_("ожидалась строка"))
    text = str(value)
    if model_field.max_length and len(text) > model_field.max_length:
        raise ValueError(_("не длиннее %d символов") % model_field.max_length)
    return text


def check_row(row: Row, collector: Collector) -> dict | None:
    """The row's values keyed by model attribute, or None after recording its errors."""
    data, where, ok = row.data, row.where, True
    for name in REQUIRED.get(row.table, ("id",)):
        if data.get(name) in (None, ""):
            collector.error(f"{where}.{name}", _("Обязательное поле."))
            ok = False
    try:
        uuid.UUID(str(data.get("id", "")))
    except ValueError:
        if data.get("id") not in (None, ""):
            collector.error(f"{where}.id", _("Идентификатор должен быть UUID."))
        ok = False
    for (table, name), allowed in ENUMS.items():
        if table == row.table and data.get(name) not in (None, *allowed):
            collector.error(f"{where}.{name}", _("Допустимые значения: %s.") % ", ".join(allowed))
            ok = False
    if row.table in EXTRA_TABLES:
        return data if ok else None
    model = MODELS[row.table]
    renames = RENAMES.get(row.table, {})
    values: dict = {}
    for key, value in data.items():
        attname = renames.get(key, key)
        model_field = _field(model, attname)
        if model_field is None or model_field.name in OURS:
            continue  # extensions and fields we do not keep are ignored, as HSDS allows
        try:
            values[attname] = _coerce(model_field, value)
        except ValueError as exc:
            collector.error(f"{where}.{key}", str(exc))
            ok = False
    return values if ok else None


def _field(model: type[models.Model], attname: str) -> models.Field | None:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f
    return None


# --- writing --------------------------------------------------------------------------------


def import_paths(paths: list[Path]) -> ImportReport:
    collector, report = Collector(), ImportReport()
    for path in paths:
        if not path.exists():
            collector.error(str(path), _("Нет такого файла или папки."))
            continue
        collect_path(path, collector, report)
    _write(collector, report)
    return report


def import_documents(documents: dict[str, object]) -> ImportReport:
    """For tests and the API: {file name: parsed JSON}."""
    collector, report = Collector(), ImportReport()
    for name, document in documents.items():
        report.files += 1
        collect_document(document, name, collector, report)
    _write(collector, report)
    return report


def _write(collector: Collector, report: ImportReport) -> None:
    merged: dict[tuple[str, str], dict] = {}
    extras: list[tuple[Row, dict]] = []
    for row in collector.rows:
        values = check_row(row, collector)
        if values is None:
            continue
        if row.table in EXTRA_TABLES:
            extras.append((row, values))
        else:
            merged.setdefault((row.table, values["id"]), {}).update(values)
    _check_links(merged, collector)
    if collector.errors:
        raise ValidationFailed(collector.errors, _("Импорт HSDS отклонён, ничего не записано."))
    with transaction.atomic():
        for table, model in MODELS.items():
            rows = [v for (t, _id), v in merged.items() if t == table]
            _upsert(model, rows)
            if rows:
                report.counts[table] = len(rows)
        for row, values in extras:
            for owner_table, owner_id in row.owners:
                m.Extra.objects.update_or_create(
                    table=row.table,
                    hsds_id=values["id"],
                    owner_table=owner_table,
                    owner_id=owner_id,
                    defaults={"data": _extra_data(row.data)},
                )
            report.counts[row.table] = report.counts.get(row.table, 0) + 1
        _link_regions()


# The only numeric fields among the tables we keep as `Extra`; everything else is a string.
_EXTRA_NUMBERS = frozenset({"amount"})


def _extra_data(data: dict) -> dict:
    """Tabular files carry ids and codes as numbers (`"identifier": 1234567`): HSDS says string."""
    return {
        k: str(v)
        if isinstance(v, int | float) and not isinstance(v, bool) and k not in _EXTRA_NUMBERS
        else v
        for k, v in data.items()
    }


def _check_links(merged: dict, collector: Collector) -> None:
    """The one hard link: a service's organization must exist (here or in the database)."""
    wanted = {v.get("organization_id") for (t, _i), v in merged.items() if t == "service"}
    wanted.discard(None)
    wanted.discard("")
    known = {i for (t, i) in merged if t == "organization"}
    known |= set(m.Organization.objects.filter(pk__in=wanted - known).values_list("pk", flat=True))
    for (table, _id), values in merged.items():
        org = values.get("organization_id")
        if table == "service" and org and org not in known:
            collector.error(
                f"service {values['id']}.organization_id",
                _("Организация %s не найдена ни в файле, ни в справочнике.") % org,
            )


def _upsert(model: type[models.Model], rows: list[dict]) -> None:
    if not rows:
        return
    existing = set(
        model.objects.filter(pk__in=[r["id"] for r in rows]).values_list("pk", flat=True)
    )
    model.objects.bulk_create([model(**r) for r in rows if r["id"] not in existing])
    # Updates touch only the fields the file gave; rows giving the same fields go together.
    groups: dict[frozenset[str], list[dict]] = {}
    for values in rows:
        if values["id"] in existing:
            groups.setdefault(frozenset(values) - {"id"}, []).append(values)
    for fields, group in groups.items():
        names = sorted(fields | ({"updated_at"} if model is m.Organization else set()))
        if not names:
            continue
        now = datetime.now().astimezone()
        objects = [
            model(**{"updated_at": now, **v} if model is m.Organization else v) for v in group
        ]
        model.objects.bulk_update(objects, names, batch_size=200)


def _link_regions() -> None:
    """Our region on service areas (`extent` is a region code) and locations (by address)."""
    regions = {r.code: r.pk for r in Region.objects.only("pk", "code")}
    for area in m.ServiceArea.objects.filter(region__isnull=True).exclude(extent=""):
        code = area.extent.strip().upper()
        if code in regions:
            m.ServiceArea.objects.filter(pk=area.pk).update(region_id=regions[code])
    for address in m.Address.objects.filter(location__region__isnull=True).only(
        "state_province", "location_id"
    ):
        code = address.state_province.strip().upper()
        if code in regions and address.location_id:
            m.Location.objects.filter(pk=address.location_id).update(region_id=regions[code])
