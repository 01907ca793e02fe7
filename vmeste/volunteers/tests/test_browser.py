"""The public application form in Debian's Chromium, on a phone-sized screen."""

import pytest

from vmeste.volunteers import public_form
from vmeste.volunteers.models import Volunteer
from vmeste.volunteers.tests import factories as f


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_person_applies_from_a_phone(live_server, monkeypatch, tmp_path, phone_page):
    f.centre("mow", "RU-MOW", min_age=18, max_age=60)
    monkeypatch.setattr(public_form, "FORM_MIN_SECONDS", 0)
    page = phone_page
    page.goto(f"{live_server.url}/volunteers/apply/")
    assert page.locator("#website").bounding_box()["x"] < 0  # the honeypot is off-screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_label("Фамилия").fill("Орлова")
    page.get_by_label("Имя", exact=True).fill("Вера")
    page.get_by_label("Дата рождения").fill("1950-02-02")
    page.get_by_label("Телефон").fill("8 927 111-22-44")
    page.get_by_label("курьер").check()
    page.get_by_label("Согласен(на)", exact=False).check()
    page.get_by_role("button", name="Отправить анкету").click()
    assert page.get_by_text("до 60 лет").first.is_visible()
    page.get_by_label("Дата рождения").fill("1990-02-02")
    page.screenshot(path=str(tmp_path / "apply.png"), full_page=True)
    page.get_by_role("button", name="Отправить анкету").click()
    assert page.get_by_text("Анкета принята").is_visible()
    v = Volunteer.objects.get()
    assert (v.phone, v.wanted_roles) == ("+79271112244", ["courier"])
