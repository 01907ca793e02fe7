"""The Markdown file format: parse, format, and errors that name the file and the field."""

from datetime import date

import pytest

from vmeste.knowledge.files import ArticleFile, FileError, format_file, parse

GOOD = """---
id: kb-900
title: "Проверка"
line: moscow-volunteers
tags: [один, два]
updated: 2026-10-01
---

Текст **статьи**.
"""


def test_parse_reads_front_matter_and_body():
    article = parse("a.md", GOOD)
    assert article.slug == "kb-900"
    assert article.lines == ["moscow-volunteers"]
    assert article.tags == ["один", "два"]
    assert article.updated == date(2026, 10, 1)
    assert article.body == "Текст **статьи**."
    assert article.status == "published"


def test_format_then_parse_round_trips():
    article = ArticleFile(
        slug="x-1",
        title="Заголовок: с двоеточием",
        body="Тело",
        lines=["a", "b"],
        tags=["т"],
        status="draft",
        valid_from=date(2026, 1, 1),
        updated=date(2026, 2, 2),
    )
    assert parse("x.md", format_file(article)) == article


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("без заголовка", ""),
        ("---\n[broken\n---\nтело", ""),
        ("---\ntitle: t\n---\nтело", "id"),
        ("---\nid: 'пробел и кириллица'\ntitle: t\n---\n", "id"),
        ("---\nid: a\n---\nтело", "title"),
        ("---\nid: a\ntitle: t\nupdated: вчера\n---\n", "updated"),
        ("---\nid: a\ntitle: t\ntags: {a: 1}\n---\n", "tags"),
        ("---\nid: a\ntitle: t\nstatus: deleted\n---\n", "status"),
    ],
)
def test_errors_name_the_file_and_the_field(content, field):
    with pytest.raises(FileError) as caught:
        parse("bad.md", content)
    assert caught.value.name == "bad.md"
    assert caught.value.field == field
    assert str(caught.value).startswith("bad.md")
