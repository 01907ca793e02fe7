"""The agent's workplace in Debian's Chromium: the toolbar changes the state, and a call
routed to the agent opens the call card with the caller already looked up."""

from __future__ import annotations

import http.client
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from bench import loadcheck
from vmeste.assistance.tests.test_views import REQUEST, post_call
from vmeste.contactcenter.models import Agent, AgentStateChange, Queue, TransferOrder
from vmeste.contacts.models import Contact
from vmeste.core.models import Centre, Line


def _page(browser, url: str, session: str):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ru-RU")
    context.add_cookies([{"name": "sessionid", "value": session, "url": url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.missing = []  # what the page asked for and did not get
    page.on("response", lambda r: r.status == 404 and page.missing.append(r.url))
    return context, page


def _shows_state(page, state: str) -> None:
    """Wait until the toolbar shows the state and htmx has wired its new buttons: htmx
    swaps the new toolbar in marked `htmx-added` and attaches its hx-post only when it
    settles, so a key pressed in between submits the bare form (the page reloads)."""
    page.wait_for_function(
        "(state) => document.querySelector('#cc-toolbar [role=status]')?.textContent"
        ".includes(state) && !document.querySelector('#cc-toolbar.htmx-added')",
        arg=state,
    )


def _toolbar_break_and_back(page) -> None:
    _shows_state(page, "Свободен")
    toolbar = page.locator("#cc-toolbar")
    status = toolbar.get_by_role("status")
    assert status.inner_text().strip() == "Свободен"
    reason = page.get_by_label("причина перерыва")
    refreshed = page.expect_response(
        lambda r: r.request.method == "GET" and r.url.endswith("/contactcenter/toolbar/"),
        timeout=12_000,
    )
    with refreshed:
        reason.fill("обед")
    _shows_state(page, "Свободен")  # the toolbar was swapped while the reason was typed…
    assert reason.input_value() == "обед"  # …and kept it
    toolbar.get_by_role("button", name="Перерыв").click()
    _shows_state(page, "Перерыв")
    assert "обед" in page.locator("#cc-toolbar").get_by_role("status").inner_text()
    # Keyboard only: to the "Готов" button and Enter.
    ready = page.locator("#cc-toolbar").get_by_role("button", name="Готов", exact=True)
    ready.focus()
    page.keyboard.press("Enter")
    _shows_state(page, "Свободен")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_toolbar_available_break_with_a_reason_available(browser, live_server, client, make_user):
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    user = make_user("op")
    agent = Agent.objects.create(user=user, centre=centre, state="available")
    client.force_login(user)
    context, page = _page(browser, live_server.url, client.cookies["sessionid"].value)
    page.goto(f"{live_server.url}/contactcenter/")
    _toolbar_break_and_back(page)
    assert page.missing == []
    # Headless Chromium asks for no icon; a browser does (it was a 404 before there was one).
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(f"{live_server.url}{icon}").ok
    context.close()
    changes = list(AgentStateChange.objects.filter(agent=agent).values_list("kind", "text"))
    assert changes == [("take_break", "обед"), ("ready", "")]
    agent.refresh_from_db()
    assert agent.state == "available" and agent.break_reason == ""


@pytest.mark.browser
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_routed_call_opens_the_call_card_with_the_caller_looked_up(
    browser, client, make_user, tmp_path
):
    """Served by `vmeste serve` (the ASGI server the stream needs) on the test database —
    which a separate process reaches only on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip("the stream needs the ASGI server in its own process: PostgreSQL only")
    token, (name,) = loadcheck.prepare(agents=1, prefix="br")
    agent = Agent.objects.get(user__username=name)
    client.force_login(agent.user)
    post_call(client, REQUEST)  # Петрова Анна Ивановна, +7 927 555-12-34, known from before
    with loadcheck.servers(1, db_url=loadcheck.database_url(), logs=tmp_path) as (served,):
        url = served.base
        context, page = _page(browser, url, client.cookies["sessionid"].value)
        page.goto(f"{url}/contactcenter/")
        _shows_state(page, "Не в сети")
        toolbar = page.locator("#cc-toolbar")
        toolbar.get_by_role("button", name="Войти в линию").click()
        _shows_state(page, "Свободен")
        _toolbar_break_and_back(page)
        with context.expect_page(timeout=5_000) as opened:
            conn = http.client.HTTPConnection(url.removeprefix("http://"), timeout=30)
            conn.request(
                "POST",
                loadcheck.EVENTS,
                json.dumps(
                    {
                        "event_id": "b1",
                        "type": "call_offered",
                        "call_id": "br-1",
                        "at": timezone.now().isoformat(),
                        "line": "we-are-together",
                        "ivr_path": "9",
                        "centre": "br-nat",
                        "caller_number": "+79275551234",
                    }
                ),
                {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            answer = json.loads(conn.getresponse().read())
            assert answer["rung"] == [{"call_id": "br-1", "agent": name, "callback": False}]
        card = opened.value
        card.wait_for_load_state()
        assert "/assistance/call/" in card.url
        assert card.locator("#caller_number").input_value() == "+79275551234"
        history = card.locator("#caller-history")
        history.get_by_text("Петрова Анна Ивановна").wait_for()
        # The workplace keeps a link to the card too (a blocked pop-up is not a lost call).
        link = page.locator("#cc-pop-link")
        assert link.is_visible() and "+79275551234" in link.inner_text()
        page.screenshot(path="/tmp/vmcc/workplace.png")
        card.screenshot(path="/tmp/vmcc/card.png")
        # Saved, the card completes the call's own Contact: one call, one contact.
        assert card.locator("#call_id").input_value() == "br-1"
        card.locator("#notes").fill("Спросила про доставку продуктов.")
        card.get_by_role("button", name="Сохранить").click()
        card.get_by_text("Обращение сохранено.").wait_for()
        context.close()
    call_contacts = Contact.objects.filter(call_id="br-1")
    assert call_contacts.count() == 1 and call_contacts.get().completed_at is not None
    assert call_contacts.get().notes == "Спросила про доставку продуктов."
    assert Contact.objects.count() == 2  # the earlier call from post_call, and this one


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_call_cards_toolbar_transfers_the_call_to_a_queue(
    browser, live_server, client, make_user, api_as
):
    """On a call, the call card's toolbar offers the transfer; «Перевести» asks for it (the
    media node holding the call then carries it out: vmeste/telephony tests)."""
    line = Line.objects.get(code="we-are-together")
    centre = Centre.objects.create(code="nat", name_ru="Федеральный", kind="national")
    for code, skill, path in (("food", "general", "1"), ("psy", "psy", "3")):
        Queue.objects.create(line=line, code=code, name=f"Очередь {code}", skill=skill,
                             ivr_path=path, escalation=[[0, 1]])  # fmt: skip
    user = make_user("op")
    agent = Agent.objects.create(user=user, centre=centre, skills={"general": 1},
                                 state="available",
                                 state_since=timezone.now() - timedelta(minutes=5))  # fmt: skip
    edge = api_as("telephony")
    now = timezone.now().isoformat()
    for event in ({"event_id": "o", "type": "call_offered", "line": "we-are-together",
                   "ivr_path": "1", "centre": "nat", "caller_number": "+79275551234"},
                  {"event_id": "a", "type": "call_answered", "agent": "op"}):  # fmt: skip
        answer = edge.post("/api/v1/telephony/events", {**event, "call_id": "br-t", "at": now})
        assert answer.status_code == 200, answer.content
    agent.refresh_from_db()
    assert (agent.state, agent.call.call_id) == ("on_call", "br-t")
    client.force_login(user)
    context, page = _page(browser, live_server.url, client.cookies["sessionid"].value)
    page.goto(f"{live_server.url}/assistance/call/?call=br-t&phone=%2B79275551234")
    _shows_state(page, "Разговор")
    toolbar = page.locator("#cc-toolbar")
    toolbar.get_by_label("куда перевести").select_option("to_queue")
    toolbar.get_by_label("очередь, логин или номер").fill("psy")
    toolbar.get_by_role("button", name="Перевести").click()
    page.get_by_text("Перевод запрошен").wait_for()
    assert page.missing == []
    context.close()
    order = TransferOrder.objects.get()
    assert (order.call.call_id, order.to_queue, order.asked_by) == ("br-t", "psy", agent)
    assert order.taken_at is None  # for the media node to take
