"""Staff pages with 10,000 attempts: server time and query count of each page render.

    .venv/bin/python bench/staff_table_bench.py                 # SQLite and PostgreSQL
    .venv/bin/python bench/staff_table_bench.py --backend sqlite --attempts 10000 --repeat 25

Each backend runs in its own process (Django reads its settings once) with a throwaway data dir
and, on PostgreSQL, a throwaway database (``BENCH_PG_URL``, default
``postgresql://postgres@127.0.0.1:5432/postgres``) that is dropped afterwards. Rows are written
with ``bulk_create``: learners × courses enrolments, one attempt each (mixed statuses, scores,
progress), a SCO attempt with a small CMI tree and four events per attempt, certificates for the
passed ones. A logged-in staff client then requests each page; the time is measured around the
in-process request (URL resolution, middleware, selectors, SQL, template rendering: the whole
server side, without a socket), median of ``--repeat`` runs after two warm-ups. The query count
is taken on a separate run. The CPU column is this process's CPU time per request (Python, and
SQLite's own work; PostgreSQL's runs in its server process and is not in it): on a shared,
loaded machine it is steadier than the wall-clock figures. No assertions: figures only
(docs/BENCHMARKS.md, "Staff attempts table").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
COURSES = 4


def _pg_create() -> tuple[str, str]:
    import psycopg

    name = f"scormlms_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}", name


def _pg_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ------------------------------------------------------------------------------ child process


def _manifest() -> dict[str, Any]:
    """About 20 KB of parsed manifest, the size of golf's 18-SCO RuntimeMinimumCalls_SCORM12."""
    items = [
        {
            "identifier": f"item_{i}",
            "title": f"Lesson {i}: playing the course, etiquette and scoring",
            "identifierref": f"resource_{i}",
            "href": f"shared/launchpage.html?content=lesson{i}",
            "scormType": "sco",
            "isVisible": True,
            "masteryScore": None,
            "dataFromLms": "",
            "files": [f"lesson{i}/page{p}.html" for p in range(30)],
        }
        for i in range(18)
    ]
    return {"standard": "1.2", "title": "Golf Explained", "organization": {"items": items}}


def _fill(attempts: int) -> dict[str, Any]:
    """Write ``attempts`` enrolments, each with one attempt, in bulk. Returns ids to request."""
    from django.contrib.auth import get_user_model

    from scormlms.courses.models import Course, Enrolment, Item
    from scormlms.tracking.models import Attempt, AttemptEvent, Certificate, ScoAttempt

    rng = random.Random(6)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    courses = Course.objects.bulk_create(
        Course(
            course_id=f"course-{c}",
            title=f"Course number {c}",
            standard="1.2",
            content_key=f"course-{c}/v1",
            manifest=_manifest(),
        )
        for c in range(COURSES)
    )
    Item.objects.bulk_create(
        Item(course=c, item_id="sco1", title="Lesson", position=0, launch_url="index.html")
        for c in courses
    )
    User = get_user_model()  # noqa: N806
    learners = User.objects.bulk_create(
        User(username=f"learner{i:05}", password="!") for i in range(attempts // COURSES)
    )
    rows: list[Attempt] = []
    for learner in learners:
        for course in courses:
            kind = rng.random()
            launched = now - timedelta(minutes=rng.randrange(500_000))
            score = rng.uniform(0, 100) if kind > 0.4 else None
            done = kind > 0.5
            rows.append(
                Attempt(
                    learner=learner,
                    course=course,
                    status="Completed" if done else "In Progress",
                    launched_at=launched,
                    last_commit_at=launched + timedelta(minutes=rng.randrange(1, 300)),
                    terminated_at=launched + timedelta(hours=5) if done else None,
                    completed=done,
                    closed=done,
                    passed=done and score is not None and score >= 60,
                    pass_state=("passed" if score >= 60 else "failed")
                    if done and score
                    else "unknown",
                    progress_percent=100 if done else rng.randrange(0, 100),
                    score_percent=score,
                    commit_count=rng.randrange(1, 20),
                )
            )
    Attempt.objects.bulk_create(rows, batch_size=2000)
    Enrolment.objects.bulk_create(
        (Enrolment(learner=a.learner, course=a.course, current_attempt=a) for a in rows),
        batch_size=2000,
    )
    cmi = {
        "core": {"lesson_status": "incomplete", "lesson_location": "4"},
        "suspend_data": "x" * 400,
        "interactions": {
            "childArray": [
                {"id": f"q{i}", "type": "choice", "student_response": "a", "result": "correct"}
                for i in range(5)
            ]
        },
    }
    ScoAttempt.objects.bulk_create(
        (
            ScoAttempt(
                attempt=a,
                item_id="sco1",
                standard="1.2",
                lesson_status="passed" if a.passed else "incomplete",
                location="4",
                cmi=cmi,
                first_launched_at=a.launched_at,
                last_commit_at=a.last_commit_at,
                progress_percent=a.progress_percent,
                score_percent=a.score_percent,
            )
            for a in rows
        ),
        batch_size=2000,
    )
    AttemptEvent.objects.bulk_create(
        (
            AttemptEvent(
                attempt=a, item_id="sco1", kind=kind, data={"seq": n}, created_at=a.launched_at
            )
            for a in rows
            for n, kind in enumerate(("start", "initialize", "setvalue_keys", "commit"))
        ),
        batch_size=5000,
    )
    Certificate.objects.bulk_create(
        (
            Certificate(
                attempt=a,
                code=f"C{n:011}",
                learner_name=a.learner.username,
                course_title=a.course.title,
                score_percent=a.score_percent,
                issued_at=now,
                file="",
            )
            for n, a in enumerate(r for r in rows if r.passed)
        ),
        batch_size=2000,
    )
    return {"attempt": str(rows[len(rows) // 2].id), "course": courses[1].course_id}


def _measure(client: Any, url: str, repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        assert client.get(url).status_code == 200, url
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return {
        "url": url,
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(statistics.quantiles(times, n=10, method="inclusive")[-1], 1),
        "max_ms": round(max(times), 1),
        "cpu_ms": round(statistics.median(cpu), 1),
        "queries": len(ctx.captured_queries),
        "bytes": len(response.content),
    }


def child(backend: str, attempts: int, repeat: int) -> dict[str, Any]:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "scormlms.settings"
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from scormlms.accounts.services import user_create_or_update
    from scormlms.dashboard.selectors import PAGE_SIZE

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    ids = _fill(attempts)
    fill_s = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Fresh statistics and visibility maps now, not an autovacuum during the timing.
            cursor.execute("VACUUM ANALYZE")
    staff = user_create_or_update(username="bench-staff", password="bench-pass-1", is_staff=True)
    client = Client(HTTP_HOST="127.0.0.1")  # an ALLOWED_HOSTS name, as the real server sees
    client.force_login(staff)  # type: ignore[arg-type]  # the stubs want User, not AbstractUser
    page_count = -(-attempts // PAGE_SIZE)
    deep = page_count * 3 // 4
    pages = [
        ("table, default order (last activity)", "/staff/attempts/"),
        ("table, sorted by learner", "/staff/attempts/?ordering=learner"),
        (
            "table, course + status filter",
            f"/staff/attempts/?course={ids['course']}&status=Completed",
        ),
        ("table, search q=learner0042", "/staff/attempts/?q=learner0042"),
        (f"table, page {deep} of {page_count}", f"/staff/attempts/?page={deep}"),
        ("one attempt", f"/staff/attempts/{ids['attempt']}/"),
        (
            f"course report ({attempts // COURSES} learners)",
            f"/staff/courses/{ids['course']}/report/",
        ),
    ]
    results = []
    for label, url in pages:
        results.append({"page": label, **_measure(client, url, repeat)})
    return {
        "backend": backend,
        "vendor": connection.vendor,
        "attempts": attempts,
        "fill_s": round(fill_s, 1),
        "results": results,
    }


# ----------------------------------------------------------------------------- parent process


def run_backend(backend: str, attempts: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="scormlms-bench-") as data_dir:
        env = {**os.environ, "SCORMLMS_DATA_DIR": data_dir, "LOG_LEVEL": "WARNING"}
        env.pop("DATABASE_URL", None)
        pg_name = None
        if backend == "postgres":
            env["DATABASE_URL"], pg_name = _pg_create()
        try:
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    backend,
                    "--attempts",
                    str(attempts),
                    "--repeat",
                    str(repeat),
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=1800,
                cwd=REPO,
            )
        finally:
            if pg_name:
                _pg_drop(pg_name)
    if done.returncode != 0:
        raise SystemExit(f"{backend} run failed:\n{done.stdout}\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def machine() -> str:
    with open("/proc/cpuinfo") as fh:
        model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    with open("/proc/loadavg") as fh:
        load = " ".join(fh.read().split()[:3])
    return f"{os.cpu_count()} × {model}, Python {platform.python_version()}, load average {load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.attempts, args.repeat)))
        return
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    print(f"Machine: {machine()}")
    for backend in backends:
        report = run_backend(backend, args.attempts, args.repeat)
        print(
            f"\n{backend}: {report['attempts']} attempts written in {report['fill_s']} s;"
            f" median of {args.repeat} requests"
        )
        print("| page | median ms | p90 ms | max ms | CPU ms (this process) | queries |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for r in report["results"]:
            cells = [r["page"], r["median_ms"], r["p90_ms"], r["max_ms"], r["cpu_ms"], r["queries"]]
            print("| " + " | ".join(map(str, cells)) + " |")


if __name__ == "__main__":
    main()
