from django.core.management.base import BaseCommand, CommandError

from vmeste.accounts import services
from vmeste.core.errors import ServiceError


class Command(BaseCommand):
    help = "API tokens: `vmeste token create USERNAME` prints the token alone (shown once)."

    def add_arguments(self, parser):
        verbs = parser.add_subparsers(dest="verb", required=True)
        create = verbs.add_parser("create")
        create.add_argument("username")
        create.add_argument("--name", default="cli")

    def handle(self, *args, verb: str, username: str, name: str, **options):
        try:
            self.stdout.write(services.issue_token(username=username, name=name))
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
