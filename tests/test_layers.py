"""The import picture between apps: every arrow points down, so there is no cycle.

Each app of `vmeste/` has a place in LAYERS; a module of an app may import from its own app and
from apps below it, never from an app above it. Every non-test module is parsed (ast), so a
lazy import inside a function counts as much as one at the top. Templates count too: an app's
template loads no tag library of an app above it, and includes or extends none of its
templates. A lower app that must reach a higher one
declares something the higher one reads (a registration such as `core.panels`, a signal), it
does not import it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

from vmeste.accounts.roles import Right

PACKAGE = Path(__file__).resolve().parent.parent / "vmeste"

# Lowest first: the domain apps in settings' dependency order, then the demo data on top. The
# project's own modules (vmeste/api.py, urls.py, settings.py, cli.py) sit above them all and
# are not checked.
LAYERS = [*settings.DOMAIN_APPS, "demo"]


def _apps() -> list[str]:
    return sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py") if p.parent.name != "locale")


def _modules(app: str):
    for path in sorted((PACKAGE / app).rglob("*.py")):
        parts = path.relative_to(PACKAGE / app).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def _imported_apps(tree: ast.AST):
    """(app, line) for every `vmeste.<app>` this module imports, at any depth."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "vmeste":  # from vmeste import people
                names = [f"vmeste.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "vmeste" and len(parts) > 1:
                yield parts[1], node.lineno


def upward_imports() -> list[str]:
    rank = {app: i for i, app in enumerate(LAYERS)}
    found = []
    for app in _apps():
        for path in _modules(app):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for target, line in _imported_apps(tree):
                if target in rank and rank[target] > rank[app]:
                    where = path.relative_to(PACKAGE.parent)
                    found.append(f"{where}:{line}: {app} imports {target}")
    return found


LOAD = re.compile(r"{%\s*load\s+([^%]*?)\s*%}")
INCLUDE = re.compile(r"""{%\s*(?:include|extends)\s+["']([a-z_]+)/""")


def _libraries() -> dict[str, str]:
    """Each of our template tag libraries and the app that provides it."""
    return {
        path.stem: path.parent.parent.name
        for path in PACKAGE.glob("*/templatetags/*.py")
        if path.stem != "__init__"
    }


def upward_template_loads() -> list[str]:
    rank = {app: i for i, app in enumerate(LAYERS)}
    libraries = _libraries()
    found = []
    for path in sorted(PACKAGE.glob("*/templates/**/*.html")):
        app = path.relative_to(PACKAGE).parts[0]
        text = path.read_text(encoding="utf-8")
        for match in INCLUDE.finditer(text):
            owner = match.group(1)
            if owner in rank and app in rank and rank[owner] > rank[app]:
                found.append(f"{path.relative_to(PACKAGE.parent)}: {app} includes {owner}/…")
        for match in LOAD.finditer(text):
            words = match.group(1).split()
            names = words[words.index("from") + 1 :] if "from" in words else words
            for name in names:
                owner = libraries.get(name)
                if owner in rank and app in rank and rank[owner] > rank[app]:
                    found.append(
                        f"{path.relative_to(PACKAGE.parent)}: {app} loads {name} ({owner})"
                    )
    return found


def test_every_app_has_a_layer():
    assert sorted(LAYERS) == _apps()


def test_no_app_imports_from_an_app_above_it():
    found = upward_imports()
    assert not found, "imports from a higher layer:\n" + "\n".join(found)


def test_no_app_template_loads_a_library_of_an_app_above_it():
    found = upward_template_loads()
    assert not found, "template libraries from a higher layer:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from vmeste.workplace import panels", ["workplace"]),
        ("def f():\n    from vmeste.assistance.views import x\n", ["assistance"]),
        ("import vmeste.reports.services as s", ["reports"]),
        ("from vmeste import launch", ["launch"]),
        ("from . import models\nfrom vmeste.core.models import Region", ["core"]),
    ],
)
def test_the_parser_sees_every_kind_of_import(source, expected):
    assert [app for app, _line in _imported_apps(ast.parse(source))] == expected


def test_core_names_the_rights_the_admin_site_needs_as_accounts_spells_them():
    """core sits under accounts, so its admin site names two rights instead of importing
    the table; the names must stay those of `accounts.roles.Right`."""
    from vmeste.core import admin_site

    assert Right(admin_site.EDIT_REFERENCE) is Right.EDIT_REFERENCE
    assert Right(admin_site.MANAGE_USERS) is Right.MANAGE_USERS
