"""Users of the roles the knowledge base cares about, and the shared 40-article corpus."""

import os
from pathlib import Path

import pytest

# The shared corpus sits beside the project (../shared/data/kb from the repository root);
# where it does not, the copy shipped in the package stands in.
SHARED = Path(__file__).resolve().parents[4] / "shared" / "data" / "kb"
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "kb"
CORPUS = Path(os.environ.get("VMESTE_KB_CORPUS") or (SHARED if SHARED.is_dir() else SHIPPED))


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.fail(f"the corpus is not at {CORPUS} (VMESTE_KB_CORPUS?)")
    return CORPUS


@pytest.fixture
def imported(db, corpus):
    from vmeste.knowledge.importing import import_folder

    return import_folder(path=corpus)


def _user(username: str, role: str):
    from vmeste.accounts.models import User

    return User.objects.create_user(username=username, password="x" * 12, role=role)


@pytest.fixture
def editor(db):
    return _user("editor", "supervisor")


@pytest.fixture
def operator(db):
    return _user("operator", "operator")
