"""The ledger of public forms (no sign-in): every submission counts toward its address's
hourly limit, failed ones included (a guesser learns nothing for free), and a form token
is accepted once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from vmeste.core.models import FormSubmission

KEEP_FOR = timedelta(days=1)  # the limits look back an hour; tokens expire within a day


def client_hash(address: str) -> str:
    """The address, keyed: enough to count by, useless to whoever reads the table."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()


def recent_submissions(*, form: str, client: str, since: datetime) -> int:
    return FormSubmission.objects.filter(form=form, client=client, at__gte=since).count()


def record_submission(*, form: str, client: str, token: str, now: datetime) -> bool:
    """Count this submission; False when its token was submitted before."""
    digest = hashlib.sha256(f"{form}:{token}".encode()).hexdigest()
    try:
        with transaction.atomic():
            FormSubmission.objects.create(form=form, client=client, token_digest=digest, at=now)
    except IntegrityError:
        # The reuse still counts toward the limit, under a digest of its own.
        FormSubmission.objects.create(
            form=form,
            client=client,
            token_digest=secrets.token_hex(32),
            at=now,
        )
        return False
    return True


def purge_submissions(now: datetime) -> int:
    deleted, _ = FormSubmission.objects.filter(at__lt=now - KEEP_FOR).delete()
    return deleted
