"""Knowledge base pages: the list and an article for everyone signed in; the editor, preview,
history, diff, restore and synonyms for editors; and the call card's search panel fragments.

Thin: rights, workflow and versions are in `services`; a refusal comes back as a
ServiceError and is shown next to the field it names.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vmeste.accounts.roles import Right
from vmeste.core import services as reference
from vmeste.core.errors import Forbidden, NotFound, ServiceError
from vmeste.knowledge import services, transitions
from vmeste.knowledge.forms import ArticleForm
from vmeste.knowledge.models import Status, Synonym
from vmeste.knowledge.rendering import diff_lines, render_markdown

PANEL_LIMIT = 8
PAGE_LIMIT = 30


def _refusals(view):
    """NotFound → 404 and Forbidden → 403, for every page of this module."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except Forbidden:
            raise PermissionDenied from None

    return login_required(wrapped)


def _editor(request: HttpRequest) -> bool:
    return request.user.can(Right.EDIT_REFERENCE)


def _line_param(request: HttpRequest) -> str:
    # The panel sends both the call card's line select and its own line: the first set wins.
    return next((v for v in request.GET.getlist("line") if v), "")


@_refusals
def article_list(request: HttpRequest) -> HttpResponse:
    line, status, q = (
        request.GET.get("line", ""),
        request.GET.get("status", ""),
        request.GET.get("q", ""),
    )
    articles = services.visible_articles(request.user).prefetch_related("lines")
    if line:
        articles = articles.filter(lines__code=line)
    if status and _editor(request):
        articles = articles.filter(status=status)
    hits = services.search(query=q, line=line or None, limit=PAGE_LIMIT, user=request.user)
    return render(
        request,
        "knowledge/article_list.html",
        {
            "articles": articles[:500],
            "hits": hits,
            "q": q,
            "line": line,
            "status": status,
            "lines": reference.lines(),
            "statuses": Status.choices,
            "can_edit": _editor(request),
            "mode": "page",
        },
    )


@_refusals
def search_results(request: HttpRequest) -> HttpResponse:
    """The results fragment, answered as the operator types (panel) or on the list page."""
    q = request.GET.get("q", "")
    mode = "panel" if request.GET.get("mode") == "panel" else "page"
    limit = PANEL_LIMIT if mode == "panel" else PAGE_LIMIT
    hits = services.search(
        query=q, line=_line_param(request) or None, limit=limit, user=request.user
    )
    return render(
        request,
        "knowledge/_results.html",
        {"hits": hits, "q": q, "mode": mode, "contact": request.GET.get("contact", "")},
    )


def _render_article(request: HttpRequest, slug: str, template: str, more) -> HttpResponse:
    """An article the user may read, its body as HTML, and what `more(article)` adds."""
    article = services.get_article(user=request.user, slug=slug)
    body_html = render_markdown(article.body)
    return render(request, template, {"article": article, "body_html": body_html, **more(article)})


@_refusals
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_article(
        request,
        slug,
        "knowledge/article_detail.html",
        lambda article: {
            "can_edit": _editor(request),
            "moves": [
                (new, transitions.TRANSITIONS[(article.status, new)])
                for new in transitions.next_statuses(article.status)
            ],
            "versions": article.versions.select_related("author")[:10],
        },
    )


@_refusals
def panel_article(request: HttpRequest, slug: str) -> HttpResponse:
    """An article opened beside the call card's form, with "this answered the caller"."""
    asked = {name: request.GET.get(name, "") for name in ("contact", "q")}
    form_id = request.GET.get("form", "")
    return _render_article(
        request, slug, "knowledge/_panel_article.html", lambda _: {**asked, "form_id": form_id}
    )


@require_POST
@_refusals
def record_use(request: HttpRequest) -> HttpResponse:
    """Record which article answered a contact. Without a contact yet (the call card saves
    it later), answer a hidden field that the call card's form submits with the contact."""
    article = services.get_article(user=request.user, slug=request.POST.get("article", ""))
    contact = request.POST.get("contact", "")
    recorded = False
    if contact:
        if not contact.isdecimal():
            raise Http404
        services.record_use(
            article=article,
            contact_id=int(contact),
            user=request.user,
            query=request.POST.get("q", ""),
        )
        recorded = True
    return render(
        request,
        "knowledge/_use_recorded.html",
        {"article": article, "recorded": recorded, "form_id": request.POST.get("form", "")},
    )


@_refusals
def article_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    if slug:
        article = services.editable_article(user=request.user, slug=slug)
    else:
        services.require_editor(request.user)
        article = None
    if request.method != "POST":
        form = ArticleForm.for_article(article) if article else ArticleForm()
    else:
        form = ArticleForm(request.POST)
        if form.is_valid():
            try:
                saved, changed = services.save_article(
                    data=form.data_for_service(),
                    user=request.user,
                    article=article,
                    note=form.cleaned_data["note"],
                    must_be_new=article is None,
                )
            except ServiceError as exc:
                form.add_service_errors(exc.fields or {"__all__": [exc.message]})
            else:
                if changed:
                    messages.success(request, _("Статья сохранена: версия %s.") % saved.version)
                else:
                    messages.info(request, _("Изменений нет."))
                return redirect("knowledge:detail", slug=saved.slug)
    return render(request, "knowledge/article_form.html", {"form": form, "article": article})


@require_POST
@_refusals
def preview(request: HttpRequest) -> HttpResponse:
    services.require_editor(request.user)
    return HttpResponse(render_markdown(request.POST.get("body", "")))


@require_POST
@_refusals
def transition(request: HttpRequest, slug: str) -> HttpResponse:
    article = services.get_article(user=request.user, slug=slug)
    try:
        services.transition(article=article, status=request.POST.get("to", ""), user=request.user)
    except ServiceError as exc:
        if isinstance(exc, Forbidden):
            raise
        messages.error(request, exc.message)
    return redirect("knowledge:detail", slug=slug)


@_refusals
def history(request: HttpRequest, slug: str) -> HttpResponse:
    article = services.editable_article(user=request.user, slug=slug)
    versions = list(article.versions.select_related("author"))
    numbers = [v.number for v in versions]
    new = _number(request.GET.get("b"), numbers[0] if numbers else 0)
    old = _number(request.GET.get("a"), numbers[1] if len(numbers) > 1 else new)
    by_number = {v.number: v for v in versions}
    diff: list[str] = []
    if old in by_number and new in by_number:
        a, b = by_number[old], by_number[new]
        diff = diff_lines(
            f"# {a.title}\n{_meta(a)}\n\n{a.body}",
            f"# {b.title}\n{_meta(b)}\n\n{b.body}",
            old_name=_("версия %s") % old,
            new_name=_("версия %s") % new,
        )
    return render(
        request,
        "knowledge/history.html",
        {"article": article, "versions": versions, "old": old, "new": new, "diff": diff},
    )


def _number(value: str | None, default: int) -> int:
    return int(value) if value and value.isdecimal() else default


def _meta(version) -> str:
    return (
        f"{_('линии')}: {', '.join(version.lines) or '—'}; {_('метки')}: {', '.join(version.tags)}"
        f"; {_('статус')}: {version.status}"
    )


@require_POST
@_refusals
def restore(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    article = services.get_article(user=request.user, slug=slug)
    try:
        restored = services.restore(article=article, number=number, user=request.user)
    except (NotFound, Forbidden):
        raise
    except ServiceError as exc:  # e.g. a line of that version no longer exists
        messages.error(
            request, "; ".join(m for ms in exc.fields.values() for m in ms) or exc.message
        )
        return redirect("knowledge:history", slug=slug)
    messages.success(
        request,
        _("Восстановлен текст версии %(old)s как версия %(new)s.")
        % {"old": number, "new": restored.version},
    )
    return redirect("knowledge:detail", slug=slug)


@_refusals
def synonyms(request: HttpRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("delete"):
                entry = Synonym.objects.filter(pk=_number(request.POST["delete"], 0)).first()
                if entry is None:
                    raise Http404
                services.delete_content(entry=entry, user=request.user)
            else:
                services.save_synonym(
                    terms=request.POST.get("terms", ""),
                    note=request.POST.get("note", ""),
                    user=request.user,
                )
        except ServiceError as exc:
            if isinstance(exc, Forbidden):
                raise
            errors = exc.fields
        else:
            return redirect("knowledge:synonyms")
    return render(
        request,
        "knowledge/synonyms.html",
        {
            "entries": Synonym.objects.all(),
            "can_edit": _editor(request),
            "errors": errors,
            "values": request.POST,
        },
    )
