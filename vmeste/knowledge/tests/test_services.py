"""Import, versions, the workflow, the index's rebuild on change, and recorded answers."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from vmeste.core.errors import Forbidden, ValidationFailed
from vmeste.knowledge import services
from vmeste.knowledge.importing import ImportFailed, import_folder
from vmeste.knowledge.models import Article, ArticleUse, Synonym

pytestmark = pytest.mark.django_db


def test_import_creates_then_skips(imported, corpus):
    assert len(imported.created) == 40
    assert Article.objects.filter(status="published").count() == 40
    again = import_folder(path=corpus)
    assert (len(again.created), len(again.updated), len(again.skipped)) == (0, 0, 40)
    article = Article.objects.get(slug="kb-001")
    assert article.line_codes == ["moscow-volunteers"]
    assert "лн" in article.tags
    assert article.versions.count() == 1


def test_import_updates_changed_files(imported, corpus, tmp_path):
    for file in corpus.glob("*.md"):
        (tmp_path / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "kb-002.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Продление", "Продлить"), "utf-8")
    report = import_folder(path=tmp_path)
    assert report.updated == ["kb-002"] and len(report.skipped) == 39
    assert Article.objects.get(slug="kb-002").versions.count() == 2


def test_import_is_all_or_nothing_and_names_file_and_field(db, corpus, tmp_path):
    for file in list(corpus.glob("*.md"))[:3]:
        (tmp_path / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "zz-bad.md").write_text("---\nid: zz\ntitle: t\nline: nowhere\n---\n", "utf-8")
    with pytest.raises(ImportFailed) as caught:
        import_folder(path=tmp_path)
    assert "zz-bad.md: line" in str(caught.value)
    assert Article.objects.count() == 0


def test_cli_import_export_and_search(db, corpus, tmp_path):
    out = StringIO()
    call_command("kb", "import", str(corpus), "--json", stdout=out)
    assert len(json.loads(out.getvalue())["created"]) == 40
    out = StringIO()
    call_command("kb", "search", "как продлить больничный", "--json", "--limit", "3", stdout=out)
    items = json.loads(out.getvalue())
    assert items[0]["id"] == "kb-002"
    assert {"id", "title", "score"} <= set(items[0])
    out = StringIO()
    call_command("kb", "search", "прививка", "--line", "cashback", "--json", stdout=out)
    assert json.loads(out.getvalue()) == []
    call_command("kb", "export", str(tmp_path / "out"), stdout=StringIO())
    assert len(list((tmp_path / "out").glob("*.md"))) == 40
    again = import_folder(path=tmp_path / "out")
    assert len(again.skipped) == 40  # the export reads back as the same articles
    with pytest.raises(CommandError, match="папка не найдена"):
        call_command("kb", "import", str(tmp_path / "missing"), stdout=StringIO())


def test_cli_odd_queries_answer_a_list(imported):
    for query in ["", '"', "*", "AND", "NEAR(", "-", ":", "😀", "latin only", "я" * 10_000]:
        out = StringIO()
        call_command("kb", "search", query, "--json", stdout=out)
        assert isinstance(json.loads(out.getvalue()), list)


def test_index_follows_content_changes(imported, editor):
    assert services.search(query="больничный")[0].id in {"kb-001", "kb-002", "kb-003"}
    data = services.ArticleData(slug="kb-new", title="Зелёные слоны", body="Про слонов.")
    article, _ = services.save_article(data=data, user=editor)
    assert services.search(query="слоны") == []  # a draft is not searched
    services.transition(article=article, status="published", user=editor)
    assert [h.id for h in services.search(query="слоны")] == ["kb-new"]
    services.save_synonym(terms="мамонты, слоны", user=editor)
    assert [h.id for h in services.search(query="мамонты")] == ["kb-new"]
    services.transition(article=article, status="archived", user=editor)
    assert services.search(query="слоны") == []


def test_versions_restore_and_workflow(db, editor, operator):
    data = services.ArticleData(slug="a-1", title="Первый", body="один")
    article, created = services.save_article(data=data, user=editor)
    assert created and article.status == "draft" and article.version == 1
    data.body = "два"
    article, changed = services.save_article(data=data, user=editor, article=article)
    assert changed and article.version == 2
    _same, changed = services.save_article(data=data, user=editor, article=article)
    assert not changed
    article = services.restore(article=article, number=1, user=editor)
    assert article.body == "один" and article.version == 3
    assert list(article.versions.values_list("number", flat=True)) == [3, 2, 1]
    with pytest.raises(ValidationFailed):
        services.transition(article=article, status="draft", user=editor)
    with pytest.raises(Forbidden):
        services.transition(article=article, status="published", user=operator)
    services.transition(article=article, status="archived", user=editor)
    with pytest.raises(ValidationFailed):
        services.transition(article=article, status="published", user=editor)


def test_the_services_refuse_a_non_editor_themselves(db, editor, operator):
    """The editor's rights are checked by the services, whoever calls them (not the API)."""
    data = services.ArticleData(slug="a-3", title="Черновик", body="текст")
    with pytest.raises(Forbidden):
        services.save_article(data=data, user=operator)
    assert not Article.objects.filter(slug="a-3").exists()
    article, _created = services.save_article(data=data, user=editor)
    data.body = "чужая правка"
    refusals = [
        lambda: services.save_article(data=data, user=operator, article=article),
        lambda: services.editable_article(user=operator, slug="a-3"),
        lambda: services.article_versions(user=operator, slug="a-3"),
        lambda: services.restore(article=article, number=1, user=operator),
        lambda: services.delete_content(entry=article, user=operator),
        lambda: services.save_synonym(terms="продукты, еда", user=operator),
    ]
    for refused in refusals:
        with pytest.raises(Forbidden):
            refused()
    synonym = services.save_synonym(terms="продукты, еда", user=editor)
    with pytest.raises(Forbidden):
        services.editable_synonym(user=operator, synonym_id=synonym.pk)
    with pytest.raises(Forbidden):
        services.delete_content(entry=synonym, user=operator)
    assert Article.objects.get(slug="a-3").body == "текст"
    assert Synonym.objects.filter(pk=synonym.pk).exists()


def test_unknown_line_is_refused(db, editor):
    data = services.ArticleData(slug="a-2", title="t", lines=["nowhere"])
    with pytest.raises(ValidationFailed) as caught:
        services.save_article(data=data, user=editor)
    assert "lines" in caught.value.fields


def test_operators_see_published_articles_of_their_lines(imported, operator):
    from vmeste.core.models import Line

    assert services.visible_articles(operator).count() == 40
    operator.lines.set([Line.objects.get(code="cashback")])
    operator._vmeste_scope = None
    assert set(services.visible_articles(operator).values_list("slug", flat=True)) == {
        "kb-030",
        "kb-031",
    }
    assert services.search(query="больничный", user=operator) == []
    assert services.search(query="кешбэк", user=operator)[0].id in {"kb-030", "kb-031"}
    assert services.search(query="кешбэк", line="moscow-volunteers", user=operator) == []


def test_record_use_once_per_contact(imported, operator):
    from vmeste.contacts.models import Contact
    from vmeste.core.models import Line

    contact = Contact.objects.create(line=Line.objects.get(code="cashback"))
    article = Article.objects.get(slug="kb-001")
    services.record_use(article=article, contact_id=contact.pk, user=operator, query="лн")
    services.record_use(article=article, contact_id=contact.pk, user=operator, query="again")
    assert ArticleUse.objects.get().query == "лн"


def test_synonyms_are_seeded():
    assert Synonym.objects.filter(terms__contains="листок нетрудоспособности").exists()
    assert Synonym.objects.count() >= 40


def test_large_index_keeps_answering_while_the_next_builds(imported, editor, monkeypatch):
    old = services.current_index()
    started = []

    class FakeThread:
        def __init__(self, target, args, daemon):
            started.append(args)

        def start(self):
            pass

    monkeypatch.setattr(services, "REBUILD_IN_BACKGROUND_ABOVE", 10)
    monkeypatch.setattr(services.threading, "Thread", FakeThread)
    services.save_synonym(terms="мамонты, больничный", user=editor)
    assert services.current_index() is old  # stale, while the next one builds
    assert services.current_index() is old
    assert len(started) == 1  # one rebuild at a time
    services._cache["rebuilding"] = False
    monkeypatch.setattr(services, "REBUILD_IN_BACKGROUND_ABOVE", 10_000)
    assert services.current_index() is not old
    assert services.search(query="мамонты")


def test_search_queries_that_look_like_options_stay_queries():
    from vmeste.knowledge.management.commands.kb import _query_as_operand

    head = ["vmeste", "kb", "search"]
    assert _query_as_operand([*head, "-x", "--json"]) == [*head, "--json", "--", "-x"]
    assert _query_as_operand([*head, "--", "--json"]) == [*head, "--json", "--", "--"]
    assert _query_as_operand([*head, "--line", "a", "--limit=3", "q"]) == [
        *head, "--line", "a", "--limit=3", "--", "q"
    ]  # fmt: skip
    assert _query_as_operand([*head, "--json", "--", "-q"]) == [*head, "--json", "--", "-q"]
    assert _query_as_operand(["vmeste", "kb", "import", "-p"]) == ["vmeste", "kb", "import", "-p"]


def test_recorded_answers_evaluate_the_search(imported, operator):
    from vmeste.contacts.models import Contact
    from vmeste.core.models import Line

    line = Line.objects.get(code="moscow-volunteers")
    for query, slug in [("продлить больничный", "kb-002"), ("куар код", "kb-006")]:
        contact = Contact.objects.create(line=line)
        services.record_use(
            article=Article.objects.get(slug=slug),
            contact_id=contact.pk,
            user=operator,
            query=query,
        )
    out = StringIO()
    call_command("kb", "evaluate", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["queries"] == 2 and figures["recall_at_3"] == 1.0
