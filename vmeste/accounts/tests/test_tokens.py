"""Token authentication: who is behind a token, with their scope, in one statement."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vmeste.accounts.models import ApiToken
from vmeste.core.models import Line, Region
from vmeste.core.scoping import user_scope

pytestmark = pytest.mark.django_db


def test_the_user_comes_with_their_scope_and_the_use_is_noted_once_a_minute(make_user):
    user = make_user("op", regions=["RU-VGG", "RU-MOW"], lines=["volgograd-volunteers"])
    token, raw = ApiToken.issue(user=user)
    with CaptureQueriesContext(connection) as first:
        found = ApiToken.authenticate(raw)
        scope = user_scope(found)
    assert found.pk == user.pk and found.role == "operator" and found.is_active is True
    assert scope == (
        set(Region.objects.filter(code__in=["RU-VGG", "RU-MOW"]).values_list("pk", flat=True)),
        {Line.objects.get(code="volgograd-volunteers").pk},
    )
    # The token, the user and the scope in one statement, plus the note of its first use.
    assert len(first) == 2
    token.refresh_from_db()
    assert token.last_used_at is not None
    with CaptureQueriesContext(connection) as again:
        assert user_scope(ApiToken.authenticate(raw)) == scope
    assert len(again) == 1  # used a moment ago: not written again
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    with CaptureQueriesContext(connection) as later:
        ApiToken.authenticate(raw)
    assert len(later) == 2


def test_an_unlimited_user_has_an_empty_scope(make_user):
    _token, raw = ApiToken.issue(user=make_user("nat", "supervisor"))
    assert user_scope(ApiToken.authenticate(raw)) == (set(), set())


def test_revoked_tokens_and_inactive_users_are_refused(make_user):
    user = make_user("op")
    token, raw = ApiToken.issue(user=user)
    other_token, other_raw = ApiToken.issue(user=make_user("gone"))
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    other_token.user.is_active = False
    other_token.user.save()
    assert ApiToken.authenticate(raw) is None
    assert ApiToken.authenticate(other_raw) is None
    assert ApiToken.authenticate("vm_" + "x" * 43) is None
