from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scormlms.courses.services import enrolment_create


class Command(BaseCommand):
    help = "Enrol a learner in a course: enrol NAME COURSE_ID"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("course_id")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            _, created = enrolment_create(
                username=options["username"], course_id=options["course_id"]
            )
        except LookupError as error:
            raise CommandError(str(error)) from error
        state = "enrolled" if created else "already enrolled"
        self.stdout.write(f"{options['username']} {state} in {options['course_id']}")
