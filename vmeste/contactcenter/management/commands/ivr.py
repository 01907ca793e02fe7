"""`vmeste ivr import FILE.yaml` / `vmeste ivr export LINE FILE.yaml`: a line's voice menu
as a YAML document (the format: `contactcenter/ivrmenu.py`)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from vmeste.contactcenter import ivr
from vmeste.core.errors import ServiceError
from vmeste.core.models import Line


class Command(BaseCommand):
    help = "Голосовое меню линии: импорт и выгрузка YAML (всё или ничего)."

    def add_arguments(self, parser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        load = verbs.add_parser("import", help="Заменить меню линии меню из файла.")
        load.add_argument("file")
        load.add_argument("--line", default=None, help="Код линии, если его нет в файле.")
        dump = verbs.add_parser("export", help="Выгрузить меню линии в файл («-» — в вывод).")
        dump.add_argument("line")
        dump.add_argument("file")

    def handle(self, *args, **options) -> None:
        try:
            if options["verb"] == "import":
                self._import(options["file"], options["line"])
            else:
                self._export(options["line"], options["file"])
        except ServiceError as exc:
            details = [f"  {path}: {m}" for path, ms in exc.fields.items() for m in ms]
            raise CommandError("\n".join([exc.message, *details])) from exc
        except OSError as exc:
            raise CommandError(str(exc)) from exc

    def _import(self, file: str, line_code: str | None) -> None:
        document = ivr.parse_yaml(Path(file).read_text(encoding="utf-8"))
        code = line_code or (document.get("line") if isinstance(document, dict) else None)
        line = Line.objects.filter(code=code or "").first()
        if line is None:
            raise CommandError(f"Нет линии «{code}» (укажите line: в файле или --line).")
        menu = ivr.import_menu(document, line=line)
        self.stdout.write(f"Меню линии {line.code}: узлов {menu.nodes.count()}.")

    def _export(self, line_code: str, file: str) -> None:
        line = Line.objects.filter(code=line_code).first()
        if line is None:
            raise CommandError(f"Нет линии «{line_code}».")
        text = ivr.dump_yaml(ivr.export_menu(line))
        if file == "-":
            self.stdout.write(text, ending="")
        else:
            Path(file).write_text(text, encoding="utf-8")
