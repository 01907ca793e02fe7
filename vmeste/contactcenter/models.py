"""Queues, agents and calls of the contact centre.

The routing decisions themselves live in the pure ``routing`` module; these tables hold
the configuration it is given (``Queue.rule()``), the agents' states (the table in
``transitions``) and what happened to each call (for the wallboard and the intake core).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vmeste.contactcenter.routingrules import QueueRule
from vmeste.contactcenter.transitions import AgentState
from vmeste.core.models import Category, Centre, Line, optional_link
from vmeste.core.timeline import StatusEvent

# A queue's wrap-up time unless it says otherwise (and for a call that reached no queue).
WRAP_UP_SECONDS = 30

# Priority rules a queue may apply, with the waiting credit (seconds) each one gives.
PRIORITY_RULES = {
    "age_60_plus": _("абонент 60+"),
    "critical": _("критическая ситуация"),
    "returning_urgent": _("повторный звонок по открытой срочной заявке"),
}


def _validate_escalation(value) -> None:
    try:
        steps = [(float(after), int(level)) for after, level in value]
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("Шаги эскалации: список пар [секунды, уровень].")) from exc
    if not steps or steps[0][0] != 0 or [s[0] for s in steps] != sorted(s[0] for s in steps):
        raise ValidationError(_("Первый шаг — с 0 секунд, далее по возрастанию."))


def _validate_priority_rules(value) -> None:
    if not isinstance(value, dict) or not set(value) <= set(PRIORITY_RULES):
        raise ValidationError(_("Неизвестное правило приоритета."))


class Queue(models.Model):
    """Calls of one line's topic (an IVR branch leads here) waiting for agents."""

    scope_region = None
    scope_line = "line"

    line = models.ForeignKey(Line, verbose_name=_("линия"), on_delete=models.PROTECT)
    code = models.SlugField(_("код"), max_length=60, unique=True)
    name = models.CharField(_("название"), max_length=200)
    topic = optional_link(Category, _("тема"))
    ivr_path = models.CharField(
        _("ветка IVR"), max_length=40, blank=True, help_text=_("Например «3» или «3-1».")
    )
    skill = models.SlugField(_("требуемый навык"), max_length=60)
    escalation = models.JSONField(
        _("эскалация навыка"),
        default=list,
        validators=[_validate_escalation],
        help_text=_("Пары [секунды ожидания, минимальный уровень]: [[0, 3], [30, 1]]."),
    )
    priority_rules = models.JSONField(
        _("правила приоритета"),
        default=dict,
        blank=True,
        validators=[_validate_priority_rules],
        help_text=_('Правило → фора в секундах: {"age_60_plus": 60, "critical": 300}.'),
    )
    target_share = models.DecimalField(
        _("целевая доля"), max_digits=3, decimal_places=2, default=0.80
    )
    target_seconds = models.PositiveIntegerField(_("целевое время ответа, с"), default=20)
    max_wait_seconds = models.PositiveIntegerField(
        _("предложить обратный звонок через, с"), null=True, blank=True
    )
    overflow_after_seconds = models.PositiveIntegerField(
        _("переполнение в другой центр через, с"), null=True, blank=True
    )
    # After ``overflow_after_seconds`` a waiting call is offered to this queue's agents too
    # (keeping its place); checked for cycles by the line's launch checks.
    overflow_to = optional_link("self", _("переполнение в очередь"), related_name="+")
    # After a call of this queue the agent is in wrap-up this long, then available again
    # (``services.move`` sets ``Agent.wrap_up_until``; the dispatch applies it).
    wrap_up_seconds = models.PositiveIntegerField(
        _("поствызывная обработка, с"), default=WRAP_UP_SECONDS
    )
    is_active = models.BooleanField(_("действует"), default=True)

    class Meta:
        ordering = ["line__code", "ivr_path", "code"]
        verbose_name = _("очередь")
        verbose_name_plural = _("очереди")

    def __str__(self) -> str:
        return self.name

    def rule(self) -> QueueRule:
        steps = self.escalation or [[0, 1]]
        return QueueRule(
            code=self.code,
            skill=self.skill,
            escalation=tuple((float(after), int(level)) for after, level in steps),
            overflow_after=self.overflow_after_seconds,
            callback_after=self.max_wait_seconds,
            overflow_to=self.overflow_to.code if self.overflow_to_id else None,
        )

    def priority_for(self, flags: set[str]) -> float:
        """The waiting credit a caller earns from the rules this queue applies."""
        return float(sum(credit for rule, credit in self.priority_rules.items() if rule in flags))


class Agent(models.Model):
    """A user signed in (or not) to a centre, with skills and the state of their phone."""

    scope_region = "centre__region"
    scope_line = None

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent"
    )
    centre = models.ForeignKey(Centre, verbose_name=_("колл-центр"), on_delete=models.PROTECT)
    skills = models.JSONField(
        _("навыки"), default=dict, blank=True, help_text=_("Навык → уровень 1–5.")
    )
    state = models.CharField(
        _("состояние"),
        max_length=12,
        choices=[(s.value, s.value) for s in AgentState],
        default=AgentState.OFFLINE,
        db_index=True,
    )
    state_since = models.DateTimeField(default=timezone.now)
    # In wrap-up: when it ends (the call's queue's ``wrap_up_seconds`` after the hang-up);
    # from then on the dispatch takes the agent as available. None in any other state.
    wrap_up_until = models.DateTimeField(null=True, blank=True)
    break_reason = models.CharField(_("причина перерыва"), max_length=100, blank=True)
    call = optional_link("Call", related_name="+")

    class Meta:
        verbose_name = _("оператор линии")
        verbose_name_plural = _("операторы линии")

    def __str__(self) -> str:
        return str(self.user)


class AgentStateChange(StatusEvent):
    """The agent's timeline (``core.timeline``): every state change (``kind`` the event of
    the state table, ``from_status``/``to_status`` its states), who caused it (``actor``:
    none for the telephony and the router) and why (``text``: a break's reason)."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="events")
    # The call the change was about (ring, answer, no answer, caller gone, hang up): the
    # timeline then proves, from the database alone, that no call was held twice.
    call = optional_link("Call", related_name="+")

    class Meta(StatusEvent.Meta):
        verbose_name = _("смена состояния оператора")
        verbose_name_plural = _("смены состояний операторов")


class Call(models.Model):
    """One telephone call as the contact centre saw it, from offer to end."""

    class State(models.TextChoices):
        WAITING = "waiting", _("ожидает")
        RINGING = "ringing", _("вызов оператора")
        DIALING = "dialing", _("обратный звонок: набираем абонента")
        ANSWERED = "answered", _("разговор")
        ENDED = "ended", _("завершён")
        ABANDONED = "abandoned", _("не дождался")

    scope_region = "centre__region"
    scope_line = "line"

    call_id = models.CharField(max_length=100, unique=True)  # the telephony's id
    line = models.ForeignKey(Line, null=True, blank=True, on_delete=models.PROTECT)
    queue = optional_link(Queue)
    centre = models.ForeignKey(Centre, null=True, blank=True, on_delete=models.PROTECT)
    agent = optional_link(Agent, related_name="calls")
    caller_number = models.CharField(max_length=32, blank=True)
    ivr_path = models.CharField(max_length=40, blank=True)
    # From the answer to the end of the voice menu (a caller who hung up there: to the end).
    menu_seconds = models.FloatField(null=True, blank=True)
    priority = models.FloatField(default=0)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    offered_at = models.DateTimeField(db_index=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    wait_seconds = models.FloatField(null=True, blank=True)
    talk_seconds = models.FloatField(null=True, blank=True)
    answered_within_target = models.BooleanField(default=False)
    callback_requested = models.BooleanField(default=False)
    # When the router offered a callback at the queue's max wait (told to the telephony once).
    callback_offered_at = models.DateTimeField(null=True, blank=True)
    disposition = models.CharField(max_length=40, blank=True)
    # A blind transfer: waiting again since (keeping the place of the first offer), for a
    # named agent first; or out to a specialist's number, where the call left us.
    requeued_at = models.DateTimeField(null=True, blank=True)
    wanted_agent = models.CharField(max_length=150, blank=True)
    transferred_to = models.CharField(max_length=32, blank=True)
    # A warm transfer to an agent of ours going on: the colleague consulted, reserved for
    # this call (``consults``) until it is put through to them, given back or ends.
    consulted = optional_link(Agent, related_name="+")
    # The media node holding the caller's line (``MediaNode.name``, told with the offer
    # and the answer): its heartbeat says whether it still holds the call (``nodewatch``).
    # Empty: a node that tells no name, whose calls nobody watches, or a caller who left
    # for a callback and waits off the line.
    media_node = models.CharField(max_length=100, blank=True)
    # Callbacks placed through the edge: attempts, failures and the latest failure.
    callback_attempts = models.PositiveSmallIntegerField(default=0)
    callback_failures = models.PositiveSmallIntegerField(default=0)
    callback_failed_at = models.DateTimeField(null=True, blank=True)
    # The summary folded from the call's events so far and the position of the latest one
    # (``callevents``): a later event is one step on it, not a refold of all the events.
    folded = models.JSONField(null=True, blank=True, editable=False)
    # Grows with every write of what the dispatch reads of a waiting call: each process
    # keeps the waiting calls and tells a stale copy by it (``waiting``).
    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        indexes = [models.Index(fields=["state", "offered_at"])]

    def __str__(self) -> str:
        return self.call_id


class MediaNode(models.Model):
    """One media node as its heartbeat tells it (``nodewatch``): one row a node, written
    once a heartbeat, never once a call. ``missing``: the calls it holds for us (waiting or
    answered) naming this node that its latest heartbeats did not list, each with the
    moment first found so. ``in_menu``: the callers its latest heartbeat had in the voice
    menu, unknown to Vmeste until they reach a queue or hang up (what their end would
    tell, and since when the node has had them), so that a node gone ends them too."""

    name = models.CharField(max_length=100, unique=True)  # its SIP host:port@machine
    seen_at = models.DateTimeField()  # its latest heartbeat (the server's clock)
    beating_since = models.DateTimeField()  # the start of its unbroken run of heartbeats
    holding = models.PositiveIntegerField(default=0)  # the calls its latest heartbeat listed
    missing = models.JSONField(default=dict, blank=True)  # {call_id: first missed, ISO}
    in_menu = models.JSONField(default=dict, blank=True)  # {call_id: {line, …, since}}

    def __str__(self) -> str:
        return self.name


class TelephonyEvent(models.Model):
    """Every event the telephony sent, kept once (by its id): a call is refolded from these."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=30)
    call_id = models.CharField(max_length=100, blank=True, db_index=True)
    at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=200, blank=True)  # why an event changed nothing

    class Meta:
        ordering = ["pk"]


class IvrMenu(models.Model):
    """A line's voice menu: the day menu's first node, the night message (the line's hours
    decide between them) and the queue «0» reaches from every node. Checked as a whole by
    ``ivrmenu.check`` before it is saved; ``ivr`` reads and writes it."""

    scope_region = "line__regions"
    scope_line = "line"

    line = models.OneToOneField(
        Line, verbose_name=_("линия"), on_delete=models.CASCADE, related_name="ivr_menu"
    )
    start = models.SlugField(_("дневное меню (узел)"), max_length=60)
    night = models.SlugField(_("ночное сообщение (узел)"), max_length=60)
    operator_queue = models.SlugField(_("очередь оператора («0»)"), max_length=60)
    updated_at = models.DateTimeField(_("изменено"), auto_now=True)

    class Meta:
        verbose_name = _("голосовое меню")
        verbose_name_plural = _("голосовые меню")


class IvrNode(models.Model):
    """One node of a menu: a menu of options, a queue, a recorded message, a callback offer,
    a transfer to an outside number or the robot's answer from an article."""

    menu = models.ForeignKey(IvrMenu, on_delete=models.CASCADE, related_name="nodes")
    position = models.PositiveIntegerField(_("порядок"))
    code = models.SlugField(_("идентификатор"), max_length=60)
    kind = models.CharField(_("тип"), max_length=20)
    label = models.CharField(_("название"), max_length=200, blank=True)
    prompt = models.TextField(_("текст подсказки"), blank=True)
    recording = models.CharField(_("запись (файл в prompts/)"), max_length=200, blank=True)
    timeout_seconds = models.PositiveSmallIntegerField(_("ожидание цифры, с"), default=6)
    replays = models.PositiveSmallIntegerField(_("повторов подсказки"), default=2)
    default = models.CharField(_("цифра по умолчанию"), max_length=1, blank=True)
    options = models.JSONField(_("варианты"), default=list, blank=True)  # [{digit, to}]
    queue = models.SlugField(_("очередь"), max_length=60, blank=True)
    article = models.SlugField(_("статья"), max_length=80, blank=True)
    number = models.CharField(_("внешний номер"), max_length=20, blank=True)
    next = models.SlugField(_("затем (узел)"), max_length=60, blank=True)
    # The synthesised prompt: the file under prompts/ and the hash of the text it says, so
    # that a changed text is said again.
    speech = models.CharField(max_length=80, blank=True)
    speech_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["menu", "position"]
        constraints = [
            models.UniqueConstraint(fields=["menu", "code"], name="ivr_node_code_unique")
        ]


class TransferOrder(models.Model):
    """A transfer an agent asked for from the site (the call card's toolbar): the media
    node holding the call takes it (``taken_at``) and carries it out; the call's own events
    then record the transfer. ``step``: a blind transfer, or the steps of a warm one to an
    outside number or to an agent of ours (``to_agent``; with ``to_queue`` when Vmeste
    picked them from that queue) — consult (the caller held, the target rung and put
    through to the agent), then complete (the caller put through to it) or return (back to
    the caller)."""

    class Step(models.TextChoices):
        BLIND = "blind", _("перевод")
        CONSULT = "consult", _("консультация")
        COMPLETE = "complete", _("соединить")
        RETURN = "return", _("вернуться к абоненту")

    step = models.CharField(max_length=10, choices=Step.choices, default=Step.BLIND)
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="transfer_orders")
    asked_by = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(default=timezone.now)
    to_queue = models.CharField(max_length=60, blank=True)
    to_agent = models.CharField(max_length=150, blank=True)
    to_number = models.CharField(max_length=32, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]
        # The edge asks every second for the orders not taken yet.
        indexes = [
            models.Index(
                fields=["asked_at"], name="transfer_order_open", condition=Q(taken_at=None)
            )
        ]
