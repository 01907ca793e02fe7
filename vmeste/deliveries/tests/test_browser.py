"""The courier's page on a phone-sized screen, in Debian's Chromium."""

import pytest

from vmeste.deliveries import services
from vmeste.deliveries.tests.conftest import delivery_input, make_request


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_courier_page_fits_a_phone_and_walks_a_delivery(
    live_server, client, setup, tmp_path, phone_page
):
    centre, dispatcher, courier = setup
    d = services.create_delivery(
        request_id=make_request().pk, centre=centre, data=delivery_input(), actor=dispatcher
    )
    services.assign(delivery_id=d.pk, courier=courier, actor=dispatcher)
    client.force_login(courier)
    session = client.cookies["sessionid"].value
    page = phone_page
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page.goto(f"{live_server.url}/deliveries/mine/")
    assert page.get_by_text("ул. Мира").is_visible()
    # Nothing wider than the phone: no sideways scrolling in the street.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    take = page.get_by_role("button", name="Беру")
    assert take.bounding_box()["height"] >= 44  # a finger-sized target
    take.click()
    page.get_by_role("button", name="Забрал(а) покупки").click()
    page.get_by_label("Комментарий").fill("Передал лично")
    page.screenshot(path=str(tmp_path / "courier.png"), full_page=True)
    page.get_by_role("button", name="Доставлено").click()
    assert page.get_by_text("адрес и телефон скрыты").is_visible()
    assert page.get_by_text("ул. Мира").count() == 0
    d.refresh_from_db()
    assert d.status == "delivered" and d.courier_note == "Передал лично"
