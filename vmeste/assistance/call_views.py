"""The call card: the operator's home page. One form registers the contact and, when asked,
the person and the request; the caller's history comes from contacts' `caller_history`."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from vmeste.accounts import audit
from vmeste.accounts.roles import Right
from vmeste.assistance import intake_form
from vmeste.assistance import services as assistance
from vmeste.assistance.models import Urgency
from vmeste.assistance.ui import FormErrors, can_read_cases
from vmeste.contacts import services as contacts
from vmeste.contacts.models import Channel, Disposition
from vmeste.core import services as reference
from vmeste.core.errors import NotFound, ServiceError
from vmeste.core.models import Category, Centre, IdempotencyRecord, Line, Region
from vmeste.core.scoping import scoped, user_scope
from vmeste.people import services as people

TOKENS_KEPT = 20
# Panels other apps provide for the call card's side column, shown once their templates exist.
SIDE_PANELS = {
    "knowledge_panel": "knowledge/_search_panel.html",
    "navigator_panel": "directory/_navigator_panel.html",
}


def side_panels() -> dict[str, str | None]:
    """The other apps' parts of the card, each shown once that app is installed."""
    found: dict[str, str | None] = {}
    for key, name in SIDE_PANELS.items():
        try:
            select_template([name])
            found[key] = name
        except TemplateDoesNotExist:
            found[key] = None
    # The contact centre's toolbar and screen pop, when it is installed.
    try:
        found["toolbar_url"] = reverse("contactcenter:toolbar")
        found["screen_pop_url"] = reverse("contactcenter:screen_pop")
    except NoReverseMatch:
        found["toolbar_url"] = found["screen_pop_url"] = None
    # The navigator answers for one person: its panel is fetched once the caller is known.
    found["navigator_url"] = None
    if found["navigator_panel"]:
        try:
            found["navigator_url"] = reverse("directory:panel", args=[0])
        except NoReverseMatch:
            found["navigator_panel"] = None
    return found


def _record_articles(request: HttpRequest, contact) -> None:
    """Articles the operator marked as the answer in the knowledge panel, kept with the
    contact (the knowledge app owns the rule; an article gone meanwhile is skipped)."""
    slugs = request.POST.getlist("kb_articles")[:10]
    if not slugs:
        return
    from vmeste.knowledge import services as knowledge

    for slug in dict.fromkeys(slugs):
        try:
            article = knowledge.get_article(user=request.user, slug=slug)
        except ServiceError:
            continue
        knowledge.record_use(article=article, contact_id=contact.pk, user=request.user)


# --- one-time form tokens: a double click or a replayed POST never makes twins -------------


def issue_token(request: HttpRequest) -> str:
    token = secrets.token_urlsafe(18)
    tokens = request.session.get("intake_tokens", [])[-(TOKENS_KEPT - 1) :]
    request.session["intake_tokens"] = [*tokens, token]
    return token


def _principal(request: HttpRequest) -> str:
    return f"callcard:{request.user.pk}"


def claim_token(request: HttpRequest, token: str) -> IdempotencyRecord | None:
    """Claim the token in the database (atomic across parallel posts); None if already used."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                principal=_principal(request),
                key=token,
                method="POST",
                path=request.path,
                request_hash="",
            )
    except IntegrityError:
        return None


def _replay(request: HttpRequest, token: str) -> HttpResponse:
    record = IdempotencyRecord.objects.filter(principal=_principal(request), key=token).first()
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
    panels = side_panels()
    person_id = values.get("person_id", "")
    if panels["navigator_url"] and person_id.isdecimal():
        panels["navigator_now"] = reverse("directory:panel", args=[int(person_id)])
    return {
        **line_context(request.user, line, values),
        **panels,
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
        return render(request, "assistance/no_work.html", status=403)
    if request.method == "POST":
        return _submit(request)
    # The screen pop names the call's line; else the operator's centre's main line; else the
    # line of their last call.
    line = request.GET.get("line") or main_line(user) or request.session.get("call_line", "")
    values = {"caller_number": request.GET.get("phone", ""), "line": line}
    # The screen pop names the call: saving the card completes that call's contact.
    values["call_id"] = request.GET.get("call", "")[:100]
    context = _context(request, values, {}, issue_token(request))
    return render(request, "assistance/call_card.html", context)


def _submit(request: HttpRequest) -> HttpResponse:
    values = {key: request.POST.get(key, "") for key in request.POST}
    values.pop("csrfmiddlewaretoken", None)
    token = request.POST.get("form_token", "")
    if token not in request.session.get("intake_tokens", []):
        record = IdempotencyRecord.objects.filter(principal=_principal(request), key=token)
        if token and record.exists():
            return _replay(request, token)
        errors = FormErrors()
        errors.message = _("Форма устарела. Проверьте данные и сохраните ещё раз.")
        context = _context(request, values, errors, issue_token(request))
        return render(request, "assistance/call_card.html", context, status=409)
    claim = claim_token(request, token)
    if claim is None:
        return _replay(request, token)
    errors = FormErrors()
    try:
        form = intake_form.read(request.POST, user=request.user)
        errors.update(form.errors)
        if not errors:
            created = _save(request, form)
    except ServiceError as exc:
        errors.add(exc)
    except Exception:
        claim.delete()  # a crash is no answer: let the operator send the form again
        raise
    if errors:
        claim.delete()  # nothing was stored: the same form may be sent again once corrected
        errors.message = errors.message or _("Проверьте поля, отмеченные красным.")
        context = _context(request, values, errors, token)
        return render(request, "assistance/call_card.html", context, status=422)
    contact, made = created
    request.session["call_line"] = contact.line.code
    target = reverse("assistance:call_card")
    if made is not None:
        link = reverse("assistance:request_detail", args=[made.pk])
        messages.success(
            request,
            _("Обращение сохранено, заявка %(number)s зарегистрирована.") % {"number": made.number},
            extra_tags=f"keep:callcard link:{link}",
        )
    else:
        messages.success(request, _("Обращение сохранено."), extra_tags="keep:callcard")
    IdempotencyRecord.objects.filter(pk=claim.pk).update(status_code=303, body=target.encode())
    request.session["intake_tokens"] = [
        t for t in request.session.get("intake_tokens", []) if t != token
    ]
    return redirect(target)


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
    return render(request, "assistance/_line_panel.html", context)
