"""`vmeste line export|import|templates|create|checklist|open`: a line as data."""

from __future__ import annotations

from vmeste.core.commands import VerbCommand, read_text
from vmeste.launch import services


class Command(VerbCommand):
    help = "Линии: выгрузка и загрузка конфигурации, шаблоны, создание, чек-лист запуска."

    def add_verbs(self, verbs) -> None:
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
        test_call = verbs.add_parser("test-call", help="пробный звонок на линию")
        test_call.add_argument("code")

    def _export(self, options) -> None:
        self.write_out(services.export_line(code=options["code"]), options["path"])

    def _import(self, options) -> None:
        text = read_text(options["path"])
        self._report(services.import_line(text=text, dry_run=options["dry_run"]))

    def _templates(self, options) -> None:
        for code, name in services.templates():
            self.stdout.write(f"{code}\t{name}")

    def _create(self, options) -> None:
        fields = ("template", "code", "region", "dry_run")
        self._report(services.create_from_template(**{name: options[name] for name in fields}))

    def _checklist(self, options) -> None:
        from vmeste.launch import checklist

        for item in checklist.compute(line=services.line_for(code=options["code"])):
            mark = "✓" if item.passed else "✗"
            self.stdout.write(f"{mark} {item.code}\t{item.title}: {item.detail}")

    def _open(self, options) -> None:
        from vmeste.launch import checklist

        checklist.open_line(code=options["code"])
        self.stdout.write(f"Линия {options['code']} открыта.")

    def _test_call(self, options) -> None:
        from vmeste.launch import testcall

        call_id, agent = testcall.place(code=options["code"])
        self.stdout.write(f"Пробный звонок {call_id} → {agent}.")

    def _report(self, outcome: services.Outcome) -> None:
        for change in outcome.changes:
            self.stdout.write(change)
        if not outcome.changes:
            self.stdout.write("Изменений нет.")
        elif outcome.applied:
            self.stdout.write(f"Линия {outcome.line}: изменений {len(outcome.changes)}.")
        else:
            self.stdout.write(f"Проверка: изменений {len(outcome.changes)}, ничего не записано.")
