from vmeste.accounts import services
from vmeste.accounts.roles import Role
from vmeste.core.commands import VerbCommand

_CREATE_FIELDS = (
    "username",
    "role",
    "regions",
    "lines",
    "password",
    "centre",
    "first_name",
    "last_name",
)


class Command(VerbCommand):
    help = "Users: `vmeste user create USERNAME --role ROLE [--region CODE]... [--line CODE]...`"

    def add_verbs(self, verbs) -> None:
        create = verbs.add_parser("create", help="create a user with a role and a scope")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--region", action="append", default=[], dest="regions")
        create.add_argument("--line", action="append", default=[], dest="lines")
        create.add_argument("--centre")
        create.add_argument("--password")
        create.add_argument("--first-name", default="")
        create.add_argument("--last-name", default="")

    def _create(self, options) -> None:
        # The options are named as the service's parameters. The command line acts as the
        # server itself: no one's grant to check.
        user, password = services.create_user(
            actor=None, **{name: options[name] for name in _CREATE_FIELDS}
        )
        self.stdout.write(f"created {user.username} ({user.role})")
        if options["password"] is None:
            self.stdout.write(f"password: {password}")
