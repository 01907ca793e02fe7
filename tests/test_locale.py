"""The English catalogue is complete: no empty or fuzzy msgstr, placeholders kept, and the
committed .mo says what the .po says (gettext serves the .mo, so a stale one hides work)."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.test import Client

CATALOGUE = Path(__file__).resolve().parent.parent / "vmeste" / "locale" / "en" / "LC_MESSAGES"
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


def _entries() -> list[dict]:
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
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


@pytest.mark.django_db
def test_pages_speak_english_when_english_is_chosen(make_user):
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(make_user("operator"))
    for path, phrase in [("/accounts/login/", "Password"), ("/", "New call")]:
        page = client.get(path, follow=True)
        assert page["Content-Language"] == "en"
        assert phrase in page.content.decode(), path
