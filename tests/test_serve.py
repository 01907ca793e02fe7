"""`vmeste serve` as an operator meets it: the real ASGI server on a fresh SQLite data dir.

Everything else in the suite talks to Django through its test client or a WSGI live
server; this is the one place the production server itself answers pages, forms, static
files and the API."""

from __future__ import annotations

import os
import re
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from bench import serving

ROOT = Path(__file__).resolve().parent.parent
VMESTE = serving.VMESTE
# One server for the module (its start costs a migration of a fresh database).
pytestmark = pytest.mark.xdist_group("serve")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("served")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMESTE_")}
    # Plain HTTP on loopback: cookies may not insist on HTTPS here. The operator signs in with
    # a password alone: the two-factor step is tested in vmeste/accounts/tests/test_twofactor.py.
    env.update(VMESTE_DATA_DIR=str(data), VMESTE_SECURE_COOKIES="0", VMESTE_REQUIRE_2FA="0")

    def vmeste(*args: str) -> str:
        done = subprocess.run([VMESTE, *args], env=env, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    vmeste("migrate", "--no-input")
    vmeste("user", "create", "petrova", "--role", "operator", "--password", "pass-word-123")
    token = vmeste("token", "create", "petrova").strip()
    with serving.serve(env, log=data / "serve.log", cwd=ROOT) as served:
        yield served.base, token


def test_health_static_files_and_the_api(served):
    base, token = served
    with httpx.Client(base_url=base, trust_env=False) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        css = http.get("/static/vmeste/vmeste.css")
        assert (
            css.status_code == 200
            and css.content == (ROOT / "vmeste/static/vmeste/vmeste.css").read_bytes()
        )
        auth = {"Authorization": f"Bearer {token}"}
        created = http.post(
            "/api/v1/requests",
            headers={**auth, "Idempotency-Key": "serve-1"},
            json={
                "line": "volgograd-volunteers", "region": "RU-VGG",
                "category": "groceries-delivery", "description": "Продукты", "consent": True,
                "person": {"last_name": "Петрова", "first_name": "Анна", "phone": "89275551234"},
            },
        )  # fmt: skip
        assert created.status_code == 201, created.text
        again = http.post(
            "/api/v1/requests", headers={**auth, "Idempotency-Key": "serve-1"},
            json={"line": "volgograd-volunteers"},
        )  # fmt: skip
        assert again.status_code == 422  # the key was used for another body: refused
        found = http.get("/api/v1/persons", params={"phone": "+79275551234"}, headers=auth)
        assert found.json()["count"] == 1
        assert (
            http.get("/api/v1/requests", headers={"Authorization": "Bearer vm_no"}).status_code
            == 401
        )


def test_an_operator_signs_in_and_the_forms_keep_their_csrf_check(served):
    base, token = served
    with httpx.Client(base_url=base, trust_env=False, follow_redirects=False) as http:
        registered = http.post(
            "/api/v1/requests",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "line": "volgograd-volunteers", "region": "RU-VGG",
                "category": "groceries-delivery", "description": "Лекарства", "consent": True,
                "person": {"last_name": "Сидорова", "first_name": "Вера", "phone": "89275550077"},
            },
        )  # fmt: skip
        assert registered.status_code == 201, registered.text
        form = http.get("/accounts/login/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        refused = httpx.post(
            f"{base}/accounts/login/",
            data={"username": "petrova", "password": "pass-word-123"},
            trust_env=False,
        )
        assert refused.status_code == 403  # no CSRF token: nothing happens
        signed_in = http.post(
            "/accounts/login/",
            data={"username": "petrova", "password": "pass-word-123", "csrfmiddlewaretoken": csrf},
            headers={"Referer": f"{base}/accounts/login/"},
        )
        assert signed_in.status_code == 302, signed_in.text[:500]
        card = http.get("/assistance/call/", params={"phone": "+79275550077"})
        assert card.status_code == 200 and "+79275550077" in card.text
        listed = http.get("/assistance/", params={"q": registered.json()["number"]})
        assert listed.status_code == 200 and registered.json()["number"] in listed.text


def test_one_new_number_registered_ten_times_at_once_is_one_person(served):
    """Issue 12, defect 9 on SQLite: every write transaction begins IMMEDIATE, so the second
    registration matches only after the first has committed its person."""
    base, token = served
    auth = {"Authorization": f"Bearer {token}"}
    start = threading.Barrier(10)

    def register(_i: int) -> httpx.Response:
        start.wait()
        return http.post(
            "/api/v1/requests",
            headers=auth,
            json={
                "line": "volgograd-volunteers", "region": "RU-VGG", "category": "groceries",
                "description": "Продукты", "consent": True,
                "person": {"last_name": "Новикова", "phone": "89275557777"},
            },
        )  # fmt: skip

    with httpx.Client(base_url=base, trust_env=False, timeout=60) as http:
        with ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(register, range(10)))
        assert [a.status_code for a in answers] == [201] * 10, [a.text for a in answers]
        assert len({a.json()["person"]["id"] for a in answers}) == 1
        found = http.get("/api/v1/persons", params={"phone": "+79275557777"}, headers=auth)
        assert found.json()["count"] == 1
