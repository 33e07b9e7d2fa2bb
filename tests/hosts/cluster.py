"""The README's "Production" recipe on one machine: app hosts in network namespaces running
``scormlms serve``, HAProxy in front of them, one PostgreSQL and one Redis behind them.

PostgreSQL listens on loopback only, but its Unix socket is a path, and a path reaches into a
namespace where an address does not: every host (and every ``scormlms`` command the test runs)
connects through ``/var/run/postgresql``. Redis is the test's own ``redis-server`` on a Unix
socket in the test's folder, for the same reason. Each host has a data dir of its own whose
``packages`` and ``media`` are links to one shared folder, as shared storage would be.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.browser.conftest import SCORMLMS, _free_port
from tests.hosts.client import Learner
from tests.hosts.netns import Host

PG_SOCKET_DIR = os.environ.get("SCORMLMS_TEST_PG_SOCKET", "/var/run/postgresql")
REDIS_SERVER = "/usr/bin/redis-server"
HAPROXY = "/usr/sbin/haproxy"
APP_PORT = 8000
SHARED = ("packages", "media")


class PostgresUnreachable(Exception):
    pass


def pg_admin_url() -> str:
    """The server's ``postgres`` database over its Unix socket, as the user ``DATABASE_URL``
    names (``postgres`` when it names none or is no PostgreSQL URL)."""
    user = "postgres"
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        user = urllib.parse.urlsplit(configured).username or user
    return f"postgres://{user}@{urllib.parse.quote(PG_SOCKET_DIR, safe='')}/postgres"


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    """A new empty database, reached over the socket, dropped when the block ends: its URL."""
    import psycopg

    admin = pg_admin_url()
    name = f"scormlms_hosts_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        raise PostgresUnreachable(f"{admin}: {error}") from error
    try:
        yield f"{admin.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """End ``proc`` and its process group (it leads one: ``start_new_session``)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
    _wait_group_gone(proc.pid)


def _wait_group_gone(pgid: int, timeout: float = 15) -> None:
    # Workers outlive their master for a moment after it dies; wait until none runs. A zombie
    # (dead, not yet reaped by whoever adopted it) holds no socket and no memory any more.
    deadline = time.monotonic() + timeout
    while _group_running(pgid):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            return
        time.sleep(0.02)


def _group_running(pgid: int) -> bool:
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, _, group = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(group) == pgid and state != "Z":
            return True
    return False


def _spawn(
    argv: list[str], log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


# ------------------------------------------------------------------------------------ Redis


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[Path]:
    """A throwaway ``redis-server`` on a Unix socket only, nothing on disk: the socket's path."""
    sock = folder / "redis.sock"
    argv = [REDIS_SERVER, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700"]
    argv += ["--save", "", "--appendonly", "no", "--dir", str(folder)]
    proc = _spawn(argv, folder / "redis.log")
    try:
        deadline = time.monotonic() + 15
        while redis_command(sock, "PING") != "PONG":
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis did not start:\n" + (folder / "redis.log").read_text())
            time.sleep(0.05)
        yield sock
    finally:
        _stop(proc)


def redis_command(sock: Path, *args: str) -> Any:
    """One command in RESP over the socket; None when nothing answers yet. Enough for PING,
    DBSIZE and KEYS (simple strings, integers, arrays of bulk strings)."""
    request = f"*{len(args)}\r\n" + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args)
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(sock))
            s.sendall(request.encode())
            reader = s.makefile("rb")
            return _resp(reader)
    except (FileNotFoundError, ConnectionRefusedError):
        return None


def _resp(reader: Any) -> Any:
    line = reader.readline().rstrip(b"\r\n")
    kind, rest = line[:1], line[1:].decode()
    if kind == b"+":
        return rest
    if kind == b":":
        return int(rest)
    if kind == b"$":
        return None if rest == "-1" else reader.read(int(rest) + 2)[:-2].decode()
    if kind == b"*":
        return [_resp(reader) for _ in range(int(rest))]
    raise RuntimeError(f"redis answered {line!r}")


# -------------------------------------------------------------------------------- app hosts


class AppHost:
    """``scormlms serve`` inside one namespace, on ``<namespace ip>:8000``."""

    def __init__(self, label: str, netns: Host, env: dict[str, str], folder: Path) -> None:
        self.label = label
        self.netns = netns
        self.env = env
        self.folder = folder
        self.url = f"http://{netns.ip}:{APP_PORT}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def log(self) -> Path:
        return self.folder / f"{self.label}.log"

    def start(self) -> None:
        """Start serving (collecting static files first, as ``serve`` does); see :meth:`wait`."""
        assert self.proc is None, f"{self.label} is already running"
        self.starts += 1
        argv = [SCORMLMS, "serve", "--host", self.netns.ip, "--port", str(APP_PORT)]
        argv += ["--workers", "1", "--threads", "4"]
        self.proc = _spawn(self.netns.argv(argv), self.log, self.env)

    def wait(self, timeout: float = 60) -> None:
        """Until ``/healthz`` answers from inside the namespace's address."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(urllib.error.URLError, OSError):
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2).close()
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.label} did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the server and its worker: no shutdown code runs anywhere."""
        assert self.proc is not None
        _stop(self.proc, signal.SIGKILL)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None

    def request_ids(self) -> set[str]:
        """The ``X-Request-ID`` of every request this host logged."""
        ids = set()
        for line in self.log.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict) and record.get("event") == "request":
                    ids.add(str(record.get("request_id")))
        return ids


# ---------------------------------------------------------------------------------- HAProxy


def haproxy_config(*, bind: str, servers: list[tuple[str, str]], check_host: str) -> str:
    """The HAProxy configuration of README "Production": round robin over the hosts, each
    health-checked on ``/healthz`` every second; a request whose connection to a host fails is
    sent to another host (``option redispatch 1``: on every retry)."""
    lines = [
        "global",
        "    log stderr format raw local0",
        "    maxconn 2000",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option httplog",
        "    timeout connect 2s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    retries 3",
        "    option redispatch 1",
        "",
        "frontend lms",
        f"    bind {bind}",
        "    default_backend scormlms",
        "",
        "backend scormlms",
        "    balance roundrobin",
        "    option httpchk",
        f"    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host {check_host}",
        "    http-check expect status 200",
        "    default-server check inter 1s fall 2 rise 2",
        *(f"    server {name} {address}" for name, address in servers),
    ]
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def haproxy(folder: Path, hosts: list[AppHost]) -> Iterator[str]:
    """HAProxy in the foreground (``-db``) on a free loopback port: its URL."""
    port = _free_port()
    config = folder / "haproxy.cfg"
    config.write_text(
        haproxy_config(
            bind=f"127.0.0.1:{port}",
            servers=[(h.label, f"{h.netns.ip}:{APP_PORT}") for h in hosts],
            check_host="localhost",
        )
    )
    check = subprocess.run([HAPROXY, "-c", "-f", str(config)], capture_output=True, text=True)
    assert check.returncode == 0, (
        f"haproxy refuses its configuration:\n{check.stdout}{check.stderr}"
    )
    log = folder / "haproxy.log"
    proc = _spawn([HAPROXY, "-db", "-f", str(config)], log)
    try:
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"haproxy did not start:\n{log.read_text()}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)


# ---------------------------------------------------------------------------------- cluster


@dataclass
class Cluster:
    """Everything the tests reach: the hosts, the proxy, the shared database and Redis."""

    hosts: list[AppHost]
    proxy: str  # HAProxy's URL
    env: dict[str, str]  # a ``scormlms`` command's environment: the shared database and Redis
    redis: Path  # Redis's socket
    course_id: str
    folder: Path

    def manage(self, *args: str) -> str:
        """Run a ``scormlms`` command against the shared database; returns stdout."""
        done = subprocess.run(
            [SCORMLMS, *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise AssertionError(f"scormlms {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def shell_json(self, code: str) -> Any:
        """Run ``code`` in ``scormlms shell``; it prints one JSON document as its last line."""
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])

    @contextlib.contextmanager
    def attempt_locked(self, attempt_id: str) -> Iterator[Callable[[], set[str]]]:
        """Hold an attempt's row lock, as a commit in progress does: the hosts' commits to it
        wait inside their transactions until the block ends. Yields a function naming the
        hosts (their labels) that have one waiting."""
        import psycopg

        url = self.env["DATABASE_URL"]
        with psycopg.connect(url) as holder, psycopg.connect(url, autocommit=True) as watcher:
            holder.execute("SELECT 1 FROM tracking_attempt WHERE id = %s FOR UPDATE", [attempt_id])

            def waiting() -> set[str]:
                rows = watcher.execute(
                    "SELECT application_name FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ).fetchall()
                return {str(row[0]) for row in rows}

            try:
                yield waiting
            finally:
                holder.rollback()

    def redis_keys(self) -> list[str]:
        return list(redis_command(self.redis, "KEYS", "*") or [])

    def wait_in_rotation(self, timeout: float = 30) -> None:
        """Until HAProxy hands requests to every host (after a start or a restart)."""
        deadline = time.monotonic() + timeout
        sent: set[str] = set()
        probe = Learner("probe")
        while True:
            for _ in self.hosts:
                rid = uuid.uuid4().hex
                with contextlib.suppress(OSError):
                    probe.get(self.proxy, "/healthz", {"X-Request-ID": rid})
                    sent.add(rid)
            if all(host.request_ids() & sent for host in self.hosts):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"HAProxy never used every host:\n{self.logs()}")
            time.sleep(0.2)

    def logs(self) -> str:
        """Every log of the run, for a failing assertion's message."""
        parts = []
        for path in sorted(self.folder.glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-6000:]}")
        return "\n".join(parts)


def host_env(base: dict[str, str], folder: Path, shared: Path, name: str) -> dict[str, str]:
    """A host's environment: ``base`` plus a data dir of its own under ``folder``, whose
    ``packages`` and ``media`` are the shared storage; its database connections carry its
    ``name`` (PostgreSQL's ``application_name``), so the test can tell whose query waits."""
    data = folder / "data"
    data.mkdir(parents=True)
    for shared_name in SHARED:
        (data / shared_name).symlink_to(shared / shared_name, target_is_directory=True)
    database = f"{base['DATABASE_URL']}?application_name={name}"
    return {**base, "SCORMLMS_DATA_DIR": str(data), "DATABASE_URL": database}


def base_env(*, database_url: str, redis: Path, addresses: list[str]) -> dict[str, str]:
    """What every host shares: the database, Redis, the secret key and the host names."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "INFO"}
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "SCORMLMS_SERVER"):
        env.pop(name, None)
    env["DATABASE_URL"] = database_url
    env["REDIS_URL"] = f"unix://{redis}"
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env["ALLOWED_HOSTS"] = ",".join(["127.0.0.1", "localhost", *addresses])
    return env
