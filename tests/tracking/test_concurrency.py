"""Races that only a real multi-connection database shows (PostgreSQL in CI).

SQLite's in-memory test database shares one cache between threads and reports table locks
instead of waiting, so these run on PostgreSQL only; the production server on SQLite
serialises writers with IMMEDIATE transactions instead.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from scormlms.tracking.models import Attempt, Certificate, ScoAttempt
from tests.tracking.conftest import make_course

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)"
    ),
]


def _parallel(n: int, fn) -> list:
    def run(i):
        try:
            return fn(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_two_simultaneous_starts_open_one_attempt(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    results = _parallel(8, lambda i: ana.start("c1"))
    assert len({r["attemptId"] for r in results}) == 1
    assert Attempt.objects.filter(closed=False).count() == 1


def test_parallel_commits_with_shuffled_seq_end_with_the_highest(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    seqs = list(range(1, 51))
    random.Random(7).shuffle(seqs)
    _parallel(50, lambda i: ana.result(started, {"cmi.location": f"p{seqs[i]}"}, seq=seqs[i]))
    sco = ScoAttempt.objects.get()
    assert sco.location == "p50" and sco.commit_seq == 50


def test_twenty_simultaneous_passing_commits_issue_one_certificate(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    _parallel(20, lambda i: ana.result(started, {"cmi.success_status": "passed"}, seq=i + 1))
    assert Certificate.objects.count() == 1
