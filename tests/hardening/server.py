"""The real production server under our control, and a small stdlib HTTP client for it.

:class:`ProdServer` runs ``scormlms serve`` (granian by default, several worker processes) in a
process group of its own, so a test can SIGKILL the master and every worker at once and start
the server again on the same data dir and database. :class:`Browser` is a cookie-keeping
``urllib`` client that logs in through the login form and sends JSON the way the player does.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from tests.browser.conftest import SCORMLMS, LiveServer, _free_port

# What a client sees when the server dies under it: the request was not acknowledged.
TRANSPORT_ERRORS = (urllib.error.URLError, http.client.HTTPException, OSError)


def fresh_postgres(admin_url: str) -> tuple[str, str]:
    """A new empty database next to the one ``admin_url`` names: (its url, its name)."""
    import psycopg

    name = f"scormlms_hardening_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}", name


def drop_postgres(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class ProdServer(LiveServer):
    """``scormlms serve`` in its own session (process group); restartable on the same data."""

    def __init__(self, data_dir: Path, env: dict[str, str], workers: int = 2) -> None:
        port = _free_port()
        super().__init__(url=f"http://127.0.0.1:{port}", env=env, data_dir=data_dir)
        self.port = port
        self.workers = workers
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, timeout: float = 60) -> None:
        """Start the server and wait until it answers."""
        assert self.proc is None, "already running"
        self.starts += 1
        log = (self.data_dir / f"server-{self.starts}.log").open("wb")
        argv = [SCORMLMS, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        argv += ["--workers", str(self.workers), "--no-collectstatic"]
        # A new session makes the server the leader of its own process group: killpg reaches
        # the server's main process and all its workers, and nothing else.
        self.proc = subprocess.Popen(
            argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(*TRANSPORT_ERRORS):
                urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2).close()
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{self.log_text()}")
            time.sleep(0.1)

    def ensure_started(self) -> None:
        if self.proc is None:
            self.start()

    def kill(self) -> None:
        """SIGKILL the master and every worker: no shutdown code runs anywhere."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=15)
        self._wait_group_gone(self.proc.pid)
        self.proc = None

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)
        self.proc = None

    @staticmethod
    def _wait_group_gone(pgid: int, timeout: float = 15) -> None:
        # Workers are reparented when the master dies; wait until the kernel has reaped them.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise RuntimeError(f"process group {pgid} survived SIGKILL")

    def log_text(self) -> str:
        return "\n".join(
            p.read_text(errors="replace") for p in sorted(self.data_dir.glob("server-*.log"))
        )

    def server_errors(self) -> list[str]:
        """Log lines of 5xx answers and unhandled exceptions (our JSON logs at level ERROR)
        and of the server's own trouble (granian's and gunicorn's plain ``[ERROR]`` and
        ``[CRITICAL]`` lines: crashed workers)."""
        lines = []
        for line in self.log_text().splitlines():
            if "[ERROR]" in line or "[CRITICAL]" in line:
                lines.append(line)
                continue
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict) and record.get("level") in {"ERROR", "CRITICAL"}:
                    lines.append(line)
        return lines

    def shell_json(self, code: str) -> Any:
        """Run Python in ``scormlms shell`` against the server's database; the code prints one
        JSON document as its last line of output."""
        out = self.manage("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # show the 302 itself


class Browser:
    """One logged-in browser: its cookies (session, CSRF) shared by every thread using it."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Reply:
        """Any HTTP answer becomes a Reply; a broken connection raises (TRANSPORT_ERRORS)."""
        req = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers or {}
        )
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return Reply(response.status, response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Reply(error.code, error.read())

    def cookie(self, name: str) -> str:
        return next((c.value or "" for c in self.jar if c.name == name), "")

    def login(self, username: str, password: str) -> None:
        self.request("GET", "/accounts/login/")
        form = {"username": username, "password": password}
        form["csrfmiddlewaretoken"] = self.cookie("csrftoken")
        reply = self.request(
            "POST",
            "/accounts/login/",
            urllib.parse.urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert reply.status == 302, f"login failed: {reply.status} {reply.body[:300]!r}"

    def post_json(self, path: str, data: Any) -> Reply:
        headers = {"Content-Type": "application/json", "X-CSRFToken": self.cookie("csrftoken")}
        return self.request("POST", path, json.dumps(data).encode(), headers)
