"""The voice menu as the media application reads it: a plain tree of dataclasses.

This is the interface between the menu's data (today the queues' ``ivr_path`` in
``contactcenter``; later a menu model of its own) and the media application: whatever keeps
the menu, ``line_menu`` answers this shape, and ``as_dict`` is what goes over the wire.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import override

from vmeste.contactcenter.models import Queue
from vmeste.core.models import Centre, Line


@dataclass
class Option:
    digit: str
    kind: str  # "queue" | "menu"
    label: str
    queue: str = ""  # the queue's code (kind "queue")
    menu: Menu | None = None  # the sub-menu (kind "menu")


@dataclass
class Menu:
    path: str  # "" at the top, "3" under option 3, ...
    prompt: str  # what is said (synthesised until recorded)
    options: list[Option] = field(default_factory=list)
    timeout_seconds: int = 6  # no digit for that long: the prompt again
    replays: int = 2  # then the default
    default: str = ""  # the digit taken when the caller says nothing


@dataclass
class LineMenu:
    line: str
    centre: str  # the calls' home centre (the router overflows to others from it)
    is_open: bool
    menu: Menu
    closed_message: str


def line_menu(line: Line, *, at: datetime) -> LineMenu:
    """The line's menu built from its active queues' IVR paths ("1", "3-1", ...)."""
    root = Menu(path="", prompt="")
    queues = Queue.objects.filter(line=line, is_active=True).exclude(ivr_path="")
    for queue in sorted(queues, key=lambda q: q.ivr_path):
        _place(root, queue.ivr_path.split("-"), queue)
    with override("ru"):  # the callers hear Russian first
        _prompts(root, line.name_ru)
        closed = _("Линия «%(line)s» сейчас не работает. Позвоните, пожалуйста, в рабочее время.")
        closed %= {"line": line.name_ru}
    return LineMenu(
        line=line.code,
        centre=home_centre(line),
        is_open=line.is_open(at),
        menu=root,
        closed_message=closed,
    )


def home_centre(line: Line) -> str:
    """The centre a call of this line belongs to first: for a line of the whole country its
    national centre, for a regional line a regional one; "" when no centre serves it."""
    centres = list(Centre.objects.filter(lines=line).order_by("code"))
    national = not line.regions.exists()
    centres.sort(key=lambda c: (c.kind == Centre.Kind.NATIONAL) != national)
    return centres[0].code if centres else ""


def _place(menu: Menu, digits: list[str], queue: Queue) -> None:
    digit, rest = digits[0], digits[1:]
    option = next((o for o in menu.options if o.digit == digit), None)
    if not rest:
        if option is None:
            menu.options.append(
                Option(digit=digit, kind="queue", label=queue.name, queue=queue.code)
            )
        return  # a second queue on the same path: the first one (by code) keeps it
    if option is None:
        option = Option(digit=digit, kind="menu", label=queue.name)
        menu.options.append(option)
    if option.menu is None:  # a path that was a queue and also has sub-options stays a queue
        if option.kind == "queue":
            return
        path = "-".join(filter(None, [menu.path, digit]))
        option.menu = Menu(path=path, prompt="")
    _place(option.menu, rest, queue)


def _prompts(menu: Menu, line_name: str) -> None:
    menu.options.sort(key=lambda o: o.digit)
    said = [
        _("%(label)s — нажмите %(digit)s.") % {"label": o.label, "digit": o.digit}
        for o in menu.options
    ]
    greeting = _("Вы позвонили на линию «%(line)s».") % {"line": line_name} if not menu.path else ""
    menu.prompt = " ".join(filter(None, [greeting, *said]))
    if menu.options:
        menu.default = menu.options[0].digit
    for option in menu.options:
        if option.menu is not None:
            _prompts(option.menu, line_name)


def menu_queues(menu: Menu) -> set[str]:
    """The codes of the queues a caller can reach from this menu, by any path of keys."""
    found: set[str] = set()
    for option in menu.options:
        if option.queue:
            found.add(option.queue)
        if option.menu is not None:
            found |= menu_queues(option.menu)
    return found


def as_dict(menu: LineMenu) -> dict:
    return asdict(menu)
