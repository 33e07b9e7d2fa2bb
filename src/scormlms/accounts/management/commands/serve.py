from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def gunicorn_argv(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    """The production server: gunicorn, threaded workers, static files through WhiteNoise."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "scormlms.wsgi:application",
        f"--bind={host}:{port}",
        f"--workers={workers}",
        "--worker-class=gthread",
        f"--threads={threads}",
        "--timeout=60",
        "--graceful-timeout=10",
        "--keep-alive=5",
        "--error-logfile=-",
    ]


class Command(BaseCommand):
    help = "Run the production server (gunicorn + WhiteNoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("SCORMLMS_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="skip collecting static files"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = gunicorn_argv(
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            threads=options["threads"],
        )
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/")
        self.stdout.flush()
        os.execv(argv[0], argv)
