"""SIGKILL the production server in the middle of a burst of commits, restart it, replay.

The player keeps a journal of commits and re-sends every one the server has not acknowledged
(SPEC §4: ``seq`` makes the retry of an already stored commit answer ``stale``). After the
replay, nothing acknowledged may be missing, nothing may be stored twice, and the stored values
must be those of the highest ``seq``.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from typing import Any

import pytest

from tests.hardening.helpers import commit_body
from tests.hardening.server import TRANSPORT_ERRORS, Browser, ProdServer

pytestmark = pytest.mark.server

COMMITS = 120
THREADS = 6
KILL_AFTER_ACKS = 30
# The first commits are sent and their answers never read (a dropped connection): the server
# stores them, the journal still holds them, and the replay must find them stale.
DROPPED = 3

_STATE = """
import json
from django.db import connection
from scormlms.tracking.models import Attempt
attempt = Attempt.objects.get(id={attempt_id!r})
sco = attempt.sco_attempts.get()
events = attempt.events.filter(kind__in=["commit", "finish"]).order_by("id")
integrity = None
if connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        integrity = cursor.execute("PRAGMA integrity_check").fetchone()[0]
print(json.dumps({{
    "seq": sco.commit_seq,
    "commitCount": sco.commit_count,
    "attemptCommitCount": attempt.commit_count,
    "location": sco.location,
    "suspendData": sco.suspend_data,
    "eventSeqs": [e.data["seq"] for e in events],
    "openAttempts": Attempt.objects.filter(
        learner=attempt.learner, course=attempt.course, closed=False
    ).count(),
    "status": attempt.status,
    "integrity": integrity,
}}))
"""


def _commit(started: dict[str, Any], seq: int) -> dict[str, Any]:
    values = {
        "cmi.core.lesson_status": "incomplete",
        "cmi.core.lesson_location": f"p{seq}",
        "cmi.suspend_data": f"s{seq}",
    }
    return commit_body(started, seq, values, learnerId="ana", courseId="crash")


def _wait_until_stored(browser: Browser) -> None:
    """Until a dropped commit shows in the learner's state (a saved location: 50 %)."""
    deadline = time.monotonic() + 30
    while browser.request("GET", "/lms/enrolments/crash/state").json()["progressPercent"] == 0:
        assert time.monotonic() < deadline, "the dropped commits were never stored"
        time.sleep(0.05)


def _send_and_hang_up(browser: Browser, path: str, body: dict[str, Any]) -> None:
    cookies = "; ".join(f"{c.name}={c.value}" for c in browser.jar)
    host = browser.base_url.removeprefix("http://")
    conn = http.client.HTTPConnection(host, timeout=10)
    conn.request(
        "POST",
        path,
        json.dumps(body).encode(),
        {"Content-Type": "application/json", "Cookie": cookies},
    )
    conn.close()


def test_sigkill_mid_burst_loses_no_acknowledged_commit(
    prod_server: ProdServer, prod_learner: Browser
) -> None:
    started = prod_learner.post_json("/lms/attempt/start", {"courseId": "crash"}).json()
    first = started["launch"]["seq"] + 1
    for seq in range(first, first + DROPPED):
        _send_and_hang_up(prod_learner, "/api/scorm/result", _commit(started, seq))
    _wait_until_stored(prod_learner)
    pending = iter(range(first + DROPPED, first + COMMITS))
    lock = threading.Lock()
    acked: dict[int, dict[str, Any]] = {}
    unacked = list(range(first, first + DROPPED))
    bad: list[tuple[int, int, bytes]] = []
    enough = threading.Event()

    def fire() -> None:
        while True:
            with lock:
                seq = next(pending, None)
            if seq is None:
                return
            try:
                reply = prod_learner.post_json("/api/scorm/result", _commit(started, seq))
            except TRANSPORT_ERRORS:
                with lock:
                    unacked.append(seq)
                continue
            with lock:
                if reply.status == 200:
                    acked[seq] = reply.json()
                    if len(acked) >= KILL_AFTER_ACKS:
                        enough.set()
                else:
                    bad.append((seq, reply.status, reply.body[:300]))

    threads = [threading.Thread(target=fire) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        assert enough.wait(timeout=120), "the burst never reached the kill point"
        prod_server.kill()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        prod_server.ensure_started()
    assert not bad, bad
    assert len(unacked) > DROPPED, "the kill came too late: the whole burst was acknowledged"

    # The player's journal re-sends what was never acknowledged, oldest first.
    replayed: dict[int, dict[str, Any]] = {}
    for seq in sorted(unacked):
        reply = prod_learner.post_json("/api/scorm/result", _commit(started, seq))
        assert reply.status == 200, (seq, reply.status, reply.body[:300])
        replayed[seq] = reply.json()

    state = prod_server.shell_json(_STATE.format(attempt_id=started["attemptId"]))
    events = state["eventSeqs"]
    last = first + COMMITS - 1
    # Consistent: one open attempt, the values of the highest seq, a clean database file.
    assert state["openAttempts"] == 1 and state["status"] == "In Progress"
    assert state["integrity"] in (None, "ok")
    assert state["seq"] == last >= max(acked)
    assert (state["location"], state["suspendData"]) == (f"p{last}", f"s{last}")
    # Every stored commit is in the log once, in the order the seqs grow.
    assert events == sorted(set(events))
    assert state["commitCount"] == state["attemptCommitCount"] == len(events)
    # No acknowledged commit is missing.
    stored = set(events)
    applied_before_kill = {s for s, answer in acked.items() if not answer["stale"]}
    assert applied_before_kill <= stored
    # Each replayed commit was stored exactly once: applied now, or answered stale because it
    # (or a newer one) was already stored when the server died.
    applied_by_replay = {s for s, answer in replayed.items() if not answer["stale"]}
    assert applied_by_replay <= stored
    assert not applied_by_replay & applied_before_kill
    for seq, answer in replayed.items():
        assert answer["seq"] >= seq, (seq, answer)
    lost_acks = stored - applied_before_kill - applied_by_replay
    assert lost_acks and lost_acks <= set(unacked)
    assert not prod_server.server_errors(), prod_server.server_errors()
