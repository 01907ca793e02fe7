"""Defect 3 through the production server: uvicorn must not turn a client's own
X-Forwarded-For into its address (it believes any loopback peer by default)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from bench import serving

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.xdist_group("serve-proxy")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("served-proxy")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMESTE_")}
    env.update(VMESTE_DATA_DIR=str(data), VMESTE_SECURE_COOKIES="0")
    for args in (
        ("migrate", "--no-input"),
        ("user", "create", "petrova", "--role", "operator", "--password", "pass-word-123"),
    ):
        done = subprocess.run(
            [serving.VMESTE, *args], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    with serving.serve(env, log=data / "serve.log", cwd=ROOT) as server:
        yield server.base


def _sign_in(http: httpx.Client, username: str, password: str, **headers: str) -> int:
    form = http.get("/accounts/login/")
    token = form.cookies.get("csrftoken") or http.cookies.get("csrftoken")
    return http.post(
        "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers=headers,
    ).status_code


def test_a_forged_forwarded_address_does_not_escape_the_lock_out(served):
    with httpx.Client(base_url=served, trust_env=False, follow_redirects=False) as http:
        for n in range(5):
            status = _sign_in(http, f"guess{n}", "wrong", **{"X-Forwarded-For": f"198.51.100.{n}"})
            assert status in (200, 429)
        # All five failures came from this one peer, whatever the header said: it is closed.
        assert _sign_in(http, "petrova", "pass-word-123") == 429
