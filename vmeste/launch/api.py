"""/api/v1/lines/…: templates, a line made from one, its configuration as YAML (export and
import), its launch checklist, opening and closing, its history. Supervisors and
administrators, within their regions."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from vmeste.core.schemas import ListOf
from vmeste.launch import checklist, services

router = Router(tags=["lines"])
YAML = "application/yaml; charset=utf-8"


class TemplateOut(Schema):
    code: str
    name: str


class CreateIn(Schema):
    template: str = Field(max_length=60)
    code: str = Field(max_length=60)
    region: str = Field(max_length=10)
    dry_run: bool = False


class ImportIn(Schema):
    configuration: str = Field(max_length=2_000_000, description="the line's YAML document")
    dry_run: bool = False


class OutcomeOut(Schema):
    line: str
    created: bool
    applied: bool
    changes: list[str]


class ItemOut(Schema):
    code: str
    title: str
    passed: bool
    detail: str


class ChecklistOut(Schema):
    line: str
    is_open: bool
    can_open: bool
    items: list[ItemOut]


class LineStateOut(Schema):
    line: str
    is_open: bool


class ChangeOut(Schema):
    at: datetime
    actor: str | None
    kind: str
    diff: list[str]


@router.get("/lines/templates", response=ListOf(TemplateOut))
def list_templates(request: HttpRequest):
    services.require_launcher(request.user)
    items = [{"code": code, "name": name} for code, name in services.templates()]
    return {"items": items, "count": len(items)}


@router.post("/lines/from-template", response={201: OutcomeOut, 200: OutcomeOut})
def create_line(request: HttpRequest, payload: CreateIn):
    outcome = services.create_from_template(
        template=payload.template,
        code=payload.code,
        region=payload.region,
        user=request.user,
        dry_run=payload.dry_run,
    )
    return Status(201 if outcome.applied else 200, outcome.__dict__)


@router.post("/lines/import", response=OutcomeOut)
def import_line(request: HttpRequest, payload: ImportIn):
    outcome = services.import_line(
        text=payload.configuration, user=request.user, dry_run=payload.dry_run
    )
    return outcome.__dict__


@router.get("/lines/{code}/configuration", response={200: None})
def export_line(request: HttpRequest, code: str):
    text = services.export_line(code=code, user=request.user)
    return HttpResponse(text, content_type=YAML)


@router.get("/lines/{code}/checklist", response=ChecklistOut)
def line_checklist(request: HttpRequest, code: str):
    line = services.line_for(code=code, user=request.user)
    services.require_launcher(request.user)
    items = checklist.compute(line=line)
    return {
        "line": line.code,
        "is_open": line.is_active,
        "can_open": not checklist.blocking(items),
        "items": [item.__dict__ for item in items],
    }


@router.post("/lines/{code}/open", response=LineStateOut)
def open_line(request: HttpRequest, code: str):
    line = checklist.open_line(code=code, user=request.user)
    return {"line": line.code, "is_open": line.is_active}


@router.post("/lines/{code}/close", response=LineStateOut)
def close_line(request: HttpRequest, code: str):
    line = checklist.close_line(code=code, user=request.user)
    return {"line": line.code, "is_open": line.is_active}


@router.get("/lines/{code}/history", response=ListOf(ChangeOut))
def line_history(request: HttpRequest, code: str):
    items = [
        {
            "at": change.at,
            "actor": change.actor.username if change.actor else None,
            "kind": change.kind,
            "diff": change.diff,
        }
        for change in services.history(code=code, user=request.user)
    ]
    return {"items": items, "count": len(items)}
