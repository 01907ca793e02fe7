"""What an API token authenticates as, kept in each server process between requests.

Every API request names its token, and the statement that finds the user, the token and
the scopes they narrow to was the dearest of a telephony event after the event's own
(about a tenth of it on PostgreSQL). Each process keeps that statement's answer by the
token's digest, and asks the database on every request only for the access change stamp
(``core.stamps``: triggers renew it when a token is issued, revoked or deleted, or a user
or a scope changes, whoever makes the change). A revoked token, a deactivated user, a
narrowed scope are therefore seen by every process at the next request, as before. This
process's own changes clear it at once too (on PostgreSQL the stamp is written at the
commit, which a test's transaction never reaches). A token's expiry and the minute of its
last use are checked on the kept values by ``ApiToken.authenticate``.
"""

from __future__ import annotations

import threading

from django.db.models.signals import m2m_changed, post_delete, post_save

from vmeste.core import stamps

MAX_ENTRIES = 10_000  # beyond it the process starts again from empty

_lock = threading.Lock()
_entries: dict[str, dict] = {}
_NONE_READ = object()
_stamp: object = _NONE_READ  # the stamp the entries were read under


def kept(digest: str) -> tuple[dict | None, int | None]:
    """The values kept for this token (None when there are none, or the access stamp has
    moved since they were read), and the stamp as read now."""
    global _stamp
    stamp = stamps.read(stamps.ACCESS)
    with _lock:
        if stamp != _stamp:
            _entries.clear()
            _stamp = stamp
        found = _entries.get(digest)
    return (dict(found) if found is not None else None), stamp


def keep(digest: str, values: dict, stamp: int | None) -> None:
    """Keep what the statement read under ``stamp`` (read before it: a change made while
    it ran moves the stamp, and the next request reads again)."""
    with _lock:
        if stamp != _stamp:
            return
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[digest] = dict(values)


def touched(digest: str, values: dict) -> None:
    """The token's last use written: kept with it, so the next minute does not write."""
    with _lock:
        if digest in _entries:
            _entries[digest] = dict(values)


def clear(**_kwargs) -> None:
    global _stamp
    with _lock:
        _entries.clear()
        _stamp = _NONE_READ


def watch() -> None:
    """This process's own changes of users, tokens and scopes clear the kept values."""
    from vmeste.accounts.models import ApiToken, User

    for sender in (User, ApiToken):
        uid = f"tokencache-{sender._meta.label}"
        post_save.connect(clear, sender=sender, weak=False, dispatch_uid=f"{uid}-save")
        post_delete.connect(clear, sender=sender, weak=False, dispatch_uid=f"{uid}-delete")
    for through in (User.regions.through, User.lines.through, ApiToken.regions.through,
                    ApiToken.lines.through):  # fmt: skip
        m2m_changed.connect(clear, sender=through, weak=False, dispatch_uid=f"tokencache-{through}")
