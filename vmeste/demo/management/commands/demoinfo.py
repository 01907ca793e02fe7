"""`vmeste demoinfo --url URL`: where the demo runs and how to log in with every role."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from vmeste.accounts.roles import Role
from vmeste.demo import cast


class Command(BaseCommand):
    help = "Показать адрес демо-стенда и логины демонстрационных пользователей всех ролей."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000")

    def handle(self, *args, **options) -> None:
        role_names = dict(Role.choices)
        rows = [("логин", "пароль", "роль", "зона работы")]
        rows += [
            (u.username, u.password, f"{u.role} ({role_names.get(u.role, u.role)})", u.scope)
            for u in cast.USERS
        ]
        widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
        self.stdout.write(f"Vmeste (демо): {options['url']}")
        self.stdout.write("Все данные вымышлены; телефоны — из резервного диапазона +7 900 000-…")
        for row in rows:
            cells = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))
