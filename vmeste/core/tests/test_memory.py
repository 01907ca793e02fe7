"""The served process settles its start-up objects out of the cycle collector's way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import gc, json, sys
frozen_before = gc.get_freeze_count()
import {module}
print(json.dumps({{
    "before": frozen_before,
    "after": gc.get_freeze_count(),
    "api_loaded": "vmeste.contactcenter.api" in sys.modules,
}}))
"""


@pytest.mark.parametrize("module", ["vmeste.asgi", "vmeste.wsgi"])
def test_the_served_application_freezes_what_start_up_loaded(module: str, tmp_path) -> None:
    # A process of its own: freezing this test run's objects would change the rest of it.
    env = dict(os.environ, PYTHONPATH=str(ROOT), VMESTE_DATA_DIR=str(tmp_path))
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the module sets it, as under uvicorn
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["before"] == 0
    # The URL patterns were loaded first (the views and the API they import) and frozen
    # with the rest: Django alone is tens of thousands of objects.
    assert seen["api_loaded"]
    assert seen["after"] > 50_000
