"""Every demo line passes its launch checklist, whatever the hour the demo is loaded at:
numbers the SIP edge routes to the line's menu, the menu, every queue staffed every hour of
the coming week from the shift calendar, script, articles, the launch test call; and each
line's exported configuration passes the file's checks."""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import override_settings

from vmeste.core.models import Line
from vmeste.launch import checklist, services
from vmeste.volunteers.models import Shift

pytestmark = pytest.mark.django_db
MOSCOW = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    "now",
    [datetime(2026, 11, 18, 14, 0, tzinfo=MOSCOW), datetime(2026, 11, 21, 3, 0, tzinfo=MOSCOW)],
    ids=["wednesday-afternoon", "saturday-night"],
)
def test_every_demo_line_passes_its_checklist(now):
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command(
            "loaddemo",
            *("--seed", "7", "--persons", "300", "--contacts", "1500", "--requests", "200"),
            *("--now", now.isoformat()),
            stdout=StringIO(),
        )
    lines = list(Line.objects.order_by("code"))
    assert len(lines) == 6
    for line in lines:
        blocked = {
            i.code: i.detail for i in checklist.blocking(checklist.compute(line=line, now=now))
        }
        assert blocked == {}, line.code
        # and its configuration passes the file's checks as it is (export → import)
        assert services.import_line(text=services.export_line(code=line.code), dry_run=True)
    # No shift holds more people than it asks for (the crews that cover every skill fit).
    for shift in Shift.objects.prefetch_related("assignments"):
        assert len(shift.assignments.all()) <= sum(shift.headcount.values()), shift.name
