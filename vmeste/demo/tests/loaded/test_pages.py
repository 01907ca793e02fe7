"""Every demo login lands on a page with work on it, and no page of the demo offers its
viewer a link or a panel their role is refused."""

import re

import pytest
from django.utils import timezone

from vmeste.accounts.models import User
from vmeste.assistance.models import Request
from vmeste.assistance.transitions import CLOSED
from vmeste.demo import cast

pytestmark = pytest.mark.django_db


def test_every_demo_login_lands_on_a_page_with_work_on_it(client):
    from vmeste.deliveries.models import Delivery
    from vmeste.volunteers.models import Assignment

    for spec in cast.USERS:
        if spec.role == "telephony":
            continue  # the SIP edge's service account signs in to the API only
        user = User.objects.get(username=spec.username)
        client.force_login(user)
        page = client.get("/", follow=True)
        assert page.status_code == 200, spec.username
        html = page.content.decode()
        if spec.role == "volunteer":
            # Granted the operator role, they answer calls: the call card is their home, and
            # their own shifts are one click away, with the coming ones on it.
            assert 'id="callcard-form"' in html, spec.username
            upcoming = Assignment.objects.filter(
                volunteer__user=user, shift__ends_at__gt=timezone.now()
            ).select_related("shift")
            shifts = client.get("/volunteers/me/shifts/").content.decode()
            assert upcoming.exists() and upcoming[0].shift.name in shifts, spec.username
        if spec.role == "coordinator":  # their own open requests, the nearest deadline first
            theirs = Request.objects.filter(assignee=user).exclude(status__in=CLOSED)
            if theirs.exists():
                assert page.redirect_chain[-1][0] == "/assistance/mine/", spec.username
                nearest = theirs.exclude(due_at=None).order_by("due_at")[0]
                assert nearest.number in html, spec.username
            else:  # none assigned yet: the requests of their scope to take on
                assert page.redirect_chain[-1][0] == "/assistance/", spec.username
                from vmeste.assistance.services import requests_for

                numbers = requests_for(user).values_list("number", flat=True)[:200]
                assert any(number in html for number in numbers), spec.username
        if spec.role == "courier":
            mine = Delivery.objects.filter(courier=user, status__in=["assigned", "accepted"])
            assert mine.exists() and mine[0].address in html, spec.username
        client.logout()


# What a crawl of the pages must not follow: it leaves, it downloads, or it is not a page.
NOT_A_PAGE = re.compile(r"logout|export|\.(csv|xlsx|pdf|wav|mp3|ogg)$|/api/|/static/|/media/")
LINK = re.compile(r'(?:href|hx-get)="(/[^"#]*)"')


def _links(html: str) -> list[str]:
    return [u.replace("&amp;", "&") for u in LINK.findall(html) if not NOT_A_PAGE.search(u)]


def test_no_demo_page_offers_what_its_viewer_is_refused(client):
    """Every link and every block a page loads (htmx) answers its viewer: a page never shows
    a link or fetches a panel that the viewer's role is refused (a 403 or 404 behind the page,
    the console's error). Two clicks deep from each login's home, one page per address shape."""
    for spec in cast.USERS:
        if spec.role == "telephony":
            continue
        client.force_login(User.objects.get(username=spec.username))
        home = client.get("/", follow=True)
        frontier, seen, refused = _links(home.content.decode()), set(), []
        for _depth in range(2):
            found = []
            for url in frontier:
                shape = re.sub(r"\d+", "N", url.split("?")[0])
                if shape in seen:
                    continue
                seen.add(shape)
                page = client.get(url)
                if page.status_code >= 400:
                    refused.append(f"{page.status_code} {url}")
                elif page.status_code == 200 and "html" in page.get("Content-Type", ""):
                    found += _links(page.content.decode())
            frontier = found
        assert not refused, (spec.username, refused)
        assert len(seen) >= 2, spec.username  # the crawl did walk past the home page
        client.logout()
