"""The lines' voice menus: read, checked, saved whole, exported, and given to the media
application. Supervisors and administrators edit the menus of the lines in their scope.

Import is all-or-nothing (every error of the document refused at once, nothing written)
and idempotent (a node keeps its row, and its synthesised speech while its text is the
same); export → import → export gives the same bytes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

import yaml
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from vmeste.accounts.roles import Right
from vmeste.contactcenter import ivrmenu, prompts
from vmeste.contactcenter.models import IvrMenu, IvrNode, Queue
from vmeste.core.errors import Forbidden, NotFound, ValidationFailed
from vmeste.core.models import Line
from vmeste.core.scoping import scoped
from vmeste.knowledge.models import Article, Status

_TEXT_FIELDS = ("label", "prompt", "recording", "queue", "article", "number", "next")


def may_edit(user) -> bool:
    return user.is_authenticated and user.can(Right.EDIT_VOICE_MENU)


def line_for(user, code: str) -> Line:
    """The line whose menu the user may edit, or a clear refusal."""
    if not may_edit(user):
        raise Forbidden(_("Голосовое меню меняют супервизоры и администраторы."))
    line = scoped(Line.objects.filter(code=code), user).first()
    if line is None:
        raise NotFound(_("Нет линии «%s» в вашей зоне.") % code)
    return line


def known_for(line: Line) -> ivrmenu.Known:
    queues = Queue.objects.filter(line=line, is_active=True).values_list("code", flat=True)
    articles = Article.objects.filter(status=Status.PUBLISHED).filter(
        Q(lines=line) | Q(lines__isnull=True)
    )
    return ivrmenu.Known(queues=set(queues), articles=set(articles.values_list("slug", flat=True)))


def parse_yaml(text: str) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationFailed({"yaml": str(exc)}, _("Файл не читается как YAML.")) from exc


def dump_yaml(document: dict) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)


def refusal(problems: list[ivrmenu.Problem]) -> ValidationFailed:
    fields: dict[str, list[str]] = defaultdict(list)
    for problem in problems:
        fields[problem.path].append(problem.message)
    message = _("Меню не сохранено: ошибок — %d.") % len(problems)
    return ValidationFailed(dict(fields), message, code="invalid_menu")


def import_menu(document: object, *, line: Line) -> IvrMenu:
    """Check the document (with `line` given; a `line` inside it must name the same one)
    and save it whole, replacing the line's menu; the prompts' speech made as needed."""
    problems = ivrmenu.check(document, known_for(line))
    if isinstance(document, dict) and document.get("line", line.code) != line.code:
        problems.append(ivrmenu.Problem("line", _("Документ другой линии.")))
    if problems:
        raise refusal(problems)
    with transaction.atomic():
        menu, _created = IvrMenu.objects.select_for_update().update_or_create(
            line=line,
            defaults={
                "start": document["start"],
                "night": document["night"],
                "operator_queue": document["operator_queue"],
            },
        )
        _save_nodes(menu, document["nodes"])
    return menu


def _save_nodes(menu: IvrMenu, nodes: list[dict]) -> None:
    kept = {node.code: node for node in menu.nodes.all()}
    menu.nodes.exclude(code__in=[n["id"] for n in nodes]).delete()
    for position, data in enumerate(nodes):
        node = kept.get(data["id"]) or IvrNode(menu=menu, code=data["id"])
        node.position, node.kind = position, data["kind"]
        for name in _TEXT_FIELDS:
            setattr(node, name, str(data.get(name) or "").strip())
        node.timeout_seconds = data.get("timeout_seconds", ivrmenu.DEFAULT_TIMEOUT)
        node.replays = data.get("replays", ivrmenu.DEFAULT_REPLAYS)
        node.default = data.get("default", "") if data["kind"] == "menu" else ""
        node.options = [{"digit": o["digit"], "to": o["to"]} for o in data.get("options", [])]
        _speak(node)
        node.save()


def _speak(node: IvrNode) -> None:
    """Synthesise the prompt when its text is new or changed (the hash says which).
    Without espeak-ng the menu is saved all the same, silent, and said at the next import."""
    if not node.prompt or not prompts.can_synthesise():
        node.speech = node.speech_hash = ""
        return
    digest = prompts.text_hash(node.prompt)
    if node.speech_hash != digest or not prompts.exists(node.speech):
        node.speech, node.speech_hash = prompts.synthesise(node.prompt), digest


def export_menu(line: Line) -> dict:
    """The line's menu as its document (the import's format, fields in a fixed order)."""
    menu = IvrMenu.objects.filter(line=line).first()
    if menu is None:
        raise NotFound(_("У линии «%s» нет голосового меню.") % line.code)
    nodes = []
    for node in menu.nodes.all():
        data: dict = {"id": node.code, "kind": node.kind}
        for name in ivrmenu.FIELDS[node.kind]:
            value = getattr(node, name)
            if name == "options":
                value = [{"digit": o["digit"], "to": o["to"]} for o in value]
            if value not in ("", None) or name == "options":
                data[name] = value
        nodes.append(data)
    return {
        "line": line.code,
        "start": menu.start,
        "night": menu.night,
        "operator_queue": menu.operator_queue,
        "nodes": nodes,
    }


def upload_recording(*, line: Line, node_code: str, content: bytes, filename: str) -> IvrNode:
    """An uploaded recording becomes the node's prompt (the text stays, for the record)."""
    node = IvrNode.objects.filter(menu__line=line, code=node_code).first()
    if node is None:
        raise NotFound(_("Нет узла «%s» в меню линии.") % node_code)
    if node.kind not in ("menu", "message", "callback", "transfer"):
        raise ValidationFailed({"node": _("У узла этого типа нет подсказки.")})
    node.recording = prompts.store_upload(content, filename)
    node.save(update_fields=["recording"])
    return node


def sound_of(node: IvrNode) -> str:
    """The prompt the caller hears: the recording if there is one, else the speech."""
    return node.recording if prompts.exists(node.recording) else node.speech


def for_media(line: Line, *, at: datetime) -> dict:
    """What the media application plays: the line's hours decide day menu or night message;
    each node with its sound (``NAME.al``: raw 8 kHz A-law) and where each digit leads."""
    menu = IvrMenu.objects.filter(line=line).first()
    if menu is None:
        raise NotFound(_("У линии «%s» нет голосового меню.") % line.code)
    folder = prompts.directory()
    nodes = {}
    for node in menu.nodes.all():
        sound = sound_of(node)
        nodes[node.code] = {
            "kind": node.kind,
            "label": node.label,
            "prompt": node.prompt,
            "audio": str(Path(folder) / f"{sound}.al") if sound else "",
            "timeout_seconds": node.timeout_seconds,
            "replays": node.replays,
            "default": node.default or ivrmenu.OPERATOR_DIGIT,
            "options": {o["digit"]: o["to"] for o in node.options},
            **{name: getattr(node, name) for name in ("queue", "article", "number", "next")},
        }
    open_now = line.is_open(at)
    return {
        "line": line.code,
        "is_open": open_now,
        "entry": menu.start if open_now else menu.night,
        "operator_queue": menu.operator_queue,
        "nodes": nodes,
    }
