from django.core.management.base import BaseCommand, CommandError

from vmeste.accounts import services
from vmeste.accounts.models import TOKEN_DAYS
from vmeste.core.errors import ServiceError


class Command(BaseCommand):
    help = (
        "API tokens: `vmeste token create USERNAME [--days N] [--region CODE]... [--line CODE]...`"
        " prints the token alone (shown once)."
    )

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True)
        create = verbs.add_parser("create")
        create.add_argument("username")
        create.add_argument("--name", default="cli")
        create.add_argument(
            "--days", type=int, default=TOKEN_DAYS, help=f"days until it expires ({TOKEN_DAYS})"
        )
        create.add_argument(
            "--region", action="append", default=[], help="narrow to a region of the owner's"
        )
        create.add_argument(
            "--line", action="append", default=[], help="narrow to a line of the owner's"
        )

    def handle(self, *args, verb: str, username: str, name: str, **options):
        try:
            raw = services.issue_token(
                username=username,
                name=name,
                days=options["days"],
                regions=options["region"],
                lines=options["line"],
            )
            self.stdout.write(raw)
        except ServiceError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
            raise CommandError(details or exc.message) from exc
