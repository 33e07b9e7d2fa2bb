from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from scormlms.accounts.services import user_create_or_update
from scormlms.courses.models import Course
from scormlms.courses.services import course_import, enrolment_create

DEMO_USERS = (
    ("learner", "learner-demo", False),
    ("staff", "staff-demo", True),
)


class Command(BaseCommand):
    help = "Migrate, load the sample courses, create demo accounts (printed) and serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="set up, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        course_ids = self._load_samples()
        for username, password, staff in DEMO_USERS:
            user_create_or_update(username=username, password=password, is_staff=staff)
        for course_id in course_ids:
            enrolment_create(username="learner", course_id=course_id)
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(f"scormlms demo at {url}")
        self.stdout.write("Demo accounts (created by `scormlms demo` only):")
        for username, password, staff in DEMO_USERS:
            role = "staff: uploads, enrolments, reports" if staff else "learner"
            self.stdout.write(f"  {username:8} password {password:13} ({role})")
        self.stdout.write(f"Data lives in {settings.DATA_DIR}")
        self.stdout.flush()
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=options["port"])

    def _load_samples(self) -> list[str]:
        build_script = Path(settings.PROJECT_DIR) / "examples" / "build.py"
        if not build_script.is_file():
            self.stderr.write(f"Sample sources not found at {build_script}; no courses loaded.")
            return []
        build_all = runpy.run_path(str(build_script))["build_all"]
        zips: dict[str, Path] = build_all(Path(settings.DATA_DIR) / "examples")
        for course_id, path in zips.items():
            if Course.objects.filter(course_id=course_id).exists():
                continue
            with path.open("rb") as fh:
                course_import(source=fh, course_id=course_id)
            self.stdout.write(f"Imported sample course {course_id}")
        return list(zips)
