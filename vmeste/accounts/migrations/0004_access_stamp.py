"""The access change stamp (``core.stamps``, read by ``accounts.tokencache``): renewed when
a token is issued, revoked or deleted, or a user or a scope changes — not when a token's
last use is written (once a minute per busy token)."""

from django.db import migrations

from vmeste.core.stamps import ACCESS, watch

# The token's own columns, not its last use.
_NOT_ONLY_ITS_USE = ("digest", "user_id", "expires_at", "revoked_at")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_merge_audit_and_token_expiry"),
        ("core", "0004_change_stamps"),
    ]

    operations = [
        watch("accounts_user", ACCESS),
        watch("accounts_user_regions", ACCESS),
        watch("accounts_user_lines", ACCESS),
        watch("accounts_apitoken", ACCESS, counted=_NOT_ONLY_ITS_USE),
        watch("accounts_apitoken_regions", ACCESS),
        watch("accounts_apitoken_lines", ACCESS),
    ]
