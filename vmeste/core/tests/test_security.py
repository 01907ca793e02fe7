"""Defect 11: the safe defaults every answer carries (CSP, no-store, HSTS behind TLS) and the
API docs served from this server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from vmeste.core.security import CONTENT_SECURITY_POLICY

ROOT = Path(__file__).resolve().parents[3]
VMESTE = str(Path(sys.executable).parent / "vmeste")


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy(client):
    for path in ("/accounts/login/", "/volunteers/apply/", "/api/v1/openapi.json"):
        policy = client.get(path)["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy, path
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy


@pytest.mark.django_db
def test_personal_answers_are_never_stored_by_caches(client, make_user, api_as):
    anonymous = client.get("/volunteers/apply/")
    assert "no-store" not in anonymous.get("Cache-Control", "")
    client.force_login(make_user("op"))
    page = client.get("/assistance/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    api = api_as("operator")
    answer = api.get("/api/v1/requests")
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    refused = Client().get("/api/v1/requests")  # even the 401
    assert refused.status_code == 401 and "no-store" in refused["Cache-Control"]


@pytest.mark.django_db
def test_api_docs_load_swagger_ui_from_this_server(client, make_user):
    client.force_login(make_user("op"))
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def _settings_under(env_extra: dict[str, str], tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMESTE_")}
    env.update(VMESTE_DATA_DIR=str(tmp_path), **env_extra)
    code = (
        "from django.conf import settings as s; import json; print(json.dumps({"
        "'proxy': s.SECURE_PROXY_SSL_HEADER, 'hsts': s.SECURE_HSTS_SECONDS,"
        "'redirect': s.SECURE_SSL_REDIRECT}))"
    )
    run = subprocess.run(
        [VMESTE, "shell", "-c", code], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_behind_a_tls_proxy_https_is_required_and_remembered(tmp_path):
    plain = _settings_under({}, tmp_path)
    assert plain == {"proxy": None, "hsts": 0, "redirect": False}
    behind = _settings_under({"VMESTE_BEHIND_TLS_PROXY": "1"}, tmp_path)
    assert behind["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert behind["hsts"] >= 180 * 24 * 3600 and behind["redirect"] is True


@pytest.mark.django_db
def test_hsts_is_sent_over_https_and_plain_http_is_redirected(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()
    secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    assert client.get("/accounts/login/").status_code == 301
    assert client.get("/healthz").status_code == 200


def test_the_policy_names_no_other_origin():
    assert "http" not in CONTENT_SECURITY_POLICY and "*" not in CONTENT_SECURITY_POLICY


def test_the_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMESTE_")}
    env["VMESTE_DATA_DIR"] = str(tmp_path)
    run = subprocess.run(
        [VMESTE, "migrate", "--no-input"], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr
    database = tmp_path / "vmeste.sqlite3"
    assert database.stat().st_size > 0
    for path in (database, *tmp_path.glob("vmeste.sqlite3-*")):
        assert path.stat().st_mode & 0o777 == 0o600, path
    # A database created world-readable before this rule is narrowed at the next start.
    database.chmod(0o644)
    subprocess.run([VMESTE, "check"], env=env, capture_output=True, cwd=ROOT, check=True)
    assert database.stat().st_mode & 0o777 == 0o600
