"""`vmeste volunteers import FILE.csv [--centre CODE]`: load applications, all or nothing."""

from __future__ import annotations

from vmeste.core.commands import VerbCommand, read_text
from vmeste.volunteers import csv_import, services


class Command(VerbCommand):
    help = "Волонтёры: import CSV — загрузить заявки волонтёров (всё или ничего)."

    def add_verbs(self, verbs) -> None:
        load = verbs.add_parser("import", help="загрузить волонтёров из CSV")
        load.add_argument("path")
        load.add_argument(
            "--centre", help="код центра (если в файле нет столбца centre и центров несколько)"
        )

    def _import(self, options) -> None:
        text = read_text(options["path"])
        centre_code = options["centre"]
        centre = services.centre_by_code(centre_code) if centre_code else None
        created = csv_import.import_csv(centre=centre, text=text, actor=None)
        self.stdout.write(f"Загружено волонтёров: {len(created)}.")
