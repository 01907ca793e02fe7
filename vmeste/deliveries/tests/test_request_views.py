"""«Создать доставку» from the request page: a form pre-filled from the request, and the
delivery's state shown back on the request."""

import pytest
from django.urls import reverse

from vmeste.assistance.models import Request
from vmeste.assistance.tests.test_views import REQUEST, post_call
from vmeste.deliveries.models import Delivery
from vmeste.deliveries.request_views import items_from
from vmeste.volunteers.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(client, make_user) -> Request:
    client.force_login(make_user("op", "operator"))
    post_call(client, {**REQUEST, "intake.district": "Кировский"})
    return Request.objects.get()


@pytest.fixture
def dispatcher(client, registered):
    centre = f.centre()
    user = f.user("supervisor", centre=centre, regions=["RU-VGG"])
    client.force_login(user)
    return client


def test_the_form_is_filled_from_the_request(dispatcher, registered):
    page = dispatcher.get(reverse("deliveries:create_for_request", args=[registered.pk]))
    values = page.context["values"]
    assert values["address"] == "Волгоград, ул. Мира, 5"
    assert values["district"] == "Кировский"
    assert values["recipient_phone"] == "+79275551234"
    assert values["recipient_first_name"] == "Анна"
    assert values["items"] == "хлеб\nмолоко"
    assert values["centre"] == "vgg"
    assert "+7 927 555-12-34" in page.content.decode()


def test_created_delivery_shows_its_state_on_the_request(dispatcher, registered):
    url = reverse("deliveries:create_for_request", args=[registered.pk])
    values = dispatcher.get(url).context["values"]
    saved = dispatcher.post(url, {**values, "items": "хлеб\nмолоко\nкрупа"})
    assert saved.status_code == 302
    delivery = Delivery.objects.get()
    assert [i["name"] for i in delivery.items] == ["хлеб", "молоко", "крупа"]
    assert (delivery.district, delivery.recipient_phone) == ("Кировский", "+79275551234")
    block = dispatcher.get(reverse("deliveries:for_request", args=[registered.pk]))
    text = block.content.decode()
    assert f"Д-{delivery.pk}" in text and "ждёт курьера" in text
    # One active delivery at a time: the button is gone while it is under way.
    assert "create-delivery" not in text


def test_a_refused_form_keeps_what_was_typed(dispatcher, registered):
    url = reverse("deliveries:create_for_request", args=[registered.pk])
    values = dispatcher.get(url).context["values"]
    refused = dispatcher.post(url, {**values, "items": "", "window_end": "вчера"})
    assert refused.status_code == 422
    assert set(refused.context["errors"]) >= {"window_end"}
    assert refused.context["values"]["address"] == values["address"]
    assert not Delivery.objects.exists()


def test_no_delivery_for_a_request_that_is_not_about_goods(client, make_user):
    client.force_login(make_user("op", "operator"))
    post_call(client, {**REQUEST, "category": "legal-consultation"})
    item = Request.objects.get()
    block = client.get(reverse("deliveries:for_request", args=[item.pk]))
    assert block.status_code == 200
    assert "create-delivery" not in block.content.decode()
    with_goods = {**REQUEST, "description": "Нужны лекарства", "category": "medicines-delivery"}
    post_call(client, with_goods)
    other = Request.objects.exclude(pk=item.pk).get()
    block = client.get(reverse("deliveries:for_request", args=[other.pk]))
    assert "create-delivery" in block.content.decode()


def test_items_are_read_from_the_description():
    assert items_from("Нужны продукты: хлеб, молоко; крупа.") == ["хлеб", "молоко", "крупа"]
    assert items_from("Лекарства по рецепту") == ["Лекарства по рецепту"]
