from datetime import date

import pytest

from vmeste.accounts.models import AuditEntry
from vmeste.core.errors import ValidationFailed
from vmeste.core.models import Region
from vmeste.people import merging, services
from vmeste.people.models import Consent, Person, PersonEvent

pytestmark = pytest.mark.django_db


def person_input(**changes):
    values = {
        "phone": "+79275550001",
        "last_name": "Иванова",
        "first_name": "Мария",
        "middle_name": "Петровна",
        "birth_date": date(1940, 5, 9),
        "region": Region.objects.get(code="RU-VGG"),
        "flags": {"lives_alone": True},
    }
    values.update(changes)
    return services.PersonInput(**values)


def test_register_records_consent_and_history(make_user):
    operator = make_user("op")
    person, _matched = services.find_or_register(data=person_input(), consent=True, actor=operator)
    assert person.consent == "given"
    assert person.lives_alone and person.aged_60_plus
    consent = Consent.objects.get(person=person)
    assert (consent.status, consent.method, consent.recorded_by) == ("given", "oral_call", operator)
    events = list(PersonEvent.objects.filter(person=person))
    assert [e.kind for e in events] == ["created"]  # the card is born with the consent given
    assert events[0].data["consent"] == "given"


def test_without_consent_only_the_number_is_kept(make_user):
    operator = make_user("op")
    with pytest.raises(ValidationFailed) as refused:
        services.find_or_register(data=person_input(), consent=False, actor=operator)
    assert "consent" in refused.value.fields
    assert Person.objects.count() == 0
    person, _matched = services.find_or_register(
        data=services.PersonInput(phone="+79275550001"), consent=False, actor=operator
    )
    assert person.full_name == "" and person.consent == "refused"
    assert person.phones.get().e164 == "+79275550001"


def test_consent_is_an_explicit_argument_and_a_match_is_said_openly(make_user):
    operator = make_user("op")
    with pytest.raises(TypeError):
        services.find_or_register(data=person_input(), actor=operator)  # no consent given
    first, matched_first = services.find_or_register(
        data=person_input(), consent=True, actor=operator
    )
    again, matched_again = services.find_or_register(
        data=person_input(), consent=True, actor=operator
    )
    assert (matched_first, matched_again) == (False, True) and again.pk == first.pk
    assert not hasattr(again, "matched")  # no side channel on the instance


def test_same_phone_and_name_is_the_same_person_a_relative_is_not(make_user):
    operator = make_user("op")
    first, _matched = services.find_or_register(data=person_input(), consent=True, actor=operator)
    again, _matched = services.find_or_register(
        data=person_input(last_name="ИВАНОВА", address="ул. Мира, 1"), consent=True, actor=operator
    )
    assert again.pk == first.pk
    assert again.address == "ул. Мира, 1" and again.version == 2
    husband, _matched = services.find_or_register(
        data=person_input(first_name="Сергей", middle_name="Павлович"), consent=True, actor=operator
    )
    assert husband.pk != first.pk


def test_the_newest_card_behind_a_number_is_matched_and_a_merged_one_never(make_user):
    operator = make_user("op")
    older, _matched = services.find_or_register(data=person_input(), consent=True, actor=operator)
    newer, _matched = services.find_or_register(
        data=person_input(first_name="Сергей"), consent=True, actor=operator
    )
    # No name given: any card behind the number fits; the newest one is taken.
    anyone, _matched = services.find_or_register(
        data=person_input(last_name="", first_name="", middle_name=""), consent=True, actor=operator
    )
    assert anyone.pk == newer.pk
    Person.objects.filter(pk=newer.pk).update(merged_into=older)
    assert (
        services.find_or_register(
            data=person_input(last_name="", first_name="", middle_name=""),
            consent=True,
            actor=operator,
        )[0].pk
        == older.pk
    )


def test_possible_duplicates_and_merge_keep_history(make_user):
    operator = make_user("op")
    a, _matched = services.find_or_register(data=person_input(), consent=True, actor=operator)
    b, _matched = services.find_or_register(
        data=person_input(phone="+79035550002", last_name="Иваноа", flags={"caregiver": True}),
        consent=True,
        actor=operator,
    )
    found = merging.possible_duplicates(person=a, user=operator)
    assert [p.pk for p, _score in found] == [b.pk]
    kept = merging.merge(keep_id=a.pk, absorb_id=b.pk, actor=operator)
    assert sorted(kept.phones.values_list("e164", flat=True)) == ["+79035550002", "+79275550001"]
    assert kept.caregiver and kept.lives_alone
    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    assert PersonEvent.objects.filter(person=a, kind="merged_in").exists()
    assert PersonEvent.objects.filter(person=b, kind="merged_away").exists()
    # The absorbed card no longer answers a phone lookup; the kept one does.
    assert [p.pk for p in services.find_by_phone(phone="+79035550002", user=operator)] == [a.pk]


def test_merge_needs_the_right(make_user):
    operator = make_user("op")
    courier = make_user("courier", "courier")
    a, _matched = services.find_or_register(data=person_input(), consent=True, actor=operator)
    b, _matched = services.find_or_register(
        data=person_input(phone="+79035550002"), consent=True, actor=operator
    )
    with pytest.raises(services.Forbidden):
        merging.merge(keep_id=a.pk, absorb_id=b.pk, actor=courier)


def test_every_card_read_is_audited_and_masked_without_the_right(make_user):
    operator = make_user("op")
    manager = make_user("rm", "regional_manager")
    analyst = make_user("an", "analyst")
    person, _matched = services.find_or_register(data=person_input(), consent=True, actor=operator)
    with pytest.raises(services.Forbidden):
        services.get_person(person_id=person.pk, user=analyst)
    card = services.display(person, analyst)  # masking, for lists that show a person
    assert card["masked"] and card["birth_date"] is None and "5550001" not in card["phones"][0]
    open_card = services.display(services.get_person(person_id=person.pk, user=operator), operator)
    assert open_card["phones"] == ["+79275550001"] and open_card["birth_date"] == "1940-05-09"
    services.get_person(person_id=person.pk, user=manager)
    reads = AuditEntry.objects.filter(action="view", object_id=str(person.pk))
    assert sorted(reads.values_list("user__username", flat=True)) == ["op", "rm"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phone": "нет"}, "person.phone"),
        ({"last_name": "Я" * 101}, "person.last_name"),
        ({"age": 200}, "person.age"),
        ({"flags": {"is_martian": True}}, "person.flags"),
        ({"disability_group": "7"}, "person.disability_group"),
    ],
)
def test_invalid_person_input_names_the_field(changes, field):
    with pytest.raises(ValidationFailed) as refused:
        services.validate(person_input(**changes))
    assert field in refused.value.fields


def test_update_with_a_stale_version_is_refused(api_as):
    api = api_as("operator")
    created = api.post(
        "/api/v1/requests",
        {
            "line": "we-are-together",
            "region": "RU-VGG",
            "category": "groceries",
            "description": "Продукты",
            "consent": True,
            "person": {"last_name": "Лаптева", "first_name": "Зоя", "phone": "+79275550009"},
        },
    ).json()
    url = f"/api/v1/persons/{created['person']['id']}"
    card = api.get(url).json()
    first = api.client.patch(
        url,
        {"version": card["version"], "address": "ул. Лесная, 3"},
        content_type="application/json",
        **api.auth,
    )
    assert first.status_code == 200 and first.json()["version"] == card["version"] + 1
    second = api.client.patch(
        url,
        {"version": card["version"], "address": "ул. Садовая, 9"},
        content_type="application/json",
        **api.auth,
    )
    assert second.status_code == 409
    assert Person.objects.get().address == "ул. Лесная, 3"
    bad = api.client.patch(url, {"phone": "000"}, content_type="application/json", **api.auth)
    assert bad.status_code == 422 and "person.phone" in bad.json()["error"]["fields"]


def test_a_situation_is_yes_no_or_not_asked(make_user):
    operator = make_user("op", "supervisor")
    answers = {"lives_alone": True, "veteran": False}
    person, _matched = services.find_or_register(
        data=person_input(flags=answers), consent=True, actor=operator
    )
    assert (person.lives_alone, person.veteran, person.caregiver) == (True, False, None)
    card = services.display(person, operator)
    assert card["flags"] == ["lives_alone"] and card["flags_no"] == ["veteran"]
    # A later call that does not ask keeps the answers; a new answer changes one.
    person, _matched = services.find_or_register(
        data=person_input(flags={"veteran": True}), consent=True, actor=operator
    )
    assert (person.lives_alone, person.veteran, person.caregiver) == (True, True, None)
    # Merging fills only what the kept card does not know.
    other, _matched = services.find_or_register(
        data=person_input(phone="+79275550002", flags={"lives_alone": False, "caregiver": False}),
        consent=True,
        actor=operator,
    )
    kept = merging.merge(keep_id=person.pk, absorb_id=other.pk, actor=operator)
    assert (kept.lives_alone, kept.veteran, kept.caregiver) == (True, True, False)


def test_the_migration_turns_old_unsaid_noes_into_unknown():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("vmeste.people.migrations.0002_situation_unknown")
    old = Person.objects.create(last_name="Старая", lives_alone=True, veteran=False)
    untouched = Person.objects.create(last_name="Другая", caregiver=True)
    migration.forget_unrecorded_noes(apps, None)
    old.refresh_from_db()
    untouched.refresh_from_db()
    assert (old.lives_alone, old.veteran) == (True, None)
    assert (untouched.caregiver, untouched.veteran) == (True, None)
