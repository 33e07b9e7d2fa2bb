"""Both servers ``scormlms serve`` can run — granian (the default) and gunicorn — carry a
learner's session on the same database (login, start, a commit with 4 KB of suspend_data, the
state read, a stale commit refused, a clean stop on SIGTERM with no errors logged), and both
replace a worker process that dies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.hardening.conftest import LEARNER
from tests.hardening.helpers import commit_body
from tests.hardening.server import Browser, ProdServer

pytestmark = pytest.mark.server

_STORED = """
import json
from scormlms.tracking.models import ScoAttempt
sco = ScoAttempt.objects.get(attempt_id={attempt_id!r})
stored = {{"seq": sco.commit_seq, "location": sco.location, "suspendData": sco.suspend_data}}
print(json.dumps(stored))
"""


def _process_names(pid: int) -> str:
    """The command lines of ``pid`` and every process below it."""
    names = []
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            names.append(
                Path(f"/proc/{current}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            )
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending += [int(child) for child in children]
    return "\n".join(names)


def _start_on(
    name: str, prod_server: ProdServer, tmp_path: Path
) -> tuple[ProdServer, subprocess.Popen[bytes]]:
    """Another server on ``prod_server``'s database, run by ``name``; logs under ``tmp_path``."""
    server = ProdServer(tmp_path, prod_server.env | {"SCORMLMS_SERVER": name}, workers=2)
    server.start()
    assert server.proc is not None
    return server, server.proc


@pytest.mark.parametrize("name", ["granian", "gunicorn"])
def test_each_server_carries_a_session_and_stops_cleanly(
    name: str, prod_server: ProdServer, tmp_path: Path
) -> None:
    server, proc = _start_on(name, prod_server, tmp_path)
    try:
        names = _process_names(proc.pid)
        assert f"-m {name} " in names, names
        other = "gunicorn" if name == "granian" else "granian"
        assert f"-m {other} " not in names, names

        learner = Browser(server.url)
        learner.login(*LEARNER)
        started = learner.post_json("/lms/attempt/start", {"courseId": "servers"}).json()
        seq = int(started["launch"]["seq"]) + 1
        values = {
            "cmi.core.lesson_location": f"page-{name}",
            "cmi.suspend_data": name[0] * 4096,
        }
        reply = learner.post_json("/api/scorm/result", commit_body(started, seq, values))
        assert reply.status == 200, reply.body[:300]
        assert reply.json()["stale"] is False

        state = learner.request("GET", "/lms/enrolments/servers/state")
        assert state.status == 200
        assert state.json()["attemptId"] == started["attemptId"]
        assert state.json()["canResume"] is True
        assert server.shell_json(_STORED.format(attempt_id=started["attemptId"])) == {
            "seq": seq,
            "location": f"page-{name}",
            "suspendData": name[0] * 4096,
        }

        again = learner.post_json("/api/scorm/result", commit_body(started, seq, {}))
        assert again.status == 200
        assert again.json()["stale"] is True
    finally:
        server.stop()
    assert server.server_errors() == []
    assert proc.returncode == 0  # SIGTERM stopped it within the timeout; no SIGKILL needed


def _children(pid: int) -> set[int]:
    return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


@pytest.mark.parametrize("name", ["granian", "gunicorn"])
def test_a_worker_that_dies_is_replaced(name: str, prod_server: ProdServer, tmp_path: Path) -> None:
    """An OOM kill or a crash in C code takes one worker down: the server starts another one
    and keeps answering, and what it logs names the dead worker."""
    server, proc = _start_on(name, prod_server, tmp_path)
    try:
        workers = _children(proc.pid)
        assert len(workers) == 2, workers
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while True:
            now = _children(proc.pid)
            if len(now) == 2 and victim not in now:
                break
            assert time.monotonic() < deadline, f"no replacement for worker {victim}: {now}"
            time.sleep(0.2)
        # every connection lands on a live worker again
        replies = [Browser(server.url).request("GET", "/healthz") for _ in range(20)]
        assert [r.status for r in replies] == [200] * 20
    finally:
        server.stop()
    assert proc.returncode == 0
    assert any(str(victim) in line or "Unexpected exit" in line for line in server.server_errors())
