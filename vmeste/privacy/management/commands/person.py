"""`vmeste person export-subject ID FILE --by USERNAME`: a subject's copy to a file.

FILE ending in .html gets the printable page (print it to PDF from a browser), anything else
the JSON. The copy is produced with USERNAME's rights and scope and written to the audit log
as an export through the command line."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string

from vmeste.accounts.models import User
from vmeste.core.errors import ServiceError
from vmeste.privacy import subject
from vmeste.privacy.readable import sections

CSS = Path(__file__).resolve().parents[2] / "static" / "privacy" / "subject_copy.css"


class Command(BaseCommand):
    help = "Действия с карточкой человека: export-subject — сведения для субъекта ПДн."

    def add_arguments(self, parser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export-subject", help="everything held about one person")
        export.add_argument("person_id", type=int)
        export.add_argument("file")
        export.add_argument("--by", required=True, help="the supervisor producing the copy")

    def handle(self, *, action: str, person_id: int, file: str, by: str, **options) -> None:
        actor = User.objects.filter(username=by, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {by!r}")
        try:
            copy = subject.collect(person_id=person_id, actor=actor, channel="cli")
        except ServiceError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        target = Path(file)
        if target.suffix.lower() in (".html", ".htm"):
            text = render_to_string(
                "privacy/subject_copy_file.html",
                {
                    "copy": copy,
                    "sections": sections(copy),
                    "css": CSS.read_text(),
                    "standalone": True,
                },
            )
        else:
            text = json.dumps(copy, ensure_ascii=False, indent=2)
        target.write_text(text, encoding="utf-8")
        self.stdout.write(f"{target}: {len(text)} bytes")
