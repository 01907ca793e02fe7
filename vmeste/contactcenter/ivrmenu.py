"""The voice menu as data: its document (what `vmeste ivr export` writes) and its checks.

Pure: no database, no files. The caller gives the codes that exist (the line's queues, the
knowledge base's articles); `check` answers every error at once, each with its path in the
document, so a supervisor fixes them all in one go.

The document (a mapping; `line` may be left out where the line is known, e.g. embedded in a
line's own document)::

    line: we-are-together
    start: main            # the day menu
    night: night           # a message: the line's hours decide between the two
    operator_queue: wat-general   # «0» reaches it from every node
    nodes:
      - {id: main, kind: menu, prompt: "…", timeout_seconds: 6, replays: 2, default: "0",
         options: [{digit: "1", to: food}, …]}
      - {id: food, kind: queue, label: "…", queue: wat-food}
      - {id: covid, kind: message, prompt: "…", next: main}   # `next` optional: then hang up
      - {id: call-me, kind: callback, label: "…", queue: wat-food}
      - {id: lawyer, kind: transfer, label: "…", number: "+74950000000"}
      - {id: robot, kind: robot, label: "…", article: covid-rules}

A node that serves the caller (queue, callback, transfer, robot, a message with no `next`)
ends the walk; a menu and a message with `next` lead on. A loop has an exit when one of its
nodes leads, by its own options, out of it to such an end: the «0» every node has is the
caller's escape, not the menu's way out, so it is not counted. A menu may name «0» among its
options (to say it in the prompt), but only to a queue node of the operator's queue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _

KINDS = ("menu", "queue", "message", "callback", "transfer", "robot")
ENDS = {"queue", "callback", "transfer", "robot"}
DIGITS = "0123456789"
OPERATOR_DIGIT = "0"
MAX_OPTIONS = 10
NODE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
NUMBER = re.compile(r"^\+?[0-9]{3,15}$")
# Fields of each kind, in the order the export writes them (after id and kind).
FIELDS = {
    "menu": ("label", "prompt", "recording", "timeout_seconds", "replays", "default", "options"),
    "queue": ("label", "queue"),
    "message": ("label", "prompt", "recording", "next"),
    "callback": ("label", "prompt", "recording", "queue"),
    "transfer": ("label", "prompt", "recording", "number"),
    "robot": ("label", "article"),
}
DEFAULT_TIMEOUT, DEFAULT_REPLAYS = 6, 2


@dataclass
class Problem:
    path: str  # where in the document: "nodes[2] (food).queue"
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class Known:
    """What exists outside the menu: the line's queues and the articles a robot may read."""

    queues: set[str] = field(default_factory=set)
    articles: set[str] = field(default_factory=set)
    operator_queue: object = None  # the document's own, set by `check`


def check(document: object, known: Known) -> list[Problem]:
    """Every error of the document; an empty list means the menu may be saved."""
    if not isinstance(document, dict):
        return [Problem("/", _("Ожидается словарь с ключами start, night, nodes."))]
    problems: list[Problem] = []
    operator = document.get("operator_queue")  # unknown: said once, under its own key
    known = replace(known, operator_queue=operator if operator in known.queues else None)
    nodes = _node_list(document, problems)
    by_id = _ids(nodes, problems)
    for index, node in enumerate(nodes):
        _check_node(index, node, by_id, known, problems)
    _check_entries(document, by_id, known, problems)
    if not problems:  # the graph checks need every reference sound
        _check_graph(document, nodes, by_id, problems)
    return problems


def _node_list(document: dict, problems: list[Problem]) -> list[dict]:
    nodes = document.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        problems.append(Problem("nodes", _("Нужен непустой список узлов.")))
        return []
    good = []
    for index, node in enumerate(nodes):
        if isinstance(node, dict):
            good.append(node)
        else:
            problems.append(Problem(f"nodes[{index}]", _("Узел — словарь с id и kind.")))
    return good


def _ids(nodes: list[dict], problems: list[Problem]) -> dict[str, dict]:
    by_id: dict[str, dict] = {}
    for index, node in enumerate(nodes):
        node_id = node.get("id")
        if not isinstance(node_id, str) or not NODE_ID.match(node_id):
            problems.append(
                Problem(f"nodes[{index}].id", _("Идентификатор: латиница, цифры, «-», «_».")),
            )
        elif node_id in by_id:
            problems.append(Problem(f"nodes[{index}].id", _("Повторяется id «%s».") % node_id))
        else:
            by_id[node_id] = node
    return by_id


def _where(index: int, node: dict) -> str:
    return f"nodes[{index}] ({node.get('id', '?')})"


def _check_node(index: int, node: dict, by_id: dict, known: Known, out: list[Problem]) -> None:
    where = _where(index, node)
    kind = node.get("kind")
    if kind not in KINDS:
        out.append(Problem(f"{where}.kind", _("Тип узла — один из: %s.") % ", ".join(KINDS)))
        return
    unknown = set(node) - {"id", "kind", *FIELDS[kind]}
    for name in sorted(unknown):
        out.append(Problem(f"{where}.{name}", _("Лишнее поле для узла типа «%s».") % kind))
    has_prompt = bool(_text(node, "prompt") or _text(node, "recording"))
    if kind in ("menu", "message") and not has_prompt:
        out.append(Problem(f"{where}.prompt", _("Нужен текст подсказки или запись.")))
    if kind in ("queue", "callback") and node.get("queue") not in known.queues:
        out.append(
            Problem(f"{where}.queue", _("Нет такой очереди линии: «%s».") % node.get("queue"))
        )
    if kind == "robot" and node.get("article") not in known.articles:
        out.append(
            Problem(
                f"{where}.article", _("Нет такой статьи базы знаний: «%s».") % node.get("article")
            )
        )
    if kind == "transfer" and not NUMBER.match(str(node.get("number", ""))):
        out.append(Problem(f"{where}.number", _("Номер: + и от 3 до 15 цифр.")))
    if kind == "message" and node.get("next") not in (None, "") and node["next"] not in by_id:
        out.append(Problem(f"{where}.next", _("Нет узла «%s».") % node["next"]))
    if kind == "menu":
        _check_menu(where, node, by_id, known.operator_queue, out)


def _is_operator(node: dict, operator_queue: object) -> bool:
    return node.get("kind") == "queue" and node.get("queue") == operator_queue


def _check_menu(
    where: str, node: dict, by_id: dict, operator_queue: object, out: list[Problem]
) -> None:
    options = node.get("options")
    if not isinstance(options, list) or not options:
        out.append(Problem(f"{where}.options", _("Меню без вариантов — тупик.")))
        return
    if len(options) > MAX_OPTIONS:
        out.append(Problem(f"{where}.options", _("Не больше десяти вариантов на уровне.")))
    seen: set[str] = set()
    for number, option in enumerate(options):
        at = f"{where}.options[{number}]"
        if not isinstance(option, dict):
            out.append(Problem(at, _("Вариант — словарь с digit и to.")))
            continue
        digit = option.get("digit")
        if not isinstance(digit, str) or len(digit) != 1 or digit not in DIGITS:
            out.append(Problem(f"{at}.digit", _("Цифра — одна из 0–9.")))
        elif digit in seen:
            out.append(Problem(f"{at}.digit", _("Цифра %s уже занята.") % digit))
        else:
            seen.add(digit)
        target = by_id.get(option.get("to"))
        if target is None:
            out.append(Problem(f"{at}.to", _("Нет узла «%s».") % option.get("to")))
        elif (
            digit == OPERATOR_DIGIT and operator_queue and not _is_operator(target, operator_queue)
        ):
            out.append(Problem(f"{at}.to", _("«0» везде ведёт к оператору (operator_queue).")))
        for name in sorted(set(option) - {"digit", "to"}):
            out.append(Problem(f"{at}.{name}", _("Лишнее поле варианта.")))
    default = node.get("default", OPERATOR_DIGIT)
    if default != OPERATOR_DIGIT and default not in seen:
        out.append(Problem(f"{where}.default", _("По умолчанию — цифра одного из вариантов.")))
    _check_numbers(where, node, out)


def _check_numbers(where: str, node: dict, out: list[Problem]) -> None:
    timeout = node.get("timeout_seconds", DEFAULT_TIMEOUT)
    if not isinstance(timeout, int) or not 1 <= timeout <= 60:
        out.append(Problem(f"{where}.timeout_seconds", _("Ожидание цифры — от 1 до 60 с.")))
    replays = node.get("replays", DEFAULT_REPLAYS)
    if not isinstance(replays, int) or not 0 <= replays <= 5:
        out.append(Problem(f"{where}.replays", _("Повторов подсказки — от 0 до 5.")))


def _check_entries(document: dict, by_id: dict, known: Known, out: list[Problem]) -> None:
    start, night = document.get("start"), document.get("night")
    if by_id.get(start, {}).get("kind") != "menu":
        out.append(Problem("start", _("Дневное меню — узел типа menu: «%s».") % start))
    if by_id.get(night, {}).get("kind") != "message":
        out.append(Problem("night", _("Ночное сообщение — узел типа message: «%s».") % night))
    if document.get("operator_queue") not in known.queues:
        out.append(Problem("operator_queue", _("Очередь оператора («0») — очередь этой линии.")))
    for name in sorted(set(document) - {"line", "start", "night", "operator_queue", "nodes"}):
        out.append(Problem(name, _("Лишний ключ документа.")))


def successors(node: dict) -> list[str]:
    """Where a node leads by the menu's own ways (options, a message's `next`)."""
    if node.get("kind") == "menu":
        return [option["to"] for option in node.get("options", [])]
    if node.get("kind") == "message" and node.get("next"):
        return [node["next"]]
    return []


def is_end(node: dict) -> bool:
    return node["kind"] in ENDS or (node["kind"] == "message" and not node.get("next"))


def _check_graph(document: dict, nodes: list[dict], by_id: dict, out: list[Problem]) -> None:
    reached = reachable([document["start"], document["night"]], by_id)
    ending = _ending(nodes, by_id)
    for index, node in enumerate(nodes):
        where = _where(index, node)
        if node["id"] not in reached:
            out.append(Problem(where, _("Недостижимый узел: ни одна цифра к нему не ведёт.")))
        elif node["id"] not in ending:
            out.append(
                Problem(where, _("Петля без выхода: отсюда не попасть ни в очередь, ни к концу."))
            )
        elif node["kind"] == "menu" and silent_loop(node["id"], by_id):
            out.append(
                Problem(
                    f"{where}.default",
                    _("Молчащий абонент ходит по кругу: цифры по умолчанию ведут обратно."),
                )
            )


def silent_loop(node_id: str, by_id: dict) -> bool:
    """Whether a caller who never presses a key comes back here: each menu's time-outs take
    its default digit (the operator's «0» when none), each message its `next`."""
    seen = set()
    while node_id not in seen:
        seen.add(node_id)
        node = by_id[node_id]
        if node["kind"] == "message" and node.get("next"):
            node_id = node["next"]
            continue
        if node["kind"] != "menu":
            return False
        digit = node.get("default") or OPERATOR_DIGIT
        targets = [o["to"] for o in node["options"] if o["digit"] == digit]
        if digit == OPERATOR_DIGIT or not targets:
            return False
        node_id = targets[0]
    return True


def reachable(roots: list[str], by_id: dict) -> set[str]:
    """The ids of the nodes a caller can reach from ``roots`` by the menu's own ways."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        node_id = stack.pop()
        if node_id not in seen:
            seen.add(node_id)
            stack.extend(successors(by_id[node_id]))
    return seen


def _ending(nodes: list[dict], by_id: dict) -> set[str]:
    """The nodes from which an end is reachable (a fixed point: no recursion on deep trees)."""
    ending = {node["id"] for node in nodes if is_end(node)}
    changed = True
    while changed:
        changed = False
        for node in nodes:
            if node["id"] not in ending and any(s in ending for s in successors(node)):
                ending.add(node["id"])
                changed = True
    return ending


def _text(node: dict, name: str) -> str:
    value = node.get(name)
    return value.strip() if isinstance(value, str) else ""
