"""An article's status workflow: the table of allowed moves. Pure, no database."""

from __future__ import annotations

DRAFT = "draft"
PUBLISHED = "published"
ARCHIVED = "archived"

# (old, new) → the verb an editor sees. Anything not listed is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (DRAFT, PUBLISHED): "publish",
    (DRAFT, ARCHIVED): "archive",
    (PUBLISHED, DRAFT): "unpublish",
    (PUBLISHED, ARCHIVED): "archive",
    (ARCHIVED, DRAFT): "reopen",
}


def can_move(old: str, new: str) -> bool:
    return (old, new) in TRANSITIONS


def next_statuses(old: str) -> list[str]:
    """The statuses an article in `old` may move to, in table order."""
    return [new for (src, new) in TRANSITIONS if src == old]
