from django.core.management.base import BaseCommand, CommandError

from vmeste.accounts import services
from vmeste.accounts.roles import Role
from vmeste.core.errors import ServiceError


class Command(BaseCommand):
    help = "Users: `vmeste user create USERNAME --role ROLE [--region CODE]... [--line CODE]...`"

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True)
        create = verbs.add_parser("create", help="create a user with a role and a scope")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--region", action="append", default=[], dest="regions")
        create.add_argument("--line", action="append", default=[], dest="lines")
        create.add_argument("--centre")
        create.add_argument("--password")
        create.add_argument("--first-name", default="")
        create.add_argument("--last-name", default="")

    def handle(self, *args, verb: str, **options):
        try:
            # The command line acts as the server itself: no one's grant to check.
            user, password = services.create_user(
                actor=None,
                username=options["username"],
                role=options["role"],
                regions=options["regions"],
                lines=options["lines"],
                password=options["password"],
                centre=options["centre"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except ServiceError as exc:
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
            raise CommandError(details or exc.message) from exc
        self.stdout.write(f"created {user.username} ({user.role})")
        if options["password"] is None:
            self.stdout.write(f"password: {password}")
