"""``scormlms serve``: the production server, static files through WhiteNoise.

granian is the default: it parses HTTP and moves request and response bytes in Rust, and only
the WSGI call itself runs in Python, on ``--threads`` threads in each of ``--workers``
processes. Measured side by side on the same 2 cores (docs/BENCHMARKS.md, "Commit throughput",
session 5) it needs 11 % less CPU per commit than gunicorn's gthread workers, 22 % less per state
read and 46 % less per no-op request. Like gunicorn it streams large files both ways: a 400 MB
upload raised the server's RSS by 2 MB, a 400 MB download by 1 MB (bench/bigfile_bench.py).
``--server gunicorn`` keeps gunicorn.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


def gunicorn_argv(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    """gunicorn, threaded (gthread) workers."""
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


def granian_argv(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    """granian, its WSGI interface on ``threads`` blocking threads per worker process; HTTP/1.1
    only (keep-alive on, as gunicorn's ``--keep-alive``), no websockets (WSGI has none)."""
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface=wsgi",
        f"--host={host}",
        f"--port={port}",
        f"--workers={workers}",
        f"--blocking-threads={threads}",
        "--http=1",
        "--no-ws",
        # gunicorn's master replaces a worker that dies (an OOM kill, a crash in C code);
        # granian does so only when asked.
        "--respawn-failed-workers",
        "--respawn-interval=1",
        # as gunicorn's --graceful-timeout: a worker still busy 10 s after SIGTERM is killed
        "--workers-kill-timeout=10",
        "scormlms.wsgi:application",
    ]


SERVERS = {"gunicorn": gunicorn_argv, "granian": granian_argv}


class Command(BaseCommand):
    help = "Run the production server (granian or gunicorn, static files through WhiteNoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("SCORMLMS_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument(
            "--server",
            choices=sorted(SERVERS),
            default=os.environ.get("SCORMLMS_SERVER", "granian"),
            help="granian (default) or gunicorn; the environment's SCORMLMS_SERVER sets it too",
        )
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="skip collecting static files"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["server"] not in SERVERS:  # argparse does not check a default's choice
            raise CommandError(
                f"SCORMLMS_SERVER must be one of {', '.join(sorted(SERVERS))}, "
                f"not {options['server']!r}"
            )
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = SERVERS[options["server"]](
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            threads=options["threads"],
        )
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/")
        self.stdout.flush()
        os.execv(argv[0], argv)
