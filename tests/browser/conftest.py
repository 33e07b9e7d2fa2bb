"""Browser test plumbing: the real production server (``scormlms serve``) and headless Chromium.

The server runs in its own process on a free loopback port with a throwaway data dir. On SQLite
it gets a fresh file; when ``DATABASE_URL`` points at PostgreSQL it gets a fresh database that is
dropped afterwards. Tests prepare data with the ``scormlms`` command line, as an admin would.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO / "test-artifacts"
SCORMLMS = str(Path(sys.executable).with_name("scormlms"))

# Playwright's sync API keeps an event loop in this thread; browser tests never touch the
# test database from Python, so Django's async-safety guard would only get in the way.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    data_dir: Path

    def manage(self, *args: str) -> str:
        """Run a ``scormlms`` command against the server's database; returns stdout."""
        done = subprocess.run(
            [SCORMLMS, *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            raise AssertionError(f"scormlms {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout


def _fresh_postgres(url: str) -> tuple[str, str]:
    import psycopg

    name = f"scormlms_browser_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}", name


def _drop_postgres(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def serving(server: LiveServer, port: int, workers: int = 2) -> Iterator[None]:
    """Run ``scormlms serve`` (granian unless SCORMLMS_SERVER says gunicorn) for ``server``
    until the block ends."""
    log = (server.data_dir / "server.log").open("w")
    proc = subprocess.Popen(
        [SCORMLMS, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=server.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{server.url}/healthz", timeout=15)
                break
            except OSError:  # refused, reset or timed out while the workers boot
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "server did not start:\n" + (server.data_dir / "server.log").read_text()
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def live_server_proc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("server-data")
    port = _free_port()
    env = {**os.environ, "SCORMLMS_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    admin_url = os.environ.get("DATABASE_URL", "")
    pg_name = None
    if admin_url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"], pg_name = _fresh_postgres(admin_url)
    else:
        env.pop("DATABASE_URL", None)
    server = LiveServer(url=f"http://127.0.0.1:{port}", env=env, data_dir=data_dir)
    server.manage("migrate", "-v0")
    try:
        with serving(server, port):
            yield server
    finally:
        if pg_name:
            _drop_postgres(admin_url, pg_name)


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    pg = context.new_page()
    yield pg
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        # A test that closed its own context (a second device) has no page left to show.
        with contextlib.suppress(PlaywrightError):
            pg.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
    with contextlib.suppress(PlaywrightError):
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


def login(page: object, server: LiveServer, username: str, password: str) -> None:
    """Log in through the real login form."""
    page.goto(f"{server.url}/accounts/login/")  # type: ignore[attr-defined]
    page.fill("#id_username", username)  # type: ignore[attr-defined]
    page.fill("#id_password", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
