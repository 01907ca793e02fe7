"""What an import would change: the difference of two canonical documents, one line per
change (`+` added, `-` removed, `~` changed), in document order. Pure."""

from __future__ import annotations

import json

# Lists of records matched by a key, not by position.
KEYED = {"centres": "code", "queues": "code", "agents": "user", "shift_templates": "name"}


def _show(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "…"


def changes(old: dict | None, new: dict) -> list[str]:
    if old is None:
        return [f"+ line[{new['line']['code']}]"]
    out: list[str] = []
    _walk(old, new, "", out)
    return out


def between(old: dict, new: dict) -> list[str]:
    """The changes between two records of any shape (a centre's page uses it too)."""
    out: list[str] = []
    _walk(old, new, "", out)
    return out


def _walk(old, new, path: str, out: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*new, *(k for k in old if k not in new)]:
            child = f"{path}.{key}" if path else key
            if key not in old:
                out.append(f"+ {child}: {_show(new[key])}")
            elif key not in new:
                out.append(f"- {child}")
            elif key in KEYED and isinstance(old[key], list) and isinstance(new[key], list):
                _records(old[key], new[key], child, KEYED[key], out)
            else:
                _walk(old[key], new[key], child, out)
    elif old != new:
        out.append(f"~ {path}: {_show(old)} → {_show(new)}")


def _records(old: list[dict], new: list[dict], path: str, key: str, out: list[str]) -> None:
    before = {r[key]: r for r in old}
    after = {r[key]: r for r in new}
    for name, record in after.items():
        if name not in before:
            out.append(f"+ {path}[{name}]")
        else:
            _walk(before[name], record, f"{path}[{name}]", out)
    out.extend(f"- {path}[{name}]" for name in before if name not in after)
