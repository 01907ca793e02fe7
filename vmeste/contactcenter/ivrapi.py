"""`/api/v1/ivr/…`: a line's voice menu over the API, for supervisors and administrators of
the lines in their scope (the same rules as `vmeste ivr`), and for the media application."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from vmeste.accounts.roles import Right
from vmeste.contactcenter import ivr, ivrmenu
from vmeste.core.errors import Forbidden, NotFound, ValidationFailed
from vmeste.core.models import Line

router = Router(tags=["ivr"])
YAML = "application/yaml"


class Problem(Schema):
    path: str
    message: str


class CheckOut(Schema):
    valid: bool
    errors: list[Problem]


def _document(request: HttpRequest) -> object:
    """The body: YAML when it says so (`Content-Type: application/yaml`), JSON otherwise."""
    text = request.body.decode("utf-8", errors="replace")
    if "yaml" in request.content_type:
        return ivr.parse_yaml(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed({"body": str(exc)}, _("Тело запроса — не JSON.")) from exc


@router.get("/ivr/{line}")
def get_menu(request: HttpRequest, line: str, format: str = "json"):
    """The line's menu as its document; `?format=yaml` gives the file `vmeste ivr export`
    writes, byte for byte."""
    document = ivr.export_menu(ivr.line_for(request.user, line))
    if format == "yaml":
        return HttpResponse(ivr.dump_yaml(document), content_type=f"{YAML}; charset=utf-8")
    return document


@router.put("/ivr/{line}")
def put_menu(request: HttpRequest, line: str):
    """Replace the line's menu (JSON, or YAML with `Content-Type: application/yaml`): all or
    nothing; an invalid menu is refused (422) with every error under its path in `fields`."""
    target = ivr.line_for(request.user, line)
    ivr.import_menu(_document(request), line=target)
    return ivr.export_menu(target)


@router.post("/ivr/{line}/check", response=CheckOut)
def check_menu(request: HttpRequest, line: str):
    """Check a menu without saving it: every error with its path."""
    target = ivr.line_for(request.user, line)
    problems = ivrmenu.check(_document(request), ivr.known_for(target))
    return {"valid": not problems, "errors": [vars(p) for p in problems]}


@router.post("/ivr/{line}/nodes/{node}/recording")
def upload_recording(request: HttpRequest, line: str, node: str, file: UploadedFile = File(...)):  # noqa: B008
    """A recording (WAV, MP3, OGG) for the node's prompt, converted to 8 kHz."""
    target = ivr.line_for(request.user, line)
    saved = ivr.upload_recording(
        line=target, node_code=node, content=file.read(), filename=file.name or ""
    )
    return {"node": saved.code, "recording": saved.recording}


@router.get("/ivr/{line}/media")
def media_menu(request: HttpRequest, line: str):
    """For the media application (the telephony's token): what to play now and where each
    digit leads; the line's hours decide `entry` (the day menu or the night message)."""
    if not request.user.can(Right.TELEPHONY_EVENTS):
        raise Forbidden()
    found = Line.objects.filter(code=line).first()
    if found is None:
        raise NotFound(_("Нет линии «%s».") % line)
    return ivr.for_media(found, at=timezone.now())
