import pytest

pytestmark = pytest.mark.django_db


def test_me_tells_role_rights_and_scope(api_as):
    api = api_as("operator", regions=["RU-VGG"], lines=["volgograd-volunteers"])
    me = api.get("/api/v1/me").json()
    assert me["role"] == "operator" and me["regions"] == ["RU-VGG"]
    assert "see_personal_data" in me["rights"] and "see_figures" not in me["rights"]


def test_tokens_can_be_listed_created_and_revoked(api_as, client):
    api = api_as("coordinator")
    created = api.post("/api/v1/tokens", {"name": "ноутбук"})
    assert created.status_code == 201
    new = created.json()
    assert new["token"].startswith("vm_") and new["hint"] == new["token"][:10]
    listed = api.get("/api/v1/tokens").json()
    assert listed["count"] == 2 and all("token" not in t for t in listed["items"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {new['token']}"}
    assert client.get("/api/v1/me", **auth).status_code == 200
    assert client.delete(f"/api/v1/tokens/{new['id']}", **api.auth).status_code == 204
    assert client.get("/api/v1/me", **auth).status_code == 401
    assert client.delete(f"/api/v1/tokens/{new['id']}", **api.auth).status_code == 404


def test_only_administrators_manage_users_and_read_the_audit(api_as):
    operator = api_as("operator")
    assert operator.get("/api/v1/users").status_code == 403
    assert operator.get("/api/v1/audit").status_code == 403
    admin = api_as("administrator")
    created = admin.post(
        "/api/v1/users",
        {
            "username": "vgg1",
            "role": "operator",
            "regions": ["RU-VGG"],
            "password": "Long-pass-42!",
        },
    )
    assert created.status_code == 201 and created.json()["regions"] == ["RU-VGG"]
    refused = admin.post("/api/v1/users", {"username": "vgg1", "role": "wizard"})
    assert refused.status_code == 422
    assert {"username", "role"} <= set(refused.json()["error"]["fields"])
    assert admin.get("/api/v1/audit").status_code == 200
