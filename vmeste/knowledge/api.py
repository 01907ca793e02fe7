"""Knowledge base API: search for everyone signed in, articles and synonyms for editors."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from vmeste.core.dates import SaneDate
from vmeste.core.schemas import ListOf
from vmeste.knowledge import services, stats
from vmeste.knowledge.models import Article
from vmeste.knowledge.rendering import render_markdown

router = Router(tags=["knowledge"])


class HitOut(Schema):
    id: str
    title: str
    score: float
    snippet: str
    lines: list[str]
    tags: list[str]


class SearchFilters(Schema):
    q: str = ""
    line: str | None = None
    limit: int = Field(10, ge=1, le=services.MAX_LIMIT)


class ArticleIn(Schema):
    id: str
    title: str
    body: str = ""
    lines: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    valid_from: SaneDate | None = None
    valid_until: SaneDate | None = None


class ArticleBrief(Schema):
    id: str
    title: str
    status: str
    lines: list[str]
    tags: list[str]
    version: int
    updated: date


class ArticleOut(ArticleBrief):
    body: str
    body_html: str
    categories: list[str]
    valid_from: date | None
    valid_until: date | None
    next_statuses: list[str]


class ArticleFilters(Schema):
    status: str | None = None
    line: str | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class ArticleTransitionIn(Schema):
    to: str


class VersionOut(Schema):
    number: int
    title: str
    status: str
    note: str
    author: str | None
    created_at: datetime


class SynonymIn(Schema):
    terms: str
    note: str = ""


class SynonymOut(Schema):
    id: int
    terms: str
    note: str
    is_active: bool


class UseIn(Schema):
    article: str
    contact: int | None = None
    query: str = ""


class HelpfulOut(Schema):
    id: str
    title: str
    uses: int


class HelpfulFilters(Schema):
    days: int = Field(30, ge=1, le=3660)
    limit: int = Field(20, ge=1, le=200)


class UseOut(Schema):
    id: int
    article: str
    contact: int | None
    at: datetime


def _brief(article: Article) -> dict:
    return {
        "id": article.slug,
        "title": article.title,
        "status": article.status,
        "lines": article.line_codes,
        "tags": list(article.tags or []),
        "version": article.version,
        "updated": article.updated,
    }


def _full(article: Article) -> dict:
    from vmeste.knowledge.transitions import next_statuses

    return {
        **_brief(article),
        "body": article.body,
        "body_html": render_markdown(article.body),
        "categories": sorted(c.code for c in article.categories.all()),
        "valid_from": article.valid_from,
        "valid_until": article.valid_until,
        "next_statuses": next_statuses(article.status),
    }


def _data(payload: ArticleIn) -> services.ArticleData:
    return services.ArticleData(
        slug=payload.id.strip(),
        title=payload.title,
        body=payload.body,
        lines=payload.lines,
        categories=payload.categories,
        tags=payload.tags,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
    )


@router.get("/kb/search", response=ListOf(HitOut))
def search(request: HttpRequest, filters: Query[SearchFilters]):
    hits = services.search(
        query=filters.q, line=filters.line, limit=filters.limit, user=request.user
    )
    items = [{**hit.__dict__, "lines": list(hit.lines), "tags": list(hit.tags)} for hit in hits]
    return {"items": items, "count": len(items)}


@router.get("/kb/articles", response=ListOf(ArticleBrief))
def list_articles(request: HttpRequest, filters: Query[ArticleFilters]):
    articles = services.visible_articles(request.user).prefetch_related("lines")
    if filters.status:
        articles = articles.filter(status=filters.status)
    if filters.line:
        articles = articles.filter(lines__code=filters.line)
    count = articles.count()
    page = articles[filters.offset : filters.offset + filters.limit]
    return {"items": [_brief(a) for a in page], "count": count}


@router.get("/kb/articles/{slug}", response=ArticleOut)
def get_article(request: HttpRequest, slug: str):
    return _full(services.get_article(user=request.user, slug=slug))


@router.post("/kb/articles", response={201: ArticleOut})
def create_article(request: HttpRequest, payload: ArticleIn):
    article, _changed = services.save_article(
        data=_data(payload), user=request.user, must_be_new=True
    )
    return Status(201, _full(article))


@router.put("/kb/articles/{slug}", response=ArticleOut)
def update_article(request: HttpRequest, slug: str, payload: ArticleIn):
    article = services.editable_article(user=request.user, slug=slug)
    article, _changed = services.save_article(
        data=_data(payload), user=request.user, article=article
    )
    return _full(article)


@router.delete("/kb/articles/{slug}", response={204: None})
def delete_article(request: HttpRequest, slug: str):
    article = services.editable_article(user=request.user, slug=slug)
    services.delete_content(entry=article, user=request.user)
    return Status(204, None)


@router.post("/kb/articles/{slug}/transitions", response=ArticleOut)
def move_article(request: HttpRequest, slug: str, payload: ArticleTransitionIn):
    article = services.editable_article(user=request.user, slug=slug)
    return _full(services.transition(article=article, status=payload.to, user=request.user))


@router.get("/kb/articles/{slug}/versions", response=ListOf(VersionOut))
def list_versions(request: HttpRequest, slug: str):
    items = [
        {**v.__dict__, "author": v.author.display_name if v.author else None}
        for v in services.article_versions(user=request.user, slug=slug)
    ]
    return {"items": items, "count": len(items)}


@router.post("/kb/articles/{slug}/versions/{number}/restore", response=ArticleOut)
def restore_version(request: HttpRequest, slug: str, number: int):
    article = services.editable_article(user=request.user, slug=slug)
    return _full(services.restore(article=article, number=number, user=request.user))


@router.get("/kb/synonyms", response=ListOf(SynonymOut))
def list_synonyms(request: HttpRequest):
    items = services.synonyms()
    return {"items": items, "count": len(items)}


@router.post("/kb/synonyms", response={201: SynonymOut})
def create_synonym(request: HttpRequest, payload: SynonymIn):
    return Status(
        201, services.save_synonym(terms=payload.terms, note=payload.note, user=request.user)
    )


@router.put("/kb/synonyms/{synonym_id}", response=SynonymOut)
def update_synonym(request: HttpRequest, synonym_id: int, payload: SynonymIn):
    synonym = services.editable_synonym(user=request.user, synonym_id=synonym_id)
    return services.save_synonym(
        terms=payload.terms, note=payload.note, user=request.user, synonym=synonym
    )


@router.delete("/kb/synonyms/{synonym_id}", response={204: None})
def delete_synonym(request: HttpRequest, synonym_id: int):
    synonym = services.editable_synonym(user=request.user, synonym_id=synonym_id)
    services.delete_content(entry=synonym, user=request.user)
    return Status(204, None)


@router.post("/kb/uses", response={201: UseOut})
def record_use(request: HttpRequest, payload: UseIn):
    article = services.get_article(user=request.user, slug=payload.article)
    use = services.record_use(
        article=article, contact_id=payload.contact, user=request.user, query=payload.query
    )
    return Status(
        201, {"id": use.pk, "article": article.slug, "contact": use.contact_id, "at": use.at}
    )


@router.get("/kb/helpful", response=ListOf(HelpfulOut))
def helpful(request: HttpRequest, filters: Query[HelpfulFilters]):
    """Articles marked as the answer most often in the last `days` days."""
    since = timezone.now() - timedelta(days=filters.days)
    items = stats.helpful_articles(user=request.user, since=since, limit=filters.limit)
    return {"items": items, "count": len(items)}
