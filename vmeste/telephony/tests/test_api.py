"""The edge's endpoints answer the telephony service account only."""

from __future__ import annotations

import pytest

from vmeste.telephony import services

pytestmark = pytest.mark.django_db


def test_the_edge_asks_where_a_call_goes_and_for_a_phones_ha1(api_as, national):
    edge = api_as("telephony")
    services.set_sip_password(by=None, username="ivanova", password="phone-secret")
    route = edge.get("/api/v1/telephony/edge/route", number="+78002003411")
    assert route.status_code == 200
    assert route.json() == {"action": "menu", "status": 200, "line": "we-are-together"}
    account = edge.get("/api/v1/telephony/edge/credentials/ivanova")
    assert account.status_code == 200
    assert set(account.json()) == {"username", "realm", "ha1"}
    missing = edge.get("/api/v1/telephony/edge/credentials/petrov")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    menu = edge.get("/api/v1/telephony/edge/menu/we-are-together")
    assert menu.status_code == 200 and menu.json()["nodes"]["main"]["options"]["1"] == "food"
    assert menu.json()["centre"] == "nat"
    assert edge.get("/api/v1/telephony/edge/menu/nope").status_code == 404


@pytest.mark.parametrize("role", ["operator", "administrator", "supervisor"])
def test_nobody_else_reads_them(api_as, national, role):
    services.set_sip_password(by=None, username="ivanova", password="phone-secret")
    other = api_as(role)
    for path in [
        "/api/v1/telephony/edge/credentials/ivanova",
        "/api/v1/telephony/edge/menu/we-are-together",
    ]:
        answer = other.get(path)
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    assert other.get("/api/v1/telephony/edge/route", number="1").status_code == 403


def test_check_reaches_vmeste_and_tells_a_good_token_from_a_refused_one(live_server, make_user):
    from vmeste.accounts.services import issue_token
    from vmeste.telephony.check import run_checks
    from vmeste.telephony.edge import EdgeConfig

    make_user("edge", "telephony")
    make_user("clerk", "operator")
    url = live_server.url

    def found(token: str) -> dict[str, bool]:
        config = EdgeConfig(vmeste_url=url, token=token, http_timeout=10)
        return {f.key: f.ok for f in run_checks(config) if f.key.startswith(("url", "token"))}

    assert found(issue_token(username="edge")) == {"url_ok": True, "token_ok": True}
    assert found(issue_token(username="clerk")) == {"url_ok": True, "token_refused": False}
    assert found("vm_nonsense") == {"url_ok": True, "token_refused": False}
