"""The rule builder pages (directory → «Правила отбора»), for users with `edit_reference`.

Thin: the builder's model is `rule_builder`, meaning and saving are `rule_services`, the
view-models `rule_ui`. One form, progressive: without JavaScript every button posts the page
and gets it back; with htmx the same posts swap the editor in place and keep the focus.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vmeste.core import services as reference
from vmeste.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vmeste.directory.eligibility.facts import SITUATION_FLAGS
from vmeste.directory.models import EligibilityRule, Measure
from vmeste.directory.rules import builder as rule_builder
from vmeste.directory.rules import history as rule_history
from vmeste.directory.rules import services as rule_services
from vmeste.directory.rules import ui as rule_ui

HISTORY_SHOWN = 20
PAGE_FIELDS = ("code", "name", "chk-person")  # shown next to their own field


def _refusals(view):
    """Service refusals as HTTP answers: no right → 403, unknown object → 404."""

    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Forbidden as exc:
            raise PermissionDenied from exc
        except NotFound as exc:
            raise Http404 from exc

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return login_required(wrapped)


@_refusals
def index(request: HttpRequest) -> HttpResponse:
    rule_services.require_editor(request.user)
    rules = list(EligibilityRule.objects.all())
    names = {"regions": rule_services.region_names(), "rules": {r.code: r.name for r in rules}}
    measures = Measure.objects.order_by("-is_active", "name")
    return render(
        request,
        "directory/rules/index.html",
        {
            "measures": [(m, rule_services.say(m.eligibility, **names)) for m in measures],
            "rules": [(r, rule_services.say(r.condition, **names)) for r in rules],
        },
    )


@require_http_methods(["GET", "POST"])
@_refusals
def measure_rule(request: HttpRequest, measure_id: int) -> HttpResponse:
    measure = rule_services.get_measure(measure_id=measure_id, user=request.user)
    return _editor(request, measure=measure)


@require_http_methods(["GET", "POST"])
@_refusals
def named_rule(request: HttpRequest, code: str | None = None) -> HttpResponse:
    rule = rule_services.get_rule(code=code, user=request.user) if code else None
    rule_services.require_editor(request.user)
    return _editor(request, rule=rule)


@dataclass
class _Edit:
    """What the editor's form holds: the tree being built, the page's own fields, the version
    the user started from, the button pressed and the node to focus after it."""

    root: rule_builder.Node
    fields: dict[str, str]
    version: int
    action: str = ""
    focus: str = ""


@dataclass
class _Saving:
    """What pressing «save» came to: the saved object and its version, a message for the
    page, the refusals to show, or a redirect that ends the request."""

    measure: Measure | None
    rule: EligibilityRule | None
    version: int
    saved: str = ""
    conflict: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    status: int = 200
    response: HttpResponse | None = None


def _editor(
    request: HttpRequest, *, measure: Measure | None = None, rule: EligibilityRule | None = None
) -> HttpResponse:
    post = request.POST if request.method == "POST" else None
    edit = _read_edit(post, measure=measure, rule=rule)
    errors: dict[str, list[str]] = {}
    profile, who = None, ""
    try:
        profile, who = rule_services.check_profile(post or {}, user=request.user)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    draft = rule_services.assess_draft(
        edit.root,
        measure=measure,
        rule_code=None if measure else (edit.fields["code"] or None),
        profile=profile,
        who=who,
    )
    outcome = _Saving(measure, rule, edit.version)
    if edit.action == "save":
        outcome = _save(request, edit, draft, measure=measure, rule=rule)
        if outcome.response is not None:
            return outcome.response
        errors.update(outcome.errors)
    # The page's own fields (name, code, the check box) and what of the tree fell in no node.
    errors = {**draft.other_errors, **errors}
    context = _context(post, edit, draft, outcome, errors)
    if request.htmx:
        return render(request, "directory/rules/_editor.html", context, status=200)
    context["history"] = _history(outcome.measure, outcome.rule)
    return render(request, "directory/rules/edit.html", context, status=outcome.status)


def _read_edit(post, *, measure: Measure | None, rule: EligibilityRule | None) -> _Edit:
    """The draft as posted (a builder button applied to it), or as stored for a first look."""
    if post is not None:
        action = post.get("action", "")
        edit = _Edit(
            root=rule_builder.from_form(post),
            fields={k: post.get(k, "").strip() for k in ("code", "name", "description")},
            version=int(post.get("version", "")) if post.get("version", "").isdecimal() else -1,
            action=action,
        )
        if action not in ("", "save", "preview"):
            edit.focus = rule_builder.apply(edit.root, action)
    else:
        tree = measure.eligibility if measure else (rule.condition if rule else {})
        edit = _Edit(
            root=rule_builder.from_tree(tree),
            fields={
                "code": rule.code if rule else "",
                "name": rule.name if rule else "",
                "description": rule.description if rule else "",
            },
            version=measure.version if measure else (rule.version if rule else 0),
        )
    if rule is not None:
        edit.fields["code"] = rule.code  # a rule's code is its identity: renaming is a new rule
    return edit


def _save(
    request: HttpRequest,
    edit: _Edit,
    draft: rule_services.Draft,
    *,
    measure: Measure | None,
    rule: EligibilityRule | None,
) -> _Saving:
    try:
        if measure is not None:
            measure, changed = rule_services.save_measure_conditions(
                measure_id=measure.pk,
                tree=draft.tree,
                expected_version=edit.version,
                actor=request.user,
            )
        else:
            rule, changed = rule_services.save_named_rule(
                **edit.fields, tree=draft.tree, expected_version=edit.version, actor=request.user
            )
    except Conflict as exc:
        return _Saving(measure, rule, edit.version, conflict=exc.message, status=409)
    except ValidationFailed as exc:
        return _Saving(measure, rule, edit.version, errors=_not_shown(exc, draft), status=422)
    version = (measure or rule).version
    saved = (
        _("Сохранено: версия %s.") % version if changed else _("Изменений нет: сохранять нечего.")
    )
    return _Saving(
        measure, rule, version, saved=saved, response=_after_save(request, saved, measure, rule)
    )


def _not_shown(exc: ValidationFailed, draft: rule_services.Draft) -> dict[str, list[str]]:
    """The refusal's messages, but for what the draft already shows next to its condition."""
    shown = {m for ms in (*draft.node_errors.values(), *draft.other_errors.values()) for m in ms}
    errors = {}
    for name, messages_ in exc.fields.items():
        fresh = [m for m in messages_ if m not in shown]
        if fresh:
            errors[name] = fresh
    return errors


def _after_save(
    request: HttpRequest, saved: str, measure: Measure | None, rule: EligibilityRule | None
) -> HttpResponse | None:
    """Where a saved draft goes: the page again (without htmx), a new named rule's own
    address (htmx), or None: the editor is swapped in place with the message."""
    url = _url(measure, rule)
    if not request.htmx:
        messages.success(request, saved)
        return redirect(url)
    if request.path != url:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        messages.success(request, saved)
        return response
    return None


def _context(post, edit: _Edit, draft, outcome: _Saving, errors: dict[str, list[str]]) -> dict:
    measure, rule = outcome.measure, outcome.rule
    others = _other_rules(rule)
    return {
        "measure": measure,
        "rule": rule,
        "fields": edit.fields,
        "version": outcome.version,
        "draft": draft,
        "tree_json": json.dumps(draft.tree, ensure_ascii=False, indent=2),
        "tree": rule_ui.present(draft, focus=edit.focus),
        "errors": errors,
        "saved": outcome.saved,
        "conflict": outcome.conflict,
        "focus": edit.focus,
        "reload_url": _url(measure, rule) if rule or measure else "",
        "facts": rule_ui.fact_groups(others),
        "group_types": rule_ui.GROUP_TYPES,
        "regions": reference.regions(),
        "disability": rule_ui.disability_choices(),
        "named_rules": others,
        "flags": [(code, _(label)) for code, label in SITUATION_FLAGS.items()],
        "chk": {k: v for k, v in (post or {}).items() if k.startswith("chk-")},
        "chk_flags": {code for code in SITUATION_FLAGS if post and post.get(f"chk-{code}")},
        "top_errors": [m for k, ms in errors.items() if k not in PAGE_FIELDS for m in ms],
    }


def _url(measure: Measure | None, rule: EligibilityRule | None) -> str:
    if measure is not None:
        return reverse("directory:rule_measure", args=[measure.pk])
    if rule is not None:
        return reverse("directory:rule_named", args=[rule.code])
    return reverse("directory:rule_new")


def _other_rules(rule: EligibilityRule | None) -> dict[str, str]:
    names = rule_services.rule_names()
    if rule is not None:
        names.pop(rule.code, None)  # a rule referring to itself is a cycle
    return names


def _history(measure: Measure | None, rule: EligibilityRule | None) -> list[dict]:
    if measure is None and rule is None:
        return []
    subject = rule_history.Subject.MEASURE if measure else rule_history.Subject.RULE
    obj = measure or rule
    names = {"regions": rule_services.region_names(), "rules": rule_services.rule_names()}
    return [
        {
            "change": change,
            "before": rule_services.say(change.before, **names)
            if change.before is not None
            else _("— (создано)"),
            "after": rule_services.say(change.after, **names),
        }
        for change in rule_history.history_of(subject=subject, object_id=obj.pk)[:HISTORY_SHOWN]
    ]
