from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from vmeste.assistance.models import Request

# "Today" and the last 30 days are the clock's: a weekday afternoon, ticking (time-machine),
# not the hour the suite runs at — at 23:59:59 a request registered before midnight was
# looked for on the next day. A timestamp: a zoned moment would also set the process's TZ.
AFTERNOON = datetime(2026, 11, 18, 14, 0, tzinfo=ZoneInfo("Europe/Moscow")).timestamp()
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(AFTERNOON, tick=True)]

PERSON = {"last_name": "Орлова", "first_name": "Нина", "phone": "+79275550101"}


def register(api, phone="+79275550101", region="RU-VGG", line="volgograd-volunteers"):
    response = api.post(
        "/api/v1/requests",
        {
            "line": line,
            "region": region,
            "category": "medicines",
            "description": "Лекарства по рецепту",
            "consent": True,
            "person": {**PERSON, "phone": phone},
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def resolve(api, request_id, helped=True):
    url = f"/api/v1/requests/{request_id}/transitions"
    api.post(url, {"to": "in_progress"})
    response = api.post(url, {"to": "resolved", "outcome": {"helped": helped, "how": "delivery"}})
    assert response.status_code == 200, response.content


def test_people_helped_counts_distinct_persons(api_as):
    operator = api_as("coordinator")
    first = register(operator)
    second = register(operator)  # the same person again
    third = register(operator, phone="+79275550102")
    other_person = {**PERSON, "first_name": "Вера", "phone": "+79275550103"}
    fourth = operator.post(
        "/api/v1/requests",
        {
            "line": "we-are-together",
            "region": "RU-MOW",
            "category": "groceries",
            "description": "Продукты",
            "consent": True,
            "person": other_person,
        },
    ).json()
    for r in (first, second):
        resolve(operator, r["id"])
    resolve(operator, third["id"], helped=False)
    operator.post("/api/v1/contacts", {"line": "we-are-together"})

    analyst = api_as("analyst")
    figures = analyst.get("/api/v1/figures").json()
    assert figures["requests"] == 4
    assert figures["people_helped"] == 1
    assert figures["contacts"] == 1
    today = timezone.localdate().isoformat()
    assert next(d for d in figures["by_day"] if d["date"] == today)["requests"] == 4
    assert len(figures["by_day"]) == 30
    by_region = {row["code"]: row for row in figures["by_region"]}
    assert by_region["RU-VGG"]["requests"] == 3 and by_region["RU-MOW"]["requests"] == 1
    assert analyst.get("/api/v1/figures", region="RU-MOW").json()["requests"] == 1
    assert fourth["status"] == "new"


def test_period_bounds(api_as):
    operator = api_as("operator")
    created = register(operator)
    # registered 45 days ago: outside the default 30 days, inside a period reaching back 50
    Request.objects.filter(pk=created["id"]).update(created_at=timezone.now() - timedelta(days=45))
    analyst = api_as("analyst")
    assert analyst.get("/api/v1/figures").json()["requests"] == 0
    old = (timezone.localdate() - timedelta(days=50)).isoformat()
    assert analyst.get("/api/v1/figures", date_from=old).json()["requests"] == 1
    reversed_period = analyst.get("/api/v1/figures", date_from="2026-02-01", date_to="2026-01-01")
    assert reversed_period.status_code == 422
    assert analyst.get("/api/v1/figures", date_from="not-a-date").status_code == 422


def test_figures_count_only_what_the_viewer_may_see(api_as):
    """Everything happens inside the period: only the viewer's scope tells the counts apart."""
    coordinator = api_as("coordinator")
    resolve(coordinator, register(coordinator)["id"])  # Volgograd, helped
    moscow = {**PERSON, "first_name": "Вера", "phone": "+79165550103"}
    response = coordinator.post(
        "/api/v1/requests",
        {"line": "we-are-together", "region": "RU-MOW", "category": "groceries",
         "description": "Продукты", "consent": True, "person": moscow},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    for line in ("volgograd-volunteers", "moscow-volunteers", "moscow-volunteers"):
        assert coordinator.post("/api/v1/contacts", {"line": line}).status_code == 201

    def counted(api) -> tuple[int, int, int, set[str]]:
        body = api.get("/api/v1/figures").json()
        regions = {row["code"] for row in body["by_region"]}
        return body["contacts"], body["requests"], body["people_helped"], regions

    assert counted(api_as("analyst")) == (3, 2, 1, {"RU-VGG", "RU-MOW"})
    assert counted(api_as("regional_manager", regions=["RU-MOW"])) == (2, 1, 0, {"RU-MOW"})
    assert counted(api_as("regional_manager", regions=["RU-VGG"])) == (1, 1, 1, {"RU-VGG"})
    by_line = api_as("analyst", lines=["volgograd-volunteers"])
    assert counted(by_line) == (1, 1, 1, {"RU-VGG"})


def test_operators_do_not_see_figures(api_as):
    assert api_as("operator").get("/api/v1/figures").status_code == 403
