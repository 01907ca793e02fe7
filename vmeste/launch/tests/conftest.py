from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from vmeste.contactcenter import ivr
from vmeste.contactcenter.models import Queue
from vmeste.demo import voicemenu
from vmeste.knowledge.services import ArticleData, save_article
from vmeste.launch import services
from vmeste.volunteers import shifts
from vmeste.volunteers.models import Assignment, Shift
from vmeste.volunteers.tests import factories as f

SKILLS = {"food": 3, "medicines": 2, "psychology": 4, "social": 1}
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday, 12:00 in Tver


@pytest.fixture
def clock():
    """The staffed line's tests sign its agent in and call it at fixed moments around NOW:
    the line is made on a clock set ten minutes before and ticking. On the real clock the
    agent was written after 08:59 UTC once the real day passed it, and took the sign-in at
    08:59 for an event older than its state: nobody was ready."""
    with time_machine.travel((NOW - timedelta(minutes=10)).timestamp(), tick=True):
        yield


@pytest.fixture
def tver(db, make_user):
    """A regional volunteer line made from its template in Tver, with three agents."""
    services.create_from_template(template="regional-volunteers", code="tver", region="RU-TVE")
    for name in ("ivanova", "petrov", "sidorova"):
        make_user(name, "operator")
    return services.line_for(code="tver")


AGENTS = """agents:
- user: ivanova
  centre: tver
  skills:
    food: 3
    medicines: 2
- user: petrov
  centre: tver
  skills:
    psychology: 4
- user: sidorova
  centre: tver
  skills:
    social: 1
"""


def staffed(text: str) -> str:
    """The exported file with the three agents in it."""
    return text.replace("agents: []\n", AGENTS)


def menu_to_every_queue() -> dict:
    """The Tver line's voice menu as data: a branch (its IVR path) to each of its queues."""
    queues = Queue.objects.filter(line__code="tver", is_active=True).order_by("ivr_path")
    return voicemenu.regional_menu("tver", "Тверь.", [(q.ivr_path, q.name, q.code) for q in queues])


@pytest.fixture
def staffed_line(clock, tver):
    """The Tver line with a number, a menu, an article and one volunteer holding every skill
    on every shift of the coming week (laid from the template's four shifts)."""
    centre = f.centre("tver", "RU-TVE")
    volunteer = f.volunteer(centre)
    text = (
        services.export_line(code="tver")
        .replace("phones: []", "phones:\n  - '+74822771100'")
        .replace("menu: null", "menu: tver-menu")
        .replace(
            "agents: []",
            f"agents:\n- user: {volunteer.user.username}\n  centre: tver\n  skills: {SKILLS}",
        )
    )
    services.import_line(text=text)
    ivr.import_menu(menu_to_every_queue(), line=services.line_for(code="tver"))
    shifts.generate(centre=centre, first=date(2026, 12, 6), last=date(2026, 12, 15), actor=f.user())
    Assignment.objects.bulk_create(
        Assignment(shift=s, volunteer=volunteer, role="operator") for s in Shift.objects.all()
    )
    save_article(
        data=ArticleData(slug="kb-tver", title="Тверь", lines=["tver"]),
        status="published",
        enforce_workflow=False,
    )
    return volunteer
