from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from scormlms.accounts.services import user_create_or_update


class Command(BaseCommand):
    help = (
        "Create a user (or reset an existing user's password): adduser NAME --password P [--staff]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument(
            "--staff", action="store_true", help="may upload, enrol and see reports"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = user_create_or_update(
            username=options["username"], password=options["password"], is_staff=options["staff"]
        )
        role = "staff" if user.is_staff else "learner"
        self.stdout.write(f"{user.username} ({role})")
