"""`vmeste purge-idempotency`: drop stored Idempotency-Key answers past their keeping time."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from vmeste.core.services import purge_expired_idempotency


class Command(BaseCommand):
    help = "Delete stored idempotent answers older than VMESTE_IDEMPOTENCY_TTL_HOURS (24 h)."

    def handle(self, *args, **options):
        deleted = purge_expired_idempotency(timezone.now())
        self.stdout.write(f"{deleted}")
