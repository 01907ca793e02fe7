"""The intake answers kept on the request as structured fields, and shown on its page."""

from dataclasses import replace
from datetime import date

import pytest
from django.urls import reverse

from vmeste.assistance import answers, services
from vmeste.assistance.models import Request, Team
from vmeste.assistance.tests.test_views import REQUEST, operator, post_call  # noqa: F401
from vmeste.core.models import Category, Line, Region
from vmeste.people import services as people

pytestmark = pytest.mark.django_db


def test_the_card_stores_the_answers_on_the_request(operator):  # noqa: F811
    post_call(operator, {**REQUEST, "intake.district": "Кировский"})
    item = Request.objects.get()
    assert item.district == "Кировский"
    assert item.address == "Волгоград, ул. Мира, 5"
    assert item.phone == "+79275551234"
    assert item.age_60_plus is True  # born 1942: the birth date says it, nobody asked
    assert item.intake == {"district": "Кировский"}


def test_the_answers_of_a_line_with_yes_no_questions(operator):  # noqa: F811
    data = {
        **REQUEST,
        "line": "we-are-together",
        "region": "RU-MOW",
        "person.birth_date": "",
        "intake.age_60_plus": "нет",
        "intake.self_isolation": "да",
        "intake.lives_alone": "да",
    }
    data.pop("intake.district")
    response = post_call(operator, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Request.objects.get()
    assert (item.age_60_plus, item.self_isolation) == (False, True)
    assert item.intake["lives_alone"] == "да"


def test_60_plus_is_worked_out_on_the_birthday():
    data = services.RequestInput(line=Line(), region=Region(), category=Category(), description="x")
    person = people.PersonInput(phone="+79275551234", birth_date=date(1966, 3, 8))
    eve = answers.with_person_answers(data, person, "+79275551234", today=date(2026, 3, 7))
    day = answers.with_person_answers(data, person, "+79275551234", today=date(2026, 3, 8))
    assert (eve.age_60_plus, day.age_60_plus) == (False, True)
    assert day.phone == "+79275551234"
    # What the operator answered wins over what the birth date says.
    asked = replace(data, age_60_plus=False)
    told = answers.with_person_answers(asked, person, "", today=date(2026, 3, 8))
    assert told.age_60_plus is False


def test_the_request_page_shows_the_answers(operator):  # noqa: F811
    post_call(operator, REQUEST)
    item = Request.objects.get()
    body = operator.get(reverse("assistance:request_detail", args=[item.pk])).content.decode()
    assert "+7 927 555-12-34" in body
    assert "Волгоград, ул. Мира, 5" in body and "Советский" in body
    assert "60+: да" in body


def test_teams_offered_and_accepted_only_within_the_coordinators_regions(client, make_user):
    post = make_user("op2", "operator")
    client.force_login(post)
    post_call(client, REQUEST)
    item = Request.objects.get()
    coordinator = make_user("coord", "coordinator", regions=["RU-VGG"])
    client.force_login(coordinator)
    ours = Team.objects.create(code="vgg", name="Волгоград", region=item.region)
    Team.objects.create(code="mow", name="Москва", region=Region.objects.get(code="RU-MOW"))
    page = client.get(reverse("assistance:request_detail", args=[item.pk]))
    assert [t.code for t in page.context["teams"]] == [ours.code]
    url = reverse("assistance:request_assign", args=[item.pk])
    refused = client.post(url, {"assignee": "me", "team": "mow", "version": item.version})
    assert refused.status_code == 422
    item.refresh_from_db()
    assert item.team_id is None


def test_the_api_stores_the_answers_too(api_as):
    from vmeste.assistance.tests.test_api import register

    api = api_as("operator")
    made = register(api, intake={"district": "Кировский", "self_isolation": "нет"})
    assert made.status_code == 201, made.json()
    item = Request.objects.get()
    assert (item.district, item.self_isolation, item.age_60_plus) == ("Кировский", False, True)
    assert (item.phone, item.address) == ("+79275551234", "Волгоград, ул. Мира, 5, кв. 12")


def test_assignees_offered_only_within_the_coordinators_scope(client, make_user):
    from vmeste.core.models import Centre

    client.force_login(make_user("op2", "operator"))
    post_call(client, REQUEST)
    item = Request.objects.get()
    vgg = Region.objects.get(code="RU-VGG")
    ours = Centre.objects.create(code="vgg", name_ru="Волгоград", kind="regional", region=vgg)
    theirs = Centre.objects.create(code="vgg2", name_ru="Другой", kind="regional", region=vgg)
    coordinator = make_user("coord", "coordinator", regions=["RU-VGG"])
    coordinator.centre = ours
    coordinator.save()
    colleague = make_user("colleague", "operator", regions=["RU-VGG"])
    colleague.centre = ours
    colleague.save()
    stranger = make_user("stranger", "operator", regions=["RU-VGG"])
    stranger.centre = theirs
    stranger.save()
    make_user("national", "operator")  # no regions: the whole country, above the coordinator
    client.force_login(coordinator)
    page = client.get(reverse("assistance:request_detail", args=[item.pk]))
    offered = {u.username for u in page.context["assignees"]}
    assert offered == {"coord", "colleague"}
