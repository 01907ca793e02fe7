"""`vmeste loaddemo [--if-empty] [--seed S]`: the demo centres, staff and a month of work."""

from __future__ import annotations

import time
from datetime import datetime

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from vmeste.core.commands import keywords
from vmeste.demo import launching, voicemenu
from vmeste.demo.services import demo_loaded, load_demo
from vmeste.knowledge.evaluation import DEMO_CORPUS
from vmeste.knowledge.importing import import_folder


class Command(BaseCommand):
    help = "Загрузить демонстрационные данные: центры, пользователи всех ролей, месяц работы."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Ничего не делать, если демонстрационные данные уже загружены.",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Зерно генератора.")
        parser.add_argument("--persons", type=int, default=2000)
        parser.add_argument("--contacts", type=int, default=10_000)
        parser.add_argument("--requests", type=int, default=1500)
        parser.add_argument(
            "--now",
            type=datetime.fromisoformat,
            default=None,
            help="Момент загрузки (ISO 8601, с часовым поясом); по умолчанию — сейчас.",
        )

    def handle(self, *args, **options) -> None:
        if demo_loaded():
            if options["if_empty"]:
                self.stdout.write("Демонстрационные данные уже загружены — пропускаю.")
                return
            raise CommandError(
                "Демонстрационные данные уже загружены (используйте --if-empty, чтобы пропустить)."
            )
        started = time.perf_counter()
        counts = load_demo(**keywords(options, "seed", "persons", "contacts", "requests", "now"))
        summary = ", ".join(f"{name}: {count}" for name, count in counts.items())
        # The other domains' demo content: the directory with its measures, and the knowledge
        # base's 40 articles. Both loaders are idempotent.
        call_command("directory", "demo", stdout=self.stdout)
        report = import_folder(path=DEMO_CORPUS)
        self.stdout.write(
            f"База знаний: статей создано {len(report.created)}, обновлено {len(report.updated)},"
            f" без изменений {len(report.skipped)}."
        )
        launching.show_articles()
        voicemenu.create()  # it names a knowledge-base article: after the articles
        self.stdout.write("Голосовые меню: «Мы вместе» (десять веток), Москва и Волгоград.")
        seconds = time.perf_counter() - started
        self.stdout.write(f"Демонстрационные данные загружены за {seconds:.1f} с ({summary}).")
