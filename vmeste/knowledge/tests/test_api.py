"""The /api/v1/kb/ endpoints: search for everyone, articles and synonyms for editors."""

import json

import pytest

from vmeste.contacts.models import Contact
from vmeste.core.models import Line

pytestmark = pytest.mark.django_db


def _send(api, method: str, path: str, payload=None):
    return getattr(api.client, method)(
        path, json.dumps(payload or {}), content_type="application/json", **api.auth
    )


def test_search_answers_the_cli_objects(imported, api_as):
    api = api_as("operator")
    answer = api.get("/api/v1/kb/search", q="ковид прививка", limit=3)
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == len(body["items"]) <= 3
    assert body["items"][0]["id"] in {"kb-004", "kb-005"}
    assert {"id", "title", "score", "snippet"} <= set(body["items"][0])
    for odd in ["", '"', "NEAR(", "*", ":", "-", "😀", "x" * 10_000]:
        answer = api.get("/api/v1/kb/search", q=odd)
        assert answer.status_code == 200 and isinstance(answer.json()["items"], list)
    assert api.get("/api/v1/kb/search", q="прививка", line="cashback").json()["items"] == []


def test_search_needs_sign_in(client):
    assert client.get("/api/v1/kb/search", {"q": "лн"}).status_code == 401


def test_editor_writes_publishes_and_restores(db, api_as):
    editor = api_as("supervisor")
    created = editor.post(
        "/api/v1/kb/articles",
        {"id": "kb-x", "title": "Слоны", "body": "Про **слонов**", "lines": ["cashback"]},
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "draft"
    assert "<strong>слонов</strong>" in created.json()["body_html"]
    assert editor.post("/api/v1/kb/articles", {"id": "kb-x", "title": "Дубль"}).status_code == 409
    changed = _send(editor, "put", "/api/v1/kb/articles/kb-x", {"id": "kb-x", "title": "Мамонты"})
    assert changed.json()["version"] == 2 and changed.json()["lines"] == []
    moved = editor.post("/api/v1/kb/articles/kb-x/transitions", {"to": "published"})
    assert moved.json()["status"] == "published"
    assert editor.post("/api/v1/kb/articles/kb-x/transitions", {"to": "zzz"}).status_code == 422
    versions = editor.get("/api/v1/kb/articles/kb-x/versions").json()
    assert [v["number"] for v in versions["items"]] == [3, 2, 1]
    restored = editor.post("/api/v1/kb/articles/kb-x/versions/1/restore")
    assert restored.json()["title"] == "Слоны" and restored.json()["status"] == "published"
    assert editor.get("/api/v1/kb/search", q="слоны").json()["items"][0]["id"] == "kb-x"
    bad = editor.post("/api/v1/kb/articles", {"id": "kb-y", "title": "t", "lines": ["nope"]})
    assert bad.status_code == 422 and "lines" in bad.json()["error"]["fields"]
    assert _send(editor, "delete", "/api/v1/kb/articles/kb-x").status_code == 204
    assert editor.get("/api/v1/kb/articles/kb-x").status_code == 404


def test_operators_read_published_only_and_cannot_write(imported, api_as):
    operator = api_as("operator")
    assert operator.get("/api/v1/kb/articles").json()["count"] == 40
    assert operator.get("/api/v1/kb/articles/kb-001").json()["title"]
    assert operator.post("/api/v1/kb/articles", {"id": "a", "title": "t"}).status_code == 403
    assert operator.post("/api/v1/kb/synonyms", {"terms": "a, b"}).status_code == 403
    editor = api_as("administrator")
    editor.post("/api/v1/kb/articles/kb-001/transitions", {"to": "archived"})
    assert operator.get("/api/v1/kb/articles/kb-001").status_code == 404
    assert editor.get("/api/v1/kb/articles/kb-001").json()["status"] == "archived"
    scoped = api_as("operator", lines=["cashback"])
    assert scoped.get("/api/v1/kb/articles").json()["count"] == 2


def test_synonym_entries_change_the_search(imported, api_as):
    editor = api_as("supervisor")
    assert editor.get("/api/v1/kb/search", q="слонопотам").json()["items"] == []
    entry = editor.post("/api/v1/kb/synonyms", {"terms": "слонопотам, кешбэк"})
    assert entry.status_code == 201
    assert editor.get("/api/v1/kb/search", q="слонопотам").json()["items"]
    assert editor.post("/api/v1/kb/synonyms", {"terms": "одно"}).status_code == 422
    assert _send(editor, "delete", f"/api/v1/kb/synonyms/{entry.json()['id']}").status_code == 204
    assert editor.get("/api/v1/kb/search", q="слонопотам").json()["items"] == []


def test_record_which_article_answered_a_contact(imported, api_as):
    operator = api_as("operator")
    contact = Contact.objects.create(line=Line.objects.get(code="moscow-volunteers"))
    answer = operator.post(
        "/api/v1/kb/uses", {"article": "kb-001", "contact": contact.pk, "query": "лн"}
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["contact"] == contact.pk
    assert contact.knowledge_uses.get().article.slug == "kb-001"
    missing = operator.post("/api/v1/kb/uses", {"article": "kb-001", "contact": 999999})
    assert missing.status_code == 404


def test_articles_that_help(imported, api_as):
    operator = api_as("operator")
    line = Line.objects.get(code="moscow-volunteers")
    for slug in ["kb-001", "kb-001", "kb-002"]:
        contact = Contact.objects.create(line=line)
        operator.post("/api/v1/kb/uses", {"article": slug, "contact": contact.pk})
    top = operator.get("/api/v1/kb/helpful", days=7).json()
    assert [(i["id"], i["uses"]) for i in top["items"]] == [("kb-001", 2), ("kb-002", 1)]
