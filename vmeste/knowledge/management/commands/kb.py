"""`vmeste kb import PATH | export PATH | search "QUERY" [--line CODE] [--limit N] [--json]
| evaluate [--labelled]`."""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from vmeste.core.commands import VerbCommand
from vmeste.knowledge import importing, services

# Options of `kb search` (and Django's own) that take a value; any other token that starts
# with "-" is the query itself («-», «--», «-дети»), which argparse would refuse as an option.
_VALUED = {"--line", "--limit", "--settings", "--pythonpath", "-v", "--verbosity"}
_FLAGS = {"--json", "-h", "--help", "--traceback", "--no-color", "--force-color", "--skip-checks"}


def _query_as_operand(argv: list[str]) -> list[str]:
    """`vmeste kb search "-x" --json` → `vmeste kb search --json -- "-x"`."""
    if len(argv) < 4 or argv[2] != "search":
        return argv
    options, operands, rest = [], [], iter(argv[3:])
    for token in rest:
        name = token.split("=", 1)[0]
        if name in _VALUED:
            options.append(token)
            if "=" not in token:
                options.append(next(rest, ""))
        elif name in _FLAGS:
            options.append(token)
        else:
            operands.append(token)
    if len(operands) > 1 and "--" in operands:  # an explicit separator, not the query
        operands.remove("--")
    return [*argv[:3], *options, "--", *operands]


class Command(VerbCommand):
    help = "База знаний: импорт и выгрузка папки статей Markdown, поиск."

    def add_verbs(self, verbs) -> None:
        load = verbs.add_parser("import", help="Импортировать папку .md (по id, всё или ничего).")
        load.add_argument("path")
        load.add_argument("--json", action="store_true", help="Отчёт в JSON.")
        dump = verbs.add_parser("export", help="Выгрузить все статьи в папку .md.")
        dump.add_argument("path")
        find = verbs.add_parser("search", help="Найти статьи.")
        find.add_argument("query")
        find.add_argument("--line", default=None, help="Код линии.")
        find.add_argument("--limit", type=int, default=10)
        find.add_argument("--json", action="store_true", help="Список JSON, лучшие первыми.")
        grade = verbs.add_parser(
            "evaluate",
            help="recall@3 и MRR поиска по запросам операторов, отмеченным «ответ помог».",
        )
        grade.add_argument(
            "--labelled",
            action="store_true",
            help="По размеченному набору запросов и демо-статьям (без базы данных): "
            "лексический поиск и, если слой смысла включён, слияние с ним.",
        )

    def run_from_argv(self, argv: list[str]) -> None:
        super().run_from_argv(_query_as_operand(argv))

    def _import(self, options: dict) -> None:
        try:
            report = importing.import_folder(path=options["path"])
        except importing.ImportFailed as exc:
            raise CommandError("импорт отменён, ничего не записано:\n" + str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(
            f"создано: {len(report.created)}, обновлено: {len(report.updated)}, "
            f"без изменений: {len(report.skipped)}"
        )
        for label, slugs in (("создано", report.created), ("обновлено", report.updated)):
            for slug in slugs:
                self.stdout.write(f"  {label}: {slug}")

    def _export(self, options: dict) -> None:
        names = importing.export_folder(path=options["path"])
        self.stdout.write(f"выгружено статей: {len(names)} → {options['path']}")

    def _evaluate(self, options: dict) -> None:
        from vmeste.knowledge.evaluation import compare, evaluate
        from vmeste.knowledge.search import meaning
        from vmeste.knowledge.semantic import meaning_index
        from vmeste.knowledge.stats import recorded_queries

        if options["labelled"]:
            self.stdout.write(json.dumps(compare(), ensure_ascii=False, indent=2))
            return
        queries = recorded_queries()
        index = services.current_index()
        figures = evaluate(index, queries)
        figures["meaning_layer"] = meaning.status()
        semantic = meaning_index(index, wait=True)
        if semantic is not None:  # the same queries, the meaning layer fused in
            figures["fused"] = evaluate(index, queries, semantic=semantic)
        self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))

    def _search(self, options: dict) -> None:
        from vmeste.knowledge.semantic import meaning_index

        # A one-off process: wait for the meaning index (when the layer is on) rather than
        # answer lexically and exit while it is being built.
        meaning_index(services.current_index(), wait=True)
        hits = services.search(
            query=options["query"], line=options["line"], limit=max(options["limit"], 0)
        )
        if options["json"]:
            items = [
                {
                    "id": h.id,
                    "title": h.title,
                    "score": h.score,
                    "lines": list(h.lines),
                    "tags": list(h.tags),
                    "snippet": h.snippet,
                }
                for h in hits
            ]
            self.stdout.write(json.dumps(items, ensure_ascii=False))
            return
        for number, hit in enumerate(hits, 1):
            self.stdout.write(f"{number}. [{hit.id}] {hit.title}  ({hit.score})")
