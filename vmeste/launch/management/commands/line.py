"""`vmeste line export|import|templates|create|checklist|open`: a line as data."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vmeste.core.errors import ServiceError
from vmeste.launch import services
from vmeste.launch.services import ImportRefused


class Command(BaseCommand):
    help = "Линии: выгрузка и загрузка конфигурации, шаблоны, создание, чек-лист запуска."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True)
        export = verbs.add_parser("export", help="выгрузить конфигурацию линии в YAML")
        export.add_argument("code")
        export.add_argument("path", help="файл (- — на экран)")
        load = verbs.add_parser("import", help="загрузить конфигурацию (всё или ничего)")
        load.add_argument("path")
        load.add_argument("--dry-run", action="store_true", help="только показать изменения")
        verbs.add_parser("templates", help="шаблоны линий: код и название")
        create = verbs.add_parser("create", help="создать линию из шаблона")
        create.add_argument("--from", dest="template", required=True)
        create.add_argument("--code", required=True)
        create.add_argument("--region", required=True)
        create.add_argument("--dry-run", action="store_true")
        checklist = verbs.add_parser("checklist", help="чек-лист запуска линии")
        checklist.add_argument("code")
        opening = verbs.add_parser("open", help="открыть линию (если чек-лист пройден)")
        opening.add_argument("code")

    def handle(self, *args, verb: str, **options):
        try:
            getattr(self, f"_{verb}")(**options)
        except ImportRefused as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(exc.message) from exc
        except ServiceError as exc:
            for where, messages in exc.fields.items():
                for message in messages:
                    self.stderr.write(f"{where}: {message}")
            raise CommandError(exc.message) from exc

    def _export(self, *, code: str, path: str, **_options) -> None:
        text = services.export_line(code=code)
        if path == "-":
            self.stdout.write(text, ending="")
        else:
            Path(path).write_text(text, encoding="utf-8")

    def _import(self, *, path: str, dry_run: bool, **_options) -> None:
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Не прочитать файл {path}: {exc}") from exc
        self._report(services.import_line(text=text, dry_run=dry_run))

    def _templates(self, **_options) -> None:
        for code, name in services.templates():
            self.stdout.write(f"{code}\t{name}")

    def _create(self, *, template: str, code: str, region: str, dry_run: bool, **_options):
        self._report(
            services.create_from_template(
                template=template, code=code, region=region, dry_run=dry_run
            )
        )

    def _checklist(self, *, code: str, **_options) -> None:
        from vmeste.launch import checklist

        for item in checklist.compute(line=services.line_for(code=code)):
            mark = "✓" if item.passed else "✗"
            self.stdout.write(f"{mark} {item.code}\t{item.title}: {item.detail}")

    def _open(self, *, code: str, **_options) -> None:
        from vmeste.launch import checklist

        checklist.open_line(code=code)
        self.stdout.write(f"Линия {code} открыта.")

    def _report(self, outcome: services.Outcome) -> None:
        for change in outcome.changes:
            self.stdout.write(change)
        if not outcome.changes:
            self.stdout.write("Изменений нет.")
        elif outcome.applied:
            self.stdout.write(f"Линия {outcome.line}: изменений {len(outcome.changes)}.")
        else:
            self.stdout.write(f"Проверка: изменений {len(outcome.changes)}, ничего не записано.")
