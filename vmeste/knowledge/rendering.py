"""Article Markdown to safe HTML: markdown-it renders, nh3 keeps only harmless tags."""

from __future__ import annotations

import difflib

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "blockquote",
    "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td", "mark",
}  # fmt: skip


def render_markdown(body: str) -> str:
    """Safe HTML for an article body: no scripts, no event handlers, links marked nofollow."""
    return nh3.clean(
        _markdown.render(body or ""),
        tags=_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )


def diff_lines(old: str, new: str, *, old_name: str = "", new_name: str = "") -> list[str]:
    """A unified diff of two texts, line by line, for the version history."""
    return list(
        difflib.unified_diff(
            (old or "").splitlines(),
            (new or "").splitlines(),
            fromfile=old_name,
            tofile=new_name,
            lineterm="",
        )
    )
