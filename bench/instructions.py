"""Instructions per request, counted by callgrind: a figure that the machine's load cannot move.

    .venv/bin/python bench/instructions.py                     # commit, state, golf: this tree
    git worktree add /tmp/old d262f1d
    .venv/bin/python bench/instructions.py --src /tmp/old/src  # the same for another checkout

The Django app runs in one process and the requests go straight to its WSGI handler (no HTTP
server), on a throwaway PostgreSQL database reached over its Unix socket. For each kind the
script runs itself under ``valgrind --tool=callgrind`` twice, with 0 and with N requests after
the same set-up and warm-up, and reports (I(N) - I(0)) / N: the app's instructions per request,
client side. PostgreSQL's own work is not counted. Kinds:

* ``commit``: ``POST /api/scorm/result`` with the 13.7 KB body of ``commit_bench.py``;
* ``state``: ``GET /lms/enrolments/<id>/state``;
* ``healthz``: ``POST /healthz`` with the commit's body and no cookie (the no-op baseline of
  ``commit_bench.py``); ``healthz_session``: the same with the session cookie;
* ``golf``: a SCORM 1.2 session as in ``peers/peers.py`` — start, two commits and a finish, the
  first commit passing (it issues the certificate) — per session.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    Launch,
    cmi_tree_2004,
    parse_launch,
    pg_create,
    pg_drop,
    pg_socket_url,
    result_body_parts,
)

ROOT = Path(__file__).resolve().parent.parent
KINDS = {"commit": 200, "state": 400, "golf": 100, "healthz": 400, "healthz_session": 400}
WARMUP = 20
CSRF = "c" * 32  # a token both as cookie and header: Django accepts the pair


def child(kind: str, count: int) -> None:
    """Set up, warm up, then run ``count`` requests of ``kind`` (run under callgrind)."""
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "scormlms.settings"
    django.setup()
    import logging

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.utils.module_loading import import_string

    from scormlms.courses.models import Course, Enrolment, Item
    from scormlms.scorm.datamodel import KEY_FIELDS
    from scormlms.wsgi import application

    logging.disable(logging.CRITICAL)
    user = User.objects.create_user("learner", password="bench-password-1")
    for course_id, standard in (("c2004", "2004"), ("c12", "1.2")):
        course = Course.objects.create(
            course_id=course_id, title=course_id, standard=standard, content_key=f"{course_id}/v1"
        )
        Item.objects.create(
            course=course,
            position=0,
            item_id="sco1",
            title="SCO",
            launch_url="index.html",
            scorm_type="sco",
        )
        Enrolment.objects.create(learner=user, course=course)
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    cookie = f"sessionid={store.session_key}; csrftoken={CSRF}"

    def call(method: str, path: str, body: bytes = b"", cookies: bool = True) -> Any:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000",
            **({"HTTP_COOKIE": cookie, "HTTP_X_CSRFTOKEN": CSRF} if cookies else {}),
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        status: list[str] = []

        def start_response(line: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(line)

        answer = application(environ, start_response)
        data = b"".join(answer)
        getattr(answer, "close", lambda: None)()
        if not status[0].startswith("200"):
            raise SystemExit(f"{method} {path}: {status[0]} {data[:300]!r}")
        return json.loads(data)

    def start(course_id: str) -> tuple[dict[str, Any], Launch]:
        started = call("POST", "/lms/attempt/start", json.dumps({"courseId": course_id}).encode())
        return started, parse_launch(started, "learner", course_id)

    _, launch = start("c2004")
    head, tail = result_body_parts(launch, cmi_tree_2004("learner"))
    seq = [launch.seq]

    def commit() -> None:
        seq[0] += 1
        call("POST", "/api/scorm/result", head + str(seq[0]).encode() + tail)

    def state() -> None:
        call("GET", "/lms/enrolments/c2004/state")

    def golf() -> None:
        started, golf_launch = start("c12")
        values = dict.fromkeys(KEY_FIELDS["1.2"], "")
        tree = started["launch"]["cmi"]
        for number, reason in enumerate(("commit", "commit", "finish")):
            values |= {
                "cmi.core.lesson_status": "passed",
                "cmi.core.score.raw": "90",
                "cmi.core.lesson_location": str(number),
                "cmi.suspend_data": "x" * 4000,
                "cmi.core.session_time": "00:01:00",
                "cmi.core.exit": "suspend" if reason == "finish" else "",
            }
            body = {
                "learnerId": "learner",
                "courseId": "c12",
                "attemptId": golf_launch.attempt_id,
                "itemId": golf_launch.item_id,
                "token": golf_launch.token,
                "standard": "1.2",
                "reason": reason,
                "seq": golf_launch.seq + number + 1,
                "values": values,
                "cmi": tree,
                "log": {"initialize": number == 0, "setValueKeys": []},
            }
            call("POST", "/api/scorm/result", json.dumps(body).encode())

    def healthz() -> None:
        call("POST", "/healthz", head + str(launch.seq).encode() + tail, cookies=False)

    def healthz_session() -> None:
        call("POST", "/healthz", head + str(launch.seq).encode() + tail)

    run = {
        "commit": commit,
        "state": state,
        "golf": golf,
        "healthz": healthz,
        "healthz_session": healthz_session,
    }[kind]
    for _ in range(WARMUP + count):
        run()


def count_instructions(kind: str, count: int, src: Path | None) -> int:
    """Instructions of one child run, on its own fresh database and data dir."""
    url, name = pg_create("scormlms_instr")
    env = {
        **os.environ,
        "DATABASE_URL": pg_socket_url(url),
        "SCORMLMS_DATA_DIR": tempfile.mkdtemp(prefix="scormlms-instr-"),
    }
    if src:
        env["PYTHONPATH"] = str(src.resolve())
        # that checkout may have no node_modules of its own; the runtime's files are the same
        env["SCORMLMS_SCORM_AGAIN_DIST"] = str(ROOT / "node_modules" / "scorm-again" / "dist")
    try:
        subprocess.run(
            [sys.executable, "-m", "scormlms.cli", "migrate", "-v0"], env=env, check=True
        )
        return _callgrind(kind, count, env)
    finally:
        pg_drop(name)


def _callgrind(kind: str, count: int, env: dict[str, str]) -> int:
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--child",
            kind,
            str(count),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"callgrind run failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kinds", default=",".join(KINDS), help=",".join(KINDS))
    parser.add_argument("--src", type=Path, help="the src/ folder of another checkout")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    for kind in args.kinds.split(","):
        count = KINDS[kind]
        base = count_instructions(kind, 0, args.src)
        total = count_instructions(kind, count, args.src)
        per = "session" if kind == "golf" else "request"
        print(f"{kind}: {(total - base) / count / 1e6:.2f} M instructions per {per}", flush=True)


if __name__ == "__main__":
    main()
