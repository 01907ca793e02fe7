import itertools
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from vmeste.accounts.models import AuditEntry
from vmeste.assistance.models import RequestEvent
from vmeste.directory import services
from vmeste.directory.eligibility import sql
from vmeste.directory.eligibility.engine import MeasureSpec, compile_measure, evaluate
from vmeste.directory.eligibility.validate import validate
from vmeste.directory.models import Measure
from vmeste.people.models import Person

from .conftest import years_ago

pytestmark = pytest.mark.django_db

TREES = [
    {"fact": "age", "op": ">=", "value": 60},
    {"fact": "age", "op": "between", "value": [18, 35]},
    {"fact": "age", "op": "!=", "value": 40},
    {"not": {"fact": "age", "op": "<", "value": 70}},
    {"fact": "income_per_member", "op": "<=", "value": {"subsistence_minimum": 1.5}},
    {"fact": "income_per_member", "op": ">", "value": 20000},
    {
        "any": [
            {"fact": "veteran", "op": "is", "value": True},
            {"fact": "household_size", "op": ">=", "value": 4},
        ]
    },
    {
        "all": [
            {"fact": "lives_alone", "op": "is", "value": True},
            {"fact": "region", "op": "in", "value": ["RU-VGG"]},
        ]
    },
    {"fact": "disability_group", "op": "in", "value": ["1", "2"]},
    {"not": {"fact": "has_disability", "op": "is", "value": True}},
    {"fact": "region", "op": "not_in", "value": ["RU-TA"]},
    # «known» / «unknown»: decided by the profile itself, in SQL by the same NULL tests.
    {"fact": "age", "op": "unknown"},
    {"any": [{"fact": "age", "op": "unknown"}, {"fact": "age", "op": ">=", "value": 60}]},
    {"fact": "income_per_member", "op": "known"},
    {"all": [{"fact": "region", "op": "known"}, {"fact": "household_size", "op": "unknown"}]},
    {"any": [{"fact": "lives_alone", "op": "unknown"}, {"fact": "veteran", "op": "known"}]},
    {"not": {"fact": "disability_group", "op": "known"}},
]


def random_tree(rng: random.Random, depth: int = 0) -> dict:
    if depth >= 2 or rng.random() < 0.35:
        kind = rng.randrange(5)
        if kind == 0:
            op = rng.choice([">=", ">", "<", "<=", "=", "!=", "between"])
            value = sorted(rng.sample(range(10, 95), 2)) if op == "between" else rng.randint(10, 95)
            return {"fact": rng.choice(["age", "household_size"]), "op": op, "value": value}
        if kind == 1:
            return {"fact": "region", "op": rng.choice(["in", "not_in"]), "value": ["RU-VGG"]}
        if kind == 2:
            ratio = {"subsistence_minimum": rng.choice([1, 1.5])}
            return {"fact": "income_per_member", "op": rng.choice(["<=", ">"]), "value": ratio}
        if kind == 3:
            return {"fact": "disability_group", "op": "in", "value": ["1", "child"]}
        return {"fact": rng.choice(["veteran", "lives_alone", "has_disability"]), "op": "is",
                "value": rng.random() < 0.7}  # fmt: skip
    node = {
        rng.choice(["all", "any"]): [random_tree(rng, depth + 1) for _ in range(rng.randint(2, 3))]
    }
    return {"not": node} if rng.random() < 0.2 else node


def make_population(make_person, n=60):
    rng = random.Random(7)
    today = timezone.localdate()
    for i in range(n):
        fields = {
            # yes, no or not asked
            "veteran": rng.choice([True, False, False, None]),
            "lives_alone": rng.choice([True, False, None]),
            "disability_group": rng.choice(["", "", "1", "2", "3", "child"]),
            "household_size": rng.choice([None, 1, 2, 4, 6]),
            "income_per_member": rng.choice(
                [None, Decimal("9000"), Decimal("22500"), Decimal("30000")]
            ),
        }
        kind = i % 3
        if kind == 0:
            fields["birth_date"] = years_ago(rng.randint(15, 90))
        elif kind == 1:
            fields["age_stated"] = rng.randint(15, 90)
            fields["age_stated_on"] = today.replace(year=today.year - rng.randint(0, 3))
        make_person(region=rng.choice(["RU-VGG", "RU-TA", None]), **fields)


def test_sql_compilation_agrees_with_the_engine_person_by_person(make_person, region_facts):
    make_population(make_person)
    today = timezone.localdate()
    persons = list(Person.objects.select_related("region"))
    rng = random.Random(99)
    generated = [random_tree(rng) for _ in range(40)]
    generated = [t for t in generated if not validate(t, rules={}, region_codes={"RU-VGG"})]
    assert len(generated) > 20
    for tree in TREES + generated:
        compiled = sql.compile_q(tree, rules={}, today=today)
        base = sql.annotate(Person.objects.all(), today=today)
        surely = set(base.filter(compiled.true).values_list("pk", flat=True))
        may = set(base.filter(compiled.may).values_list("pk", flat=True))
        measure = compile_measure(MeasureSpec(1, "m", tree), {})
        for person in persons:
            value = evaluate(measure, services.profile_of(person, today=today)).value
            assert (person.pk in surely) == (value is True), (tree, person.__dict__)
            assert (person.pk in may) == (value is not False), (tree, person.__dict__)


def test_open_requests_that_may_qualify_for_a_new_measure(
    api_as, make_person, make_request, region_facts
):
    admin = api_as("administrator")
    created = admin.post(
        "/api/v1/measures",
        {
            "code": "old",
            "name": "Пожилым (демо)",
            "level": "regional",
            "regions": ["RU-VGG"],
            "eligibility": {"fact": "age", "op": ">=", "value": 60},
        },
    ).json()
    old = make_request(make_person(birth_date=years_ago(70)))
    unknown = make_request(make_person())
    make_request(make_person(birth_date=years_ago(30)))
    make_request(make_person(birth_date=years_ago(80)), status="resolved")
    make_request(make_person(region="RU-TA", birth_date=years_ago(80)))
    body = admin.get(f"/api/v1/measures/{created['id']}/candidates").json()
    assert body["count"] == 2
    assert {(i["request_id"], i["surely"]) for i in body["items"]} == {
        (old.pk, True),
        (unknown.pk, False),
    }
    # Who may qualify says something of a person's age, health and income: audited.
    read = AuditEntry.objects.get(user=admin.user, purpose="eligibility")
    assert read.action == "search" and read.channel == "api"
    assert set(read.records.split()) == {
        f"request:{old.pk}",
        f"request:{unknown.pk}",
        f"person:{old.person_id}",
        f"person:{unknown.person_id}",
    }
    scoped = api_as("operator", regions=["RU-TA"]).get(
        f"/api/v1/measures/{created['id']}/candidates"
    )
    assert scoped.json()["count"] == 0


def test_referral_workflow_lands_on_the_timeline_and_resolves_the_request(
    api_as, make_person, make_request
):
    admin = api_as("administrator")
    measure = admin.post(
        "/api/v1/measures", {"code": "m", "name": "Мера (демо)", "level": "federal"}
    ).json()
    request = make_request(make_person())
    operator = api_as("operator", regions=["RU-VGG"])
    created = operator.post(
        f"/api/v1/requests/{request.pk}/referrals", {"measure_id": measure["id"]}
    )
    assert created.status_code == 201, created.content
    referral = created.json()
    assert referral["status"] == "planned"

    def move(to, **extra):
        return operator.post(f"/api/v1/referrals/{referral['id']}/transition", {"to": to, **extra})

    assert move("provided").status_code == 422  # planned → provided skips steps
    assert move("submitted").json()["submitted_at"]
    assert move("rejected").status_code == 422  # a refusal needs its reason
    assert move("accepted").status_code == 200
    done = move("provided", feedback="Набор получен", resolve_request=True)
    assert done.status_code == 200, done.content
    assert done.json()["feedback"] == "Набор получен"
    request.refresh_from_db()
    assert (
        request.status == "resolved" and request.outcome_helped and request.outcome_how == "measure"
    )
    kinds = list(RequestEvent.objects.filter(request=request).values_list("kind", flat=True))
    assert kinds.count("linked") == 4
    listed = operator.get(f"/api/v1/requests/{request.pk}/referrals").json()
    assert listed["items"][0]["status"] == "provided"
    outsider = api_as("operator", regions=["RU-TA"])
    assert outsider.get(f"/api/v1/requests/{request.pk}/referrals").status_code == 404


def test_referral_transition_table_is_explicit():
    from vmeste.directory.referrals import transitions as t

    pairs = set(itertools.product(t.STATUSES, repeat=2))
    allowed = {p for p in pairs if t.check(*p, feedback="x") is None}
    assert allowed == {
        ("planned", "submitted"),
        ("submitted", "accepted"),
        ("submitted", "rejected"),
        ("accepted", "provided"),
    }
    assert Measure.Level.FEDERAL == "federal"
