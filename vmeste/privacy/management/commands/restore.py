"""`vmeste restore FILE [--replace]`: a backup put in place of the configured database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vmeste.privacy.backup import BackupError, restore


class Command(BaseCommand):
    help = "Восстановление базы из резервной копии (vmeste backup)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--replace", action="store_true", help="overwrite a database that has data"
        )

    def handle(self, *, file: str, replace: bool, **options) -> None:
        try:
            engine = restore(Path(file), replace=replace)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{file}: restored ({engine})")
