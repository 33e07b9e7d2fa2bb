"""Seed 003 §1–2 through the real endpoints: start, resume, policy, Don't save."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scormlms.tracking.models import Attempt, AttemptEvent
from tests.tracking.conftest import make_course

pytestmark = pytest.mark.django_db


def test_start_opens_one_in_progress_attempt_and_a_second_start_resumes_it(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    first = ana.start("c1")
    assert first["status"] == "In Progress"
    assert first["launch"]["entry"] == "ab-initio"
    assert first["launch"]["seq"] == 0
    assert first["launch"]["launchUrl"] == "/content/c1/sco1.html"
    second = ana.start("c1")
    assert second["attemptId"] == first["attemptId"]
    assert second["launch"]["token"] != first["launch"]["token"]
    attempt = Attempt.objects.get()
    assert (attempt.status, attempt.completed, attempt.closed) == ("In Progress", False, False)
    assert attempt.launched_at is not None
    state = ana.state("c1")
    assert state["status"] == "In Progress"
    assert state["hasOpenAttempt"] is True
    assert state["attemptId"] == first["attemptId"]


def test_new_attempt_policy_abandons_the_open_one(learner_factory):
    course = make_course(relaunch_policy="new")
    ana = learner_factory(enrol=[course])
    first = ana.start("c1")
    again = ana.start("c1")
    assert again["attemptId"] != first["attemptId"]
    old = Attempt.objects.get(id=first["attemptId"])
    assert old.status == "Abandoned" and old.closed
    assert AttemptEvent.objects.filter(attempt=old, kind="abandon").exists()
    # A player moving between SCOs of the same attempt passes attemptId: no new attempt.
    same = ana.start("c1", attemptId=again["attemptId"])
    assert same["attemptId"] == again["attemptId"]


def test_start_refuses_strangers_unknown_courses_and_bad_bodies(learner_factory):
    make_course()
    bob = learner_factory("bob")
    response = bob.post("/lms/attempt/start", {"courseId": "c1"})
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert bob.post("/lms/attempt/start", {"courseId": "nope"}).status_code == 404
    response = bob.post("/lms/attempt/start", "{not json")
    assert response.status_code == 400 and response.json()["field"] == "body"
    response = bob.post("/lms/attempt/start", {"courseId": 7})
    assert response.status_code == 400 and response.json()["field"] == "courseId"
    assert not Attempt.objects.exists()


def test_staff_may_launch_any_course(learner_factory):
    make_course()
    sam = learner_factory("sam", staff=True)
    assert sam.start("c1")["status"] == "In Progress"


def test_dont_save_without_commits_returns_to_not_started(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    response = ana.post(
        "/lms/attempt/discard",
        {"attemptId": started["attemptId"], "token": started["launch"]["token"]},
    )
    assert response.status_code == 200
    assert response.json() == {"ok": True, "kept": False, "status": "Not Started"}
    state = ana.state("c1")
    assert state["status"] == "Not Started"
    assert state["hasOpenAttempt"] is False and state["canResume"] is False
    assert not Attempt.objects.exists()


def test_dont_save_after_a_commit_keeps_in_progress(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    ana.result(started, {"cmi.location": "p3"})
    response = ana.post(
        "/lms/attempt/discard",
        {"attemptId": started["attemptId"], "token": started["launch"]["token"]},
    )
    assert response.json()["kept"] is True
    state = ana.state("c1")
    assert state["status"] == "In Progress" and state["canResume"] is True


def test_discard_needs_the_learners_own_token(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    bob = learner_factory("bob", enrol=[course])
    anas = ana.start("c1")
    bobs = bob.start("c1")
    response = bob.post(
        "/lms/attempt/discard", {"attemptId": anas["attemptId"], "token": bobs["launch"]["token"]}
    )
    assert response.status_code == 403
    response = bob.post(
        "/lms/attempt/discard", {"attemptId": anas["attemptId"], "token": anas["launch"]["token"]}
    )
    assert response.status_code == 403
    assert Attempt.objects.filter(id=anas["attemptId"]).exists()


def test_resume_preloads_the_stored_state_with_entry_resume(learner_factory):
    course = make_course(standard="1.2")
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    ana.result(
        started,
        {
            "cmi.core.lesson_location": "page-4",
            "cmi.suspend_data": "abc",
            "cmi.core.exit": "suspend",
        },
        reason="finish",
        **{"cmi": {"core": {"lesson_location": "page-4"}, "suspend_data": "abc"}},
    )
    again = ana.start("c1")
    assert again["attemptId"] == started["attemptId"]
    launch = again["launch"]
    assert launch["entry"] == "resume"
    assert launch["seq"] == 1
    assert launch["values"]["cmi.core.lesson_location"] == "page-4"
    assert launch["cmi"]["core"]["lesson_location"] == "page-4"
    assert launch["cmi"]["core"]["entry"] == "resume"
    assert launch["cmi"]["suspend_data"] == "abc"


def test_start_preloads_the_manifests_objective_ids(learner_factory):
    # SCORM 2004 RTE 4.2.17: the LMS initialises cmi.objectives.n.id from the manifest.
    course = make_course(items=[{"item_id": "sco1", "objective_ids": ["primary", "obj-2"]}])
    ana = learner_factory(enrol=[course])
    launch = ana.start("c1")["launch"]
    assert [o["id"] for o in launch["cmi"]["objectives"]] == ["primary", "obj-2"]


def test_a_new_attempt_is_written_in_one_statement_on_postgresql(learner_factory):
    """The start reads the session, the course, the enrolment and the open attempt, and writes
    every row (attempt, enrolment, SCO attempt, launch session, event) in one statement."""
    if connection.vendor != "postgresql":
        pytest.skip("one statement for all writes is PostgreSQL's (rows.Batch)")
    course = make_course(items=[{"item_id": f"s{i}"} for i in range(3)])
    learner_factory("bob", enrol=[course]).start("c1")  # the course's items are cached now
    ana = learner_factory(enrol=[course])
    with CaptureQueriesContext(connection) as ctx:
        started = ana.start("c1")
    queries = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    writes = [q for q in queries if not q.startswith("SELECT")]
    assert len(writes) == 1, writes
    assert all(f'INTO "{t}"' in writes[0] for t in ("tracking_attempt", "tracking_scoattempt"))
    assert len(queries) == 5, queries
    assert started["created"] is True
    assert ana.state("c1")["status"] == "In Progress"


def test_the_start_answers_with_the_checklist_the_state_endpoint_gives(learner_factory):
    course = make_course(
        items=[{"item_id": "s1"}, {"item_id": "s2"}, {"item_id": "ref", "scorm_type": "asset"}]
    )
    ana = learner_factory(enrol=[course])
    first = ana.start("c1")
    assert first["launch"]["items"] == ana.state("c1")["items"]
    ana.result(first, {"cmi.completion_status": "completed", "cmi.success_status": "passed"})
    second = ana.start("c1", itemId="s2", attemptId=first["attemptId"])
    assert second["launch"]["items"] == ana.state("c1")["items"]
    third = ana.start("c1", itemId="ref", attemptId=first["attemptId"])  # completes on launch
    assert third["launch"]["items"] == ana.state("c1")["items"]
    statuses = {i["itemId"]: i["completed"] for i in third["launch"]["items"]}
    assert statuses == {"s1": True, "s2": False, "ref": True}
