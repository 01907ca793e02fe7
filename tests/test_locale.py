"""The English catalogue is complete: no empty or fuzzy msgstr, placeholders kept, and the
committed .mo says what the .po says (gettext serves the .mo, so a stale one hides work)."""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

SOURCE = Path(__file__).resolve().parent.parent / "vmeste"
CATALOGUE = SOURCE / "locale" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sdif%]")


def _string(lines: list[str], key: str) -> str | None:
    """The value of a PO keyword (msgid, msgstr, …) with its continuation lines joined."""
    parts: list[str] = []
    reading = False
    for line in lines:
        if line.startswith(key + " "):
            reading = True
            parts.append(ast.literal_eval(line[len(key) + 1 :]))
        elif reading and line.startswith('"'):
            parts.append(ast.literal_eval(line))
        else:
            reading = False
    return "".join(parts) if parts else None


def _entries(catalogue: Path = CATALOGUE / "django.po") -> list[dict]:
    text = catalogue.read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n"):
        lines = [line for line in block.strip("\n").split("\n") if not line.startswith("#~")]
        msgid = _string(lines, "msgid")
        if not msgid:
            continue  # the header, or a block of obsolete entries
        plural = _string(lines, "msgid_plural")
        if plural:
            strings = [_string(lines, f"msgstr[{n}]") for n in range(2)]
        else:
            strings = [_string(lines, "msgstr")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        entries.append(
            {
                "msgid": msgid,
                "plural": plural,
                "context": _string(lines, "msgctxt"),
                "strings": strings,
                "fuzzy": "fuzzy" in flags,
            }
        )
    return entries


def test_every_string_is_translated_and_none_is_fuzzy():
    entries = _entries()
    assert len(entries) > 1000  # the parser read the catalogue, not an empty shell
    fuzzy = [e["msgid"] for e in entries if e["fuzzy"]]
    empty = [e["msgid"] for e in entries if not all(e["strings"])]
    assert not fuzzy, f"fuzzy translations: {fuzzy[:10]}"
    assert not empty, f"untranslated strings: {empty[:10]}"


def test_translations_keep_their_placeholders():
    wrong = []
    for e in _entries():
        sources = [e["msgid"], e["plural"]] if e["plural"] else [e["msgid"]]
        for source, translation in zip(sources, e["strings"], strict=True):
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
                # A singular may spell out "one" instead of %d; named placeholders may not go.
                if e["plural"] and source is e["msgid"] and "%(" not in source:
                    continue
                wrong.append(e["msgid"])
    assert not wrong, f"placeholders differ: {wrong[:10]}"


def test_the_compiled_catalogue_matches_the_source():
    with (CATALOGUE / "django.mo").open("rb") as compiled:
        mo = gettext.GNUTranslations(compiled)
    stale = []
    for e in _entries():
        if e["plural"]:
            got = [mo.ngettext(e["msgid"], e["plural"], n) for n in (1, 2)]
        elif e["context"]:
            got = [mo.pgettext(e["context"], e["msgid"])]
        else:
            got = [mo.gettext(e["msgid"])]
        if got != e["strings"]:
            stale.append(e["msgid"])
    assert not stale, f"django.mo is older than django.po (make messages): {stale[:10]}"


def test_the_catalogue_holds_every_string_of_the_source(tmp_path):
    """`make messages` run on a copy of the source would add nothing and drop nothing: a new
    string in the code cannot reach a page untranslated unnoticed (needs GNU gettext)."""
    copy = tmp_path / "vmeste"
    skip = shutil.ignore_patterns("tests", "__pycache__", "static", "*.mo")
    shutil.copytree(SOURCE, copy, ignore=skip)
    command = [sys.executable, "-m", "vmeste", "makemessages", "-l", "en", "--no-obsolete"]
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    run = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]

    def keys(catalogue: Path) -> set[tuple]:
        return {(e["context"], e["msgid"]) for e in _entries(catalogue)}

    current = keys(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
    committed = keys(CATALOGUE / "django.po")
    new, gone = sorted(current - committed, key=str), sorted(committed - current, key=str)
    assert not new, f"not in the catalogue (make messages, then translate): {new[:10]}"
    assert not gone, f"no longer in the source (make messages): {gone[:10]}"


def _visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", "", html, flags=re.S))


@pytest.mark.django_db
def test_pages_speak_english_when_english_is_chosen(make_user):
    pages = [
        (None, "/accounts/login/", "Password"),
        ("operator", "/", "New call"),
        ("supervisor", "/reports/", "Statistics"),
        ("supervisor", "/contactcenter/wall/", "Contact centre wallboard"),
        # The line templates' names included (the select of «new line from a template»).
        ("supervisor", "/launch/", "Regional volunteer call centre"),
    ]
    users = {role: make_user(f"en-{role}", role) for role in ("operator", "supervisor")}
    for role, path, phrase in pages:
        client = Client()
        client.cookies["django_language"] = "en"
        if role:
            client.force_login(users[role])
        page = client.get(path, follow=True)
        assert page.status_code == 200 and page["Content-Language"] == "en", path
        text = _visible_text(page.content.decode())
        assert phrase in text, path
        if role == "supervisor":  # no data in Russian on these: every word is the catalogue's
            assert not re.search("[А-Яа-яЁё]", text), (path, re.findall("[А-Яа-яЁё]+", text))
