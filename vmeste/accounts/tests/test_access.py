"""The access policy: roles that count or carry read no person, on the API and the pages alike
(issue 12, defect 2)."""

import pytest

from vmeste.accounts import access
from vmeste.accounts.models import AuditEntry
from vmeste.accounts.roles import ROLES_AND_ACTING, Right, has_right
from vmeste.assistance.tests.test_api import register

pytestmark = pytest.mark.django_db

NAME = "Петрова"
NOTES = "Просила не звонить сыну"


@pytest.fixture
def case(api_as):
    """A request with its person, and a contact with notes, registered by an operator."""
    operator = api_as("operator")
    created = register(operator).json()
    contact = operator.post(
        "/api/v1/contacts",
        {
            "line": "volgograd-volunteers",
            "region": "RU-VGG",
            "caller_number": "+79275551234",
            "notes": NOTES,
            "person_id": created["person"]["id"],
        },
    ).json()
    return {"request": created["id"], "person": created["person"]["id"], "contact": contact["id"]}


def api_reads(case: dict) -> list[str]:
    r, p, c = case["request"], case["person"], case["contact"]
    return [
        "/api/v1/requests",
        "/api/v1/requests?q=%2B79275551234",
        f"/api/v1/requests/{r}",
        "/api/v1/persons?phone=%2B79275551234",
        f"/api/v1/persons/{p}",
        f"/api/v1/persons/{p}/duplicates",
        f"/api/v1/persons/{p}/eligibility",
        "/api/v1/contacts",
        f"/api/v1/contacts/{c}",
        f"/api/v1/requests/{r}/referrals",
    ]


def test_every_role_has_a_line_in_the_policy():
    assert set(access.POLICY) == set(ROLES_AND_ACTING)


def test_the_right_to_personal_data_and_the_policy_agree():
    """`see_personal_data` (granted in `roles.py`, checked when an administrator grants
    roles) means reaching persons in scope, and nothing less or more."""
    for role in ROLES_AND_ACTING:
        reaches = access.POLICY[role].get(access.Kind.PERSON, (access.Reach.NONE,))[0]
        assert (reaches is access.Reach.SCOPE) == has_right(role, Right.SEE_PERSONAL_DATA), role


@pytest.mark.parametrize("role", ["analyst", "courier", "volunteer", "telephony"])
def test_roles_that_count_or_carry_read_no_person_through_the_api(api_as, case, role):
    reader = api_as(role)
    for path in api_reads(case):
        response = reader.client.get(path, **reader.auth)
        assert response.status_code == 403, (path, response.status_code)
        assert response.json()["error"]["code"] == "forbidden"
        body = response.content.decode()
        assert NAME not in body and NOTES not in body and "5551234" not in body
    # Nothing was shown, so nothing is logged as read by them.
    assert not AuditEntry.objects.filter(user=reader.user).exists()


@pytest.mark.parametrize("role", ["analyst", "courier", "volunteer"])
def test_the_pages_refuse_the_same_roles(api_as, case, client, role):
    reader = api_as(role)
    client.force_login(reader.user)
    for path in ("/assistance/", f"/assistance/{case['request']}/", f"/people/{case['person']}/"):
        assert client.get(path).status_code == 403, path


def test_analysts_still_get_the_figures(api_as, case):
    figures = api_as("analyst").get("/api/v1/figures").json()
    assert figures["requests"] == 1 and figures["contacts"] == 1


@pytest.mark.parametrize("role", ["operator", "coordinator", "supervisor", "regional_manager"])
def test_casework_roles_read_in_scope_in_full(api_as, case, role):
    reader = api_as(role, regions=["RU-VGG"])
    for path in api_reads(case):
        response = reader.client.get(path, **reader.auth)
        assert response.status_code == 200, (path, response.content)
    card = reader.get(f"/api/v1/persons/{case['person']}").json()
    assert card["phones"] == ["+79275551234"] and not card["masked"]
    contact = reader.get(f"/api/v1/contacts/{case['contact']}").json()
    assert contact["notes"] == NOTES
    outsider = api_as(role, regions=["RU-SAM"])
    for path in (f"/api/v1/requests/{case['request']}", f"/api/v1/persons/{case['person']}"):
        assert outsider.client.get(path, **outsider.auth).status_code == 404


def test_a_regional_manager_dispatches_nothing(api_as, case):
    manager = api_as("regional_manager")
    assert manager.get("/api/v1/deliveries/mine").status_code == 403
    assert manager.get("/api/v1/deliveries/1").status_code == 403


def test_reach_and_view_come_from_the_table(make_user):
    courier, analyst = make_user("c", "courier"), make_user("a", "analyst")
    assert access.reach(courier, access.Kind.DELIVERY) is access.Reach.OWN
    assert access.reach(courier, access.Kind.PERSON) is access.Reach.NONE
    assert access.reach(analyst, access.Kind.REQUEST) is access.Reach.NONE
    assert not access.sees_full(analyst, access.Kind.PERSON)
    # A role limited to its own tasks reads nothing when no condition says what is its own.
    from vmeste.deliveries.models import Delivery

    assert list(access.readable(Delivery.objects.all(), courier, access.Kind.DELIVERY)) == []
    operator = make_user("o", "operator")
    operator.is_active = False
    assert access.reach(operator, access.Kind.PERSON) is access.Reach.NONE
