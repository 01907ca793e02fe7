"""`vmeste person export-subject ID FILE --by USERNAME`: a subject's copy to a file.

FILE ending in .html gets the printable page (print it to PDF from a browser), anything else
the JSON. The copy is produced with USERNAME's rights and scope and written to the audit log
as an export through the command line."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError
from django.template.loader import render_to_string

from vmeste.accounts.models import User
from vmeste.core.commands import VerbCommand
from vmeste.privacy import subject
from vmeste.privacy.readable import sections

CSS = Path(__file__).resolve().parents[2] / "static" / "privacy" / "subject_copy.css"


class Command(VerbCommand):
    help = "Действия с карточкой человека: export-subject — сведения для субъекта ПДн."

    def add_verbs(self, verbs) -> None:
        export = verbs.add_parser("export-subject", help="everything held about one person")
        export.add_argument("person_id", type=int)
        export.add_argument("file")
        export.add_argument("--by", required=True, help="the supervisor producing the copy")

    def _export_subject(self, options) -> None:
        by = options["by"]
        actor = User.objects.filter(username=by, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {by!r}")
        copy = subject.collect(person_id=options["person_id"], actor=actor, channel="cli")
        target = Path(options["file"])
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
