"""A line's launch checklist, computed from what the database holds (nobody ticks it), and
the opening of a line, which it gates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.contactcenter import ivr, ivrmenu
from vmeste.contactcenter.models import Agent, Call, IvrMenu, Queue
from vmeste.core import services as core
from vmeste.core.errors import Conflict
from vmeste.core.models import Centre, Line
from vmeste.core.timeline import record_event
from vmeste.knowledge.models import Article, Status
from vmeste.launch import coverage
from vmeste.launch.checks_line import valid_phone
from vmeste.launch.models import LineChange, LineSetup
from vmeste.launch.services import line_for, require_launcher
from vmeste.telephony.services import queues_reached, route_invite
from vmeste.volunteers.rota import people_on_shift

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Item:
    code: str
    title: str
    passed: bool
    detail: str


def compute(*, line: Line, now: datetime | None = None) -> list[Item]:
    now = now or timezone.now()
    queues = list(Queue.objects.filter(line=line, is_active=True).order_by("ivr_path", "code"))
    centres = list(Centre.objects.filter(lines=line))
    return [
        _numbers(line, queues),
        _menu(line, queues),
        _staffing(line, queues, centres, now),
        _script(line),
        _articles(line),
        _test_call(line, centres),
    ]


def blocking(items: list[Item]) -> list[Item]:
    return [item for item in items if not item.passed]


def _numbers(line: Line, queues: list[Queue]) -> Item:
    """Each number asked of the SIP edge the way Kamailio asks it (``route_invite``): it
    passes when the call would go to this line's menu and that menu leads to a queue."""
    title = _("Номера направлены на линию")
    bad = [p for p in line.phones or [] if not valid_phone(p)]
    if not line.phones:
        return Item("numbers", title, False, _("у линии нет номера телефона."))
    if bad:
        return Item("numbers", title, False, _("неверные номера: %s.") % ", ".join(bad))
    if not queues:
        return Item("numbers", title, False, _("звонкам некуда идти: у линии нет очередей."))
    elsewhere = []
    for phone in line.phones:
        route = route_invite(number=phone, opening=line)
        if route["line"] != line.code:
            where = route["line"] or _("отклоняется")
            elsewhere.append(f"{phone} → {where}")
    if elsewhere:
        return Item(
            "numbers", title, False, _("номер ведёт не на эту линию: %s.") % ", ".join(elsewhere)
        )
    # A line still without a voice menu of its own is judged by the menu item alone.
    reached = queues_reached(line)
    if reached is not None and not reached & {q.code for q in queues}:
        return Item("numbers", title, False, _("меню линии не ведёт ни в одну её очередь."))
    return Item(
        "numbers",
        title,
        True,
        _("%(phones)s → меню линии, очередей в нём: %(n)d.")
        % {"phones": ", ".join(line.phones), "n": len(reached or queues)},
    )


def _menu(line: Line, queues: list[Queue]) -> Item:
    """A line with several queues needs a voice menu of its own (``contactcenter``'s menu as
    data), valid and leading to each queue. A menu named by code in the configuration alone
    does not pass: the media application plays only a menu saved as data, so callers of
    such a line would hear nothing to choose from."""
    title = _("Голосовое меню")
    if len(queues) <= 1:
        return Item(
            "menu",
            title,
            bool(queues),
            _("одна очередь: меню не нужно.") if queues else _("нет очередей."),
        )
    if IvrMenu.objects.filter(line=line).exists():
        return _ivr_menu(line, queues, title)
    setup = LineSetup.objects.filter(line=line).first()
    if not setup or not setup.menu:
        return Item("menu", title, False, _("у линии несколько очередей, а меню не указано."))
    return Item(
        "menu",
        title,
        False,
        _(
            "меню «%s» указано только кодом: голосового меню линии нет, медиаприложению нечего"
            " проиграть. Загрузите меню линии на странице «Голосовые меню»."
        )
        % setup.menu,
    )


def _ivr_menu(line: Line, queues: list[Queue], title: str) -> Item:
    document = ivr.export_menu(line)
    problems = ivrmenu.check(document, ivr.known_for(line))
    if problems:
        listed = "; ".join(str(p) for p in problems[:3])
        return Item("menu", title, False, _("меню линии с ошибками: %s.") % listed)
    named = {n.get("queue") for n in document["nodes"]} | {document["operator_queue"]}
    missing = [q.code for q in queues if q.code not in named]
    if missing:
        return Item("menu", title, False, _("меню не ведёт в очереди: %s.") % ", ".join(missing))
    return Item(
        "menu",
        title,
        True,
        _("меню линии: узлов %(nodes)d, очередей %(queues)d.")
        % {"nodes": len(document["nodes"]), "queues": len(queues)},
    )


def _staffing(line: Line, queues: list[Queue], centres: list[Centre], now: datetime) -> Item:
    title = _("Очереди укомплектованы на неделю вперёд")
    if not queues:
        return Item("staffing", title, False, _("нет очередей."))
    zone = ZoneInfo(line.time_zone)
    window = (now, now + WEEK)
    hours = (line.is_24_7, line.opens_at, line.closes_at)
    wanted = coverage.clip(coverage.needed(hours, zone, now.astimezone(zone).date(), 8), window)
    on_shift = people_on_shift(centres=centres, first=window[0], last=window[1])
    skills = dict(
        Agent.objects.filter(user_id__in={u for _a, _b, u in on_shift}).values_list(
            "user_id", "skills"
        )
    )
    gaps = []
    for queue in queues:
        spans = [(a, b) for a, b, user in on_shift if queue.skill in (skills.get(user) or {})]
        missing = coverage.uncovered(wanted, spans)
        if missing:
            gaps.append(
                f"{queue.code}: " + ", ".join(coverage.describe(missing, zone, limit=3, dated=True))
            )
    if gaps:
        return Item("staffing", title, False, _("никого с навыком очереди: %s.") % "; ".join(gaps))
    return Item("staffing", title, True, _("каждый час недели покрыт сменами."))


def _script(line: Line) -> Item:
    passed = bool(line.intake_script.strip())
    return Item(
        "script",
        _("Сценарий разговора"),
        passed,
        _("есть.") if passed else _("сценарий разговора пуст."),
    )


def _articles(line: Line) -> Item:
    """Published articles the line's operators see: its own and those shown on every line
    (an article with no line is shown on all of them)."""
    count = (
        Article.objects.filter(status=Status.PUBLISHED)
        .filter(Q(lines=line) | Q(lines__isnull=True))
        .distinct()
        .count()
    )
    return Item(
        "articles",
        _("Статьи базы знаний"),
        bool(count),
        _("опубликовано для линии: %d.") % count
        if count
        else _("для линии нет опубликованных статей."),
    )


def _test_call(line: Line, centres: list[Centre]) -> Item:
    call = (
        Call.objects.filter(line=line, agent__centre__in=centres)
        .select_related("agent__user")
        .order_by("-offered_at")
        .first()
    )
    title = _("Пробный звонок дошёл до оператора")
    if call is None:
        return Item("test_call", title, False, _("ни один звонок линии не дошёл до её оператора."))
    return Item(
        "test_call",
        title,
        True,
        _("звонок %(call)s → %(agent)s.")
        % {"call": call.call_id, "agent": call.agent.user.username},
    )


def open_line(*, code: str, user=None, now: datetime | None = None) -> Line:
    """Open the line for calls — only when nothing on its checklist blocks."""
    line = _changeable(code=code, user=user)
    with transaction.atomic():
        line = Line.objects.select_for_update().get(pk=line.pk)
        blocked = blocking(compute(line=line, now=now))
        if blocked:
            raise Conflict(
                _("Линию нельзя открыть: чек-лист не пройден."),
                code="checklist_blocks",
                fields={item.code: item.detail for item in blocked},
            )
        if not line.is_active:
            core.set_line_open(line=line, is_open=True)
            record_event(line, LineChange.Kind.OPENED, actor=user)
    return line


def close_line(*, code: str, user=None) -> Line:
    line = _changeable(code=code, user=user)
    with transaction.atomic():
        if line.is_active:
            core.set_line_open(line=line, is_open=False)
            record_event(line, LineChange.Kind.CLOSED, actor=user)
    return line


def _changeable(*, code: str, user) -> Line:
    """A line the user may open or close: in their scope, and within their regions (a
    regional supervisor sees the national line but does not switch it)."""
    line = line_for(code=code, user=user)
    require_launcher(user, regions=[r.code for r in line.regions.all()])
    return line
