"""What a token authenticates as is kept by the process (``accounts.tokencache``) and never
outlives a change: a token revoked, a user deactivated, a scope narrowed — made where this
process's signals do not hear it, as another process would — is seen at the next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from vmeste.accounts.models import ApiToken
from vmeste.core.models import Region
from vmeste.core.scoping import user_scope

pytestmark = pytest.mark.django_db(transaction=True)  # the triggers' stamps are committed


def _elsewhere(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _kept(raw: str) -> bool:
    """Whether the token is authenticated from what the process keeps (the stamp alone)."""
    with CaptureQueriesContext(connection) as asked:
        assert ApiToken.authenticate(raw) is not None
    return len(asked) == 1


def test_a_token_revoked_elsewhere_is_refused_at_the_next_request(make_user):
    token, raw = ApiToken.issue(user=make_user("op"))
    ApiToken.authenticate(raw)
    assert _kept(raw)
    _elsewhere("UPDATE accounts_apitoken SET revoked_at = %s WHERE id = %s",
               [timezone.now(), token.pk])  # fmt: skip
    assert ApiToken.authenticate(raw) is None


def test_a_user_deactivated_elsewhere_is_refused_at_the_next_request(make_user):
    user = make_user("op")
    _token, raw = ApiToken.issue(user=user)
    ApiToken.authenticate(raw)
    assert _kept(raw)
    _elsewhere("UPDATE accounts_user SET is_active = %s WHERE id = %s", [False, user.pk])
    assert ApiToken.authenticate(raw) is None


def test_a_scope_narrowed_elsewhere_applies_at_the_next_request(make_user):
    user = make_user("op", regions=["RU-VGG", "RU-MOW"])
    _token, raw = ApiToken.issue(user=user)
    assert len(user_scope(ApiToken.authenticate(raw))[0]) == 2
    moscow = Region.objects.get(code="RU-MOW")
    _elsewhere("DELETE FROM accounts_user_regions WHERE user_id = %s AND region_id = %s",
               [user.pk, moscow.pk])  # fmt: skip
    assert user_scope(ApiToken.authenticate(raw))[0] == {Region.objects.get(code="RU-VGG").pk}


def test_noting_a_tokens_use_keeps_what_is_kept(make_user):
    _token, raw = ApiToken.issue(user=make_user("op"))
    with CaptureQueriesContext(connection) as first:
        ApiToken.authenticate(raw)  # the stamp, the statement, the note of its first use
    assert len(first) == 3
    assert _kept(raw)  # the note did not renew the access stamp


def test_a_token_revoked_here_is_refused_at_once(make_user, client):
    from vmeste.accounts.services import revoke_token

    user = make_user("op")
    token, raw = ApiToken.issue(user=user)
    assert client.get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    revoke_token(user=user, token_id=token.pk)
    assert client.get("/api/v1/regions", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
