"""Pages: the public form, a volunteer's shifts, hours certificate and trainings, coverage."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from vmeste.volunteers import public_form, shifts
from vmeste.volunteers.models import Shift, Volunteer
from vmeste.volunteers.tests import factories as f

pytestmark = pytest.mark.django_db


def test_public_form_accepts_a_person_and_refuses_a_bot(client, monkeypatch):
    centre = f.centre("mow", "RU-MOW", min_age=18, max_age=60)
    page = client.get("/volunteers/apply/")
    assert page.status_code == 200 and 'name="website"' in page.content.decode()
    monkeypatch.setattr(public_form, "FORM_MIN_SECONDS", 0)
    form = {
        "centre": centre.code,
        "last_name": "Орлова",
        "first_name": "Вера",
        "birth_date": "1990-02-02",
        "phone": "+79271112244",
        "consent": "on",
        "wanted_roles": ["courier", "operator"],
        "form_token": public_form.form_token(timezone.now() - timedelta(seconds=5)),
    }
    assert client.post("/volunteers/apply/", {**form, "website": "spam"}).status_code == 422
    assert not Volunteer.objects.exists()

    def fresh() -> dict:
        return {**form, "form_token": public_form.form_token(timezone.now() - timedelta(seconds=5))}

    old = client.post("/volunteers/apply/", {**fresh(), "birth_date": "1950-01-01"})
    assert old.status_code == 422 and "до 60 лет" in old.content.decode()
    done = client.post("/volunteers/apply/", fresh())
    assert done.status_code == 200 and "Спасибо" in done.content.decode()
    v = Volunteer.objects.get()
    assert v.wanted_roles == ["courier", "operator"] and v.consent_at is not None


def test_my_shifts_sign_up_check_in_and_certificate(client):
    centre = f.centre()
    boss = f.user(centre=centre)
    f.template(centre, "22:00", "08:00", {"operator": 6}, name="Ночная")
    day = timezone.localdate()
    shifts.generate(centre=centre, first=day, last=day + timedelta(days=2), actor=boss)
    me = f.volunteer(centre)
    client.force_login(me.user)
    page = client.get("/volunteers/me/shifts/").content.decode()
    assert "Ночная" in page and "Записаться" in page
    shift = Shift.objects.filter(centre=centre).order_by("starts_at").first()
    client.post(f"/volunteers/me/shifts/{shift.pk}/sign_up/", {"role": "operator"})
    assignment = me.assignments.get()
    assignment.checked_in_at = shift.starts_at
    assignment.save()
    shifts.check_out(assignment=assignment, actor=me.user, at=shift.ends_at)
    hours = client.get("/volunteers/me/hours/").content.decode()
    assert "Справка о волонтёрской деятельности" in hours and "10,00" in hours
    assert me.full_name in hours
    trainings = client.get("/volunteers/me/trainings/").content.decode()
    assert "Моё обучение" in trainings


def test_coverage_page_for_supervisors_only(client):
    centre = f.centre()
    boss = f.user(centre=centre)
    f.template(centre, "08:00", "12:00", {"operator": 3}, name="Утро")
    tomorrow = timezone.localdate() + timedelta(days=1)
    shifts.generate(centre=centre, first=tomorrow, last=tomorrow, actor=boss)
    client.force_login(boss)
    page = client.get("/volunteers/coverage/", {"centre": "vgg"}).content.decode()
    assert "Утро" in page and "оператор: 3" in page
    client.force_login(f.volunteer(centre).user)
    assert client.get("/volunteers/coverage/").status_code == 404


def test_non_volunteer_gets_404_on_own_pages(client):
    client.force_login(f.user())
    assert client.get("/volunteers/me/shifts/").status_code == 404
    assert date.today()  # keeps the import honest


def test_pages_show_the_centres_local_time_not_moscow(client):
    yakutsk = f.centre("ykt", "RU-SA")
    boss = f.user(centre=yakutsk)
    f.template(yakutsk, "22:00", "08:00", {"operator": 2}, name="Ночная")
    tomorrow = timezone.localdate() + timedelta(days=1)
    shifts.generate(centre=yakutsk, first=tomorrow, last=tomorrow, actor=boss)
    me = f.volunteer(yakutsk)
    client.force_login(me.user)
    page = client.get("/volunteers/me/shifts/").content.decode()
    assert "22:00–08:00" in page and "16:00" not in page  # 22:00 in Yakutsk is 16:00 in Moscow
    client.force_login(boss)
    coverage = client.get("/volunteers/coverage/", {"centre": "ykt", "days": 3}).content.decode()
    assert "22:00" in coverage
    cal = client.get("/volunteers/calendar/", {"centre": "ykt", "from": str(tomorrow)})
    assert "22:00–08:00" in cal.content.decode()


def test_volunteer_is_warned_before_the_document_expires(client):
    centre = f.centre(health_document_required=True, warn_days=10)
    me = f.volunteer(centre, document_days=4)
    client.force_login(me.user)
    page = client.get("/volunteers/me/shifts/").content.decode()
    assert "истекает" in page and "обновите его заранее" in page
    expired = f.volunteer(centre, document_days=-2)
    client.force_login(expired.user)
    assert "истёк" in client.get("/volunteers/me/trainings/").content.decode()
