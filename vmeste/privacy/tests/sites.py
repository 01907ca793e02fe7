"""Fresh installations for tests that need real processes: a data dir with its own SQLite
file, or a database of its own on the PostgreSQL server the suite runs on. Migrated once
per test module and copied (a file copy; `CREATE DATABASE … TEMPLATE`) for each site."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMESTE_")}
    env.update(
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="vmeste.settings",
        VMESTE_SECRET_KEY="test-only-key",
        VMESTE_KB_MEANING="off",
    )
    return env


def _server_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"


def _admin(sql: str) -> None:
    with psycopg.connect(f"{_server_url()}/postgres", autocommit=True) as conn:
        conn.execute(sql)


class Site:
    """One installation: its data dir and, on PostgreSQL, its database."""

    def __init__(self, data_dir: Path, database: str | None):
        self.data_dir, self.database = data_dir, database
        data_dir.mkdir(parents=True, exist_ok=True)
        self.env = _base_env() | {"VMESTE_DATA_DIR": str(data_dir)}
        if database:
            self.env["VMESTE_DATABASE_URL"] = f"{_server_url()}/{database}"

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, *args], env=self.env, cwd=ROOT, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise AssertionError(f"{args} failed ({result.returncode}):\n{result.stderr[-3000:]}")
        return result

    def vmeste(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("-m", "vmeste", *args, check=check)


class Sites:
    """A migrated template and the sites copied from it."""

    def __init__(self, root: Path):
        self.root = root
        self.postgres = connection.vendor == "postgresql"
        self.databases: list[str] = []
        self.template = self._new("template")
        self.template.vmeste("migrate", "-v0")

    def _new(self, name: str, template: str | None = None) -> Site:
        database = None
        if self.postgres:
            database = f"vm_h8_{name}_{uuid.uuid4().hex[:8]}"
            _admin(
                f'CREATE DATABASE "{database}"' + (f' TEMPLATE "{template}"' if template else "")
            )
            self.databases.append(database)
        return Site(self.root / f"{name}-{uuid.uuid4().hex[:6]}", database)

    def empty(self, name: str) -> Site:
        """A data dir and a database with nothing in them, not even the tables."""
        return self._new(name)

    def copy(self, name: str) -> Site:
        """A migrated installation with no data of its own yet."""
        site = self._new(name, template=self.template.database)
        if not self.postgres:
            shutil.copy(self.template.data_dir / "vmeste.sqlite3", site.data_dir)
        return site

    def close(self) -> None:
        for database in self.databases:
            _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
