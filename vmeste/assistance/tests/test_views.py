"""The request list, the request page and my work (requests made through the call card, whose
own tests are in vmeste/workplace/tests/test_call_card.py)."""

import pytest
from django.urls import reverse

from vmeste.assistance.models import Request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Argon2 is right for people and slow for tests that create a user each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CALL = {
    "caller_number": "8 (927) 555-12-34",
    "channel": "phone",
    "line": "volgograd-volunteers",
    "region": "RU-VGG",
    "disposition": "consultation",
    "notes": "",
    "intake.district": "Советский",
}
REQUEST = {
    **CALL,
    "with_request": "on",
    "consent": "on",
    "person.last_name": "Петрова",
    "person.first_name": "Анна",
    "person.middle_name": "Ивановна",
    "person.birth_date": "1942-03-08",
    "person.address": "Волгоград, ул. Мира, 5",
    "category": "groceries-delivery",
    "urgency": "urgent",
    "description": "Нужны продукты: хлеб, молоко.",
}


@pytest.fixture
def operator(client, make_user):
    user = make_user("op", "operator")
    client.force_login(user)
    client.user = user
    return client


def form_token(client) -> str:
    page = client.get(reverse("assistance:call_card"))
    assert page.status_code == 200
    return page.context["token"]


def post_call(client, data):
    return client.post(reverse("assistance:call_card"), {**data, "form_token": form_token(client)})


def test_list_filters_search_and_query_count(operator, django_assert_max_num_queries):
    for i in range(4):
        post_call(operator, {**REQUEST, "description": f"заявка {i}"})
    post_call(
        operator,
        {
            **REQUEST,
            "caller_number": "+79035550000",
            "person.last_name": "Сидоров",
            "person.first_name": "Пётр",
            "category": "medicines-delivery",
        },
    )
    url = reverse("assistance:request_list")
    with django_assert_max_num_queries(14):
        page = operator.get(url)
    assert page.context["total"] == 5
    assert operator.get(url, {"q": "сидоров"}).context["total"] == 1
    assert operator.get(url, {"q": "+7 903 555 00 00"}).context["total"] == 1
    assert operator.get(url, {"category": "medicines"}).context["total"] == 1
    assert operator.get(url, {"assignee": "none", "status": "new"}).context["total"] == 5
    assert operator.get(url, {"assignee": "me"}).context["total"] == 0
    assert operator.get(url, {"overdue": "1"}).context["total"] == 0
    bogus = operator.get(url, {"status": "bogus"})
    assert "status" in bogus.context["errors"]


def test_out_of_scope_request_is_not_found(client, make_user):
    author = make_user("vgg", "operator", regions=["RU-VGG"])
    client.force_login(author)
    post_call(client, REQUEST)
    request = Request.objects.get()
    client.force_login(make_user("mow", "coordinator", regions=["RU-MOW"]))
    assert client.get(reverse("assistance:request_detail", args=[request.pk])).status_code == 404
    assert client.get(reverse("assistance:request_list")).context["total"] == 0


def test_analyst_cannot_read_requests_but_sees_figures(client, make_user):
    client.force_login(make_user("an", "analyst"))
    assert client.get(reverse("assistance:request_list")).status_code == 403
    assert client.get(reverse("assistance:call_card"))["Location"] == reverse("reports:figures")


def test_request_page_moves_assigns_comments_and_resolves(operator, django_assert_max_num_queries):
    post_call(operator, REQUEST)
    request = Request.objects.get()
    detail = reverse("assistance:request_detail", args=[request.pk])
    with django_assert_max_num_queries(10):
        page = operator.get(detail)
    assert [t for t, _label in page.context["targets"]] == [
        "triaged",
        "in_progress",
        "rejected",
        "cancelled",
    ]
    move = reverse("assistance:request_transition", args=[request.pk])
    assert operator.post(move, {"to": "in_progress", "version": 1}).status_code == 302
    assign = reverse("assistance:request_assign", args=[request.pk])
    assert operator.post(assign, {"assignee": "me", "version": 2}).status_code == 302
    comment = reverse("assistance:request_comment", args=[request.pk])
    assert operator.post(comment, {"text": "Позвонили, едем."}).status_code == 302
    refused = operator.post(move, {"to": "resolved", "version": 3, "comment": "готово"})
    assert refused.status_code == 422
    assert "outcome.helped" in refused.context["errors"]
    assert "готово" in refused.content.decode()
    done = operator.post(
        move,
        {"to": "resolved", "version": 3, "outcome.helped": "yes", "outcome.how": "delivery"},
    )
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == "resolved" and request.outcome_helped is True
    with django_assert_max_num_queries(10):  # a longer timeline costs no extra query
        body = operator.get(detail).content.decode()
    assert "Позвонили, едем." in body and "доставка" in body
    mine = operator.get(reverse("assistance:my_work"))
    assert mine.context["total"] == 0


def test_a_stale_version_shows_the_conflict_and_keeps_the_text(operator):
    post_call(operator, REQUEST)
    request = Request.objects.get()
    move = reverse("assistance:request_transition", args=[request.pk])
    operator.post(move, {"to": "triaged", "version": 1})
    stale = operator.post(move, {"to": "cancelled", "version": 1, "comment": "Дубль заявки"})
    assert stale.status_code == 409
    body = stale.content.decode()
    assert 'id="conflict"' in body and "Дубль заявки" in body
    request.refresh_from_db()
    assert request.status == "triaged"


def test_my_work_lists_my_open_requests_overdue_first(operator, django_assert_max_num_queries):
    from datetime import timedelta

    from django.utils import timezone

    for i in range(3):
        post_call(operator, {**REQUEST, "description": f"заявка {i}"})
    requests = list(Request.objects.order_by("pk"))
    Request.objects.update(assignee=operator.user)
    Request.objects.filter(pk=requests[2].pk).update(due_at=timezone.now() - timedelta(hours=1))
    with django_assert_max_num_queries(10):
        page = operator.get(reverse("assistance:my_work"))
    items = list(page.context["page"])
    assert items[0].pk == requests[2].pk and page.context["overdue"] == 1
    # Said without a plural form, so it reads right for 1, 3 and 5 alike.
    assert "Просрочено: 1 — сначала они." in page.content.decode()
