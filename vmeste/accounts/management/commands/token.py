from vmeste.accounts import services
from vmeste.accounts.models import TOKEN_DAYS
from vmeste.core.commands import VerbCommand


class Command(VerbCommand):
    help = (
        "API tokens: `vmeste token create USERNAME [--days N] [--region CODE]... [--line CODE]...`"
        " prints the token alone (shown once)."
    )

    def add_verbs(self, verbs) -> None:
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

    def _create(self, options) -> None:
        raw = services.issue_token(
            username=options["username"],
            name=options["name"],
            days=options["days"],
            regions=options["region"],
            lines=options["line"],
        )
        self.stdout.write(raw)
