"""/api/v1/lines/…: rights, regional scope, the error shape, the YAML round trip."""

import pytest

from vmeste.core.models import Line
from vmeste.launch.tests.conftest import staffed

pytestmark = pytest.mark.django_db


def test_templates_and_creation_are_for_supervisors_and_administrators(api_as):
    assert api_as("operator").get("/api/v1/lines/templates").status_code == 403
    assert (
        api_as("coordinator")
        .post(
            "/api/v1/lines/from-template",
            {"template": "regional-volunteers", "code": "tver", "region": "RU-TVE"},
        )
        .status_code
        == 403
    )
    listed = api_as("administrator").get("/api/v1/lines/templates").json()
    assert listed["count"] == 4 and listed["items"][0]["code"] == "national-24-7"


def test_a_regional_supervisor_creates_lines_in_their_regions_only(api_as):
    supervisor = api_as("supervisor", regions=["RU-TVE"])
    body = {"template": "regional-volunteers", "code": "tver", "region": "RU-TVE"}
    outside = supervisor.post(
        "/api/v1/lines/from-template", {**body, "code": "vgg2", "region": "RU-VGG"}
    )
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "forbidden"
    national = supervisor.post("/api/v1/lines/from-template", {**body, "template": "national-24-7"})
    assert national.status_code == 403  # a line for the whole country is beyond their scope
    assert not Line.objects.filter(code__in=["tver", "vgg2"]).exists()
    created = supervisor.post("/api/v1/lines/from-template", body)
    assert created.status_code == 201, created.content
    assert created.json()["changes"] == ["+ line[tver]"]
    again = supervisor.post("/api/v1/lines/from-template", body)
    assert again.status_code == 409
    other = api_as("supervisor", regions=["RU-VGG"])
    assert other.get("/api/v1/lines/tver/checklist").status_code == 404


def test_configuration_round_trip_and_every_error_in_the_error_shape(api_as, make_user):
    admin = api_as("administrator")
    admin.post(
        "/api/v1/lines/from-template",
        {"template": "regional-volunteers", "code": "tver", "region": "RU-TVE"},
    )
    for name in ("ivanova", "petrov", "sidorova"):
        make_user(name)
    exported = admin.get("/api/v1/lines/tver/configuration")
    assert exported["Content-Type"].startswith("application/yaml")
    text = staffed(exported.content.decode())
    dry = admin.post("/api/v1/lines/import", {"configuration": text, "dry_run": True}).json()
    assert dry["applied"] is False and "+ agents[ivanova]" in dry["changes"]
    assert admin.post("/api/v1/lines/import", {"configuration": text}).json()["applied"]
    assert admin.get("/api/v1/lines/tver/configuration").content.decode() == text
    bad = admin.post(
        "/api/v1/lines/import",
        {
            "configuration": text.replace("kind: regional", "kind: federal").replace(
                "hours: 24/7", "hours: always"
            )
        },
    )
    assert bad.status_code == 422
    error = bad.json()["error"]
    assert error["code"] == "invalid_configuration"
    assert set(error["fields"]) == {"centres[0].kind", "line.hours"}
    history = admin.get("/api/v1/lines/tver/history").json()
    assert [c["kind"] for c in history["items"]] == ["imported", "created"]
    assert history["items"][0]["actor"] == admin.user.username


def test_the_checklist_blocks_the_opening_with_the_reasons(api_as):
    admin = api_as("administrator")
    admin.post(
        "/api/v1/lines/from-template",
        {"template": "rare-diseases-info", "code": "rare", "region": "RU-MOW"},
    )
    checklist = admin.get("/api/v1/lines/rare/checklist").json()
    assert checklist["is_open"] is False and checklist["can_open"] is False
    assert [i["code"] for i in checklist["items"] if not i["passed"]] == [
        "numbers",
        "staffing",
        "articles",
        "test_call",
    ]
    refused = admin.post("/api/v1/lines/rare/open")
    assert refused.status_code == 409
    assert set(refused.json()["error"]["fields"]) == {
        "numbers",
        "staffing",
        "articles",
        "test_call",
    }


def test_a_regional_supervisor_may_not_switch_a_line_for_the_whole_country(api_as):
    supervisor = api_as("supervisor", regions=["RU-TVE"])
    assert supervisor.get("/api/v1/lines/we-are-together/checklist").status_code == 200
    assert supervisor.post("/api/v1/lines/we-are-together/close").status_code == 403
    assert Line.objects.get(code="we-are-together").is_active


@pytest.mark.parametrize("text", ["", "- a list", "123", "[" * 5000 + "]" * 5000, "a: [b"])
def test_a_file_that_is_no_configuration_is_a_422(api_as, text):
    answer = api_as("administrator").post("/api/v1/lines/import", {"configuration": text})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "invalid_configuration"
