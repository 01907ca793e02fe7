"""The courier's phone page and the dispatch board."""

import pytest

from vmeste.deliveries import services
from vmeste.deliveries.tests.conftest import delivery_input, make_request

pytestmark = pytest.mark.django_db


def test_courier_page_walks_a_delivery_and_hides_the_recipient_after(client, setup):
    centre, dispatcher, courier = setup
    d = services.create_delivery(
        request_id=make_request().pk, centre=centre, data=delivery_input(), actor=dispatcher
    )
    client.force_login(dispatcher)
    board = client.get("/deliveries/board/", {"centre": "vgg"}).content.decode()
    assert f"Д-{d.pk}" in board and "Центральный" in board
    client.post(f"/deliveries/{d.pk}/assign/", {"courier": courier.pk, "version": d.version})
    client.force_login(courier)
    page = client.get("/deliveries/mine/").content.decode()
    assert 'name="viewport"' in page
    assert "ул. Мира" in page and 'href="tel:+79275550011"' in page and "Беру" in page
    client.post(f"/deliveries/{d.pk}/step/", {"to": "accepted"})
    client.post(f"/deliveries/{d.pk}/step/", {"to": "picked_up"})
    failed = client.post(f"/deliveries/{d.pk}/step/", {"to": "failed"}, follow=True)
    assert "Укажите причину" in failed.content.decode()
    client.post(f"/deliveries/{d.pk}/step/", {"to": "delivered", "note": "ok"})
    after = client.get("/deliveries/mine/").content.decode()
    assert "ул. Мира" not in after and "+79275550011" not in after
    assert "адрес и телефон скрыты" in after
    assert client.get("/deliveries/board/").status_code == 404
    client.force_login(dispatcher)
    services.create_delivery(
        request_id=make_request().pk, centre=centre, data=delivery_input(), actor=dispatcher
    )
    auto = client.post("/deliveries/auto-assign/", {"centre": "vgg"}, follow=True)
    assert "Назначено: 1" in auto.content.decode()
