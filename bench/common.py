"""Shared benchmark plumbing: the machine, servers under test, a cheap HTTP load generator.

Nothing here is imported by the application or the test suite. Servers run on loopback in
their own process groups with throwaway data dirs (and, on PostgreSQL, a throwaway database
that is dropped afterwards); every request loop is bounded in time.

The load generator is deliberately small: each simulated learner is a thread owning one
keep-alive HTTP/1.1 connection (a raw socket, not ``http.client``: no header parsing beyond
the status line, ``Content-Length`` and ``Set-Cookie``), and the learners are spread over a few
processes so the client never waits on one GIL. Its own CPU time is measured and reported,
because on a 2-core machine it competes with the server.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
SCORMLMS = str(VENV_BIN / "scormlms")
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_SOCKET_DIR = os.environ.get("BENCH_PG_SOCKET", "/var/run/postgresql")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


_FLAGS: dict[tuple[str, str], re.Pattern[bytes]] = {}


def json_flag(body: bytes, name: str, value: str) -> bool:
    """Whether a JSON answer holds ``"name": value`` at any depth, written with or without a
    space after the colon (the server writes compact JSON; cheaper than parsing every answer)."""
    pattern = _FLAGS.get((name, value))
    if pattern is None:
        pattern = _FLAGS[(name, value)] = re.compile(
            rb'"' + re.escape(name.encode()) + rb'":\s*' + re.escape(value.encode()) + rb"\b"
        )
    return pattern.search(body) is not None


# ------------------------------------------------------------------------------------ machine


def machine() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as fh:
        load = " ".join(fh.read().split()[:3])
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "loadavg": load,
        "python": sys.version.split()[0],
        "commit": git_describe(),
    }


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def git_describe() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no", "src"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except OSError:
        return "?"
    return f"{head}{' + uncommitted changes in src/' if dirty else ''}"


# ----------------------------------------------------------------------------------- /proc


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            raw = fh.read()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: split after the last ')'.
    return raw[raw.rindex(")") + 2 :].split()


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (the server and its workers, uvicorn supervisor…)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if _stat_fields(pid) is None:
            continue
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process, in seconds (None when it is gone)."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def memory_sampler(server: Any, every: float, stop: threading.Event, out: list[Any]) -> None:
    """Append ``(seconds since start, total RSS in KB, {pid: RSS in KB})`` of ``server``'s
    processes to ``out`` every ``every`` seconds until ``stop`` is set (run it on a thread)."""
    t0 = time.monotonic()
    while True:
        rss = server.rss()
        out.append((time.monotonic() - t0, sum(rss.values()), rss))
        if stop.wait(every):
            return


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE_KB
    except OSError:
        return 0


class CpuMeter:
    """Cumulative CPU of a changing set of processes.

    Processes come and go (PostgreSQL backends, restarted workers): the meter remembers the
    last value seen for every pid, so a process that exits between two samples loses at most
    one sampling interval. Call :meth:`sample` often (the load loops do, once a second).
    """

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self.pids = pids
        self.seen: dict[int, float] = {}
        self.lock = threading.Lock()

    def sample(self) -> float:
        with self.lock:
            for pid in self.pids():
                value = cpu_seconds(pid)
                if value is not None:
                    self.seen[pid] = max(value, self.seen.get(pid, 0.0))
            return sum(self.seen.values())


@contextmanager
def sampling(meters: list[CpuMeter], every: float = 1.0) -> Iterator[None]:
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            for meter in meters:
                meter.sample()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# ------------------------------------------------------------------------------------- HTTP


class HttpError(Exception):
    pass


@dataclass
class Response:
    status: int
    body: bytes
    cookies: dict[str, str]
    location: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


_COOKIE = re.compile(rb"^set-cookie:\s*([^=;\s]+)=([^;\r\n]*)", re.I | re.M)
_LENGTH = re.compile(rb"^content-length:\s*(\d+)", re.I | re.M)
_LOCATION = re.compile(rb"^location:\s*(\S+)", re.I | re.M)
_CHUNKED = re.compile(rb"^transfer-encoding:\s*chunked", re.I | re.M)
_CLOSE = re.compile(rb"^connection:\s*close", re.I | re.M)


class Conn:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closed it."""

    def __init__(self, host: str, port: int, timeout: float = 60.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.sock: socket.socket | None = None
        self.buf = b""
        self.reconnects = 0
        self.sent_bytes = 0
        self.received_bytes = 0

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.buf = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock
        return sock

    def request(self, raw: bytes) -> tuple[int, bytes, bytes]:
        """Send one complete request; returns (status, header block, body).

        A request on a reused connection that the server had already closed (keep-alive
        timeout: reset, or closed before the answer's headers) is sent again once on a fresh
        one; any other failure is raised (every one is an OSError)."""
        for attempt in (1, 2):
            fresh = self.sock is None
            sock = self.sock or self._connect()
            try:
                sock.sendall(raw)
                answer = self._read(sock)
            except OSError as error:
                self.close()
                stale = isinstance(error, _Closed | BrokenPipeError | ConnectionResetError)
                if fresh or attempt == 2 or not stale:
                    raise
                self.reconnects += 1
                continue
            self.sent_bytes += len(raw)
            return answer
        raise AssertionError("unreachable")

    def _read(self, sock: socket.socket) -> tuple[int, bytes, bytes]:
        buf = self.buf
        while (end := buf.find(b"\r\n\r\n")) < 0:
            chunk = sock.recv(65536)
            if not chunk:
                raise _Closed
            buf += chunk
        head = buf[:end]
        rest = buf[end + 4 :]
        status = int(head[9:12])
        if _CHUNKED.search(head):
            body, rest = self._chunked(sock, rest)
        else:
            match = _LENGTH.search(head)
            length = int(match.group(1)) if match else 0
            while len(rest) < length:
                chunk = sock.recv(max(65536, length - len(rest)))
                if not chunk:
                    raise ConnectionError("connection closed in the middle of a body")
                rest += chunk
            body, rest = rest[:length], rest[length:]
        self.received_bytes += end + 4 + len(body)
        self.buf = rest
        if _CLOSE.search(head):
            self.close()
        return status, head, body

    def _chunked(self, sock: socket.socket, data: bytes) -> tuple[bytes, bytes]:
        body = b""
        while True:
            while (eol := data.find(b"\r\n")) < 0:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed in a chunked body")
                data += chunk
            size = int(data[:eol].split(b";")[0], 16)
            data = data[eol + 2 :]
            while len(data) < size + 2:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed in a chunked body")
                data += chunk
            if size == 0:
                return body, data[2:]
            body += data[:size]
            data = data[size + 2 :]


class _Closed(ConnectionError):
    """The server closed the connection before answering (an OSError, like every failure of
    :meth:`Conn.request`)."""


class Browser:
    """A cookie jar on one connection: what one learner's browser does, minus the rendering."""

    def __init__(self, base: str) -> None:
        parsed = urllib.parse.urlsplit(base)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 80
        self.conn = Conn(self.host, self.port)
        self.cookies: dict[str, str] = {}
        self.extra_headers: dict[str, str] = {}
        self._cookie_header = b""

    def set_cookie(self, name: str, value: str) -> None:
        if value:
            self.cookies[name] = value
        else:
            self.cookies.pop(name, None)
        self._cookie_header = (
            b"Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()).encode() + b"\r\n"
            if self.cookies
            else b""
        )

    def build(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> bytes:
        lines = [f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n".encode()]
        for name, value in {**self.extra_headers, **(headers or {})}.items():
            lines.append(f"{name}: {value}\r\n".encode())
        lines.append(self._cookie_header)
        if body is not None:
            lines.append(
                f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n".encode()
            )
        lines.append(b"\r\n")
        if body is not None:
            lines.append(body)
        return b"".join(lines)

    def send(self, raw: bytes) -> Response:
        status, head, body = self.conn.request(raw)
        cookies = {}
        for name, value in _COOKIE.findall(head):
            cookies[name.decode()] = value.decode().strip('"')
            self.set_cookie(name.decode(), value.decode().strip('"'))
        location = _LOCATION.search(head)
        return Response(status, body, cookies, location.group(1).decode() if location else "")

    def request(self, method: str, path: str, body: Any = None, **kw: Any) -> Response:
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
        return self.send(self.build(method, path, body, **kw))

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Response:
        return self.request("POST", path, body if body is not None else b"", **kw)

    def form(self, path: str, fields: dict[str, str], **kw: Any) -> Response:
        data = urllib.parse.urlencode(fields).encode()
        return self.send(self.build("POST", path, data, "application/x-www-form-urlencoded", **kw))


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    parsed = urllib.parse.urlsplit(url)
    deadline = time.monotonic() + timeout
    while True:
        try:
            browser = Browser(url)
            if browser.get(parsed.path or "/").status < 500:
                browser.conn.close()
                return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not start ({url}):\n{log.read_text()[-4000:]}")
        time.sleep(0.25)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------------------ PostgreSQL


def pg_create(prefix: str) -> tuple[str, str]:
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{name}", name


def pg_socket_url(url: str) -> str:
    """``url`` with its host replaced by PostgreSQL's Unix socket directory (``BENCH_PG_SOCKET``,
    default Debian's ``/var/run/postgresql``)."""
    parts = urllib.parse.urlsplit(url)
    host = urllib.parse.quote(PG_SOCKET_DIR, safe="")
    user = parts.netloc.rpartition("@")[0]
    netloc = f"{user}@{host}" if user else host
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def pg_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PgBackends:
    """The PostgreSQL backend processes serving one database (their CPU is server CPU too)."""

    def __init__(self, dbname: str) -> None:
        import psycopg

        self.dbname = dbname
        self.conn = psycopg.connect(PG_ADMIN_URL, autocommit=True)
        self.lock = threading.Lock()

    def __call__(self) -> list[int]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (self.dbname,),
            ).fetchall()
        return [int(r[0]) for r in rows]

    def close(self) -> None:
        self.conn.close()


# ------------------------------------------------------------------------------- a server


@dataclass
class Server:
    """A server process group under test, with its URL and how to measure it."""

    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log: Path
    db_pids: Callable[[], list[int]] | None = None
    app_meter: CpuMeter = field(init=False)
    db_meter: CpuMeter | None = field(init=False)

    def __post_init__(self) -> None:
        self.app_meter = CpuMeter(lambda: descendants(self.proc.pid))
        self.db_meter = CpuMeter(self.db_pids) if self.db_pids else None

    @classmethod
    def spawn(
        cls,
        name: str,
        argv: list[str],
        *,
        port: int,
        ready: str,
        env: dict[str, str],
        home: Path,
        db_pids: Callable[[], list[int]] | None = None,
    ) -> Server:
        """Start ``argv`` (listening on ``port``) in its own process group, its output in
        ``home/server.log``, and wait until ``ready`` answers."""
        log = home / "server.log"
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=home,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        wait_http(url + ready, proc, log)
        return cls(name=name, url=url, proc=proc, log=log, db_pids=db_pids)

    def meters(self) -> list[CpuMeter]:
        return [m for m in (self.app_meter, self.db_meter) if m is not None]

    def cpu(self) -> tuple[float, float]:
        """(app CPU seconds, database CPU seconds) so far."""
        app = self.app_meter.sample()
        db = self.db_meter.sample() if self.db_meter else 0.0
        return app, db

    def rss(self) -> dict[int, int]:
        return {pid: rss_kb(pid) for pid in descendants(self.proc.pid)}

    def stop(self) -> None:
        stop_process(self.proc)


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


class Scormlms:
    """scormlms on a throwaway data dir and (PostgreSQL) a throwaway database.

    ``src``: run the ``scormlms`` package found there (another revision's ``src/``) with this
    checkout's virtualenv, instead of the installed one."""

    def __init__(self, db: str = "postgres", tag: str = "bench", src: Path | None = None) -> None:
        if db not in {"postgres", "sqlite"}:
            raise ValueError(db)
        self.db = db
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"scormlms-{tag}-"))
        self.env = {
            **os.environ,
            "SCORMLMS_DATA_DIR": str(self.data_dir),
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEBUG"):
            self.env.pop(name, None)
        self.command = [SCORMLMS]
        if src is not None:
            # PYTHONPATH comes before the editable install's path entry, in the server's worker
            # processes too; the other revision has no node_modules of its own.
            self.command = [str(VENV_BIN / "python"), "-m", "scormlms.cli"]
            self.env["PYTHONPATH"] = str(src)
            self.env.setdefault(
                "SCORMLMS_SCORM_AGAIN_DIST", str(REPO / "node_modules" / "scorm-again" / "dist")
            )
        self.pg_name = ""
        if db == "postgres":
            self.env["DATABASE_URL"], self.pg_name = pg_create(f"scormlms_{tag}")
        self.backends: PgBackends | None = PgBackends(self.pg_name) if self.pg_name else None
        self.server: Server | None = None
        try:
            self.manage("migrate", "-v0")
        except BaseException:
            self.close()
            raise

    def manage(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [*self.command, *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"scormlms {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "--no-imports", "-c", code)

    def start(
        self,
        *,
        workers: int = 2,
        threads: int = 4,
        port: int = 0,
        pg_socket: bool = False,
        server: str = "granian",
        extra_env: dict[str, str] | None = None,
    ) -> Server:
        """``scormlms serve``; ``pg_socket``: reach PostgreSQL over its Unix socket, not TCP;
        ``server``: ``serve --server``; ``extra_env``: more environment for the server."""
        port = port or free_port()
        env = dict(self.env) | (extra_env or {})
        if pg_socket and self.db == "postgres":
            env["DATABASE_URL"] = pg_socket_url(env["DATABASE_URL"])
        log = self.data_dir / f"server-{workers}x{threads}.log"
        proc = subprocess.Popen(
            [
                *self.command,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--server",
                server,
            ],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/healthz", proc, log)
        self.server = Server(
            name=f"scormlms-{self.db}", url=url, proc=proc, log=log, db_pids=self.backends
        )
        return self.server

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def close(self) -> None:
        self.stop()
        if self.backends is not None:
            self.backends.close()
        if self.pg_name:
            pg_drop(self.pg_name)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Scormlms:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def make_course(
        self, course_id: str, *, standard: str, item_id: str = "sco1", **settings: Any
    ) -> None:
        """One course with one SCO, created the way the tests' factory does it."""
        spec = json.dumps({"course_id": course_id, "standard": standard, "settings": settings})
        self.shell(
            "import json\n"
            "from scormlms.courses.models import Course, Item\n"
            f"spec = json.loads({spec!r})\n"
            "c = Course.objects.create(course_id=spec['course_id'], title='Bench course',\n"
            "    standard=spec['standard'], content_key=spec['course_id'] + '/v1',\n"
            "    **spec['settings'])\n"
            f"Item.objects.create(course=c, position=0, item_id={item_id!r}, title='SCO',\n"
            "    launch_url='index.html', scorm_type='sco')\n"
        )

    def make_learners(self, prefix: str, count: int, course_id: str, password: str) -> list[str]:
        """Bulk-create enrolled learners. The password hash is computed once and shared: every
        login still runs the real hasher (Django's default PBKDF2) to verify it."""
        self.shell(
            "from django.contrib.auth import get_user_model\n"
            "from django.contrib.auth.hashers import make_password\n"
            "from scormlms.courses.models import Course, Enrolment\n"
            "User = get_user_model()\n"
            f"h = make_password({password!r})\n"
            f"users = User.objects.bulk_create([User(username=f'{prefix}{{i:04d}}', password=h)"
            f" for i in range({count})])\n"
            f"c = Course.objects.get(course_id={course_id!r})\n"
            "Enrolment.objects.bulk_create([Enrolment(learner=u, course=c) for u in users])\n"
        )
        return [f"{prefix}{i:04d}" for i in range(count)]


_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def scormlms_login(base: str, username: str, password: str) -> Browser:
    """Log in through the real form: GET the page (csrftoken cookie), POST the fields."""
    browser = Browser(base)
    page = browser.get("/accounts/login/")
    match = _CSRF_INPUT.search(page.body)
    if page.status != 200 or match is None:
        raise HttpError(f"login page: {page.status}")
    answer = browser.form(
        "/accounts/login/",
        {
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": match.group(1).decode(),
        },
        headers={"Referer": base + "/accounts/login/"},
    )
    if answer.status != 302 or "sessionid" not in browser.cookies:
        raise HttpError(f"login of {username} failed: {answer.status} {answer.body[:200]!r}")
    browser.extra_headers["X-CSRFToken"] = browser.cookies["csrftoken"]
    return browser


def parallel(fn: Callable[[Any], Any], items: list[Any], threads: int = 16) -> list[Any]:
    """Run ``fn`` over ``items`` on a few threads (set-up work such as logins)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(fn, items))


# -------------------------------------------------------------------------------- payloads

SUSPEND_4K = ("ahovCJQX4_elsAHOV29cjqxELS07" * 200)[:4096]


def cmi_tree_2004(learner: str, interactions: int = 10) -> dict[str, Any]:
    """A SCORM 2004 runtime tree as the player sends it (scorm-again's JSON rendering with
    every leaf a string): key fields, 4 KB suspend_data and ``interactions`` quiz answers."""
    items = {}
    for n in range(interactions):
        items[str(n)] = {
            "id": f"urn:bench:question-{n + 1}",
            "type": "choice",
            "objectives": {"0": {"id": f"obj-{n % 3 + 1}"}},
            "timestamp": f"2026-01-15T10:{n:02d}:30.0Z",
            "correct_responses": {"0": {"pattern": "choice_b"}},
            "weighting": "1",
            "learner_response": "choice_b" if n % 4 else "choice_c",
            "result": "correct" if n % 4 else "incorrect",
            "latency": f"PT{10 + n}S",
            "description": f"Question {n + 1}: which club for a 150 yard approach?",
        }
    return {
        "_version": "1.0",
        "comments_from_learner": {},
        "comments_from_lms": {},
        "completion_status": "incomplete",
        "completion_threshold": "",
        "credit": "credit",
        "entry": "ab-initio",
        "exit": "suspend",
        "interactions": items,
        "launch_data": "",
        "learner_id": learner,
        "learner_name": learner,
        "learner_preference": {
            "audio_level": "1",
            "language": "",
            "delivery_speed": "1",
            "audio_captioning": "0",
        },
        "location": "page-7",
        "max_time_allowed": "",
        "mode": "normal",
        "objectives": {
            str(i): {
                "id": f"obj-{i + 1}",
                "success_status": "unknown",
                "completion_status": "incomplete",
                "progress_measure": "0.5",
                "description": "",
                "score": {"scaled": "", "raw": "", "min": "", "max": ""},
            }
            for i in range(3)
        },
        "progress_measure": "0.5",
        "scaled_passing_score": "",
        "score": {"scaled": "0.72", "raw": "72", "min": "0", "max": "100"},
        "session_time": "PT12M30S",
        "success_status": "unknown",
        "suspend_data": SUSPEND_4K,
        "time_limit_action": "continue,no message",
        "total_time": "PT0H0M0S",
    }


KEY_PATHS_2004 = {
    "cmi.completion_status": ("completion_status",),
    "cmi.success_status": ("success_status",),
    "cmi.score.raw": ("score", "raw"),
    "cmi.score.scaled": ("score", "scaled"),
    "cmi.progress_measure": ("progress_measure",),
    "cmi.location": ("location",),
    "cmi.suspend_data": ("suspend_data",),
    "cmi.score.min": ("score", "min"),
    "cmi.score.max": ("score", "max"),
    "cmi.exit": ("exit",),
    "cmi.session_time": ("session_time",),
}


def key_values_2004(cmi: dict[str, Any]) -> dict[str, str]:
    values = {}
    for name, path in KEY_PATHS_2004.items():
        node: Any = cmi
        for part in path:
            node = node[part]
        values[name] = node
    return values


@dataclass
class Launch:
    """What ``POST /lms/attempt/start`` handed a learner."""

    username: str
    course_id: str
    attempt_id: str
    item_id: str
    token: str
    seq: int
    standard: str


def start_attempt(browser: Browser, username: str, course_id: str) -> Launch:
    answer = browser.post("/lms/attempt/start", {"courseId": course_id})
    if answer.status != 200:
        raise HttpError(f"start: {answer.status} {answer.body[:300]!r}")
    return parse_launch(answer.json(), username, course_id)


def parse_launch(data: dict[str, Any], username: str, course_id: str) -> Launch:
    launch = data["launch"]
    return Launch(
        username=username,
        course_id=course_id,
        attempt_id=data["attemptId"],
        item_id=launch["itemId"],
        token=launch["token"],
        seq=int(launch["seq"]),
        standard=launch["standard"],
    )


def result_body_parts(
    launch: Launch, cmi: dict[str, Any], *, reason: str = "commit", log: Any = None
) -> tuple[bytes, bytes]:
    """The ``/api/scorm/result`` body split around the ``seq`` number, so a load loop can send
    commit after commit with an increasing seq without serialising 10 KB of JSON each time."""
    marker = 987654321987654
    body = {
        "learnerId": launch.username,
        "courseId": launch.course_id,
        "attemptId": launch.attempt_id,
        "itemId": launch.item_id,
        "token": launch.token,
        "standard": launch.standard,
        "reason": reason,
        "seq": marker,
        "values": key_values_2004(cmi),
        "cmi": cmi,
        "log": log or {"initialize": False, "setValueKeys": []},
    }
    head, tail = json.dumps(body).encode().split(str(marker).encode())
    return head, tail


# ----------------------------------------------------------------------------- statistics


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(latencies: list[float]) -> dict[str, float]:
    return {
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
    }


# ---------------------------------------------------------------------------- load driver


@dataclass
class Tally:
    """What one kind of request did within one measured window."""

    count: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    sent: int = 0
    received: int = 0
    samples: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.count += other.count
        self.errors += other.errors
        self.latencies.extend(other.latencies)
        self.sent += other.sent
        self.received += other.received
        self.samples.extend(other.samples[: max(0, 5 - len(self.samples))])

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.samples) < 5:
            self.samples.append(message[:300])


def timed_request(
    browser: Browser, tally: Tally, raw: bytes, check: Callable[[bytes], bool], label: str = ""
) -> bytes | None:
    """Send one prepared request on ``browser``'s connection and count it in ``tally``
    (latency, bytes each way); the body when it answered 200 and ``check`` accepts it, else
    None with the error recorded (prefixed with ``label``)."""
    prefix = f"{label}: " if label else ""
    sent, received = browser.conn.sent_bytes, browser.conn.received_bytes
    started = time.monotonic()
    try:
        status, _, body = browser.conn.request(raw)
    except OSError as error:
        browser.conn.close()
        tally.error(f"{prefix}{type(error).__name__}: {error}")
        return None
    tally.latencies.append(time.monotonic() - started)
    tally.count += 1
    tally.sent += browser.conn.sent_bytes - sent
    tally.received += browser.conn.received_bytes - received
    if status != 200 or not check(body):
        tally.error(f"{prefix}{status} {body[:200]!r}")
        return None
    return body


def _child(
    worker: Callable[..., dict[str, Any]], args: tuple[Any, ...], out: Any, index: int
) -> None:
    try:
        started = os.times()
        result = worker(*args)
        ended = os.times()
        result["client_cpu"] = (ended.user - started.user) + (ended.system - started.system)
        out.put((index, result))
    except BaseException as error:  # report, never hang the parent
        out.put((index, {"fatal": f"{type(error).__name__}: {error}"}))
        raise


def run_processes(
    worker: Callable[..., dict[str, Any]], jobs: list[tuple[Any, ...]], timeout: float
) -> list[dict[str, Any]]:
    """Run ``worker(*job)`` in one forked process per job; return their results in order."""
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(worker, job, out, i)) for i, job in enumerate(jobs)]
    for p in procs:
        p.start()
    results: dict[int, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    try:
        while len(results) < len(procs):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("load generator processes did not finish in time")
            index, result = out.get(timeout=remaining)
            if "fatal" in result:
                raise RuntimeError(f"load process {index} failed: {result['fatal']}")
            results[index] = result
    finally:
        for p in procs:
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join()
    return [results[i] for i in range(len(procs))]


def split(items: list[Any], parts: int) -> list[list[Any]]:
    return [items[i::parts] for i in range(parts) if items[i::parts]]


def fmt(value: float, digits: int = 0) -> str:
    if value != value:  # NaN
        return "–"
    return f"{value:,.{digits}f}"
