"""`python -m bench.generate`: N persons with phones, M numbered requests, K contacts, in bulk."""

import re

import pytest

from bench import generate as command
from bench.generator import generate, phone_of
from vmeste.assistance import numbering, tally_sql
from vmeste.assistance.models import Request
from vmeste.contacts.models import Contact
from vmeste.people.models import Person, PersonPhone

pytestmark = pytest.mark.django_db


def _sequences_match_numbers() -> None:
    highest: dict = {}
    for number in Request.objects.values_list("number", flat=True):
        prefix, year, seq = re.fullmatch(r"([A-Z]+)-(\d{4})-(\d{6})", number).groups()
        key = (prefix, int(year))
        highest[key] = max(highest.get(key, 0), int(seq))
    # The counters continue after the highest number written.
    assert {key: numbering.last_given(*key) for key in highest} == highest


def _tally_matches_rows() -> None:
    """The list's counts (kept by triggers, which a bulk load pauses) were recounted."""
    assert tally_sql.drift() == {}


def test_generate_creates_the_rows_asked_for():
    made = generate(persons=300, requests=700, contacts=120, seed=5, batch=128)
    assert made == {"persons": 300, "requests": 700, "contacts": 120}
    assert Person.objects.count() == 300 and PersonPhone.objects.count() == 300
    assert Request.objects.count() == 700 and Contact.objects.count() == 120
    person = Person.objects.order_by("?").first()
    assert person.phones.get().e164 == phone_of(person.pk)
    assert person.consent == "given" and person.last_name and person.region_id
    assert Request.objects.values("number").distinct().count() == 700
    statuses = set(Request.objects.values_list("status", flat=True))
    assert {"resolved", "new"} <= statuses
    assert not Request.objects.filter(status="resolved", outcome_helped__isnull=True).exists()
    for request in Request.objects.select_related("line", "region")[:100]:
        assert request.line.serves_region(request.region)
    _sequences_match_numbers()


def test_a_second_run_continues_ids_phones_and_numbers():
    generate(persons=50, requests=80, seed=1)
    generate(persons=50, requests=80, seed=1)
    _tally_matches_rows()
    assert Person.objects.count() == 100
    assert PersonPhone.objects.values("e164").distinct().count() == 100
    assert Request.objects.values("number").distinct().count() == 160
    _sequences_match_numbers()
    # A person created the ordinary way afterwards gets a fresh id: the sequence moved on.
    assert Person.objects.create(last_name="Тестова").pk > max(
        Person.objects.exclude(last_name="Тестова").values_list("pk", flat=True)
    )


def test_requests_alone_use_the_persons_already_there():
    generate(persons=20, requests=0)
    generate(persons=0, requests=40, contacts=10)
    assert Request.objects.count() == 40
    assert set(Request.objects.values_list("person_id", flat=True)) <= set(
        Person.objects.values_list("pk", flat=True)
    )


def test_command(capsys):
    assert command.main(["--persons", "30", "--requests", "60", "--quiet"]) == 0
    assert "persons: 30" in capsys.readouterr().out and Request.objects.count() == 60
    with pytest.raises(SystemExit) as refused:
        command.main(["--persons", "-1"])
    assert refused.value.code == 2 and "отрицательными" in capsys.readouterr().err
    assert Person.objects.count() == 30  # the refused run wrote nothing


def test_requests_need_persons(capsys):
    with pytest.raises(SystemExit) as refused:
        command.main(["--requests", "5", "--quiet"])
    assert refused.value.code == 2 and "persons first" in capsys.readouterr().err
    assert not Request.objects.exists()


@pytest.mark.postgres
def test_large_loads_rebuild_the_indexes_they_dropped(monkeypatch):
    from django.db import connection

    from bench import sinks

    if connection.vendor != "postgresql":
        pytest.skip("COPY and index rebuilds are PostgreSQL's")

    def indexes() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'assistance_request'"
            )
            return {row[0] for row in cursor.fetchall()}

    before = indexes()
    monkeypatch.setattr(sinks.PostgresCopySink, "REBUILD_INDEXES_FROM", 10)
    generate(persons=40, requests=90, seed=3)
    assert indexes() == before and len(before) > 5
    assert Request.objects.count() == 90
    _sequences_match_numbers()
