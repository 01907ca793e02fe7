"""What the recorded answers tell: the articles that help, and the search's own evaluation
from real calls. Reads only."""

from __future__ import annotations

from django.db.models import Count

from vmeste.knowledge.models import ArticleUse
from vmeste.knowledge.services import visible_articles


def helpful_articles(*, user, since=None, limit: int = 20) -> list[dict]:
    """The articles operators marked as answers most often (since a moment, if given):
    "articles that help", for editors deciding what to improve first."""
    uses = ArticleUse.objects.filter(article__in=visible_articles(user))
    if since is not None:
        uses = uses.filter(at__gte=since)
    rows = (
        uses.values("article__slug", "article__title")
        .annotate(uses=Count("id"))
        .order_by("-uses", "article__slug")[: max(1, min(limit, 200))]
    )
    return [
        {"id": r["article__slug"], "title": r["article__title"], "uses": r["uses"]} for r in rows
    ]


def recorded_queries(*, limit: int = 1000) -> list[dict]:
    """What operators typed and the article they then marked as the answer, newest first, in
    the evaluation set's shape: the search's own evaluation from real calls."""
    rows = (
        ArticleUse.objects.exclude(query="")
        .order_by("-at")
        .values_list("query", "article__slug")[:limit]
    )
    return [{"q": q, "expect": [slug], "kind": "recorded"} for q, slug in rows]
