"""The contract of the project as a whole: health, CLI, settings, tokens, login, OpenAPI."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from vmeste.accounts.models import ApiToken, User

ROOT = Path(__file__).resolve().parent.parent
VMESTE = str(Path(sys.executable).parent / "vmeste")


@pytest.mark.django_db
def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_reference_lists_answer_codes(api_as):
    api = api_as("operator")
    regions = api.get("/api/v1/regions").json()
    assert regions["count"] == 89 and {"code", "name_ru", "name_en"} <= set(regions["items"][0])
    assert "RU-VGG" in {r["code"] for r in regions["items"]}
    lines = api.get("/api/v1/lines").json()
    assert "we-are-together" in {line["code"] for line in lines["items"]}
    categories = api.get("/api/v1/categories").json()
    assert {"groceries", "medicines"} <= {c["code"] for c in categories["items"]}


@pytest.mark.django_db
def test_api_needs_a_token_and_revoked_tokens_stop_working(client, make_user):
    assert client.get("/api/v1/regions").status_code == 401
    user = make_user("op")
    token, raw = ApiToken.issue(user=user)
    assert token.digest != raw and raw not in token.digest  # only the hash is stored
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/regions", **auth).status_code == 200
    assert client.get("/api/v1/regions", HTTP_AUTHORIZATION="Bearer vm_wrong").status_code == 401
    from vmeste.accounts.services import revoke_token

    revoke_token(user=user, token_id=token.pk)
    assert client.get("/api/v1/regions", **auth).status_code == 401


@pytest.mark.django_db
def test_openapi_describes_the_contract(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/requests",
        "/api/v1/requests/{request_id}",
        "/api/v1/requests/{request_id}/transitions",
        "/api/v1/persons",
        "/api/v1/contacts",
        "/api/v1/figures",
        "/api/v1/regions",
    ):
        assert path in paths, path


@pytest.mark.django_db
def test_login_is_rate_limited_and_forms_need_csrf(make_user):
    make_user("op")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/accounts/login/", {"username": "op", "password": "x"}).status_code == 403
    client = Client()
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "op", "password": "wrong"})
        assert response.status_code in (200, 429)
    locked = client.post("/accounts/login/", {"username": "op", "password": "pass-word-123"})
    assert locked.status_code == 429
    assert "Слишком много" in locked.content.decode()


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(make_user, settings):
    from vmeste import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    assert make_user("op").password.startswith("argon2")


@pytest.mark.django_db
def test_user_and_token_commands(capsys):
    call_command(
        "user",
        "create",
        "vgg-op",
        "--role",
        "operator",
        "--region",
        "RU-VGG",
        "--line",
        "volgograd-volunteers",
        "--password",
        "Tr0ub4dor&3-long",
    )
    user = User.objects.get(username="vgg-op")
    assert user.role == "operator"
    assert [r.code for r in user.regions.all()] == ["RU-VGG"]
    capsys.readouterr()
    call_command("token", "create", "vgg-op")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("vm_") and "\n" not in raw
    assert ApiToken.authenticate(raw) == user
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="RU-XX"):
        call_command("user", "create", "x", "--role", "operator", "--region", "RU-XX")


def test_cli_honours_the_data_dir_and_database_url(tmp_path):
    """A fresh data dir gets its own SQLite database and secret key through the console script."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMESTE_")}
    env["VMESTE_DATA_DIR"] = str(tmp_path / "data")
    env["VMESTE_DATABASE_URL"] = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    run = subprocess.run(
        [VMESTE, "migrate", "--no-input"], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "elsewhere.sqlite3").exists()
    assert (tmp_path / "data" / "secret_key").exists()
    assert not (tmp_path / "data" / "vmeste.sqlite3").exists()
    out = subprocess.run(
        [
            VMESTE,
            "shell",
            "-c",
            "from django.conf import settings; import json; print(json.dumps({"
            "'debug': settings.DEBUG, 'tz': settings.TIME_ZONE, 'lang': settings.LANGUAGE_CODE,"
            "'secure': settings.SESSION_COOKIE_SECURE,"
            "'journal': __import__('django.db').db.connection.cursor()"
            ".execute('PRAGMA journal_mode').fetchone()[0]}))",
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr
    values = json.loads(out.stdout.strip().splitlines()[-1])
    assert values == {
        "debug": False,
        "tz": "Europe/Moscow",
        "lang": "ru",
        "secure": True,
        "journal": "wal",
    }


@pytest.mark.django_db
def test_curation_pages_follow_roles(client, make_user):
    boss = make_user("boss", "administrator")
    client.force_login(make_user("op", "operator"))
    assert client.get("/admin/core/line/").status_code == 302  # to the admin login
    client.logout()
    client.force_login(boss)
    page = client.get("/admin/core/line/")
    assert page.status_code == 200 and "we-are-together" in page.content.decode()
    assert client.get("/admin/accounts/auditentry/").status_code == 200
    assert client.get("/admin/accounts/auditentry/add/").status_code == 403


@pytest.mark.django_db
def test_russian_first_whatever_the_browser_says(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert page["Content-Language"] == "ru"
    assert "Пароль" in page.content.decode()
    client.cookies["django_language"] = "en"
    assert client.get("/accounts/login/")["Content-Language"] == "en"


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "start"),
    [
        ("operator", "/assistance/call/"),
        ("courier", "/deliveries/mine/"),
    ],
)
def test_each_role_starts_where_its_work_is(client, make_user, role, start):
    client.force_login(make_user("someone", role))
    assert client.get("/")["Location"] == start
