"""`vmeste volunteers import FILE.csv [--centre CODE]`: load applications, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vmeste.core.errors import ServiceError
from vmeste.volunteers import csv_import, services


class Command(BaseCommand):
    help = "Волонтёры: import CSV — загрузить заявки волонтёров (всё или ничего)."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True)
        load = verbs.add_parser("import", help="загрузить волонтёров из CSV")
        load.add_argument("path")
        load.add_argument(
            "--centre", help="код центра (если в файле нет столбца centre и центров несколько)"
        )

    def handle(self, *args, verb: str, **options):
        if verb == "import":
            self._import(Path(options["path"]), options["centre"])

    def _import(self, path: Path, centre_code: str | None) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Не прочитать файл {path}: {exc}") from exc
        try:
            centre = services.centre_by_code(centre_code) if centre_code else None
            created = csv_import.import_csv(centre=centre, text=text, actor=None)
        except ServiceError as exc:
            for where, messages in exc.fields.items():
                for message in messages:
                    self.stderr.write(f"{where}: {message}")
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Загружено волонтёров: {len(created)}.")
