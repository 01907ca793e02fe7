import pytest

from vmeste.accounts.models import AuditEntry
from vmeste.directory.hsds.importing import import_documents

from .conftest import years_ago
from .test_hsds import org_doc

pytestmark = pytest.mark.django_db


def test_operator_searches_the_directory_by_region_need_and_text(client, make_user):
    doc = org_doc()
    doc["services"][0]["attributes"] = [
        {"id": "5a1d7c0e-0000-4000-8000-0000000000a1", "taxonomy_term": {
            "id": "5a1d7c0e-0000-4000-8000-0000000000a2", "code": "food-parcel",
            "name": "Продуктовый набор", "description": "x"}}
    ]  # fmt: skip
    import_documents({"a.json": doc})
    client.force_login(make_user("op", "operator"))
    page = client.get("/directory/", {"region": "RU-VGG", "need": "groceries", "q": "НАБОРЫ"})
    assert page.status_code == 200
    assert "Продуктовые наборы" in page.content.decode()
    other = client.get("/directory/", {"region": "RU-TA"}, HTTP_HX_REQUEST="true")
    assert "Продуктовые наборы" not in other.content.decode()
    assert "<html" not in other.content.decode(), "htmx gets the fragment only"


def test_navigator_panel_is_scoped_and_audited(client, make_user, make_person, make_request):
    person = make_person(birth_date=years_ago(70))
    make_request(person)
    client.force_login(make_user("vgg", "operator", regions=["RU-VGG"]))
    panel = client.get(f"/directory/panel/{person.pk}")
    assert panel.status_code == 200
    assert "Кто поможет" in panel.content.decode()
    assert AuditEntry.objects.filter(object_id=str(person.pk), channel="web").exists()
    client.force_login(make_user("ta", "operator", regions=["RU-TA"]))
    assert client.get(f"/directory/panel/{person.pk}").status_code == 404


def test_admin_refuses_a_contradictory_measure(client, make_user):
    client.force_login(make_user("admin", "administrator"))
    assert client.get("/admin/directory/measure/add/").status_code == 200
    contradictory = (
        '{"all": [{"fact": "age", "op": ">=", "value": 60}, '
        '{"fact": "age", "op": "<", "value": 18}]}'
    )
    response = client.post(
        "/admin/directory/measure/add/",
        {"code": "x", "name": "x", "level": "federal", "eligibility": contradictory,
         "required_documents": "[]", "apply_channels": "[]", "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "противоречат" in response.content.decode()
    assert client.get("/admin/directory/organization/").status_code == 200
    assert client.get("/admin/directory/service/").status_code == 200


def test_panel_from_facts_said_on_the_phone_before_registration(client, make_user, region_facts):
    from vmeste.directory import services
    from vmeste.directory.models import Measure

    Measure.objects.create(
        code="m", name="Пожилым с низким доходом (демо)", level="federal",
        eligibility={"all": [{"fact": "age", "op": ">=", "value": 60},
                             {"fact": "income_per_member", "op": "<=",
                              "value": {"subsistence_minimum": 1}}]},
    )  # fmt: skip
    services._cache["key"] = None
    client.force_login(make_user("op", "operator"))
    maybe = client.get("/directory/panel", {"region": "RU-VGG", "age": "70"}).content.decode()
    assert "Какой доход семьи" in maybe
    sure = client.get(
        "/directory/panel", {"region": "RU-VGG", "age": "70", "income_per_member": "9000"}
    ).content.decode()
    assert "Пожилым с низким доходом" in sure and "Какой доход семьи" not in sure
    # The call card's own field names work too.
    card = client.get(
        "/directory/panel",
        {"region": "RU-VGG", "person.birth_date": "1950-01-01", "intake.income_per_member": "9000",
         "category": "groceries-delivery"},
    ).content.decode()  # fmt: skip
    assert "Пожилым с низким доходом" in card


def test_referrals_block_refers_and_moves(client, make_user, make_person, make_request):
    from vmeste.directory.models import Measure, Referral

    measure = Measure.objects.create(code="m", name="Мера (демо)", level="federal")
    request = make_request(make_person())
    client.force_login(make_user("op", "operator", regions=["RU-VGG"]))
    block = client.get(f"/directory/requests/{request.pk}/referrals")
    assert "Направлений пока нет" in block.content.decode()
    made = client.post(f"/directory/requests/{request.pk}/referrals", {"measure_id": measure.pk})
    assert "Мера (демо)" in made.content.decode()
    referral = Referral.objects.get()
    moved = client.post(f"/directory/referrals/{referral.pk}/move", {"to": "accepted"})
    assert "нельзя" in moved.content.decode(), "planned → accepted is not in the table"
    client.post(f"/directory/referrals/{referral.pk}/move", {"to": "submitted"})
    referral.refresh_from_db()
    assert referral.status == "submitted"
    client.force_login(make_user("ta", "operator", regions=["RU-TA"]))
    assert client.get(f"/directory/requests/{request.pk}/referrals").status_code == 404


def test_referrals_are_picked_from_the_navigators_suggestions(
    client, make_user, make_person, make_request
):
    from vmeste.directory import services
    from vmeste.directory.models import Measure, Referral

    doc = org_doc()
    doc["services"][0]["attributes"] = [
        {"id": "5a1d7c0e-0000-4000-8000-0000000000a1", "taxonomy_term": {
            "id": "5a1d7c0e-0000-4000-8000-0000000000a2", "code": "groceries-delivery",
            "name": "Доставка продуктов", "description": "x"}}
    ]  # fmt: skip
    import_documents({"a.json": doc})
    elder = Measure.objects.create(
        code="elder", name="Пожилым (демо)", level="federal",
        eligibility={"fact": "age", "op": ">=", "value": 60},
    )  # fmt: skip
    young = Measure.objects.create(
        code="young", name="Молодым (демо)", level="federal",
        eligibility={"fact": "age", "op": "<", "value": 30},
    )  # fmt: skip
    services._cache["key"] = None
    request = make_request(make_person(birth_date=years_ago(70)))
    client.force_login(make_user("op", "operator", regions=["RU-VGG"]))
    block = client.get(f"/directory/requests/{request.pk}/referrals").content.decode()
    assert f'value="m:{elder.pk}"' in block
    assert f'value="m:{young.pk}"' not in block, "only what the navigator suggests is offered"
    assert "Продуктовые наборы" in block
    assert 'name="measure_id"' not in block, "no ids to type"
    made = client.post(f"/directory/requests/{request.pk}/referrals", {"target": f"m:{elder.pk}"})
    assert "Пожилым (демо)" in made.content.decode()
    assert Referral.objects.get().measure_id == elder.pk
