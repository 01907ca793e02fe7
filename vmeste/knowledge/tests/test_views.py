"""The pages and the call card's panel fragments."""

import pytest
from django.urls import reverse

from vmeste.contacts.models import Contact
from vmeste.core.models import Line
from vmeste.knowledge.models import Article, ArticleUse

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_operator(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def as_editor(client, editor):
    client.force_login(editor)
    return client


def test_list_detail_and_search_for_operators(imported, as_operator):
    line = Line.objects.get(code="we-are-together")
    Article.objects.get(slug="kb-001").lines.add(line)
    page = as_operator.get(reverse("knowledge:list"))
    assert page.status_code == 200
    assert "Оформление листка нетрудоспособности" in page.content.decode()
    # A line is shown by its name, its code only as a hint.
    assert f'title="{line.code}">{line.name}<' in page.content.decode()
    found = as_operator.get(reverse("knowledge:list"), {"q": "продлить больничный"})
    assert "<mark>" in found.content.decode()
    detail = as_operator.get(reverse("knowledge:detail", args=["kb-001"]))
    html = detail.content.decode()
    assert "<strong>Что сказать абоненту</strong>" in html  # Markdown rendered
    assert "Редактировать" not in html
    assert as_operator.get(reverse("knowledge:edit", args=["kb-001"])).status_code == 403
    assert as_operator.get(reverse("knowledge:detail", args=["nope"])).status_code == 404


def test_panel_answers_as_the_operator_types(imported, as_operator):
    fragment = as_operator.get(
        reverse("knowledge:search"), {"q": "куар код", "mode": "panel", "line": ["", "x"]}
    )
    assert fragment.status_code == 200
    assert "Ничего не нашлось" in fragment.content.decode()  # line "x" has no articles
    fragment = as_operator.get(
        reverse("knowledge:search"), {"q": "куар код", "mode": "panel", "line": "moscow-volunteers"}
    )
    html = fragment.content.decode()
    assert reverse("knowledge:panel_article", args=["kb-006"]) in html
    assert "<html" not in html
    opened = as_operator.get(reverse("knowledge:panel_article", args=["kb-006"]), {"contact": ""})
    assert "Ответ помог абоненту" in opened.content.decode()
    for odd in ['"', "NEAR(", "😀", "x" * 10_000]:
        assert as_operator.get(reverse("knowledge:search"), {"q": odd}).status_code == 200


def test_recording_the_article_that_answered(imported, as_operator):
    contact = Contact.objects.create(line=Line.objects.get(code="moscow-volunteers"))
    answer = as_operator.post(
        reverse("knowledge:use"), {"article": "kb-001", "contact": contact.pk, "q": "лн"}
    )
    assert answer.status_code == 200
    assert ArticleUse.objects.get().contact == contact
    later = as_operator.post(reverse("knowledge:use"), {"article": "kb-002", "form": "cc"})
    html = later.content.decode()
    assert 'name="kb_articles" value="kb-002" form="cc"' in html
    assert ArticleUse.objects.count() == 1


def test_panel_template_renders_in_any_page(imported, rf, operator):
    from django.template.loader import render_to_string

    request = rf.get("/")
    request.user = operator
    html = render_to_string("knowledge/_search_panel.html", {"kb_line": "cashback"}, request)
    assert 'id="kb-q"' in html and 'value="cashback"' in html


def test_editor_writes_previews_publishes_and_restores(db, as_editor):
    form = {"slug": "kb-new", "title": "Слоны", "body": "Про **слонов**", "tags": "а, б"}
    saved = as_editor.post(reverse("knowledge:create"), form)
    assert saved.status_code == 302
    article = Article.objects.get(slug="kb-new")
    assert article.tags == ["а", "б"] and article.status == "draft"
    preview = as_editor.post(reverse("knowledge:preview"), {"body": "**x** <script>y</script>"})
    assert "<strong>x</strong>" in preview.content.decode()
    assert "<script>" not in preview.content.decode()
    as_editor.post(reverse("knowledge:edit", args=["kb-new"]), {**form, "title": "Мамонты"})
    as_editor.post(reverse("knowledge:transition", args=["kb-new"]), {"to": "published"})
    article.refresh_from_db()
    assert (article.title, article.status, article.version) == ("Мамонты", "published", 3)
    history = as_editor.get(reverse("knowledge:history", args=["kb-new"]), {"a": 1, "b": 2})
    assert "+# Мамонты" in history.content.decode()
    as_editor.post(reverse("knowledge:restore", args=["kb-new", 1]))
    article.refresh_from_db()
    assert article.title == "Слоны" and article.version == 4
    bad = as_editor.post(reverse("knowledge:create"), {**form, "slug": "kb-new"})
    assert bad.status_code == 200 and "Идентификатор занят" in bad.content.decode()


def test_synonym_dictionary_page(db, as_editor):
    page = as_editor.get(reverse("knowledge:synonyms"))
    assert "листок нетрудоспособности" in page.content.decode()
    as_editor.post(reverse("knowledge:synonyms"), {"terms": "слон, мамонт"})
    assert "слон, мамонт" in as_editor.get(reverse("knowledge:synonyms")).content.decode()
    refused = as_editor.post(reverse("knowledge:synonyms"), {"terms": "один"})
    assert "хотя бы два" in refused.content.decode()


def test_restoring_a_version_whose_line_is_gone_explains_why(db, as_editor, editor):
    from vmeste.knowledge import services

    line = Line.objects.create(code="gone-line", name_ru="Временная")
    data = services.ArticleData(slug="kb-z", title="Z", lines=["gone-line"])
    article, _ = services.save_article(data=data, user=editor)
    data.lines, data.title = [], "Z2"
    services.save_article(data=data, user=editor, article=article)
    line.delete()
    answer = as_editor.post(reverse("knowledge:restore", args=["kb-z", 1]), follow=True)
    assert answer.status_code == 200
    assert "gone-line" in answer.content.decode()
    assert Article.objects.get(slug="kb-z").title == "Z2"
