"""A line's launch test call (the checklist's last item): a call offered to the line through
the telephony's own event path, as the SIP edge reports a caller who dialled the line's
number and took its first branch, then routed like any call. It passes the item when the
router rings one of the line's agents; with nobody ready it is withdrawn at once (no test
caller left waiting in a queue) and the supervisor is told why."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.contactcenter import telephony
from vmeste.contactcenter.models import Call, Queue
from vmeste.core.errors import Conflict
from vmeste.launch.services import line_for, require_launcher
from vmeste.telephony.services import home_centre

# A number of the fictional block no subscriber holds: the test caller is nobody.
TEST_CALLER = "+79000030000"


def place(
    *, code: str, user=None, at: datetime | None = None, caller: str = TEST_CALLER
) -> tuple[str, str]:
    """Offer the test call; (call id, the username of the agent it rang). ``at`` is the
    moment of the call (now by default; the demo replays its lines' launches)."""
    line = line_for(code=code, user=user)
    require_launcher(user, regions=[r.code for r in line.regions.all()])
    at = at or timezone.now()
    queue = Queue.objects.filter(line=line, is_active=True).order_by("ivr_path", "code").first()
    centre = home_centre(line)
    if queue is None or not centre:
        raise Conflict(_("Пробный звонок некуда направить: у линии нет очередей или центров."))
    tries = Call.objects.filter(call_id__startswith=f"launch-test-{line.code}-").count()
    call_id = f"launch-test-{line.code}-{tries + 1}"
    offered = telephony.record_event(
        event_id=f"{call_id}:offered",
        type="call_offered",
        call_id=call_id,
        at=at,
        now=at,
        data={
            "line": line.code,
            "caller_number": caller,
            "ivr_path": queue.ivr_path,
            "centre": centre,
        },
    )
    rung = [r["agent"] for r in offered["rung"] if r["call_id"] == call_id]
    if rung:
        return call_id, rung[0]
    telephony.record_event(
        event_id=f"{call_id}:withdrawn",
        type="call_ended",
        call_id=call_id,
        at=at,
        now=at,
        data={},  # never answered: the caller «hung up», the call is abandoned
    )
    raise Conflict(
        _(
            "Пробный звонок не дошёл ни до кого: нет готового оператора с навыком «%(skill)s»"
            " в центре «%(centre)s». Оператор входит в рабочее место и нажимает «Готов»."
        )
        % {"skill": queue.skill, "centre": centre},
        code="nobody_ready",
    )
