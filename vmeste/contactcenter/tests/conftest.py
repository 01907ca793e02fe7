"""Fixtures of the voice menu's tests: the national line with its queues, the article its
robot reads and the demo's menu saved; one prompts folder for the session (prompts are
named by their text, so the tests share what espeak-ng said once)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from vmeste.contactcenter.tests import clock
from vmeste.core.models import Line

MENU_QUEUES = ("wat-food", "wat-medical", "wat-psy", "wat-social", "wat-volunteer", "wat-general")


@pytest.fixture
def ivr_data(settings, tmp_path_factory):
    settings.DATA_DIR = tmp_path_factory.getbasetemp() / "ivr-data"
    return settings.DATA_DIR


@pytest.fixture
def menu_line(ivr_data):
    """The line, its queues and the robot's article; no menu yet."""
    from vmeste.contactcenter.models import Queue
    from vmeste.demo.voicemenu import ROBOT_ARTICLE
    from vmeste.knowledge.models import Article

    line = Line.objects.get(code="we-are-together")
    for code in MENU_QUEUES:
        Queue.objects.create(line=line, code=code, name=code, skill="general")
    Article.objects.create(slug=ROBOT_ARTICLE, title="ЖКУ", status="published")
    return line


@pytest.fixture
def menu_saved(menu_line):
    from vmeste.contactcenter import ivr
    from vmeste.demo.voicemenu import MENU

    ivr.import_menu(MENU, line=menu_line)
    return menu_line


@pytest.fixture
def server_clock(monkeypatch):
    """``timezone.now`` is ``clock.SERVER``, from the fixed day on (``clock.follow``)."""
    clock.SERVER.at = clock.START
    monkeypatch.setattr(timezone, "now", clock.SERVER)
    return clock.SERVER


@pytest.fixture
def still_caches(monkeypatch):
    """The per-process caches of the event path asked or re-read at fixed points only:
    their checks every so many seconds would otherwise add a query to whichever event
    came at that moment. The roster's check runs on every use (the dearest case)."""
    from vmeste.contactcenter import roster, waiting
    from vmeste.core import refcache

    monkeypatch.setattr(roster, "CHECK_SECONDS", 0.0)
    monkeypatch.setattr(waiting, "MAX_AGE_SECONDS", 3600.0)
    monkeypatch.setattr(refcache, "CHECK_SECONDS", 3600.0)
