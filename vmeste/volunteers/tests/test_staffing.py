"""Staffing a centre in bulk from the site: volunteers moved to another centre, the week's
shifts laid from the templates, many people put on many shifts at once (all or nothing).
Shifts are laid from tomorrow on, so the hour the tests run at changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from vmeste.volunteers import shifts
from vmeste.volunteers.models import Assignment, Shift, Volunteer, VolunteerEvent
from vmeste.volunteers.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_centres():
    return f.centre("vgg", "RU-VGG"), f.centre("tver", "RU-TVE")


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_ticked_volunteers_move_to_another_centre_and_give_up_its_future_places(
    client, two_centres
):
    vgg, tver = two_centres
    boss = f.user(centre=vgg)
    f.template(vgg, "08:00", "12:00", {"operator": 3})
    tomorrow = timezone.localdate() + timedelta(days=1)
    shifts.generate(centre=vgg, first=tomorrow, last=tomorrow, actor=boss)
    moving, staying = [f.volunteer(vgg) for _ in range(2)], f.volunteer(vgg)
    for v in (*moving, staying):
        shifts.sign_up(shift=Shift.objects.get(), volunteer=v, role="operator", actor=boss)
    client.force_login(boss)
    page = client.post(
        "/volunteers/transfer/",
        {"volunteer": [v.pk for v in moving], "to": "tver"},
        follow=True,
    )
    assert "Переведено в центр «Центр tver»: 2." in _messages(page)
    for v in moving:
        v.refresh_from_db()
        assert v.centre == tver and v.user.centre == tver
        event = VolunteerEvent.objects.get(volunteer=v, kind="centre")
        assert event.text == "Переведён(а): vgg → tver; снято с будущих смен: 1."
    assert list(Assignment.objects.values_list("volunteer", flat=True)) == [staying.pk]
    # Now at the new centre, they are on its list (and no longer on the old one's).
    listed = client.get("/volunteers/", {"centre": "tver"}).content.decode()
    assert all(v.full_name in listed for v in moving) and staying.full_name not in listed


def test_a_transfer_with_one_refusal_moves_nobody_and_names_it(client, two_centres):
    vgg, tver = two_centres
    clash, fine = f.volunteer(vgg), f.volunteer(vgg)
    twin = f.volunteer(tver)
    Volunteer.objects.filter(pk=twin.pk).update(phone=clash.phone)
    client.force_login(f.user(centre=vgg))
    page = client.post(
        "/volunteers/transfer/", {"volunteer": [clash.pk, fine.pk], "to": "tver"}, follow=True
    )
    said = _messages(page)
    assert "Никто не переведён: отказов 1." in said
    assert f"{clash.full_name}: этот телефон уже есть в центре." in said
    assert Volunteer.objects.filter(centre=vgg).count() == 2
    nothing = client.post("/volunteers/transfer/", {"to": "tver"}, follow=True)
    assert "Отметьте волонтёров." in _messages(nothing)
    # Back to the page the form was on, never to another site.
    away = client.post("/volunteers/transfer/", {"to": "tver", "next": "https://evil.example/"})
    assert away["Location"] == "/volunteers/"
    back = client.post("/volunteers/transfer/", {"to": "tver", "next": "/volunteers/?centre=vgg"})
    assert back["Location"] == "/volunteers/?centre=vgg"


def test_a_regional_supervisor_moves_nobody_out_of_their_regions(client, two_centres):
    vgg, _tver = two_centres
    v = f.volunteer(vgg)
    client.force_login(f.user(regions=["RU-VGG"]))
    page = client.post("/volunteers/transfer/", {"volunteer": [v.pk], "to": "tver"}, follow=True)
    assert "Неизвестный центр: «tver»." in _messages(page)
    v.refresh_from_db()
    assert v.centre == vgg


def test_the_week_is_laid_and_many_people_put_on_many_shifts(client, two_centres):
    _vgg, tver = two_centres
    boss = f.user(centre=tver)
    f.template(tver, "08:00", "14:00", {"operator": 3}, name="День")
    f.template(tver, "14:00", "08:00", {"operator": 3}, name="Ночь")
    people = [f.volunteer(tver) for _ in range(3)]
    start = timezone.localdate() + timedelta(days=1)
    client.force_login(boss)
    week = f"/volunteers/calendar/?centre=tver&from={start}"
    laid = client.post(
        "/volunteers/calendar/generate/",
        {"centre": "tver", "from": str(start), "next": week},
        follow=True,
    )
    assert "Смен добавлено: 14." in _messages(laid)
    page = client.get(week).content.decode()
    assert page.count('type="checkbox" name="shift"') == 14
    assert page.count('type="checkbox" name="person"') == 3
    form = {
        "shift": list(Shift.objects.values_list("pk", flat=True)),
        "person": [v.pk for v in people],
        "role": "operator",
        "next": week,
    }
    done = client.post("/volunteers/calendar/assign_many/", form, follow=True)
    assert "Назначено мест: 42." in _messages(done)
    assert Assignment.objects.count() == 42
    again = client.post("/volunteers/calendar/assign_many/", form, follow=True)
    assert "Назначено мест: 0." in _messages(again) and Assignment.objects.count() == 42


def test_bulk_assignment_with_one_refusal_writes_nothing_and_lists_each(client, two_centres):
    _vgg, tver = two_centres
    boss = f.user(centre=tver)
    f.template(tver, "08:00", "14:00", {"operator": 2}, name="День")
    day = timezone.localdate() + timedelta(days=1)
    shifts.generate(centre=tver, first=day, last=day + timedelta(days=1), actor=boss)
    people = [f.volunteer(tver) for _ in range(3)]
    client.force_login(boss)
    form = {
        "shift": list(Shift.objects.values_list("pk", flat=True)),
        "person": [v.pk for v in people],
        "role": "operator",
    }
    page = client.post("/volunteers/calendar/assign_many/", form, follow=True)
    said = _messages(page)
    assert "Никто не назначен: отказов 2." in said
    full = "Мест в роли «оператор» на смене больше нет (2 из 2 заняты)."
    assert said.count(f"{people[2].full_name}, День") == 2 and said.count(full) == 2
    assert Assignment.objects.count() == 0
    empty = client.post("/volunteers/calendar/assign_many/", {"role": "operator"}, follow=True)
    assert "Отметьте хотя бы одну смену и одного человека." in _messages(empty)
