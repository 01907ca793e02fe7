"""A line's configuration as one YAML document: read, put in canonical form, written back.

Pure: no database. The canonical form fixes the order of every key and list, so that the
same configuration always gives the same bytes (export → import → export is byte-stable).
"""

from __future__ import annotations

from datetime import time

import yaml

SCHEMA = "vmeste-line/1"
TOP_KEYS = ("schema", "line", "centres", "queues", "agents", "articles")
LINE_KEYS = (
    "code",
    "name_ru",
    "name_en",
    "number_prefix",
    "phones",
    "time_zone",
    "hours",
    "regions",
    "categories",
    "menu",
    "intake_fields",
    "script",
)
CENTRE_KEYS = ("code", "name_ru", "name_en", "kind", "region", "requirements", "shift_templates")
REQUIREMENT_KEYS = (
    "min_age",
    "max_age",
    "health_document_required",
    "health_document_label",
    "warn_days",
)
SHIFT_KEYS = ("name", "starts", "ends", "weekdays", "headcount")
QUEUE_KEYS = (
    "code",
    "name",
    "topic",
    "ivr_path",
    "skill",
    "escalation",
    "priority_rules",
    "target_share",
    "target_seconds",
    "callback_after_seconds",
    "overflow_after_seconds",
    "overflow_to",
    "wrap_up_seconds",
)
AGENT_KEYS = ("user", "centre", "skills")
FIELD_KEYS = ("code", "label", "required")
ALWAYS = "24/7"


class SyntaxProblem(ValueError):
    """The text is not YAML, or not a mapping at the top."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def load(text: str) -> dict:
    """The raw mapping in the text (not yet checked)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SyntaxProblem(str(exc), mark.line + 1 if mark else None) from exc
    except RecursionError as exc:  # "[[[[…" nested past the parser's stack
        raise SyntaxProblem("nested too deep") from exc
    if not isinstance(data, dict):
        raise SyntaxProblem("top level is not a mapping")
    return data


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str):
    # A script of several lines stays readable as a block, not one quoted line of \n.
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def dump(document: dict) -> str:
    return yaml.dump(
        document,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=100,
    )


def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def parse_time(value) -> time | None:
    """ "08:00" → 08:00. YAML 1.1 reads an unquoted 08:00 as the sexagesimal 480: take it."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return time(value // 60, value % 60) if 0 <= value < 24 * 60 else None
    if not isinstance(value, str):
        return None
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        return None


def parse_hours(value) -> tuple[bool, time | None, time | None] | None:
    """ "24/7" | "08:00-22:00" | null (no hours set) → (is_24_7, opens, closes); None if bad."""
    if value is None:
        return False, None, None
    if value == ALWAYS:
        return True, None, None
    if not isinstance(value, str) or value.count("-") != 1:
        return None
    opens, closes = (parse_time(part) for part in value.split("-"))
    if opens is None or closes is None or opens == closes:
        return None
    return False, opens, closes


def hours_text(is_24_7: bool, opens: time | None, closes: time | None) -> str | None:
    if is_24_7:
        return ALWAYS
    if opens is None or closes is None:
        return None
    return f"{hhmm(opens)}-{hhmm(closes)}"


def number(value: float | int):
    """Integers written without a fraction (20, not 20.0), so the bytes do not depend on
    whether the database handed back a float or a Decimal."""
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else round(as_float, 4)


def canonical(document: dict) -> dict:
    """The document with every key in its place and every list in its order."""
    line = document["line"]
    return {
        "schema": SCHEMA,
        "line": {
            **{key: line[key] for key in LINE_KEYS},
            "regions": sorted(line["regions"]),
            "categories": sorted(line["categories"]),
            "intake_fields": [{k: f[k] for k in FIELD_KEYS} for f in line["intake_fields"]],
        },
        "centres": [_centre(c) for c in sorted(document["centres"], key=lambda c: c["code"])],
        "queues": [_queue(q) for q in sorted(document["queues"], key=lambda q: q["code"])],
        "agents": [
            {"user": a["user"], "centre": a["centre"], "skills": dict(sorted(a["skills"].items()))}
            for a in sorted(document["agents"], key=lambda a: (a["centre"], a["user"]))
        ],
        "articles": sorted(document["articles"]),
    }


def _centre(centre: dict) -> dict:
    requirements = centre["requirements"]
    shifts = sorted(centre["shift_templates"], key=lambda s: (s["starts"], s["name"]))
    return {
        **{key: centre[key] for key in CENTRE_KEYS},
        "requirements": None
        if requirements is None
        else {key: requirements[key] for key in REQUIREMENT_KEYS},
        "shift_templates": [
            {
                **{key: s[key] for key in SHIFT_KEYS},
                "weekdays": sorted(s["weekdays"]),
                "headcount": dict(sorted(s["headcount"].items())),
            }
            for s in shifts
        ],
    }


def _queue(queue: dict) -> dict:
    return {
        **{key: queue[key] for key in QUEUE_KEYS},
        "escalation": [[number(after), int(level)] for after, level in queue["escalation"]],
        "priority_rules": {k: number(v) for k, v in sorted(queue["priority_rules"].items())},
        "target_share": number(queue["target_share"]),
    }
