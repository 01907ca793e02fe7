"""Defect 7: the public volunteer form tells nobody whether a number is known, counts failed
attempts toward its limit, counts by the address our own proxies report, and takes a form
token once."""

from datetime import date, timedelta

import pytest

from vmeste.volunteers import public_form
from vmeste.volunteers.models import Volunteer, VolunteerEvent
from vmeste.volunteers.tests import factories as f
from vmeste.volunteers.tests.factories import Api

pytestmark = pytest.mark.django_db

APPLY = "/api/v1/volunteers/apply"


@pytest.fixture(autouse=True)
def _no_wait(monkeypatch):
    monkeypatch.setattr(public_form, "FORM_MIN_SECONDS", 0)


@pytest.fixture
def centre():
    return f.centre("mow", "RU-MOW", min_age=18, max_age=70)


def _body(centre, token: str, **extra) -> dict:
    return {
        "centre": centre.code, "last_name": "Соколова", "first_name": "Ирина",
        "birth_date": str(date(1990, 5, 5)), "phone": "+79271234567", "consent": True,
        "wanted_roles": ["operator"], "form_token": token, **extra,
    }  # fmt: skip


def _token(api: Api) -> str:
    return api.get("/api/v1/volunteers/application-form").json()["token"]


def test_a_known_number_gets_the_same_answer_as_a_new_one(centre):
    public = Api()
    first = public.post(APPLY, _body(centre, _token(public)))
    again = public.post(APPLY, _body(centre, _token(public), first_name="Другая"))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    # No twin; the coordinator sees the second application on the card.
    volunteer = Volunteer.objects.get()
    assert volunteer.first_name == "Ирина"
    assert VolunteerEvent.objects.filter(volunteer=volunteer, kind="reapplied").count() == 1


def test_the_page_answers_a_known_number_as_a_new_one(client, centre):
    def submit():
        form = _body(centre, public_form.form_token(), consent="on")
        return client.post("/volunteers/apply/", form)

    first, again = submit(), submit()
    assert first.status_code == again.status_code == 200
    assert "Спасибо" in again.content.decode()
    assert Volunteer.objects.count() == 1


def test_failed_attempts_count_toward_the_limit(centre):
    public = Api()
    for _ in range(10):
        wrong = public.post(APPLY, _body(centre, _token(public), phone="12"))
        assert wrong.status_code == 422
    limited = public.post(APPLY, _body(centre, _token(public)))
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert not Volunteer.objects.exists()


def test_the_limit_counts_the_address_a_trusted_proxy_reports(centre, settings):
    public = Api()

    def attempt(forwarded: str, peer: str = "10.0.0.2"):
        public.client.defaults.update(REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
        return public.post(APPLY, _body(centre, _token(public), phone="12"))

    # Not from our proxy: the header is the client's own words, one address for all.
    for n in range(10):
        attempt(f"198.51.100.{n}")
    assert attempt("198.51.100.200").status_code == 429
    # From our proxy: each client behind it has a limit of its own.
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for _ in range(10):
        assert attempt("203.0.113.5").status_code == 422
    assert attempt("203.0.113.5").status_code == 429
    assert attempt("203.0.113.6").status_code == 422


def test_a_form_token_is_taken_once(centre):
    public = Api()
    token = _token(public)
    assert public.post(APPLY, _body(centre, token)).status_code == 201
    reused = public.post(APPLY, _body(centre, token, phone="+79270000001"))
    assert reused.status_code == 400 and reused.json()["error"]["code"] == "form_used"
    assert Volunteer.objects.count() == 1


def test_two_forms_shown_at_the_same_moment_have_different_tokens():
    moment = public_form.timezone.now() - timedelta(seconds=10)
    assert public_form.form_token(moment) != public_form.form_token(moment)


# Every field of the form wrong at once: one answer lists every mistake, in Russian.
_WRONG = {
    "centre": "no-such-centre",
    "last_name": "Ж" * 101,
    "first_name": "  ",
    "middle_name": "Ж" * 101,
    "birth_date": "31.12.1990",
    "phone": "12",
    "email": "not-an-address",
    "district": "Р" * 151,
    "wanted_roles": ["pilot"],
    "document_valid_until": "2099-99-99",
}
_WRONG_API = {**_WRONG, "document_kind": "К" * 101, "document_number": "9" * 101}


def test_the_api_lists_every_mistake_of_a_form_wrong_everywhere(centre):
    public = Api()
    answer = public.post(APPLY, {**_body(centre, _token(public), consent=False), **_WRONG_API})
    assert answer.status_code == 422
    fields = answer.json()["error"]["fields"]
    assert set(fields) == {*_WRONG_API, "consent"}
    assert fields["last_name"] == ["Не длиннее 100 символов."]
    assert fields["first_name"] == ["Укажите имя."]
    assert fields["email"] == ["Неверный адрес эл. почты."]
    assert fields["document_number"] == ["Не длиннее 100 символов."]
    assert not Volunteer.objects.exists()


def test_the_page_shows_every_mistake_beside_its_field(client, centre):
    form = {**_body(centre, public_form.form_token()), **_WRONG}
    del form["consent"]
    page = client.post("/volunteers/apply/", form)
    assert page.status_code == 422
    html = page.content.decode()
    for name in {*_WRONG, "consent"}:
        assert f'id="err-{name}"' in html, name
    assert "Не длиннее 150 символов." in html and "Неверный номер телефона." in html
    assert 'maxlength="100"' in html  # the browser holds the same limits
    assert not Volunteer.objects.exists()


def test_the_centres_rules_are_told_together_with_the_fields_mistakes(centre):
    public = Api()
    young = str(date.today() - timedelta(days=16 * 366))
    answer = public.post(APPLY, _body(centre, _token(public), birth_date=young, email="x@"))
    fields = answer.json()["error"]["fields"]
    assert answer.status_code == 422 and set(fields) == {"birth_date", "email"}
    assert "18 лет" in fields["birth_date"][0]
    assert not Volunteer.objects.exists()


def test_values_of_the_wrong_type_are_refused_in_russian(centre):
    public = Api()
    body = {**_body(centre, _token(public)), "consent": "может быть", "wanted_roles": "курьер"}
    answer = public.post(APPLY, body)
    assert answer.status_code == 422
    assert answer.json()["error"]["fields"] == {
        "consent": ["Ожидалось true или false."],
        "wanted_roles": ["Ожидался список."],
    }
