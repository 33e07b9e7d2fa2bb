"""The races of tests/tracking/test_concurrency.py, against the real production server.

Several worker processes of the production server, real HTTP from many threads, on whichever
database ``DATABASE_URL`` selects: on SQLite this is what proves that IMMEDIATE transactions
serialise writers across processes instead of failing with "database is locked". No 5xx is
allowed.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from tests.hardening.helpers import commit_body
from tests.hardening.server import Browser, ProdServer, Reply

pytestmark = pytest.mark.server

T = TypeVar("T")

_ATTEMPTS = """
import json
from scormlms.tracking.models import Attempt
rows = Attempt.objects.filter(course__course_id={course_id!r})
print(json.dumps({{"all": rows.count(), "open": rows.filter(closed=False).count()}}))
"""

_SCO = """
import json
from django.core.files.storage import default_storage
from scormlms.tracking.models import Attempt, Certificate
attempt = Attempt.objects.get(id={attempt_id!r})
sco = attempt.sco_attempts.get()
events = attempt.events.filter(kind="commit").order_by("id")
print(json.dumps({{
    "seq": sco.commit_seq,
    "location": sco.location,
    "commitCount": sco.commit_count,
    "eventSeqs": [e.data["seq"] for e in events],
    "certificates": Certificate.objects.filter(attempt=attempt).count(),
    "certificateEvents": attempt.events.filter(kind="certificate").count(),
    "pdfsStored": [
        default_storage.exists(c.file) for c in Certificate.objects.filter(attempt=attempt)
    ],
}}))
"""


def _together(n: int, fn: Callable[[int], T]) -> list[T]:
    """Run ``fn(0..n-1)`` on ``n`` threads released at the same instant."""
    barrier = threading.Barrier(n)

    def run(i: int) -> T:
        barrier.wait(timeout=30)
        return fn(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def _all_ok(replies: list[Reply]) -> list[dict[str, Any]]:
    assert [r.status for r in replies] == [200] * len(replies), [
        (r.status, r.body[:200]) for r in replies if r.status != 200
    ]
    return [r.json() for r in replies]


def test_eight_simultaneous_starts_open_one_attempt(
    prod_server: ProdServer, prod_learner: Browser
) -> None:
    answers = _all_ok(
        _together(
            8, lambda i: prod_learner.post_json("/lms/attempt/start", {"courseId": "race-start"})
        )
    )
    assert len({a["attemptId"] for a in answers}) == 1
    assert sum(a["created"] for a in answers) == 1
    assert len({a["launch"]["token"] for a in answers}) == 8  # one SCO session each
    assert prod_server.shell_json(_ATTEMPTS.format(course_id="race-start")) == {
        "all": 1,
        "open": 1,
    }
    assert not prod_server.server_errors(), prod_server.server_errors()


def test_fifty_parallel_commits_with_shuffled_seq_end_with_the_highest(
    prod_server: ProdServer, prod_learner: Browser
) -> None:
    started = prod_learner.post_json("/lms/attempt/start", {"courseId": "race-seq"}).json()
    seqs = list(range(1, 51))
    random.Random(7).shuffle(seqs)
    answers = _all_ok(
        _together(
            50,
            lambda i: prod_learner.post_json(
                "/api/scorm/result",
                commit_body(started, seqs[i], {"cmi.core.lesson_location": f"p{seqs[i]}"}),
            ),
        )
    )
    state = prod_server.shell_json(_SCO.format(attempt_id=started["attemptId"]))
    assert (state["seq"], state["location"]) == (50, "p50")
    applied = sorted(seq for seq, a in zip(seqs, answers, strict=True) if not a["stale"])
    # Each stored commit is logged once, in growing seq order; the stale ones stored nothing.
    assert state["eventSeqs"] == applied
    assert state["commitCount"] == len(applied)
    assert not prod_server.server_errors(), prod_server.server_errors()


def test_twenty_simultaneous_passing_commits_issue_one_certificate(
    prod_server: ProdServer, prod_learner: Browser
) -> None:
    started = prod_learner.post_json("/lms/attempt/start", {"courseId": "race-cert"}).json()
    passed = {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"}
    answers = _all_ok(
        _together(
            20,
            lambda i: prod_learner.post_json(
                "/api/scorm/result", commit_body(started, i + 1, passed)
            ),
        )
    )
    state = prod_server.shell_json(_SCO.format(attempt_id=started["attemptId"]))
    assert state["certificates"] == state["certificateEvents"] == 1
    assert state["pdfsStored"] == [False]  # no commit renders it: the first download does
    urls = {a["certificateUrl"] for a in answers}
    assert len(urls) == 1 and None not in urls
    pdf = prod_learner.request("GET", urls.pop())
    assert pdf.status == 200 and pdf.body.startswith(b"%PDF")
    state = prod_server.shell_json(_SCO.format(attempt_id=started["attemptId"]))
    assert state["pdfsStored"] == [True]
    assert not prod_server.server_errors(), prod_server.server_errors()
