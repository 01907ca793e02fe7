"""The call card: the operator's home page. One form registers the contact and, when asked,
the person and the request; the caller's history is `workplace.history`, the other apps' parts
(knowledge, navigator, the contact centre's toolbar and pop) come from `workplace.panels`."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from vmeste.accounts import audit
from vmeste.accounts.roles import Right
from vmeste.accounts.ui import can_read_cases
from vmeste.assistance import services as assistance
from vmeste.assistance.models import Urgency
from vmeste.contacts import services as contacts
from vmeste.contacts.models import Channel, Disposition
from vmeste.core import idempotency
from vmeste.core import services as reference
from vmeste.core.errors import NotFound, ServiceError
from vmeste.core.models import Category, Centre, IdempotencyRecord, Line, Region
from vmeste.core.scoping import scoped, user_scope
from vmeste.core.ui import FormErrors
from vmeste.knowledge import services as knowledge
from vmeste.people import services as people
from vmeste.workplace import intake_form, panels

TOKENS_KEPT = 20


def _record_articles(request: HttpRequest, contact) -> None:
    """Articles the operator marked as the answer in the knowledge panel, kept with the
    contact (the knowledge app owns the rule; an article gone meanwhile is skipped)."""
    slugs = request.POST.getlist("kb_articles")[:10]
    if not slugs:
        return
    for slug in dict.fromkeys(slugs):
        try:
            article = knowledge.get_article(user=request.user, slug=slug)
        except ServiceError:
            continue
        knowledge.record_use(article=article, contact_id=contact.pk, user=request.user)


# --- one-time form keys: a double click or a replayed POST never makes twins ---------------
# The key is issued with the form and kept in the session (a form this session never issued is
# a stale one); saving runs through core.idempotency.once under the user's own keys, as the
# API's Idempotency-Key does.


def issue_token(request: HttpRequest) -> str:
    token = secrets.token_urlsafe(18)
    tokens = request.session.get("intake_tokens", [])[-(TOKENS_KEPT - 1) :]
    request.session["intake_tokens"] = [*tokens, token]
    return token


def _replay(request: HttpRequest, record: IdempotencyRecord | None) -> HttpResponse:
    if record is not None and record.status_code:
        messages.info(request, _("Эта форма уже сохранена, повторно ничего не создано."))
        return redirect(bytes(record.body).decode() or reverse("assistance:call_card"))
    messages.warning(request, _("Форма уже отправлена и сохраняется. Ничего не создано дважды."))
    return redirect("assistance:call_card")


# --- choices --------------------------------------------------------------------------------


def lines_for(user) -> list[Line]:
    return list(scoped(reference.lines(), user))


def regions_for(user, line: Line | None) -> list[Region]:
    regions = list(reference.regions())
    allowed, _lines = user_scope(user)
    if allowed:
        regions = [r for r in regions if r.pk in allowed]
    if line is not None:
        served = {r.pk for r in line.regions.all()}
        if served:
            regions = [r for r in regions if r.pk in served]
    return sorted(regions, key=lambda r: r.name)


def categories_for(line: Line | None) -> list[tuple[Category, list[Category]]]:
    """Top categories the line offers, each with its subcategories (one query)."""
    rows = list(reference.categories())
    offered = {c.pk for c in line.categories.all()} if line is not None else set()
    tops = [c for c in rows if c.parent_id is None and (not offered or c.pk in offered)]
    children: dict[int, list[Category]] = {}
    for c in rows:
        if c.parent_id:
            children.setdefault(c.parent_id, []).append(c)
    return [(top, children.get(top.pk, [])) for top in tops]


def main_line(user) -> str:
    """The code of the operator's centre's main line: the first line attached to the centre
    (the centre's own number comes first when it is set up) that the operator may take."""
    if not user.centre_id:
        return ""
    through = Centre.lines.through.objects.filter(centre_id=user.centre_id).order_by("pk")
    ids = list(through.values_list("line_id", flat=True))
    mine = {line.pk: line.code for line in lines_for(user)}
    return next((mine[pk] for pk in ids if pk in mine), "")


def _chosen_line(lines: list[Line], code: str) -> Line | None:
    for line in lines:
        if line.code == code:
            return line
    return lines[0] if lines else None


def line_context(user, line: Line | None, values: dict) -> dict:
    regions = regions_for(user, line)
    if not values.get("region") and len(regions) == 1:
        values = {**values, "region": regions[0].code}
    return {
        "line": line,
        "regions": regions,
        "categories": categories_for(line),
        "urgencies": Urgency.choices,
        "values": values,
    }


def _context(request: HttpRequest, values: dict, errors: dict, token: str) -> dict:
    lines = lines_for(request.user)
    line = _chosen_line(lines, values.get("line", ""))
    if line is not None and not values.get("line"):
        values = {**values, "line": line.code}
    person_id = values.get("person_id", "")
    return {
        **line_context(request.user, line, values),
        **panels.for_card(int(person_id) if person_id.isdecimal() else None),
        "lines": lines,
        "errors": errors,
        "error_message": getattr(errors, "message", "") if errors else "",
        "token": token,
        "kb_articles": request.POST.getlist("kb_articles") if request.method == "POST" else [],
        # The draft kept in the browser belongs to this call (or this number).
        "keep_scope": values.get("call_id") or request.GET.get("phone", "")[:40],
        "channels": Channel.choices,
        "dispositions": Disposition.choices,
    }


# --- pages ----------------------------------------------------------------------------------


@login_required
def call_card(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.can(Right.REGISTER):
        # Home for everyone: those who do not take calls land where their work is.
        if can_read_cases(user):
            return redirect("assistance:request_list")
        if user.can(Right.SEE_FIGURES):
            return redirect("reports:figures")
        return render(request, "workplace/no_work.html", status=403)
    if request.method == "POST":
        return _submit(request)
    # The screen pop names the call's line; else the operator's centre's main line; else the
    # line of their last call.
    line = request.GET.get("line") or main_line(user) or request.session.get("call_line", "")
    values = {"caller_number": request.GET.get("phone", ""), "line": line}
    # The screen pop names the call: saving the card completes that call's contact.
    values["call_id"] = request.GET.get("call", "")[:100]
    context = _context(request, values, {}, issue_token(request))
    return render(request, "workplace/call_card.html", context)


def _submit(request: HttpRequest) -> HttpResponse:
    values = {key: request.POST.get(key, "") for key in request.POST}
    values.pop("csrfmiddlewaretoken", None)
    token = request.POST.get("form_token", "")
    who = idempotency.principal(request)
    if token not in request.session.get("intake_tokens", []):
        done = idempotency.stored(who, token) if token else None
        if done is not None:
            return _replay(request, done)
        errors = FormErrors()
        errors.message = _("Форма устарела. Проверьте данные и сохраните ещё раз.")
        context = _context(request, values, errors, issue_token(request))
        return render(request, "workplace/call_card.html", context, status=409)
    # Nothing is kept of a form refused with errors: corrected, it is sent with the same key.
    return idempotency.once(
        request,
        principal=who,
        key=token,
        work=lambda: _store(request, values, token),
        replay=lambda record: _replay(request, record),
        keep_refusals=False,
    )


def _store(request: HttpRequest, values: dict, token: str) -> HttpResponse:
    errors = FormErrors()
    try:
        form = intake_form.read(request.POST, user=request.user)
        errors.update(form.errors)
        if not errors:
            contact, made = _save(request, form)
    except ServiceError as exc:
        errors.add(exc)
    if errors:
        errors.message = errors.message or _("Проверьте поля, отмеченные красным.")
        context = _context(request, values, errors, token)
        return render(request, "workplace/call_card.html", context, status=422)
    request.session["call_line"] = contact.line.code
    if made is not None:
        link = reverse("assistance:request_detail", args=[made.pk])
        messages.success(
            request,
            _("Обращение сохранено, заявка %(number)s зарегистрирована.") % {"number": made.number},
            extra_tags=f"keep:callcard link:{link}",
        )
    else:
        messages.success(request, _("Обращение сохранено."), extra_tags="keep:callcard")
    request.session["intake_tokens"] = [
        t for t in request.session.get("intake_tokens", []) if t != token
    ]
    return redirect(reverse("assistance:call_card"))


def _save(request: HttpRequest, form: intake_form.IntakeForm):
    """Contact, person and request in one transaction: all stored, or nothing."""
    user = request.user
    with transaction.atomic():
        person = None
        if form.person_id:
            try:
                person = people.get_person(
                    person_id=form.person_id, user=user, purpose=audit.Purpose.CALL
                )
            except NotFound:
                person = None
        contact = contacts.register_contact(data=form.contact, actor=user, person=person)
        _record_articles(request, contact)
        made = None
        if form.with_request:
            made = assistance.register_with_person(
                data=form.request,
                person_data=form.person,
                actor=user,
                consent=form.consent,
                contact=contact,
            ).request
    return contact, made


@login_required
@require_GET
def line_panel(request: HttpRequest) -> HttpResponse:
    """htmx: the chosen line's script, questions, regions and categories."""
    lines = lines_for(request.user)
    line = _chosen_line(lines, request.GET.get("line", ""))
    values = {key: request.GET.get(key, "") for key in request.GET}
    context = {**line_context(request.user, line, values), "errors": {}}
    return render(request, "workplace/_line_panel.html", context)
