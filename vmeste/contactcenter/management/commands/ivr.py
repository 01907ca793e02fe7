"""`vmeste ivr import FILE.yaml` / `vmeste ivr export LINE FILE.yaml`: a line's voice menu
as a YAML document (the format: `contactcenter/ivrmenu.py`)."""

from __future__ import annotations

from django.core.management.base import CommandError

from vmeste.contactcenter import ivr
from vmeste.core.commands import VerbCommand, read_text
from vmeste.core.models import Line


class Command(VerbCommand):
    help = "Голосовое меню линии: импорт и выгрузка YAML (всё или ничего)."

    def add_verbs(self, verbs) -> None:
        load = verbs.add_parser("import", help="Заменить меню линии меню из файла.")
        load.add_argument("file")
        load.add_argument("--line", default=None, help="Код линии, если его нет в файле.")
        dump = verbs.add_parser("export", help="Выгрузить меню линии в файл («-» — в вывод).")
        dump.add_argument("line")
        dump.add_argument("file")

    def _import(self, options) -> None:
        document = ivr.parse_yaml(read_text(options["file"]))
        code = options["line"] or (document.get("line") if isinstance(document, dict) else None)
        line = Line.objects.filter(code=code or "").first()
        if line is None:
            raise CommandError(f"Нет линии «{code}» (укажите line: в файле или --line).")
        menu = ivr.import_menu(document, line=line)
        self.stdout.write(f"Меню линии {line.code}: узлов {menu.nodes.count()}.")

    def _export(self, options) -> None:
        line = Line.objects.filter(code=options["line"]).first()
        if line is None:
            raise CommandError(f"Нет линии «{options['line']}».")
        self.write_out(ivr.dump_yaml(ivr.export_menu(line)), options["file"])
