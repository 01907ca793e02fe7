"""Backups of the database and their restoration: SQLite through its online backup API
(a consistent copy while the server runs), PostgreSQL through pg_dump / pg_restore.

A backup holds personal data: the file is created readable by its owner only, written under a
temporary name and renamed once complete and checked, so a half-written file never carries the
final name. The data dir's `secret_key` is not in it (sessions signed with it simply end);
keep it, or set VMESTE_SECRET_KEY, if signed links must survive a move.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A refusal or a failure, said in words for the command line."""


def _engine() -> str:
    return connection.vendor  # "sqlite" or "postgresql"


def _private_tmp(target: Path) -> Path:
    tmp = target.with_name(f".{target.name}.partial")
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return tmp


def backup(target: Path) -> str:
    """Write the whole database to `target`; return the engine's name."""
    target = target.resolve()
    tmp = _private_tmp(target)
    try:
        if _engine() == "sqlite":
            _sqlite_backup(tmp)
        else:
            _pg_dump(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return _engine()


def _sqlite_backup(tmp: Path) -> None:
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    copy = sqlite3.connect(tmp)
    try:
        source.backup(copy)
        (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
        if verdict != "ok":
            raise BackupError(f"the copy fails its integrity check: {verdict}")
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        copy.close()
        source.close()


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = {**os.environ, "PGDATABASE": db["NAME"], "PGUSER": db.get("USER") or ""}
    env.update({k: str(v) for k, v in (("PGHOST", db.get("HOST")), ("PGPORT", db.get("PORT")),
                                       ("PGPASSWORD", db.get("PASSWORD"))) if v})  # fmt: skip
    return env


def _run(*command: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (postgresql-client)")
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def _pg_dump(tmp: Path) -> None:
    _run("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={tmp}")
    _run("pg_restore", "--list", str(tmp))  # readable from end to end


def _kind(source: Path) -> str:
    with source.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(f"{source} is not a Vmeste backup (neither SQLite nor pg_dump's format)")


def _has_data() -> bool:
    return "django_migrations" in connection.introspection.table_names()


def restore(source: Path, *, replace: bool = False) -> str:
    """Put the backup in place of the configured database. An installed database is kept
    unless `replace`: restoring over live data is a decision, not a default."""
    kind = _kind(source)
    if kind != _engine():
        raise BackupError(f"this backup is for {kind}, the configured database is {_engine()}")
    if _has_data() and not replace:
        raise BackupError("the database is not empty: stop the server and pass --replace")
    connection.close()
    if kind == "sqlite":
        _sqlite_restore(source)
    else:
        _run("pg_restore", "--no-owner", "--no-privileges", "--single-transaction",
             "--exit-on-error", *(["--clean", "--if-exists"] if replace else []),
             f"--dbname={settings.DATABASES['default']['NAME']}", str(source))  # fmt: skip
    return kind


def _sqlite_restore(source: Path) -> None:
    backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    try:
        backup_db.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        backup_db.close()
