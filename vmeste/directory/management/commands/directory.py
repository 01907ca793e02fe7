"""`vmeste directory import-hsds PATH`, `export-hsds PATH`, `demo`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vmeste.core.errors import ServiceError


class Command(BaseCommand):
    help = "Справочник организаций и мер поддержки: обмен HSDS 3.0 и демо-данные."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True)
        imp = verbs.add_parser("import-hsds", help="Загрузить HSDS 3.0 JSON (файл или папку).")
        imp.add_argument("paths", nargs="+", type=Path)
        exp = verbs.add_parser("export-hsds", help="Выгрузить справочник в HSDS 3.0 JSON.")
        exp.add_argument("path", type=Path)
        demo = verbs.add_parser("demo", help="Загрузить демо-справочник и демо-меры.")
        demo.add_argument("--organizations", type=int, default=160)
        demo.add_argument("--measures", type=int, default=64)

    def handle(self, *args, verb: str, **options):
        try:
            if verb == "import-hsds":
                self._import(options["paths"])
            elif verb == "export-hsds":
                self._export(options["path"])
            elif verb == "demo":
                self._demo(options["organizations"], options["measures"])
        except ServiceError as exc:
            lines = [exc.message] + [
                f"  {where}: {'; '.join(messages)}" for where, messages in exc.fields.items()
            ]
            raise CommandError("\n".join(lines)) from exc

    def _import(self, paths: list[Path]) -> None:
        from vmeste.directory.hsds.importing import import_paths

        report = import_paths(paths)
        counts = ", ".join(f"{table}: {n}" for table, n in sorted(report.counts.items()))
        self.stdout.write(f"Импорт HSDS: файлов {report.files}; {counts or 'записей нет'}.")
        for name in report.skipped:
            self.stdout.write(f"  пропущен {name}: описание API, записей нет.")

    def _export(self, path: Path) -> None:
        from vmeste.directory.hsds.exporting import export_path

        counts = export_path(path)
        summary = ", ".join(f"{table}: {n}" for table, n in counts.items())
        self.stdout.write(f"Выгрузка HSDS в {path}: {summary}.")

    def _demo(self, organizations: int, measures: int) -> None:
        from vmeste.directory.demo import load_demo

        summary = load_demo(organizations=organizations, measures=measures)
        self.stdout.write(
            "Демо-справочник загружен: "
            + ", ".join(f"{key}: {value}" for key, value in summary.items())
        )
