"""The knowledge base's rules: the only code that writes articles, versions, synonyms and uses,
and the one way to search (the process's index, rebuilt when the content version moves)."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vmeste.accounts.roles import Right
from vmeste.contacts.services import get_contact
from vmeste.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from vmeste.core.models import Category, Line
from vmeste.core.scoping import user_scope
from vmeste.knowledge import transitions
from vmeste.knowledge.models import (
    Article,
    ArticleUse,
    ArticleVersion,
    ContentVersion,
    Status,
    Synonym,
)
from vmeste.knowledge.search import Document, Hit, Index, meaning
from vmeste.knowledge.semantic import meaning_index

MAX_LIMIT = 50

# -- content version and the index ------------------------------------------------------------


def bump_content_version() -> None:
    """Tell every process that what the search indexes has changed."""
    updated = ContentVersion.objects.filter(pk=1).update(
        version=F("version") + 1, token=uuid.uuid4().hex
    )
    if not updated:
        ContentVersion.objects.get_or_create(
            pk=1, defaults={"version": 1, "token": uuid.uuid4().hex}
        )


def content_version() -> tuple[int, str]:
    row = ContentVersion.objects.filter(pk=1).values_list("version", "token").first()
    return row or (0, "")


def documents() -> list[Document]:
    """Published articles as the search engine sees them."""
    articles = Article.objects.filter(status=Status.PUBLISHED).prefetch_related("lines")
    return [
        Document(
            id=a.slug,
            title=a.title,
            body=a.body,
            tags=tuple(a.tags or ()),
            lines=tuple(sorted(line.code for line in a.lines.all())),
            valid_from=a.valid_from,
            valid_until=a.valid_until,
        )
        for a in articles
    ]


def synonym_groups() -> list[list[str]]:
    return [s.phrases for s in Synonym.objects.filter(is_active=True)]


_lock = threading.Lock()
_cache: dict = {"key": None, "index": None, "rebuilding": False}
# Up to this many articles an index builds in well under a second: searches wait for the
# new one. Above it, searches keep answering from the previous index while a thread builds
# the next (an operator must not wait ten seconds because an editor saved an article).
REBUILD_IN_BACKGROUND_ABOVE = 2_000


def _build(key: tuple[int, str]) -> Index:
    # The version is read before the content: a change landing meanwhile bumps it again,
    # so the next search rebuilds rather than keeping a stale index.
    index = Index(documents(), synonym_groups())
    _cache["index"], _cache["key"] = index, key
    return index


def _build_in_background(key: tuple[int, str]) -> None:
    from django.db import connection

    try:
        _build(key)
    finally:
        _cache["rebuilding"] = False
        connection.close()  # this thread's own connection


def current_index() -> Index:
    """This process's index, rebuilt when the database's content version differs from the one
    it was built from (one cheap query per search keeps every process in step)."""
    key = content_version()
    index = _cache["index"]
    if _cache["key"] == key and index is not None:
        return index
    if index is not None and index.size > REBUILD_IN_BACKGROUND_ABOVE:
        with _lock:
            if not _cache["rebuilding"]:
                _cache["rebuilding"] = True
                threading.Thread(target=_build_in_background, args=(key,), daemon=True).start()
        return index
    with _lock:
        if _cache["key"] != key or _cache["index"] is None:
            return _build(key)
    return _cache["index"]


def _line_filter(user, line: str | None) -> str | frozenset[str] | bool | None:
    """The line filter for a search; False when the user may not search that line."""
    allowed: frozenset[str] | None = None
    if user is not None:
        _regions, line_ids = user_scope(user)
        if line_ids:
            allowed = frozenset(Line.objects.filter(pk__in=line_ids).values_list("code", flat=True))
    if line:
        if allowed is not None and line not in allowed:
            return False
        return line
    return allowed


def search(*, query: str, line: str | None = None, limit: int = 10, user=None) -> list[Hit]:
    """Published, currently valid articles answering `query`, best first (never raises on odd
    queries). A user limited to some lines searches only articles of those lines."""
    limit = max(0, min(int(limit), MAX_LIMIT))
    line_filter = _line_filter(user, (line or "").strip() or None)
    if line_filter is False or not query:
        return []
    index = current_index()
    return meaning.fused_search(
        index,
        meaning_index(index),
        str(query),
        line=line_filter or None,
        limit=limit,
        on=timezone.localdate(),
    )


# -- articles --------------------------------------------------------------------------------


def visible_articles(user) -> QuerySet[Article]:
    """What a user may open: editors see every status, others only published articles; a
    user limited to lines sees those lines' articles and the ones for every line."""
    articles = Article.objects.all()
    if not user.can(Right.EDIT_REFERENCE):
        articles = articles.filter(status=Status.PUBLISHED)
    _regions, line_ids = user_scope(user)
    if line_ids:
        articles = articles.filter(Q(lines__in=line_ids) | Q(lines__isnull=True)).distinct()
    return articles


def get_article(*, user, slug: str) -> Article:
    article = visible_articles(user).filter(slug=slug).first()
    if article is None:
        raise NotFound()
    return article


def require_editor(user) -> None:
    if user is None or not user.can(Right.EDIT_REFERENCE):
        raise Forbidden()


def editable_article(*, user, slug: str) -> Article:
    """An article to change: a non-editor is refused before the lookup (a refusal, not a
    «not found» that would tell drafts apart)."""
    require_editor(user)
    return get_article(user=user, slug=slug)


def article_versions(*, user, slug: str) -> list[ArticleVersion]:
    """The article's versions, newest first, with their authors: editors only."""
    return list(editable_article(user=user, slug=slug).versions.select_related("author"))


@dataclass
class ArticleData:
    """What an editor sets on an article (the import and the forms both fill one)."""

    slug: str
    title: str
    body: str = ""
    lines: list[str] | None = None  # line codes; empty = every line
    categories: list[str] | None = None  # category codes
    tags: list[str] | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    updated: date | None = None

    CONTENT = ("title", "body", "lines", "categories", "tags", "valid_from", "valid_until")

    @classmethod
    def copied(cls, source, **given) -> ArticleData:
        """The content read off `source` (a parsed file, an earlier version), and `given`."""
        return cls(**{name: getattr(source, name) for name in cls.CONTENT}, **given)


def _resolve(model, codes: list[str], field_name: str) -> list:
    found = {obj.code: obj for obj in model.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed({field_name: _("Неизвестные коды: %s") % ", ".join(missing)})
    return [found[c] for c in codes]


def _validate(data: ArticleData) -> tuple[list[Line], list[Category]]:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Нужен заголовок.")
    from vmeste.knowledge.files import SLUG

    if not SLUG.match(data.slug or ""):
        errors["id"] = _("Идентификатор: латиница, цифры, - и _, до 80 знаков.")
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        errors["valid_until"] = _("Окончание раньше начала.")
    if errors:
        raise ValidationFailed(errors)
    lines = _resolve(Line, list(data.lines or []), "lines")
    categories = _resolve(Category, list(data.categories or []), "categories")
    return lines, categories


def _snapshot(article: Article, *, user, note: str) -> ArticleVersion:
    return ArticleVersion.objects.create(
        article=article,
        number=article.version,
        title=article.title,
        body=article.body,
        tags=list(article.tags or []),
        lines=sorted(line.code for line in article.lines.all()),
        categories=sorted(c.code for c in article.categories.all()),
        status=article.status,
        valid_from=article.valid_from,
        valid_until=article.valid_until,
        updated=article.updated,
        author=user if getattr(user, "pk", None) else None,
        note=note[:200],
    )


def _same(article: Article, data: ArticleData, lines, categories) -> bool:
    return (
        article.title == data.title.strip()
        and article.body == data.body
        and list(article.tags or []) == list(data.tags or [])
        and set(article.lines.all()) == set(lines)
        and set(article.categories.all()) == set(categories)
        and article.valid_from == data.valid_from
        and article.valid_until == data.valid_until
        and (data.updated is None or article.updated == data.updated)
    )


@transaction.atomic
def save_article(
    *,
    data: ArticleData,
    user=None,
    article: Article | None = None,
    status: str | None = None,
    note: str = "",
    enforce_workflow: bool = True,
    must_be_new: bool = False,
    announce: bool = True,
) -> tuple[Article, bool]:
    """Create or update an article; returns it and whether anything changed. Every change
    is a new version; an unchanged save writes nothing (import idempotency rests on this).
    An import sets the status its file states (`enforce_workflow=False`): the file is the
    source of truth there, not an editor's step. A user must be an editor; no user is the
    command line's import (whoever runs it holds the server)."""
    if user is not None:
        require_editor(user)
    lines, categories = _validate(data)
    if article is None:
        article = Article.objects.select_for_update().filter(slug=data.slug).first()
        if article is not None and must_be_new:
            raise Conflict(
                _("Статья с таким идентификатором уже есть."),
                fields={"id": _("Идентификатор занят.")},
            )
    elif article.slug != data.slug and Article.objects.filter(slug=data.slug).exists():
        raise ValidationFailed({"id": _("Статья с таким идентификатором уже есть.")})
    created = article is None
    if created:
        article = Article(slug=data.slug, status=status or Status.DRAFT)
        if getattr(user, "pk", None):
            article.author = user
    elif _same(article, data, lines, categories) and (status is None or status == article.status):
        return article, False
    elif (
        enforce_workflow
        and status
        and status != article.status
        and not transitions.can_move(article.status, status)
    ):
        raise ValidationFailed({"status": _("Нельзя перевести статью в этот статус.")})
    article.slug = data.slug
    article.title = data.title.strip()
    article.body = data.body
    article.tags = [t.strip() for t in (data.tags or []) if t.strip()]
    article.valid_from, article.valid_until = data.valid_from, data.valid_until
    article.updated = data.updated or timezone.localdate()
    if status:
        article.status = status
    article.version += 1
    article.modified_at = timezone.now()
    article.save()
    article.lines.set(lines)
    article.categories.set(categories)
    _snapshot(article, user=user, note=note or (_("создана") if created else _("изменена")))
    if announce:  # an import announces once, at its end
        bump_content_version()
    return article, True


@transaction.atomic
def transition(*, article: Article, status: str, user) -> Article:
    """Move an article along its workflow (see transitions.TRANSITIONS)."""
    require_editor(user)
    if not transitions.can_move(article.status, status):
        raise ValidationFailed({"status": _("Нельзя перевести статью в этот статус.")})
    verb = transitions.TRANSITIONS[(article.status, status)]
    article.status = status
    article.version += 1
    article.modified_at = timezone.now()
    article.save(update_fields=["status", "version", "modified_at"])
    _snapshot(article, user=user, note=verb)
    bump_content_version()
    return article


@transaction.atomic
def restore(*, article: Article, number: int, user) -> Article:
    """Bring back an earlier version's content as a new version (history is never rewritten).
    The status stays as it is: restoring text is not publishing it."""
    require_editor(user)
    old = article.versions.filter(number=number).first()
    if old is None:
        raise NotFound()
    data = ArticleData.copied(old, slug=article.slug, updated=timezone.localdate())
    saved, _changed = save_article(
        data=data, user=user, article=article, note=_("восстановлена версия %s") % number
    )
    return saved


@transaction.atomic
def delete_content(*, entry: Article | Synonym, user) -> None:
    """An article or a synonym group deleted by an editor; the next search no longer has it."""
    require_editor(user)
    entry.delete()
    bump_content_version()


# -- synonyms and uses -----------------------------------------------------------------------


@transaction.atomic
def save_synonym(*, terms: str, user, synonym: Synonym | None = None, note: str = "") -> Synonym:
    require_editor(user)
    entry = synonym or Synonym()
    entry.terms, entry.note = terms.strip(), note.strip()
    if len(entry.phrases) < 2:
        raise ValidationFailed({"terms": _("Нужно хотя бы два слова или выражения через запятую.")})
    entry.save()
    bump_content_version()
    return entry


def synonyms() -> list[Synonym]:
    return list(Synonym.objects.all())


def editable_synonym(*, user, synonym_id: int) -> Synonym:
    """A synonym group to change: a non-editor is refused before the lookup."""
    require_editor(user)
    synonym = Synonym.objects.filter(pk=synonym_id).first()
    if synonym is None:
        raise NotFound()
    return synonym


def record_use(*, article: Article, contact_id: int | None, user, query: str = "") -> ArticleUse:
    """Note that `article` answered contact `contact_id` (once per contact: a second click
    keeps the first note). The contact must be one the user may see."""
    if contact_id is None:
        return ArticleUse.objects.create(article=article, user=user, query=query[:300])
    contact = get_contact(contact_id=contact_id, user=user)
    use, _created = ArticleUse.objects.get_or_create(
        article=article, contact=contact, defaults={"user": user, "query": query[:300]}
    )
    return use


def articles_only_on(*, line: Line, keep: list[str]) -> list[str]:
    """Slugs of articles shown on this line alone that a configuration without them would
    leave with no line — which means every line: the caller refuses such a change."""
    return sorted(
        a.slug
        for a in Article.objects.filter(lines=line).exclude(slug__in=keep).prefetch_related("lines")
        if len(a.lines.all()) == 1
    )


@transaction.atomic
def set_line_articles(*, line: Line, slugs: list[str], user=None) -> bool:
    """Show exactly these articles on the line (each change is a new version of the article,
    as an editor's would be); whether anything changed. The caller has checked the right."""
    wanted = set(slugs)
    current = set(Article.objects.filter(lines=line).values_list("slug", flat=True))
    changed = False
    for article in Article.objects.filter(slug__in=wanted ^ current).prefetch_related(
        "lines", "categories"
    ):
        codes = {x.code for x in article.lines.all()}
        codes = codes | {line.code} if article.slug in wanted else codes - {line.code}
        data = ArticleData(
            slug=article.slug,
            title=article.title,
            body=article.body,
            lines=sorted(codes),
            categories=[c.code for c in article.categories.all()],
            tags=list(article.tags or []),
            valid_from=article.valid_from,
            valid_until=article.valid_until,
            updated=article.updated,
        )
        save_article(
            data=data,
            user=user,
            article=article,
            enforce_workflow=False,
            announce=False,
            note=_("линия %s") % line.code,
        )
        changed = True
    if changed:
        bump_content_version()
    return changed
