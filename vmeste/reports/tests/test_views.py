"""The figures page: totals, the chart by day, tables, filters, and who may see it."""

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from vmeste.reports import chart
from vmeste.reports.tests.test_figures import AFTERNOON

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(AFTERNOON, tick=True)]


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


def _registered(client, make_user) -> None:
    from vmeste.assistance.tests.test_views import REQUEST, post_call

    client.force_login(make_user("op", "operator"))
    post_call(client, REQUEST)


def test_the_chart_is_drawn_in_numbers_an_svg_reads_whatever_the_language(client, make_user):
    _registered(client, make_user)
    client.force_login(make_user("an", "analyst"))
    body = client.get(reverse("reports:figures"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    svg = body[body.index("<svg") : body.index("</svg>")]
    # 30 days over 1,248 px: slots of 41.6 px, so coordinates have decimals
    coordinates = re.findall(r'\b(?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
    assert len(coordinates) > 120 and any("." in c for c in coordinates)
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", c) for c in coordinates), coordinates[:10]
    assert 'lang="ru"' in body


def test_the_figures_shown_are_exported_as_csv_and_xlsx_and_audited(client, make_user):
    from openpyxl import load_workbook

    from vmeste.accounts.models import AuditEntry

    _registered(client, make_user)
    analyst = make_user("an", "analyst")
    client.force_login(analyst)
    day = timezone.localdate().isoformat()
    shown = {"date_from": day, "date_to": day, "region": "RU-VGG"}
    page = client.get(reverse("reports:figures"), shown).content.decode()
    link = f"{reverse('reports:export', args=['csv'])}?date_from={day}&amp;date_to={day}"
    assert f'href="{link}&amp;region=RU-VGG"' in page

    csv_file = client.get(reverse("reports:export", args=["csv"]), shown)
    assert csv_file.status_code == 200 and csv_file["Content-Type"].startswith("text/csv")
    assert f'filename="vmeste-figures-{day}-{day}-RU-VGG.csv"' in csv_file["Content-Disposition"]
    text = csv_file.content.decode("utf-8-sig")
    rows = [line.split(";") for line in text.splitlines()]
    assert rows[0] == ["Раздел", "Код", "Название", "Обращения", "Заявки", "Помогли людям"]
    assert rows[1][0] == "Итого" and rows[1][3:] == ["1", "1", "0"]
    assert ["По дням", day, "", "1", "1", "0"] in rows
    assert ["По регионам", "RU-VGG", "Волгоградская область", "1", "1", "0"] in rows
    assert any(r[0] == "По категориям" and r[3:] == ["", "1", "0"] for r in rows)

    xlsx = client.get(reverse("reports:export", args=["xlsx"]), shown)
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    sheets = ["Итого", "По дням", "По регионам", "По линиям", "По категориям", "Звонки"]
    assert book.sheetnames == sheets
    summary = [row for row in book["Итого"].iter_rows(values_only=True)]
    assert ("Регион", "RU-VGG", None) in summary and (1, 1, 0) in summary
    days = list(book["По дням"].iter_rows(values_only=True))
    assert days[1][0].date().isoformat() == day and days[1][1:] == (1, 1, 0)

    audit = list(AuditEntry.objects.filter(action="export").order_by("pk"))
    assert [(a.user, a.object_type, a.channel) for a in audit] == [
        (analyst, "figures", "export")
    ] * 2
    assert audit[0].detail == f"csv {day}..{day} region=RU-VGG"
    assert audit[1].detail.startswith("xlsx ")


def test_an_export_counts_only_the_viewers_scope_and_refuses_what_it_cannot_be(client, make_user):
    from openpyxl import load_workbook

    _registered(client, make_user)
    client.force_login(make_user("mow", "regional_manager", regions=["RU-MOW"]))
    text = client.get(reverse("reports:export", args=["csv"])).content.decode("utf-8-sig")
    assert text.splitlines()[1].split(";")[3:] == ["0", "0", "0"]
    assert "RU-VGG" not in text
    assert client.get(reverse("reports:export", args=["pdf"])).status_code == 404
    wrong = client.get(reverse("reports:export", args=["csv"]), {"date_from": "вчера"})
    assert wrong.status_code == 422 and "ГГГГ-ММ-ДД" in wrong.content.decode()
    # a code typed in the address bar is neither a header nor a formula
    odd = client.get(reverse("reports:export", args=["xlsx"]), {"line": '=1+1"\nX: y'})
    assert odd.status_code == 200 and "\n" not in odd["Content-Disposition"]
    assert odd["Content-Disposition"].endswith('_1_1_X_y.xlsx"')
    book = load_workbook(io.BytesIO(odd.content))
    assert ("Линия", "'=1+1\"\nX: y", None) in list(book["Итого"].iter_rows(values_only=True))
    client.force_login(make_user("op2", "operator"))
    assert client.get(reverse("reports:export", args=["csv"])).status_code == 403
