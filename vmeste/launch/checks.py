"""Every rule a line's configuration must keep, checked at once: the user sees every error
of the file with its path, not the first one. Pure: what the database knows comes in `Known`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from vmeste.launch import document as doc
from vmeste.launch.checks_line import LineChecks
from vmeste.launch.checks_routing import SLUG, RoutingChecks


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Known:
    """What the database holds that a file may name."""

    regions: dict[str, str] = field(default_factory=dict)  # code → time zone
    categories: dict[str, str | None] = field(default_factory=dict)  # code → parent code
    articles: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()
    queue_lines: dict[str, str] = field(default_factory=dict)  # queue code → its line's code


class Checker(LineChecks, RoutingChecks):
    def __init__(self, known: Known, *, staffed: bool = True):
        self.known = known
        self.staffed = staffed  # a template has no agents yet: staffing is the checklist's
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    # -- small typed readers: each returns a usable value and records what is wrong ----
    def mapping(self, value, path: str, keys: tuple[str, ...] | None) -> dict:
        """A dict; its keys outside `keys` are errors (`None`: any key is fine)."""
        if not isinstance(value, dict):
            self.fail(path, _("ожидается словарь (ключ: значение)."))
            return {}
        for key in sorted(set(value) - set(keys or value), key=str):
            self.fail(f"{path}.{key}" if path else str(key), _("неизвестный ключ."))
        return value

    def listing(self, value, path: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, _("ожидается список."))
            return []
        return value

    def text(self, value, path: str, *, required: bool = False) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(path, _("ожидается строка."))
            return ""
        if required and not value.strip():
            self.fail(path, _("обязательное поле."))
        return value

    def slug(self, value, path: str) -> str:
        if not isinstance(value, str) or not SLUG.match(value):
            self.fail(path, _("код: латиница в нижнем регистре, цифры, - и _, до 60 знаков."))
            return "" if not isinstance(value, str) else value
        return value

    def integer(self, value, path: str, *, low: int = 0, high: int | None = None, null=False):
        if value is None and null:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, _("ожидается целое число."))
            return None
        if value < low or (high is not None and value > high):
            self.fail(
                path,
                _("число вне допустимых пределов (%(low)s–%(high)s).")
                % {"low": low, "high": "∞" if high is None else high},
            )
            return None
        return value

    def unique(self, items: list[tuple[str, str]], what: str) -> None:
        """`items` are (path, code): every code after its first use is an error."""
        seen: set[str] = set()
        for path, code in items:
            if code and code in seen:
                self.fail(
                    path, _("повторяется %(what)s «%(code)s».") % {"what": what, "code": code}
                )
            seen.add(code)

    def codes(self, values, path: str, known, what: str) -> list[str]:
        values = self.listing(values, path)
        for i, value in enumerate(values):
            if not isinstance(value, str) or value not in known:
                self.fail(
                    f"{path}[{i}]",
                    _("неизвестный код: %(what)s «%(code)s».") % {"what": what, "code": value},
                )
        self.unique([(f"{path}[{i}]", str(v)) for i, v in enumerate(values)], what)
        return [v for v in values if isinstance(v, str)]


def check(raw: dict, known: Known, *, staffed: bool = True) -> tuple[dict | None, list[Problem]]:
    """The canonical document, or None and every problem found (all of them, in file order)."""
    checker = Checker(known, staffed=staffed)
    top = checker.mapping(raw, "", doc.TOP_KEYS)
    if top.get("schema") != doc.SCHEMA:
        checker.fail("schema", _("ожидается schema: %s.") % doc.SCHEMA)
    line = checker.line(top.get("line"))
    centres = checker.centres(top.get("centres"))
    queues = checker.queues(top.get("queues"), line["code"])
    agents = checker.agents(top.get("agents"), {c["code"] for c in centres})
    articles = checker.codes(top.get("articles"), "articles", known.articles, _("статья"))
    if not centres:
        checker.fail("centres", _("нужен хотя бы один колл-центр."))
    if not queues:
        checker.fail("queues", _("нужна хотя бы одна очередь."))
    if staffed:
        checker.staffing(queues, agents)
    checker.categories_taken(line, queues)
    checker.overflow(queues)
    checker.hours_covered(line, centres)
    if checker.problems:
        return None, checker.problems
    document = {
        "line": line,
        "centres": centres,
        "queues": queues,
        "agents": agents,
        "articles": articles,
    }
    return doc.canonical(document), []
