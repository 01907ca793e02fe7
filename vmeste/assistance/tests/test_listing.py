"""The request list's counts: the trigger-kept tally always equals counting the rows."""

import pytest
from django.db.models import Sum

from vmeste.assistance import listing, services, tally_sql
from vmeste.assistance.models import Request, RequestCount
from vmeste.core.models import Category, Line, Region
from vmeste.people.services import PersonInput

pytestmark = pytest.mark.django_db

OUTCOME = {"helped": True, "how": "delivery"}


def _register(actor, *, line: str, region: str, phone: str) -> Request:
    return services.register_with_person(
        data=services.RequestInput(
            line=Line.objects.get(code=line),
            region=Region.objects.get(code=region),
            category=Category.objects.get(code="groceries"),
            description="Продукты и лекарства",
        ),
        person_data=PersonInput(phone=phone, last_name="Иванова", first_name="Мария"),
        actor=actor,
        consent=True,
    ).request


def _total() -> int:
    return RequestCount.objects.aggregate(n=Sum("n"))["n"] or 0


@pytest.fixture
def requests_made(make_user):
    coordinator = make_user("coord", "coordinator")
    made = [
        _register(
            coordinator, line="volgograd-volunteers", region="RU-VGG", phone=f"+792755501{i:02d}"
        )
        for i in range(5)
    ] + [
        _register(coordinator, line="we-are-together", region=region, phone=f"+792755502{i:02d}")
        for i, region in enumerate(["RU-MOW", "RU-MOW", "RU-TA", "RU-SPE"])
    ]
    return coordinator, made


def test_tally_follows_every_kind_of_write(requests_made):
    coordinator, made = requests_made
    assert tally_sql.drift() == {} and _total() == 9
    services.transition(request_id=made[0].pk, to="in_progress", actor=coordinator)
    services.transition(request_id=made[0].pk, to="waiting", actor=coordinator)
    services.transition(request_id=made[0].pk, to="in_progress", actor=coordinator)
    services.transition(request_id=made[1].pk, to="in_progress", actor=coordinator)
    services.transition(request_id=made[1].pk, to="resolved", actor=coordinator, outcome=OUTCOME)
    assert tally_sql.drift() == {}
    # Writes that bypass the services (the admin, a data fix) are counted all the same.
    Request.objects.filter(pk=made[5].pk).update(region=Region.objects.get(code="RU-TA"))
    Request.objects.filter(pk=made[6].pk).update(status="cancelled")
    Request.objects.filter(pk=made[7].pk).delete()
    assert tally_sql.drift() == {} and _total() == 8


@pytest.mark.parametrize(
    "wanted",
    [
        {},
        {"status": "new"},
        {"status": "new,resolved"},
        {"region": "RU-MOW"},
        {"region": "ru-mow", "status": "new"},
        {"line": "we-are-together"},
        {"region": "RU-XXX"},
        {"line": "no-such-line"},
        {"overdue": True},
        {"q": "Иванова"},
        {"category": "groceries"},
        {"assignee": "none"},
    ],
)
@pytest.mark.parametrize(
    "scope", [{}, {"regions": ["RU-MOW", "RU-VGG"]}, {"lines": ["we-are-together"]}]
)
def test_count_equals_the_rows_matched(requests_made, make_user, wanted, scope):
    coordinator, made = requests_made
    services.transition(request_id=made[2].pk, to="in_progress", actor=coordinator)
    reader = make_user("reader", "coordinator", **scope)
    filters = listing.RequestFilters(**wanted)
    matches = listing.search(user=reader, filters=filters)
    assert listing.count(user=reader, filters=filters, matches=matches) == len(list(matches))
    statuses = listing.count_by_status(user=reader, filters=filters)
    others = listing.search(user=reader, filters=listing.RequestFilters(**{**wanted, "status": ""}))
    expected: dict[str, int] = {}
    for request in others:
        expected[request.status] = expected.get(request.status, 0) + 1
    assert statuses == expected


def test_page_shows_reference_names_without_joining_them(
    requests_made, django_assert_max_num_queries
):
    coordinator, _made = requests_made
    filters = listing.RequestFilters(region="RU-VGG")
    matches = listing.search(user=coordinator, filters=filters)
    # The reference snapshot is read once.
    listing.page(matches, offset=0, limit=1, user=coordinator, filters=filters)
    # The page, the phones of its people, and the one audit entry of what it showed.
    with django_assert_max_num_queries(3):
        rows = listing.page(matches, offset=0, limit=50, user=coordinator, filters=filters)
        assert {r.region.code for r in rows} == {"RU-VGG"}
        assert {r.line.code for r in rows} == {"volgograd-volunteers"}
        assert {r.category.code for r in rows} == {"groceries"}
