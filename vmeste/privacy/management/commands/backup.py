"""`vmeste backup FILE`: the whole database in one file (see vmeste.privacy.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vmeste.privacy.backup import BackupError, backup


class Command(BaseCommand):
    help = "Резервная копия базы данных в файл (SQLite — online backup, PostgreSQL — pg_dump)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")

    def handle(self, *, file: str, **options) -> None:
        try:
            engine = backup(Path(file))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{file}: {engine} backup")
