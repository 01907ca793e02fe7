import threading

import pytest
from django.core.handlers.wsgi import WSGIHandler

from vmeste.contactcenter import ivr
from vmeste.contactcenter.models import Agent, Queue
from vmeste.core.models import Centre, Line

# The national line's voice menu in small: two branches at the top, two under «3», a
# message under «4» that leads back, one under «6» that ends the call, a callback offer on
# «8», an outside lawyer on «9».
MENU = {
    "start": "main",
    "night": "night",
    "operator_queue": "food",
    "nodes": [
        {"id": "main", "kind": "menu", "prompt": "Вы позвонили на линию «Мы вместе». "
         "Продукты — 1, лекарства — 2, психолог или юрист — 3.", "timeout_seconds": 1,
         "replays": 1, "default": "1",
         "options": [{"digit": "1", "to": "food"}, {"digit": "2", "to": "meds"},
                     {"digit": "3", "to": "help"}, {"digit": "4", "to": "news"},
                     {"digit": "6", "to": "hours"},
                     {"digit": "8", "to": "call-me"}, {"digit": "9", "to": "lawyer"}]},
        {"id": "food", "kind": "queue", "label": "Продукты", "queue": "food"},
        {"id": "meds", "kind": "queue", "label": "Лекарства", "queue": "meds"},
        {"id": "help", "kind": "menu", "prompt": "Психолог — 1, юрист — 2.",
         "timeout_seconds": 1, "replays": 1, "default": "1",
         "options": [{"digit": "1", "to": "psy"}, {"digit": "2", "to": "law"}]},
        {"id": "psy", "kind": "queue", "label": "Психолог", "queue": "psy"},
        {"id": "law", "kind": "queue", "label": "Юрист", "queue": "law"},
        {"id": "news", "kind": "message", "prompt": "Пункты выдачи работают до восьми.",
         "next": "main"},
        {"id": "hours", "kind": "message", "prompt": "Линия работает с девяти до девяти."},
        {"id": "call-me", "kind": "callback", "prompt": "Мы перезвоним.", "queue": "food"},
        {"id": "lawyer", "kind": "transfer", "prompt": "Соединяю с юристом.",
         "number": "74950000000"},
        {"id": "night", "kind": "message", "prompt": "Линия сейчас не работает."},
    ],
}  # fmt: skip


@pytest.fixture
def national(make_user):
    """The national line's queues, voice menu (``MENU``) and agents."""
    line = Line.objects.get(code="we-are-together")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    centre.lines.add(line)
    for path, code, name in [
        ("1", "food", "Продукты"),
        ("2", "meds", "Лекарства"),
        ("3-1", "psy", "Психолог"),
        ("3-2", "law", "Юрист"),
    ]:
        Queue.objects.create(
            line=line, code=code, name=name, skill=code, ivr_path=path, escalation=[[0, 1]]
        )
    ivr.import_menu(MENU, line=line)
    agents = {
        name: Agent.objects.create(user=make_user(name), centre=centre, skills={skill: 2})
        for name, skill in [("ivanova", "food"), ("petrov", "meds"), ("sidorova", "psy")]
    }
    return {"line": line, "centre": centre, "agents": agents}


@pytest.fixture
def one_request_at_a_time(monkeypatch):
    """The live server's threads share the test's in-memory SQLite database, whose shared
    cache fails a second concurrent writer at once ("database table is locked") instead of
    queueing it as the file database's busy_timeout does in production: one request at a
    time (the media node's polls and events meet there)."""
    lock = threading.Lock()
    handle = WSGIHandler.__call__

    def one_at_a_time(self, environ, start_response):
        with lock:
            return handle(self, environ, start_response)

    monkeypatch.setattr(WSGIHandler, "__call__", one_at_a_time)
