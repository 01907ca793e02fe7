"""The voice menus in the site: the tree of a line's menu with a "listen" button on each
prompt, its document to edit (checked whole, every error shown with its path), recordings
to upload. Supervisors and administrators, for the lines of their scope (`ivr.line_for`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vmeste.contactcenter import ivr, prompts
from vmeste.contactcenter.models import IvrMenu, IvrNode
from vmeste.core.errors import Forbidden, NotFound, ServiceError
from vmeste.core.models import Line
from vmeste.core.scoping import scoped


@dataclass
class Row:
    depth: int
    digit: str  # the key that leads here ("" for the day menu and the night message)
    node: IvrNode
    again: bool = False  # shown above already: a way back (the tree goes on there)
    sound: str = ""


def tree(menu: IvrMenu) -> list[Row]:
    """The menu walked from the day menu, then the night message; each node once."""
    nodes = {node.code: node for node in menu.nodes.all()}
    rows: list[Row] = []
    shown: set[str] = set()
    stack = [(0, "", menu.night), (0, "", menu.start)]
    while stack:
        depth, digit, code = stack.pop()
        node = nodes.get(code)
        if node is None:
            continue
        rows.append(Row(depth, digit, node, again=code in shown, sound=ivr.sound_of(node)))
        if code in shown:
            continue
        shown.add(code)
        follow = [(o["digit"], o["to"]) for o in node.options]
        if node.next:
            follow.append(("", node.next))
        stack.extend((depth + 1, d, to) for d, to in reversed(follow))
    return rows


def _refusal(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return render(request, "contactcenter/ivr_refused.html", {"error": exc}, status=exc.status)


@login_required
@require_GET
def menus(request: HttpRequest) -> HttpResponse:
    if not ivr.may_edit(request.user):
        return _refusal(request, Forbidden())
    # Closed lines too: a line being launched needs its menu before it may open.
    lines = scoped(Line.objects.order_by("code"), request.user).select_related("ivr_menu")
    return render(request, "contactcenter/ivr_menus.html", {"lines": lines})


@login_required
@require_http_methods(["GET", "POST"])
def menu(request: HttpRequest, line: str) -> HttpResponse:
    try:
        target = ivr.line_for(request.user, line)
    except ServiceError as exc:
        return _refusal(request, exc)
    errors, text = None, request.POST.get("document", "")
    if request.method == "POST":
        try:
            ivr.import_menu(ivr.parse_yaml(text), line=target)
            return redirect("contactcenter:ivr_menu", line=target.code)
        except ServiceError as exc:
            errors = exc
    saved = IvrMenu.objects.filter(line=target).first()
    if saved is not None and not text:
        text = ivr.dump_yaml(ivr.export_menu(target))
    context = {
        "line": target,
        "rows": tree(saved) if saved else [],
        "document": text,
        "errors": errors,
    }
    return render(request, "contactcenter/ivr_menu.html", context, status=422 if errors else 200)


@login_required
@require_POST
def upload(request: HttpRequest, line: str, node: str) -> HttpResponse:
    try:
        target = ivr.line_for(request.user, line)
        sent = request.FILES.get("file")
        if sent is None:
            raise NotFound()
        ivr.upload_recording(line=target, node_code=node, content=sent.read(), filename=sent.name)
    except ServiceError as exc:
        return _refusal(request, exc)
    return redirect("contactcenter:ivr_menu", line=target.code)


@login_required
@require_GET
def listen(request: HttpRequest, line: str, node: str) -> FileResponse:
    """The prompt as the caller hears it (8 kHz), as WAV for the browser's <audio>."""
    try:
        target = ivr.line_for(request.user, line)
    except ServiceError as exc:
        raise Http404 from exc
    found = IvrNode.objects.filter(menu__line=target, code=node).first()
    sound = ivr.sound_of(found) if found else ""
    path = prompts.directory() / f"{sound}.wav"
    if not sound or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), content_type="audio/wav")
