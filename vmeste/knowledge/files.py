"""The Markdown-with-front-matter file format of a knowledge-base folder. Pure: text in and
out, no database, so that import errors can be reported before anything is written.

    ---
    id: kb-001
    title: "Оформление листка нетрудоспособности"
    line: moscow-volunteers          # one code, a list of codes, or absent (every line)
    tags: [больничный, лн]
    updated: 2026-10-01
    status: published                # optional, default published
    categories: [sick-leave]         # optional
    valid_from: 2026-01-01           # optional
    valid_until: 2026-12-31          # optional
    ---
    Body in Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import yaml

from vmeste.knowledge import transitions

SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")
STATUSES = (transitions.DRAFT, transitions.PUBLISHED, transitions.ARCHIVED)


class FileError(Exception):
    """A problem in one file, naming the field it concerns ("" for the file as a whole)."""

    def __init__(self, name: str, field_name: str, message: str):
        where = f"{name}: {field_name}" if field_name else name
        super().__init__(f"{where}: {message}")
        self.name = name
        self.field = field_name
        self.message = message


@dataclass
class ArticleFile:
    slug: str
    title: str
    body: str
    lines: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    updated: date | None = None
    status: str = transitions.PUBLISHED
    valid_from: date | None = None
    valid_until: date | None = None


def _codes(name: str, key: str, value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise FileError(name, key, "ожидается строка или список строк")
    return [str(v).strip() for v in value if str(v).strip()]


def _date(name: str, key: str, value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise FileError(name, key, f"дата должна быть в виде ГГГГ-ММ-ДД, а не «{value}»") from None


def parse(name: str, content: str) -> ArticleFile:
    """One file's article; FileError names the file and the field at fault."""
    content = content.lstrip("\ufeff")
    match = re.match(r"^---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)(.*)$", content, re.DOTALL)
    if not match:
        raise FileError(name, "", "нет заголовка YAML между строками ---")
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise FileError(name, "", f"заголовок YAML не читается: {exc}") from None
    if not isinstance(meta, dict):
        raise FileError(name, "", "заголовок YAML должен быть словарём")
    slug = str(meta.get("id") or "").strip()
    if not SLUG.match(slug):
        raise FileError(name, "id", "нужен идентификатор из латиницы, цифр, - и _")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise FileError(name, "title", "нужен заголовок")
    status = str(meta.get("status") or transitions.PUBLISHED)
    if status not in STATUSES:
        raise FileError(name, "status", f"статус должен быть одним из {', '.join(STATUSES)}")
    article = ArticleFile(
        slug=slug,
        title=title.strip(),
        body=match.group(2).strip(),
        lines=_codes(name, "line", meta.get("line", meta.get("lines"))),
        tags=_codes(name, "tags", meta.get("tags")),
        categories=_codes(name, "categories", meta.get("categories")),
        updated=_date(name, "updated", meta.get("updated")),
        status=status,
        valid_from=_date(name, "valid_from", meta.get("valid_from")),
        valid_until=_date(name, "valid_until", meta.get("valid_until")),
    )
    if article.valid_from and article.valid_until and article.valid_until < article.valid_from:
        raise FileError(name, "valid_until", "окончание раньше начала")
    return article


def format_file(article: ArticleFile) -> str:
    """The file text for an article; parse(format_file(a)) gives `a` back."""
    meta: dict = {"id": article.slug, "title": article.title}
    if article.lines:
        meta["line"] = article.lines[0] if len(article.lines) == 1 else article.lines
    meta["tags"] = article.tags
    if article.updated:
        meta["updated"] = article.updated
    if article.status != transitions.PUBLISHED:
        meta["status"] = article.status
    if article.categories:
        meta["categories"] = article.categories
    for key in ("valid_from", "valid_until"):
        if getattr(article, key):
            meta[key] = getattr(article, key)
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=None)
    return f"---\n{head}---\n\n{article.body.strip()}\n"
