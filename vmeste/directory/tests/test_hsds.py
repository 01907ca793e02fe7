import json
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from vmeste.core.errors import ValidationFailed
from vmeste.directory import models as m
from vmeste.directory.hsds.importing import import_documents, import_paths

pytestmark = pytest.mark.django_db

# The shared reference sits beside the project's root (../shared), on every clone that
# follows the layout; its absence is a broken checkout and fails, never a silent skip.
HSDS = Path(settings.BASE_DIR).parent / ".." / "shared" / "reference" / "hsds-3.0"
EXAMPLES = HSDS / "examples"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
ORG_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"


@pytest.fixture(autouse=True, scope="module")
def _reference_present() -> None:
    if not (HSDS / "schema" / "compiled").is_dir() or not EXAMPLES.is_dir():
        pytest.fail(f"the HSDS 3.0 reference is missing at {HSDS.resolve()} (../shared)")


def schema(name: str):
    cache = schema.__dict__.setdefault("cache", {})
    if name not in cache:
        data = json.loads((HSDS / "schema" / "compiled" / f"{name}.json").read_text())
        cache[name] = jsonschema.Draft202012Validator(data)
    return cache[name]


def assert_valid(name: str, obj: dict) -> None:
    errors = sorted(schema(name).iter_errors(obj), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def org_doc(**changes) -> dict:
    return {
        "id": "5a1d7c0e-0000-4000-8000-000000000001",
        "name": "Фонд «Тест»",
        "description": "Демо",
        "services": [
            {
                "id": "5a1d7c0e-0000-4000-8000-000000000002",
                "name": "Продуктовые наборы",
                "status": "active",
                "phones": [
                    {"id": "5a1d7c0e-0000-4000-8000-000000000003", "number": "+78000000000"}
                ],
                "service_areas": [
                    {"id": "5a1d7c0e-0000-4000-8000-000000000004", "extent": "RU-VGG"}
                ],
            }
        ],
        **changes,
    }


def test_the_shared_examples_import_cleanly_and_twice_the_same():
    report = import_paths([EXAMPLES])
    assert report.skipped == ["base.json"]
    counts = {model: model.objects.count() for model in (m.Organization, m.Service, m.Phone)}
    service = m.Service.objects.get(pk=SERVICE_ID)
    assert service.organization_id == ORG_ID and service.minimum_age == 12
    # The one phone is nested under the service, its location, contact and organization.
    phone = m.Phone.objects.get()
    assert phone.service_id == SERVICE_ID and phone.location_id and phone.contact_id
    assert m.TaxonomyTerm.objects.get().taxonomy_detail_id == "5c4d79d7-cc55-470e-9f1f-8cad074e4892"
    import_paths([EXAMPLES])
    assert counts == {model: model.objects.count() for model in counts}


def test_reimport_updates_and_upserts_nested_records():
    import_documents({"a.json": org_doc()})
    changed = org_doc(name="Фонд «Тест-2»")
    changed["services"][0]["phones"].append(
        {"id": "5a1d7c0e-0000-4000-8000-000000000005", "number": "+78000000001"}
    )
    changed["services"][0]["name"] = "Наборы"
    import_documents({"a.json": changed})
    assert m.Organization.objects.get().name == "Фонд «Тест-2»"
    assert m.Service.objects.get().name == "Наборы"
    assert m.Phone.objects.count() == 2
    assert m.ServiceArea.objects.get().region.code == "RU-VGG"


def test_an_error_names_the_file_and_field_and_nothing_is_written():
    bad = org_doc()
    bad["services"][0]["status"] = "open"
    bad["services"][0]["phones"][0]["id"] = "not-a-uuid"
    with pytest.raises(ValidationFailed) as caught:
        import_documents(
            {"good.json": org_doc(id="5a1d7c0e-0000-4000-8000-00000000000a"), "bad.json": bad}
        )
    fields = caught.value.fields
    assert "bad.json: $.services[0].status" in fields
    assert "bad.json: $.services[0].phones[0].id" in fields
    assert m.Organization.objects.count() == 0


def test_a_service_of_an_unknown_organization_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        import_documents(
            {
                "s.json": {
                    "id": "5a1d7c0e-0000-4000-8000-0000000000aa",
                    "name": "x",
                    "status": "active",
                    "organization_id": "5a1d7c0e-0000-4000-8000-0000000000bb",
                }
            }
        )
    assert any("organization_id" in k for k in caught.value.fields)


def test_command_reports_errors_with_file_and_field(tmp_path):
    (tmp_path / "broken.json").write_text('{"id": "x"')
    with pytest.raises(CommandError, match=r"broken\.json"):
        call_command("directory", "import-hsds", str(tmp_path))


def test_export_then_import_round_trips(tmp_path):
    import_paths([EXAMPLES])
    import_documents({"a.json": org_doc()})
    call_command("directory", "export-hsds", str(tmp_path / "out"))
    call_command("directory", "export-hsds", str(tmp_path / "all.json"))
    m.Organization.objects.all().delete()
    m.Service.objects.all().delete()
    import_paths([tmp_path / "all.json"])
    assert m.Organization.objects.count() == 2 and m.Service.objects.count() == 2
    for org in json.loads((tmp_path / "out" / "organizations.json").read_text()):
        assert_valid("organization", org)


def test_hsds_api_answers_without_a_token_with_valid_json(client):
    import_paths([EXAMPLES])
    import_documents({"a.json": org_doc()})
    hidden = org_doc(id="5a1d7c0e-0000-4000-8000-0000000000cc", services=[])
    hidden["name"] = "Скрытая"
    import_documents({"h.json": hidden})
    m.Organization.objects.filter(pk=hidden["id"]).update(is_published=False)

    page = client.get("/api/hsds/services", {"per_page": 1}).json()
    assert page["total_items"] == 2 and page["total_pages"] == 2 and page["size"] == 1
    assert page["first_page"] and not page["last_page"] and not page["empty"]
    for item in client.get("/api/hsds/services").json()["contents"]:
        assert_valid("service_list", item)
    assert_valid("service", client.get(f"/api/hsds/services/{SERVICE_ID}").json())

    orgs = client.get("/api/hsds/organizations").json()
    assert orgs["total_items"] == 2, "unpublished organizations are not public"
    for item in orgs["contents"]:
        assert_valid("organization_list", item)
    assert_valid("organization", client.get(f"/api/hsds/organizations/{ORG_ID}").json())
    assert client.get(f"/api/hsds/organizations/{hidden['id']}").status_code == 404

    for item in client.get("/api/hsds/service_at_locations").json()["contents"]:
        assert_valid("service_at_location_list", item)
    assert client.get("/api/hsds/taxonomies").json()["contents"][0]["version"] == "version"
    terms = client.get("/api/hsds/taxonomy_terms").json()
    assert terms["contents"][0]["taxonomy_detail"]["name"] == "name"
    regional = client.get("/api/hsds/services", {"region": "RU-VGG"}).json()
    assert [s["name"] for s in regional["contents"]] == ["Продуктовые наборы"]


def test_list_pages_cost_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for n in range(5):
        doc = org_doc(id=f"5a1d7c0e-0000-4000-8000-0000000001{n:02d}")
        doc["services"][0]["id"] = f"5a1d7c0e-0000-4000-8000-0000000002{n:02d}"
        doc["services"][0]["phones"][0]["id"] = f"5a1d7c0e-0000-4000-8000-0000000003{n:02d}"
        doc["services"][0]["service_areas"][0]["id"] = f"5a1d7c0e-0000-4000-8000-0000000004{n:02d}"
        location = {"id": f"5a1d7c0e-0000-4000-8000-0000000006{n:02d}", "location_type": "physical"}
        doc["services"][0]["service_at_locations"] = [
            {"id": f"5a1d7c0e-0000-4000-8000-0000000005{n:02d}", "location": location}
        ]
        import_documents({"a.json": doc})
    for path in ("/api/hsds/services", "/api/hsds/service_at_locations", "/api/hsds/organizations"):
        with django_assert_max_num_queries(6):
            assert client.get(path).json()["total_items"] == 5
