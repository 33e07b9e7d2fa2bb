"""Peer comparison (issue 7): the same learner session against scormlms and two peers.

    .venv/bin/python bench/peers/peers.py                    # 3 rounds x 20 s per system
    .venv/bin/python bench/peers/peers.py --rounds 5 --seconds 30 --learners 8

The session is ``shared/bench/golf12-session.json`` (31 SCORM 1.2 API calls of the golf
RuntimeBasicCalls SCO plus two Commits and a 4 KB suspend_data), translated into the HTTP
requests each system's own browser code sends for those calls:

* scormlms (its player: scorm-again + runtime.js): ``POST /lms/attempt/start``, then one
  ``POST /api/scorm/result`` per LMSCommit and one per LMSFinish — key fields, the whole cmi
  tree, the Initialize/SetValue log — everything else stays in the browser. PostgreSQL and
  SQLite, ``scormlms serve`` (granian) with 2 workers x 4 threads.
* scormhost 0.1.0 (FastAPI; static/scorm12-api.js): ``GET /api/scorm/<pkg>/cmi`` at launch,
  then ``PUT`` of the whole element dict per LMSCommit and per LMSFinish (which sets
  ``cmi.core.exit = suspend`` first). Logged-in learners (JWT cookie); its own storage (users
  in SQLite, runtime data as JSON files). uvicorn with 2 worker processes (uvloop, httptools).
* wagtail-lms 0.11.1 (Wagtail 8; templates/wagtail_lms/scorm_player.html): one synchronous or
  asynchronous ``POST /lms/scorm-api/<attempt>/`` per API call — Initialize, GetValue,
  SetValue, Commit, GetLastError. Its API object has no ``LMSFinish`` (only ``LMSTerminate``),
  so the golf SCO's LMSFinish sends nothing; the page's ``beforeunload`` handler then sends
  Commit and Terminate. A minimal Wagtail site (wagtail_site/) on PostgreSQL, gunicorn with 2
  workers x 4 threads (the worker and thread counts of scormlms; gunicorn, as in earlier runs).

The peers are installed from PyPI into throwaway virtualenvs under the temp dir
(requirements-*.txt pin what was measured); nothing of theirs is kept in this repository.
Learners log in once (set-up); the launch page's HTML is not part of a session for anyone.

``--scormlms-rev REV`` (repeatable) adds scormlms at another git revision to the rotation, on
PostgreSQL like ``scormlms-postgres`` (system ``scormlms-postgres@REV``, which ``--systems``
takes too): a ``git worktree`` of REV in the temp dir, run with this checkout's virtualenv and
``PYTHONPATH`` at the worktree's ``src/`` (nothing is installed), so an earlier revision is
measured side by side with the current one in the same run (``--systems scormlms-postgres
--scormlms-rev b00f689``). For every scormlms the report also counts the certificates issued
per session: the golf session passes (lesson_status ``passed``, score 80), so a session that
starts a new attempt issues one. Since 612a993 launching a finished attempt reviews it instead,
so a learner's sessions after the first issue none; ``--fresh-learners N`` gives every
scormlms session a learner who has never started the course (N per load thread and round,
logged in by session rows the set-up writes), the same requests on every revision.

Each round runs every system in turn (A B C D, A B C D, …) for ``--seconds`` with
``--learners`` concurrent learners running sessions back to back (a session in flight when
the time is up is finished, and counted). Server CPU per session is utime+stime from /proc of
the server's process tree plus, on PostgreSQL, the backends of its database. Then each system
is sent invalid SCORM values (``--probes``), and what it answers and stores is recorded.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from common import (  # noqa: E402
    REPO,
    Browser,
    PgBackends,
    Scormlms,
    Server,
    Tally,
    fmt,
    free_port,
    json_flag,
    loadavg,
    machine,
    parallel,
    pg_create,
    pg_drop,
    run_processes,
    sampling,
    scormlms_login,
    split,
    stop_process,
    summary,
    timed_request,
)

SESSION_FILE = Path(
    os.environ.get("BENCH_SESSION", REPO.parent / "shared" / "bench" / "golf12-session.json")
)
PASSWORD = "peer-password-1"
COURSE = "golf12"
VENVS = Path(tempfile.gettempdir()) / "scormlms-bench-peers"
KEY_FIELDS_12 = [
    "cmi.core.lesson_status",
    "cmi.core.score.raw",
    "cmi.core.score.min",
    "cmi.core.score.max",
    "cmi.core.lesson_location",
    "cmi.suspend_data",
    "cmi.core.exit",
    "cmi.core.session_time",
]
# Invalid SCORM 1.2 values (RTE 3.4): element, value, the rule it breaks.
PROBES = [
    ("cmi.core.lesson_status", "done", "CMIVocabulary (Status)"),
    ("cmi.core.score.raw", "abc", "CMIDecimal"),
    ("cmi.core.score.raw", "150", "0–100 (normalized)"),
    ("cmi.suspend_data", "x" * 70000, "CMIString4096 (scormlms allows 64000)"),
    ("cmi.core.session_time", "10 minutes", "CMITimespan HHHH:MM:SS.SS"),
    ("cmi.core.lesson_location", "p" * 300, "CMIString255"),
    ("cmi.core.exit", "done", "CMIVocabulary (Exit)"),
]


def js_string(value: Any) -> str:
    """What ``String(value)`` gives in the browser for the values golf passes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ------------------------------------------------------------------------ the package


MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="bench.golf12" version="1.0"
          xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG">
    <organization identifier="ORG">
      <title>Golf Explained - Run-time Basic Calls</title>
      <item identifier="ITEM" identifierref="RES"><title>Golf Explained</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""


def build_package(folder: Path) -> Path:
    """A one-SCO SCORM 1.2 package standing in for golf (only the manifest matters here)."""
    path = folder / "golf12.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("imsmanifest.xml", MANIFEST)
        zf.writestr("index.html", "<!doctype html><title>Golf</title><p>Golf</p>\n")
    return path


def ensure_venv(name: str, requirements: Path) -> Path:
    venv = VENVS / f"{name}-venv"
    stamp = venv / ".installed"
    if not stamp.exists() or stamp.read_text() != requirements.read_text():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "-r", str(requirements)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        stamp.write_text(requirements.read_text())
    return venv


# --------------------------------------------------------------------------- timing


# ------------------------------------------------------------------------- scormlms


def set_path(tree: dict[str, Any], element: str, value: str) -> None:
    parts = element.split(".")[1:]
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def get_path(tree: dict[str, Any], element: str) -> str:
    node: Any = tree
    for part in element.split(".")[1:]:
        if not isinstance(node, dict) or part not in node:
            return ""
        node = node[part]
    return node if isinstance(node, str) else ""


def scormlms_ok(body: bytes) -> bool:
    return json_flag(body, "ok", "true") and not json_flag(body, "stale", "true")


def scormlms_session(browser: Browser, ctx: dict[str, Any], tally: Tally) -> bool:
    username = ctx["username"]
    if ctx.get("fresh"):
        pool = ctx["fresh"][ctx["round"]]
        if not pool:
            tally.error("no fresh learner left: raise --fresh-learners")
            return False
        username, session_key = pool.pop()
        browser.set_cookie("sessionid", session_key)
    raw = browser.build("POST", "/lms/attempt/start", json.dumps({"courseId": COURSE}).encode())
    body = timed_request(browser, tally, raw, scormlms_ok)
    if body is None:
        return False
    started = json.loads(body)
    launch = started["launch"]
    tree = copy.deepcopy(launch["cmi"])
    seq = int(launch["seq"])
    initialize, logged_init = False, False
    keys: list[str] = []
    logged: set[str] = set()
    for call in ctx["calls"]:
        fn, args = call["fn"], call["args"]
        if fn == "LMSInitialize":
            initialize = True
        elif fn == "LMSSetValue":
            set_path(tree, args[0], js_string(args[1]))
            if len(keys) < 10 and args[0] not in keys:
                keys.append(args[0])
        elif fn in ("LMSCommit", "LMSFinish"):
            seq += 1
            log_initialize = initialize and not logged_init
            log_keys = [k for k in keys if k not in logged]
            log = {"initialize": log_initialize, "setValueKeys": log_keys}
            payload = {
                "learnerId": username,
                "courseId": COURSE,
                "attemptId": started["attemptId"],
                "itemId": launch["itemId"],
                "token": launch["token"],
                "standard": "1.2",
                "reason": "finish" if fn == "LMSFinish" else "commit",
                "seq": seq,
                "values": {name: get_path(tree, name) for name in KEY_FIELDS_12},
                "cmi": tree,
                "log": log,
            }
            raw = browser.build("POST", "/api/scorm/result", json.dumps(payload).encode())
            if timed_request(browser, tally, raw, scormlms_ok) is None:
                return False
            logged_init = logged_init or log_initialize
            logged.update(log_keys)
    return True


def scormlms_probe(browser: Browser, ctx: dict[str, Any]) -> list[dict[str, Any]]:
    started = browser.post("/lms/attempt/start", {"courseId": COURSE}).json()
    launch = started["launch"]
    seq = int(launch["seq"])
    answers = []
    for element, value, _ in PROBES:
        seq += 1
        tree = copy.deepcopy(launch["cmi"])
        set_path(tree, element, value)
        payload = {
            "learnerId": ctx["username"],
            "courseId": COURSE,
            "attemptId": started["attemptId"],
            "itemId": launch["itemId"],
            "token": launch["token"],
            "standard": "1.2",
            "reason": "commit",
            "seq": seq,
            "values": {name: get_path(tree, name) for name in KEY_FIELDS_12},
            "cmi": tree,
        }
        answer = browser.post("/api/scorm/result", payload)
        answers.append({"status": answer.status, "answer": _short(answer.body)})
    stored = browser.post("/lms/attempt/start", {"courseId": COURSE}).json()["launch"]["values"]
    for (element, value, _), row in zip(PROBES, answers, strict=True):
        row["stored"] = stored.get(element) == value
    return answers


def _short(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body[:120].decode(errors="replace")
    text = data.get("message") or data.get("detail") or data.get("result") or data
    return str(text)[:120]


# ------------------------------------------------------------------------ scormhost


def scormhost_ok(body: bytes) -> bool:
    return body.startswith(b"{")


def scormhost_session(browser: Browser, ctx: dict[str, Any], tally: Tally) -> bool:
    path = f"/api/scorm/{COURSE}/cmi?launch=index.html"
    body = timed_request(browser, tally, browser.build("GET", path), scormhost_ok)
    if body is None:
        return False
    data = dict(ctx["defaults"])
    for key, value in json.loads(body).get("elements", {}).items():
        if key.startswith("cmi."):
            data[key] = str(value)
    for call in ctx["calls"]:
        fn, args = call["fn"], call["args"]
        if fn == "LMSSetValue":
            data[args[0]] = js_string(args[1])
        elif fn in ("LMSCommit", "LMSFinish"):
            if fn == "LMSFinish":
                data["cmi.core.exit"] = "suspend"
            raw = browser.build("PUT", path, json.dumps({"elements": data}).encode())
            if timed_request(browser, tally, raw, lambda b: b'"ok":true' in b) is None:
                return False
    return True


def scormhost_probe(browser: Browser, ctx: dict[str, Any]) -> list[dict[str, Any]]:
    path = f"/api/scorm/{COURSE}/cmi?launch=index.html"
    answers = []
    for element, value, _ in PROBES:
        data = dict(ctx["defaults"])
        data[element] = value
        answer = browser.request("PUT", path, {"elements": data})
        stored = browser.get(path).json().get("elements", {}).get(element) == value
        answers.append({"status": answer.status, "answer": _short(answer.body), "stored": stored})
    return answers


# ---------------------------------------------------------------------- wagtail-lms


WAGTAIL_METHODS = {
    "LMSInitialize": "Initialize",
    "LMSGetValue": "GetValue",
    "LMSSetValue": "SetValue",
    "LMSCommit": "Commit",
    "LMSGetLastError": "GetLastError",
    "LMSGetErrorString": "GetErrorString",
    "LMSGetDiagnostic": "GetDiagnostic",
    # no "LMSFinish": scorm_player.html defines LMSTerminate only
}


def wagtail_requests(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The POST bodies scorm_player.html sends for the golf calls, then at beforeunload."""
    bodies = []
    for call in calls:
        method = WAGTAIL_METHODS.get(call["fn"])
        if method is not None:
            bodies.append({"method": method, "parameters": list(call["args"])})
    # beforeunload: initialized and not terminated (LMSFinish did not exist) → Commit, Terminate
    bodies += [
        {"method": "Commit", "parameters": [""]},
        {"method": "Terminate", "parameters": [""]},
    ]
    return bodies


def wagtail_ok(body: bytes) -> bool:
    return b'"errorCode": "0"' in body


def wagtail_session(browser: Browser, ctx: dict[str, Any], tally: Tally) -> bool:
    path = f"/lms/scorm-api/{ctx['attempt']}/"
    for body in ctx["requests"]:
        raw = browser.build("POST", path, json.dumps(body).encode())
        if timed_request(browser, tally, raw, wagtail_ok) is None:
            return False
    return True


def wagtail_probe(browser: Browser, ctx: dict[str, Any]) -> list[dict[str, Any]]:
    path = f"/lms/scorm-api/{ctx['attempt']}/"
    answers = []
    for element, value, _ in PROBES:
        answer = browser.post(path, {"method": "SetValue", "parameters": [element, value]})
        read = browser.post(path, {"method": "GetValue", "parameters": [element]})
        stored = read.status == 200 and read.json().get("result") == value
        answers.append({"status": answer.status, "answer": _short(answer.body), "stored": stored})
    return answers


DRIVERS = {
    "scormlms": (scormlms_session, scormlms_probe),
    "scormhost": (scormhost_session, scormhost_probe),
    "wagtail-lms": (wagtail_session, wagtail_probe),
}


# -------------------------------------------------------------------------- systems


class System:
    """A running server under test and its logged-in learners."""

    name: str
    driver: str
    server: Server
    learners: list[dict[str, Any]]
    setup_seconds: float

    def close(self) -> None:
        raise NotImplementedError


class ScormlmsSystem(System):
    def __init__(
        self,
        db: str,
        package: Path,
        count: int,
        calls: list[Any],
        pg_socket: bool = False,
        server: str = "granian",
        revision: Revision | None = None,
        fresh: tuple[int, int] = (0, 0),
    ) -> None:
        """``fresh``: (learners per load thread and round, rounds) who have never started the
        course, logged in by session rows made in the database (a login per session would
        cost far more than the session)."""
        t = time.monotonic()
        database = "SQLite" if db == "sqlite" else "PostgreSQL"
        if pg_socket:
            database += " over its Unix socket"
        if server != "granian":
            database += f", {server}"
        at = f" {revision.commit}" if revision else ""
        self.name, self.driver = f"scormlms{at} ({database})", "scormlms"
        self.lms = Scormlms(db, tag="peers", src=revision.src if revision else None)
        self.lms.manage("import", str(package), "--course-id", COURSE)
        names = self.lms.make_learners("peer", count, COURSE, PASSWORD)
        self.server = self.lms.start(workers=2, threads=4, pg_socket=pg_socket, server=server)
        browsers = parallel(lambda n: (n, scormlms_login(self.server.url, n, PASSWORD)), names, 8)
        self.learners = [
            {
                "username": name,
                "cookies": dict(b.cookies),
                "headers": dict(b.extra_headers),
                "calls": calls,
            }
            for name, b in browsers
        ]
        per, rounds = fresh
        if per:
            runners = self.learners[:-1]  # the last learner is the probes'
            pool = self._fresh_sessions(per * len(runners) * rounds)
            for i, learner in enumerate(runners):
                mine = pool[i :: len(runners)]
                learner["fresh"] = [mine[r * per : (r + 1) * per] for r in range(rounds)]
        self.setup_seconds = time.monotonic() - t

    def _fresh_sessions(self, count: int) -> list[tuple[str, str]]:
        """``count`` new enrolled learners, each with a live login session: (name, key)."""
        self.lms.make_learners("fresh", count, COURSE, PASSWORD)
        out = self.lms.shell(
            "import json\n"
            "from importlib import import_module\n"
            "from django.conf import settings\n"
            "from django.contrib import auth\n"
            "from django.utils.crypto import get_random_string\n"
            "Store = import_module(settings.SESSION_ENGINE).SessionStore\n"
            "rows, pairs = [], []\n"
            "users = auth.get_user_model().objects.filter(username__startswith='fresh')\n"
            "for user in users:\n"
            "    key = get_random_string(32, 'abcdefghijklmnopqrstuvwxyz0123456789')\n"
            "    rows.append(Store(key).create_model_instance({\n"
            "        auth.SESSION_KEY: str(user.pk),\n"
            "        auth.BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],\n"
            "        auth.HASH_SESSION_KEY: user.get_session_auth_hash()}))\n"
            "    pairs.append((user.username, key))\n"
            "Store.get_model_class().objects.bulk_create(rows, batch_size=1000)\n"
            "print(json.dumps(pairs))\n"
        )
        return [(name, key) for name, key in json.loads(out.strip().splitlines()[-1])]

    def certificates(self) -> int:
        """How many certificates the sessions so far have issued."""
        out = self.lms.shell(
            "from scormlms.tracking.models import Certificate\nprint(Certificate.objects.count())"
        )
        return int(out.split()[-1])

    def close(self) -> None:
        self.lms.close()


class Revision:
    """A ``git worktree`` of the repository at ``rev``, removed by ``close``."""

    def __init__(self, rev: str, parent: Path) -> None:
        self.commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", f"{rev}^{{commit}}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        self.path = parent / f"rev-{self.commit}"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(self.path), self.commit],
            check=True,
            capture_output=True,
        )
        self.src = self.path / "src"

    def close(self) -> None:
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(self.path)],
            check=False,
            capture_output=True,
        )


class ScormhostSystem(System):
    def __init__(self, package: Path, count: int, calls: list[Any]) -> None:
        self.name, self.driver = "scormhost 0.1.0", "scormhost"
        self.home = Path(tempfile.mkdtemp(prefix="scormhost-bench-"))
        self.proc: subprocess.Popen[bytes] | None = None
        try:
            self._setup(package, count, calls)
        except BaseException:
            self.close()
            raise

    def _setup(self, package: Path, count: int, calls: list[Any]) -> None:
        t = time.monotonic()
        venv = ensure_venv("scormhost", HERE / "requirements-scormhost.txt")
        data = self.home / "data"
        extracted = self.home / "golf12"
        with zipfile.ZipFile(package) as zf:
            zf.extractall(extracted)
        env = {
            **os.environ,
            "SCORMHOST_SECRET_KEY": "bench-only-not-a-secret-0123456789",
            "SCORMHOST_AUTO_MIGRATE": "false",
        }
        python = str(venv / "bin" / "python")
        subprocess.run(
            [
                python,
                "-c",
                "import sys; from pathlib import Path\n"
                "from scormhost.config import HostSettings\n"
                "from scormhost.migrate import run_migrations\n"
                "from scormhost.storage import PackageStore\n"
                "s = HostSettings.from_env(Path(sys.argv[1]))\n"
                "s.data_dir.mkdir(parents=True, exist_ok=True)\n"
                "run_migrations(s.database_url)\n"
                "PackageStore(s).ingest_extracted(Path(sys.argv[2]), 'golf12.zip', "
                "preferred_id=sys.argv[3])\n",
                str(data),
                str(extracted),
                COURSE,
            ],
            env=env,
            cwd=self.home,
            check=True,
            capture_output=True,
        )
        port = free_port()
        self.server = Server.spawn(
            self.name,
            [
                str(venv / "bin" / "uvicorn"),
                "scormhost.app:create_scorm_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "2",
            ],
            port=port,
            ready="/health",
            env=env,
            home=self.home,
        )
        self.proc = self.server.proc
        url = self.server.url
        register = Browser(url)  # the first account becomes admin: not a learner
        register.post(
            "/api/auth/register",
            {
                "email": "admin@example.com",
                "username": "admin",
                "password": PASSWORD,
                "display_name": "Admin",
            },
        )

        def learner(i: int) -> dict[str, Any]:
            browser = Browser(url)
            name = f"peer{i:04d}"
            answer = browser.post(
                "/api/auth/register",
                {
                    "email": f"{name}@example.com",
                    "username": name,
                    "password": PASSWORD,
                    "display_name": name,
                },
            )
            if answer.status != 200:
                raise RuntimeError(f"scormhost register: {answer.status} {answer.body[:200]!r}")
            user = answer.json()["user"]
            # the launcher's defaults (static/scorm12-api.js) for a logged-in learner
            defaults = {
                "cmi.core.lesson_status": "not attempted",
                "cmi.core.score.raw": "0",
                "cmi.core.score.min": "0",
                "cmi.core.score.max": "100",
                "cmi.suspend_data": "",
                "cmi.core.lesson_location": "",
                "cmi.core.student_id": str(user["id"]),
                "cmi.core.student_name": user["display_name"],
                "cmi.core.entry": "ab-initio",
                "cmi.core.exit": "",
                "cmi.core.session_time": "00:00:00",
            }
            browser.conn.close()
            return {
                "username": name,
                "cookies": dict(browser.cookies),
                "headers": {},
                "calls": calls,
                "defaults": defaults,
            }

        self.learners = parallel(learner, list(range(count)), 4)
        self.setup_seconds = time.monotonic() - t

    def close(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        shutil.rmtree(self.home, ignore_errors=True)


class WagtailSystem(System):
    def __init__(self, package: Path, count: int, calls: list[Any]) -> None:
        self.name, self.driver = "wagtail-lms 0.11.1 (PostgreSQL)", "wagtail-lms"
        self.home = Path(tempfile.mkdtemp(prefix="wagtail-lms-bench-"))
        self.proc: subprocess.Popen[bytes] | None = None
        self.pg_name = ""
        self.backends: PgBackends | None = None
        try:
            self._setup(package, count, calls)
        except BaseException:
            self.close()
            raise

    def _setup(self, package: Path, count: int, calls: list[Any]) -> None:
        t = time.monotonic()
        venv = ensure_venv("wagtail-lms", HERE / "requirements-wagtail-lms.txt")
        db_url, self.pg_name = pg_create("wagtail_lms_peers")
        self.backends = PgBackends(self.pg_name)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "wagtail_site.settings",
            "PYTHONPATH": str(HERE),
            "WAGTAIL_BENCH_DATA": str(self.home),
            "DATABASE_URL": db_url,
        }
        python = str(venv / "bin" / "python")
        subprocess.run(
            [python, "-m", "django", "migrate", "-v0"], env=env, check=True, capture_output=True
        )
        done = subprocess.run(
            [python, str(HERE / "wagtail_site" / "setup_data.py"), str(package), "peer"]
            + [str(count), PASSWORD],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        lesson = json.loads(done.stdout.strip().splitlines()[-1])["lesson"]
        port = free_port()
        self.server = Server.spawn(
            self.name,
            [
                str(venv / "bin" / "gunicorn"),
                "wagtail_site.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                "--workers=2",
                "--worker-class=gthread",
                "--threads=4",
                "--timeout=60",
                "--keep-alive=5",
                "--error-logfile=-",
            ],
            port=port,
            ready="/accounts/login/",
            env=env,
            home=self.home,
            db_pids=self.backends,
        )
        self.proc = self.server.proc
        url = self.server.url
        requests = wagtail_requests(calls)

        def learner(i: int) -> dict[str, Any]:
            name = f"peer{i:04d}"
            browser = scormlms_login(url, name, PASSWORD)  # Django's LoginView: same form
            page = browser.get(f"/lms/scorm-lesson/{lesson}/play/")
            match = re.search(rb"scorm-api/(\d+)/", page.body)
            if page.status != 200 or match is None:
                raise RuntimeError(f"wagtail-lms player page: {page.status} {page.body[:300]!r}")
            browser.conn.close()
            return {
                "username": name,
                "cookies": dict(browser.cookies),
                "headers": dict(browser.extra_headers),
                "attempt": int(match.group(1)),
                "requests": requests,
            }

        self.learners = parallel(learner, list(range(count)), 8)
        self.setup_seconds = time.monotonic() - t

    def close(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        if self.backends is not None:
            self.backends.close()
        if self.pg_name:
            pg_drop(self.pg_name)
        shutil.rmtree(self.home, ignore_errors=True)


# --------------------------------------------------------------------------- driving


def _browser(url: str, learner: dict[str, Any]) -> Browser:
    browser = Browser(url)
    for name, value in learner["cookies"].items():
        browser.set_cookie(name, value)
    browser.extra_headers.update(learner["headers"])
    return browser


def load_process(
    driver: str, url: str, learners: list[dict[str, Any]], deadline: float
) -> dict[str, Any]:
    session_fn = DRIVERS[driver][0]
    tallies = [(Tally(), Tally()) for _ in learners]

    def run(learner: dict[str, Any], requests: Tally, sessions: Tally) -> None:
        browser = _browser(url, learner)
        while time.monotonic() < deadline:
            started = time.monotonic()
            if session_fn(browser, learner, requests):
                sessions.count += 1
                sessions.latencies.append(time.monotonic() - started)
            else:
                sessions.errors += 1
                time.sleep(0.5)
        browser.conn.close()

    threads = [
        threading.Thread(target=run, args=(learner, *pair))
        for learner, pair in zip(learners, tallies, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    requests, sessions = Tally(), Tally()
    for r, s in tallies:
        requests.add(r)
        sessions.add(s)
    return {"requests": requests.__dict__, "sessions": sessions.__dict__}


def run_segment(system: System, seconds: float, procs: int) -> dict[str, Any]:
    server = system.server
    with sampling(server.meters(), every=0.5):
        app0, db0 = server.cpu()
        started = time.monotonic()
        jobs = [
            (system.driver, server.url, part, started + seconds)
            for part in split(system.learners, procs)
        ]
        results = run_processes(load_process, jobs, timeout=seconds + 300)
        wall = time.monotonic() - started
        time.sleep(0.3)  # let the last requests' bookkeeping finish before the CPU reading
        app1, db1 = server.cpu()
    requests, sessions = Tally(), Tally()
    for result in results:
        requests.add(Tally(**result["requests"]))
        sessions.add(Tally(**result["sessions"]))
    return {
        "wall": wall,
        "requests": requests,
        "sessions": sessions,
        "app_cpu": app1 - app0,
        "db_cpu": db1 - db0,
        "client_cpu": sum(r["client_cpu"] for r in results),
    }


def figures_for(segments: list[dict[str, Any]]) -> dict[str, Any]:
    sessions = sum(s["sessions"].count for s in segments)
    requests = Tally()
    session_lat = []
    for s in segments:
        requests.add(s["requests"])
        session_lat.extend(s["sessions"].latencies)
    per = max(sessions, 1)
    return {
        "sessions": sessions,
        "sessions_per_s_rounds": [s["sessions"].count / s["wall"] for s in segments],
        "sessions_per_s": statistics.median(s["sessions"].count / s["wall"] for s in segments),
        "cpu_ms_per_session_rounds": [
            1000 * (s["app_cpu"] + s["db_cpu"]) / max(s["sessions"].count, 1) for s in segments
        ],
        "app_cpu_ms": 1000 * sum(s["app_cpu"] for s in segments) / per,
        "db_cpu_ms": 1000 * sum(s["db_cpu"] for s in segments) / per,
        "cpu_ms": 1000 * sum(s["app_cpu"] + s["db_cpu"] for s in segments) / per,
        "requests_per_session": requests.count / per,
        "sent_per_session": requests.sent / per,
        "received_per_session": requests.received / per,
        "errors": requests.errors + sum(s["sessions"].errors for s in segments),
        "error_samples": requests.samples[:3],
        "request": summary(requests.latencies),
        "session": summary(session_lat),
        "client_cpu_cores": sum(s["client_cpu"] for s in segments)
        / sum(s["wall"] for s in segments),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0, help="per system per round")
    parser.add_argument("--learners", type=int, default=8, help="concurrent learners")
    parser.add_argument("--procs", type=int, default=2, help="load generator processes")
    parser.add_argument(
        "--systems",
        default="scormlms-postgres,scormhost,scormlms-postgres-socket,scormlms-sqlite,wagtail-lms",
        help="comma-separated, in the order of each round",
    )
    parser.add_argument(
        "--scormlms-rev",
        action="append",
        default=[],
        metavar="REV",
        help="also run scormlms at this git revision on PostgreSQL (repeatable)",
    )
    parser.add_argument(
        "--fresh-learners",
        type=int,
        default=0,
        metavar="N",
        help="scormlms: each session by a learner new to the course, N per thread and round",
    )
    parser.add_argument("--json", type=Path, help="write all figures here")
    args = parser.parse_args()
    info = machine()
    print(
        f"machine: {info['nproc']} cores, {info['cpu']}, load average {info['loadavg']}, "
        f"Python {info['python']}, scormlms {info['commit']}"
    )
    calls = json.loads(SESSION_FILE.read_text())["calls"]
    work = Path(tempfile.mkdtemp(prefix="scormlms-peers-"))
    package = build_package(work)
    systems: dict[str, System] = {}
    failures: dict[str, str] = {}
    revisions: list[Revision] = []
    fresh = (args.fresh_learners, args.rounds)
    makers = {
        "scormlms-postgres": lambda: ScormlmsSystem(
            "postgres", package, args.learners + 1, calls, fresh=fresh
        ),
        "scormlms-postgres-socket": lambda: ScormlmsSystem(
            "postgres", package, args.learners + 1, calls, pg_socket=True, fresh=fresh
        ),
        "scormlms-postgres-gunicorn": lambda: ScormlmsSystem(
            "postgres", package, args.learners + 1, calls, server="gunicorn", fresh=fresh
        ),
        "scormlms-sqlite": lambda: ScormlmsSystem(
            "sqlite", package, args.learners + 1, calls, fresh=fresh
        ),
        "scormhost": lambda: ScormhostSystem(package, args.learners + 1, calls),
        "wagtail-lms": lambda: WagtailSystem(package, args.learners + 1, calls),
    }
    keys = [k for k in args.systems.split(",") if k]
    keys += [f"scormlms-postgres@{rev}" for rev in args.scormlms_rev]
    everything: dict[str, Any] = {"machine": info, "args": vars(args) | {"json": None}}
    try:
        for key in keys:
            try:
                if key.startswith("scormlms-postgres@"):
                    revisions.append(Revision(key.split("@", 1)[1], work))
                    systems[key] = ScormlmsSystem(
                        "postgres",
                        package,
                        args.learners + 1,
                        calls,
                        revision=revisions[-1],
                        fresh=fresh,
                    )
                else:
                    systems[key] = makers[key]()
                print(f"{systems[key].name}: ready in {systems[key].setup_seconds:.0f} s")
            except Exception as error:  # a peer that cannot run here is reported, not fatal
                failures[key] = f"{type(error).__name__}: {error}"[:2000]
                print(f"{key}: could not be set up: {failures[key]}")
        # the last learner of each system is kept for the invalid-value probes
        runners = {k: s.learners[:-1] for k, s in systems.items()}
        segments: dict[str, list[dict[str, Any]]] = {k: [] for k in systems}
        everything["loadavg_before"] = loadavg()
        for r in range(args.rounds):
            for key, system in systems.items():
                full = system.learners
                system.learners = runners[key]
                for learner in system.learners:
                    learner["round"] = r
                segment = run_segment(system, args.seconds, args.procs)
                system.learners = full
                segments[key].append(segment)
                done = segment["sessions"].count
                cpu = 1000 * (segment["app_cpu"] + segment["db_cpu"]) / max(1, done)
                print(
                    f"round {r + 1} {system.name}: {done} sessions, "
                    f"{done / segment['wall']:.1f}/s, CPU {cpu:.1f} ms/session, "
                    f"errors {segment['requests'].errors}; load {loadavg()}"
                )
        everything["loadavg_after"] = loadavg()
        results = {k: figures_for(v) for k, v in segments.items()}
        for key, system in systems.items():  # before the probes start attempts of their own
            if isinstance(system, ScormlmsSystem):
                results[key]["certificates"] = system.certificates()
        probes = {}
        for key, system in systems.items():
            learner = system.learners[-1]
            probes[key] = DRIVERS[system.driver][1](_browser(system.server.url, learner), learner)
    finally:
        for system in systems.values():
            system.close()
        for revision in revisions:
            revision.close()
        shutil.rmtree(work, ignore_errors=True)
    names = {k: s.name for k, s in systems.items()}
    everything |= {"results": results, "probes": probes, "failures": failures, "names": names}
    print_report(everything)
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2))


def print_report(e: dict[str, Any]) -> None:
    results, names = e["results"], e["names"]
    # ratios to scormlms on PostgreSQL, else to the first system of the rotation
    base = results.get("scormlms-postgres") or next(iter(results.values()), None)
    print(f"\nload average before {e['loadavg_before']}, after {e['loadavg_after']}")
    print(
        f"{'system':<34}{'sessions/s':>11}{'CPU ms/sess':>12}{'(app+db)':>14}{'× scormlms':>11}"
        f"{'req/sess':>9}{'KB up':>8}{'KB down':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}"
    )
    for key, f in results.items():
        ratio = f["cpu_ms"] / base["cpu_ms"] if base else float("nan")
        print(
            f"{names[key]:<34}{fmt(f['sessions_per_s'], 1):>11}{fmt(f['cpu_ms'], 1):>12}"
            f"{fmt(f['app_cpu_ms'], 1) + '+' + fmt(f['db_cpu_ms'], 1):>14}{fmt(ratio, 2):>11}"
            f"{fmt(f['requests_per_session'], 0):>9}{fmt(f['sent_per_session'] / 1024, 1):>8}"
            f"{fmt(f['received_per_session'] / 1024, 1):>8}{fmt(f['request']['p50_ms'], 1):>8}"
            f"{fmt(f['request']['p99_ms'], 1):>8}{f['errors']:>7}"
        )
        rounds = ", ".join(fmt(x, 1) for x in f["sessions_per_s_rounds"])
        cpus = ", ".join(fmt(x, 1) for x in f["cpu_ms_per_session_rounds"])
        print(f"    per round: sessions/s {rounds}; CPU ms/session {cpus}")
        if "certificates" in f:
            issued = f["certificates"] / max(f["sessions"], 1)
            print(f"    certificates issued: {f['certificates']}, {fmt(issued, 2)} per session")
        for sample in f["error_samples"]:
            print(f"    e.g. {sample}")
    print("\ninvalid SCORM 1.2 values: HTTP status, answer, stored?")
    for i, (element, value, rule) in enumerate(PROBES):
        shown = value if len(value) <= 12 else f"{value[:3]}… ({len(value)} chars)"
        print(f"  {element} = {shown!r} ({rule})")
        for key, answers in e["probes"].items():
            a = answers[i]
            print(f"      {names[key]:<34} {a['status']}  stored={a['stored']!s:<5} {a['answer']}")
    for key, why in e["failures"].items():
        print(f"\n{key} could not be run: {why}")


if __name__ == "__main__":
    main()
