"""A line as data: export, import (checked, all-or-nothing, idempotent), templates, the
line's history. Every write goes through the owning app's services; rights are checked here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from importlib import resources

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vmeste.accounts import services as accounts
from vmeste.accounts.models import User
from vmeste.accounts.roles import Right
from vmeste.contactcenter import services as contactcenter
from vmeste.core import services as core
from vmeste.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vmeste.core.models import Category, Centre, Line, Region
from vmeste.core.scoping import scoped, user_scope
from vmeste.core.timeline import record_event
from vmeste.knowledge import services as knowledge
from vmeste.launch import checks, diff, reading
from vmeste.launch import document as doc
from vmeste.launch.models import LATEST_FIRST, LineChange, LineSetup
from vmeste.volunteers import services as volunteers
from vmeste.volunteers import shifts


class ImportRefused(ValidationFailed):
    """Every problem of a file at once; `problems` keeps them in file order."""

    def __init__(self, problems: list[checks.Problem]):
        fields: dict[str, list[str]] = {}
        for problem in problems:
            fields.setdefault(problem.path or "__all__", []).append(problem.message)
        message = _("Ошибок в конфигурации: %d. Ничего не изменено.") % len(problems)
        super().__init__(fields, message, code="invalid_configuration")
        self.problems = problems


@dataclass
class Outcome:
    line: str
    created: bool
    changes: list[str] = field(default_factory=list)
    applied: bool = False


# -- rights -----------------------------------------------------------------------------
def require_launcher(user, *, regions: list[str] | None = None) -> None:
    """Supervisors and administrators set lines up; one limited to regions only there (a
    line for the whole country is beyond a regional scope). `user=None` is the console."""
    if user is None:
        return
    if not user.can(Right.EDIT_REFERENCE):
        raise Forbidden()
    allowed, _lines = user_scope(user)
    if regions is None or not allowed:
        return
    ids = set(Region.objects.filter(code__in=regions).values_list("pk", flat=True))
    if not regions or not ids <= allowed:
        raise Forbidden(_("Линия выходит за пределы ваших регионов."))


def line_for(*, code: str, user=None) -> Line:
    lines = Line.objects.all() if user is None else scoped(Line.objects.all(), user)
    line = lines.filter(code=code).first()
    if line is None:
        raise NotFound(_("Нет линии «%s».") % code)
    return line


# -- export and import ------------------------------------------------------------------
def export_line(*, code: str, user=None) -> str:
    line = line_for(code=code, user=user)
    require_launcher(user)
    return doc.dump(reading.export(line))


def read_file(text: str) -> dict:
    try:
        return doc.load(text)
    except doc.SyntaxProblem as exc:
        where = _("строка %d") % exc.line if exc.line else "__all__"
        raise ImportRefused([checks.Problem(where, _("файл не читается как YAML."))]) from exc


def import_line(*, text: str, user=None, dry_run: bool = False, staffed: bool = True) -> Outcome:
    """Check the whole file, then change everything or nothing. Importing the same file
    twice changes nothing the second time. `staffed=False` (a line being staffed step by
    step in the pages) leaves "no agent has the queue's skill" to the launch checklist."""
    return _import(read_file(text), user=user, dry_run=dry_run, staffed=staffed)


def _import(
    raw: dict,
    *,
    user,
    dry_run: bool,
    staffed: bool,
    template: str = "",
) -> Outcome:
    """`template`: the line is made from that template, so it must be new."""
    new_only = bool(template)
    wanted, problems = checks.check(raw, reading.known(raw), staffed=staffed)
    if wanted is None:
        raise ImportRefused(problems)
    code = wanted["line"]["code"]
    _require_scope(user, wanted)
    with transaction.atomic():
        line = Line.objects.select_for_update().filter(code=code).first()
        if line is not None and new_only:
            raise Conflict(
                _("Линия с кодом «%s» уже есть.") % code, fields={"code": _("Код занят.")}
            )
        if line is not None and user is not None:
            line_for(code=code, user=user)
        problems = _database_problems(wanted, line, new_only=new_only)
        if problems:
            raise ImportRefused(problems)
        outcome = Outcome(
            line=code, created=line is None, changes=diff.changes(_before(line, wanted), wanted)
        )
        if dry_run or not outcome.changes:
            return outcome
        line = _apply(wanted, user=user)
        if template:
            LineSetup.objects.filter(line=line).update(template=template)
            accounts.widen_line_scope(user=user, line=line)
        kind = LineChange.Kind.CREATED if template else LineChange.Kind.IMPORTED
        record_event(line, kind, actor=user, data={"diff": outcome.changes})
        outcome.applied = True
    return outcome


def _require_scope(user, wanted: dict) -> None:
    """The line's regions and each centre's region must be the user's; a line or a centre
    for the whole country (no region) is beyond a regional scope."""
    require_launcher(user, regions=wanted["line"]["regions"])
    for centre in wanted["centres"]:
        require_launcher(user, regions=[centre["region"]] if centre["region"] else [])


def _before(line: Line | None, wanted: dict) -> dict | None:
    if line is None:
        return None
    before = reading.export(line)
    users = {a["user"] for a in wanted["agents"]}
    # The file adds and updates agents; those it does not name are left as they are.
    before["agents"] = [a for a in before["agents"] if a["user"] in users]
    return before


def _database_problems(wanted: dict, line: Line | None, *, new_only: bool) -> list:
    problems = []
    if line is not None:
        for slug in knowledge.articles_only_on(line=line, keep=wanted["articles"]):
            problems.append(
                checks.Problem(
                    "articles",
                    _(
                        "статья «%s» показана только на этой линии: без неё она стала бы видна на "
                        "всех линиях — уберите её в базе знаний."
                    )
                    % slug,
                )
            )
    if new_only:
        taken = set(
            Centre.objects.filter(code__in=[c["code"] for c in wanted["centres"]]).values_list(
                "code", flat=True
            )
        )
        problems += [
            checks.Problem(f"centres[{i}].code", _("центр «%s» уже есть.") % c["code"])
            for i, c in enumerate(wanted["centres"])
            if c["code"] in taken
        ]
    return problems


def _apply(wanted: dict, *, user) -> Line:
    data = wanted["line"]
    is_24_7, opens, closes = doc.parse_hours(data["hours"])
    line, _changed = core.save_line(
        code=data["code"],
        values={
            "name_ru": data["name_ru"],
            "name_en": data["name_en"],
            "number_prefix": data["number_prefix"],
            "phones": data["phones"],
            "time_zone": data["time_zone"],
            "is_24_7": is_24_7,
            "opens_at": opens,
            "closes_at": closes,
            "intake_fields": data["intake_fields"],
            "intake_script": data["script"],
        },
        regions=data["regions"],
        categories=data["categories"],
    )
    centres = {c["code"]: _apply_centre(c) for c in wanted["centres"]}
    core.set_line_centres(line=line, centres=list(centres.values()))
    topics = {
        c.code: c
        for c in Category.objects.filter(
            code__in=[q["topic"] for q in wanted["queues"] if q["topic"]]
        )
    }
    for queue in wanted["queues"]:
        contactcenter.save_queue(line=line, code=queue["code"], values=_queue_values(queue, topics))
    contactcenter.set_overflow(
        line=line, targets={q["code"]: q["overflow_to"] for q in wanted["queues"]}
    )
    contactcenter.retire_queues(line=line, keep={q["code"] for q in wanted["queues"]})
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[a["user"] for a in wanted["agents"]])
    }
    for agent in wanted["agents"]:
        contactcenter.save_agent(
            user=users[agent["user"]], centre=centres[agent["centre"]], skills=agent["skills"]
        )
    knowledge.set_line_articles(line=line, slugs=wanted["articles"], user=user)
    LineSetup.objects.update_or_create(
        line=line,
        defaults={
            "menu": data["menu"] or "",
            "overflow": {q["code"]: q["overflow_to"] for q in wanted["queues"] if q["overflow_to"]},
        },
    )
    return line


def _apply_centre(data: dict) -> Centre:
    centre, _changed = core.save_centre(
        code=data["code"],
        values={"name_ru": data["name_ru"], "name_en": data["name_en"], "kind": data["kind"]},
        region=data["region"],
    )
    volunteers.save_requirements(centre=centre, values=data["requirements"])
    shifts.save_templates(
        centre=centre,
        templates=[
            {**s, "starts": time.fromisoformat(s["starts"]), "ends": time.fromisoformat(s["ends"])}
            for s in data["shift_templates"]
        ],
    )
    return centre


def _queue_values(queue: dict, topics: dict[str, Category]) -> dict:
    return {
        "name": queue["name"],
        "topic": topics.get(queue["topic"]),
        "ivr_path": queue["ivr_path"],
        "skill": queue["skill"],
        "escalation": queue["escalation"],
        "priority_rules": queue["priority_rules"],
        "target_share": Decimal(str(queue["target_share"])),
        "target_seconds": queue["target_seconds"],
        "max_wait_seconds": queue["callback_after_seconds"],
        "overflow_after_seconds": queue["overflow_after_seconds"],
        "wrap_up_seconds": queue["wrap_up_seconds"],
    }


# -- templates --------------------------------------------------------------------------
def _template_files() -> dict[str, str]:
    folder = resources.files("vmeste.launch") / "linetemplates"
    return {
        f.name.removesuffix(".yaml"): f.read_text(encoding="utf-8")
        for f in folder.iterdir()
        if f.name.endswith(".yaml")
    }


# The templates' names as the site, the API and the console show them, in the reader's
# language. The Russian source is each file's line name (a test keeps them equal); the files
# themselves stay as they are, since a new line takes its name from the file.
TEMPLATE_NAMES = {
    "national-24-7": gettext_lazy("Общероссийская горячая линия 24/7"),
    "rare-diseases-info": gettext_lazy("Информационная линия о редких заболеваниях"),
    "regional-volunteers": gettext_lazy("Региональный волонтёрский колл-центр"),
    "social-coordinator": gettext_lazy("Социальный координатор"),
}


def templates() -> list[tuple[str, str]]:
    """(code, name) of every template shipped with Vmeste, by code; the name translated."""
    return sorted(
        (code, str(TEMPLATE_NAMES.get(code) or doc.load(text)["line"]["name_ru"]))
        for code, text in _template_files().items()
    )


def create_from_template(
    *, template: str, code: str, region: str, user=None, dry_run: bool = False
) -> Outcome:
    """A new line (closed until its checklist passes) from a template, in one region: the
    template's codes take the new line's code, its regions and zone the region's."""
    text = _template_files().get(template)
    if text is None:
        raise ValidationFailed({"template": _("Нет шаблона «%s».") % template})
    place = Region.objects.filter(code=(region or "").strip().upper()).first()
    if place is None:
        raise ValidationFailed({"region": _("Неизвестный код региона: «%s».") % region})
    raw = _localise(doc.load(text), code=code, region=place)
    return _import(raw, user=user, dry_run=dry_run, staffed=False, template=template)


def _localise(raw: dict, *, code: str, region: Region) -> dict:
    old = raw["line"]["code"]

    def rename(value):
        if isinstance(value, str) and (value == old or value.startswith(old + "-")):
            return code + value[len(old) :]
        return value

    line = raw["line"]
    line["code"] = code
    if line["regions"]:  # a line for the whole country keeps its zone and its reach
        line["regions"], line["time_zone"] = [region.code], region.time_zone
    line["name_ru"] = f"{line['name_ru']} — {region.name_ru}"
    line["name_en"] = f"{line['name_en']} — {region.name_en}" if line["name_en"] else ""
    for centre in raw["centres"]:
        centre["code"] = rename(centre["code"])
        if centre["region"]:
            centre["region"] = region.code
            centre["name_ru"] = f"{centre['name_ru']} — {region.name_ru}"
    for queue in raw["queues"]:
        queue["code"], queue["overflow_to"] = rename(queue["code"]), rename(queue["overflow_to"])
    return raw


def history(*, code: str, user=None) -> list[LineChange]:
    line = line_for(code=code, user=user)
    require_launcher(user)
    return list(
        LineChange.objects.filter(line=line).select_related("actor").order_by(*LATEST_FIRST)
    )
