from datetime import timedelta

import pytest
from django.utils import timezone

from vmeste.assistance.models import Request

pytestmark = pytest.mark.django_db

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


def test_period_bounds_and_scope(api_as):
    operator = api_as("operator")
    created = register(operator)
    Request.objects.filter(pk=created["id"]).update(created_at=timezone.now() - timedelta(days=45))
    manager = api_as("regional_manager", regions=["RU-MOW"])
    assert manager.get("/api/v1/figures").json()["requests"] == 0
    analyst = api_as("analyst")
    assert analyst.get("/api/v1/figures").json()["requests"] == 0
    old = (timezone.localdate() - timedelta(days=50)).isoformat()
    assert analyst.get("/api/v1/figures", date_from=old).json()["requests"] == 1
    reversed_period = analyst.get("/api/v1/figures", date_from="2026-02-01", date_to="2026-01-01")
    assert reversed_period.status_code == 422
    assert analyst.get("/api/v1/figures", date_from="not-a-date").status_code == 422


def test_operators_do_not_see_figures(api_as):
    assert api_as("operator").get("/api/v1/figures").status_code == 403
