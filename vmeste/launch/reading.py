"""A line's configuration read from the database, in the document's canonical form, and
what the database knows that a file may name."""

from __future__ import annotations

from vmeste.accounts.models import User
from vmeste.contactcenter.models import Agent, Queue
from vmeste.core.models import Category, Centre, Line, Region
from vmeste.knowledge.models import Article
from vmeste.launch import document as doc
from vmeste.launch.checks import Known
from vmeste.launch.models import LineSetup
from vmeste.volunteers.models import Requirements, ShiftTemplate


def known(raw: dict) -> Known:
    """Reference codes, plus the users and queues the file names (not the whole tables)."""
    agents = raw.get("agents") if isinstance(raw.get("agents"), list) else []
    names = [
        a.get("user") for a in agents if isinstance(a, dict) and isinstance(a.get("user"), str)
    ]
    queues = raw.get("queues") if isinstance(raw.get("queues"), list) else []
    codes = [
        q.get("code") for q in queues if isinstance(q, dict) and isinstance(q.get("code"), str)
    ]
    return Known(
        regions=dict(Region.objects.values_list("code", "time_zone")),
        categories={
            c.code: c.parent.code if c.parent_id else None
            for c in Category.objects.filter(is_active=True).select_related("parent")
        },
        articles=frozenset(Article.objects.values_list("slug", flat=True)),
        users=frozenset(User.objects.filter(username__in=names).values_list("username", flat=True)),
        queue_lines=dict(Queue.objects.filter(code__in=codes).values_list("code", "line__code")),
    )


def export(line: Line) -> dict:
    """The line's whole configuration as a canonical document."""
    setup = LineSetup.objects.filter(line=line).first()
    centres = list(Centre.objects.filter(lines=line).select_related("region"))
    queues = Queue.objects.filter(line=line, is_active=True).select_related("topic")
    overflow = setup.overflow if setup else {}
    return doc.canonical(
        {
            "line": _line(line, setup),
            "centres": [_centre(c) for c in centres],
            "queues": [_queue(q, overflow.get(q.code)) for q in queues],
            "agents": [
                {"user": a.user.username, "centre": a.centre.code, "skills": a.skills}
                for a in Agent.objects.filter(centre__in=centres).select_related("user", "centre")
            ],
            "articles": list(Article.objects.filter(lines=line).values_list("slug", flat=True)),
        }
    )


def _line(line: Line, setup: LineSetup | None) -> dict:
    return {
        "code": line.code,
        "name_ru": line.name_ru,
        "name_en": line.name_en,
        "number_prefix": line.number_prefix,
        "phones": list(line.phones or []),
        "time_zone": line.time_zone,
        "hours": doc.hours_text(line.is_24_7, line.opens_at, line.closes_at),
        "regions": [r.code for r in line.regions.all()],
        "categories": [c.code for c in line.categories.all()],
        "menu": (setup.menu or None) if setup else None,
        "intake_fields": [
            {
                "code": f.get("code", ""),
                "label": f.get("label", ""),
                "required": bool(f.get("required", False)),
            }
            for f in line.intake_fields or []
        ],
        "script": line.intake_script,
    }


def _centre(centre: Centre) -> dict:
    row = Requirements.objects.filter(centre=centre).first()
    return {
        "code": centre.code,
        "name_ru": centre.name_ru,
        "name_en": centre.name_en,
        "kind": centre.kind,
        "region": centre.region.code if centre.region_id else None,
        "requirements": None if row is None else {k: getattr(row, k) for k in doc.REQUIREMENT_KEYS},
        "shift_templates": [
            {
                "name": t.name,
                "starts": doc.hhmm(t.starts),
                "ends": doc.hhmm(t.ends),
                "weekdays": list(t.weekdays or []),
                "headcount": dict(t.headcount or {}),
            }
            for t in ShiftTemplate.objects.filter(centre=centre, is_active=True)
        ],
    }


def _queue(queue: Queue, overflow_to: str | None) -> dict:
    return {
        "code": queue.code,
        "name": queue.name,
        "topic": queue.topic.code if queue.topic_id else None,
        "ivr_path": queue.ivr_path,
        "skill": queue.skill,
        "escalation": queue.escalation or [[0, 1]],
        "priority_rules": queue.priority_rules or {},
        "target_share": queue.target_share,
        "target_seconds": queue.target_seconds,
        "callback_after_seconds": queue.max_wait_seconds,
        "overflow_after_seconds": queue.overflow_after_seconds,
        "overflow_to": overflow_to,
        "wrap_up_seconds": queue.wrap_up_seconds,
    }
