"""The figures page: totals, the chart by day, tables, filters, and who may see it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from vmeste.reports import chart

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Argon2 is right for people and slow for tests that create a user each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_figures_page_counts_and_draws_the_chart(client, make_user, django_assert_max_num_queries):
    from vmeste.assistance.tests.test_views import REQUEST, post_call

    operator = make_user("op", "operator")
    client.force_login(operator)
    post_call(client, REQUEST)
    client.force_login(make_user("sup", "supervisor"))
    with django_assert_max_num_queries(25):
        page = client.get(reverse("reports:figures"))
    assert page.status_code == 200
    data = page.context["data"]
    assert data["contacts"] == 1 and data["requests"] == 1 and data["people_helped"] == 0
    body = page.content.decode()
    assert "<svg" in body and body.count('class="bar"') == 30
    assert "Волгоград" in body
    filtered = client.get(reverse("reports:figures"), {"region": "RU-MOW"})
    assert filtered.context["data"]["requests"] == 0
    today = timezone.localdate()
    week = client.get(
        reverse("reports:figures"),
        {"date_from": (today - timedelta(days=6)).isoformat(), "date_to": today.isoformat()},
    )
    assert len(week.context["data"]["by_day"]) == 7
    reversed_period = client.get(
        reverse("reports:figures"), {"date_from": today.isoformat(), "date_to": "2020-01-01"}
    )
    assert "date_from" in reversed_period.context["errors"]


def test_operators_do_not_see_figures(client, make_user):
    client.force_login(make_user("op", "operator"))
    assert client.get(reverse("reports:figures")).status_code == 403
    client.force_login(make_user("an", "analyst"))
    assert client.get(reverse("reports:figures")).status_code == 200


def test_chart_geometry_is_scaled_to_a_round_maximum():
    days = [
        {"date": "2026-11-01", "contacts": 0, "requests": 0, "people_helped": 0},
        {"date": "2026-11-02", "contacts": 37, "requests": 8, "people_helped": 3},
    ]
    drawn = chart.by_day(days, width=200, height=100)
    assert chart.nice_max(37) == 50 and chart.nice_max(0) == 1 and chart.nice_max(200) == 200
    assert drawn.bars[0]["h"] == 0
    assert drawn.y_ticks[-1]["value"] == 50
    assert len(drawn.lines) == 2 and drawn.lines[0]["points"].count(",") == 2
    assert chart.by_day([]).bars == []
