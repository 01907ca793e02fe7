"""The shape of Vmeste's sub-command commands (`vmeste user create …`, `vmeste line import …`):
one sub-parser a verb, one method a verb, and a service's refusal told the same way by all."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from vmeste.core.errors import ServiceError


class VerbCommand(BaseCommand):
    """`vmeste NAME VERB [ARGS]`. A subclass declares its verbs in `add_verbs` (the
    sub-parsers' action) and answers each with a method `_VERB(self, options)`; a dash in a
    verb becomes an underscore («export-subject» → `_export_subject`)."""

    def add_arguments(self, parser) -> None:
        self.add_verbs(parser.add_subparsers(dest="verb", required=True))

    def add_verbs(self, verbs) -> None:
        raise NotImplementedError

    def handle(self, *args, verb: str, **options: Any) -> None:
        try:
            getattr(self, "_" + verb.replace("-", "_"))(options)
        except ServiceError as exc:
            raise CommandError(refusal(exc)) from exc

    def write_out(self, text: str, path: str) -> None:
        """A document to the file named on the command line, or to the output for «-»."""
        if path == "-":
            self.stdout.write(text, ending="")
            return
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Не записать файл {path}: {exc}") from exc


def keywords(options: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """The options named, as the keyword arguments of the same names a service takes: a
    command whose options are its service's parameters passes them through by name."""
    return {name: options[name] for name in names}


def refusal(exc: ServiceError) -> str:
    """The reason, then one line a field's problem (what the API's 4xx body says, as text)."""
    details = [
        f"  {m}" if field == "__all__" else f"  {field}: {m}"
        for field, messages in exc.fields.items()
        for m in messages
    ]
    return "\n".join([exc.message, *details])


def read_text(path: str | Path) -> str:
    """A text file named on the command line, with or without a BOM."""
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"Не прочитать файл {path}: {exc}") from exc
