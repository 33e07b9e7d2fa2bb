from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from scormlms.courses.services import course_import
from scormlms.scorm.errors import PackageError


class Command(BaseCommand):
    help = "Import a SCORM package: import PATH.zip [--course-id ID]; prints the course id."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--course-id", help="replace this course's content as a new version (or name it)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            with path.open("rb") as fh:
                result = course_import(source=fh, course_id=options["course_id"])
        except PackageError as error:
            raise CommandError(f"{path.name}: {error.message} [{error.code}]") from error
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(result.course.course_id)
