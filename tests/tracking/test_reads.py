"""State and staff list endpoints: fields, filters, CSV, and a constant number of queries."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.tracking.conftest import make_course

pytestmark = pytest.mark.django_db


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_state_for_a_new_learner_is_not_started(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    state = ana.state("c1")
    assert {
        k: state[k]
        for k in (
            "status",
            "hasOpenAttempt",
            "attemptId",
            "lastActivity",
            "score",
            "pass",
            "canResume",
        )
    } == {
        "status": "Not Started",
        "hasOpenAttempt": False,
        "attemptId": None,
        "lastActivity": None,
        "score": None,
        "pass": None,
        "canResume": False,
    }
    assert state["displayStatus"] == "Not started"
    assert state["items"][0]["itemId"] == "sco1"


def test_state_refuses_strangers(learner_factory):
    make_course()
    bob = learner_factory("bob")
    response = bob.client.get("/lms/enrolments/c1/state")
    assert response.status_code == 403
    assert bob.client.get("/lms/enrolments/zzz/state").status_code == 404


def test_state_uses_a_constant_number_of_queries(learner_factory):
    course = make_course(items=[{"item_id": f"s{i}"} for i in range(5)])
    ana = learner_factory(enrol=[course])
    first = ana.start("c1", itemId="s0")
    ana.result(first, {"cmi.location": "x"})
    small = _queries(lambda: ana.state("c1"))
    for i in range(1, 5):
        started = ana.start("c1", itemId=f"s{i}", attemptId=first["attemptId"])
        for _ in range(3):
            ana.result(started, {"cmi.location": "y"})
    assert _queries(lambda: ana.state("c1")) == small


def _fill(learner_factory, n: int, offset: int = 0):
    course = make_course(f"k{offset}")
    staff = learner_factory(f"staff{offset}", staff=True)
    for i in range(n):
        learner = learner_factory(f"l{offset}-{i}", enrol=[course])
        started = learner.start(course.course_id)
        if i % 2:
            learner.result(
                started, {"cmi.completion_status": "completed", "cmi.score.raw": str(50 + i)}
            )
    return staff


def test_admin_list_fields_filters_and_constant_queries(learner_factory):
    staff = _fill(learner_factory, 2, 0)
    small = _queries(lambda: staff.client.get("/lms/admin/enrolments"))
    _fill(learner_factory, 12, 1)
    assert _queries(lambda: staff.client.get("/lms/admin/enrolments")) == small
    body = staff.client.get("/lms/admin/enrolments?course=k1&ordering=learner&pageSize=5").json()
    assert body["count"] == 12 and len(body["results"]) == 5
    row = body["results"][0]
    assert row["learner"] == "l1-0" and row["courseId"] == "k1"
    for key in (
        "status",
        "hasOpenAttempt",
        "attemptId",
        "lastActivity",
        "score",
        "pass",
        "canResume",
        "displayStatus",
        "progressPercent",
        "launchedAt",
        "lastCommitAt",
    ):
        assert key in row
    completed = staff.client.get("/lms/admin/enrolments?course=k1&status=Completed").json()
    assert completed["count"] == 6
    assert all(r["status"] == "Completed" for r in completed["results"])
    page3 = staff.client.get("/lms/admin/enrolments?course=k1&pageSize=5&page=3").json()
    assert len(page3["results"]) == 2
    one = staff.client.get("/lms/admin/enrolments?learner=l1-3").json()
    assert one["count"] == 1 and one["results"][0]["score"] == 53


def test_admin_list_csv_matches_the_json_rows(learner_factory):
    staff = _fill(learner_factory, 4)
    rows = staff.client.get("/lms/admin/enrolments?ordering=learner").json()["results"]
    response = staff.client.get("/lms/admin/enrolments?ordering=learner&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["learner"] for r in table] == [r["learner"] for r in rows]
    assert [r["status"] for r in table] == [r["status"] for r in rows]


def test_admin_list_is_staff_only_and_validates_parameters(learner_factory):
    staff = _fill(learner_factory, 1)
    ana = learner_factory("ana")
    assert ana.client.get("/lms/admin/enrolments").status_code == 403
    for query, field in [
        ("ordering=drop", "ordering"),
        ("status=Done", "status"),
        ("page=0", "page"),
        ("pageSize=9999", "pageSize"),
    ]:
        response = staff.client.get(f"/lms/admin/enrolments?{query}")
        assert response.status_code == 400 and response.json()["field"] == field
