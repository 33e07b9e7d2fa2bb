"""Staff reset a learner's attempts and set the record by hand (SPEC §6): the services in
``tracking.records`` and the staff POST views ``/staff/attempts/<id>/record/<action>``."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from scormlms.courses.models import Course, Enrolment
from scormlms.dashboard.selectors import course_report
from scormlms.tracking import records
from scormlms.tracking.models import Attempt, AttemptEvent, Certificate
from tests.tracking.conftest import Learner, make_course
from tests.tracking.test_review_and_retakes import confirmation

pytestmark = pytest.mark.django_db


def scaled(score: str, success: str = "passed") -> dict[str, str]:
    return {
        "cmi.completion_status": "completed",
        "cmi.success_status": success,
        "cmi.score.scaled": score,
    }


def finish(ana: Learner, values: dict[str, str], course_id: str = "c1") -> dict[str, Any]:
    started = ana.start(course_id)
    ana.result(started, values, reason="finish")
    return started


def new_attempt(ana: Learner) -> Any:
    """Confirm "Start a new attempt" as the learner's browser does."""
    return ana.client.post("/courses/c1/new-attempt", confirmation(ana))


def staff_post(staff: Learner, attempt_id: str, action: str, data: dict[str, str]) -> Any:
    return staff.client.post(f"/staff/attempts/{attempt_id}/record/{action}", data)


def enrolment_of(learner: Learner) -> Enrolment:
    return Enrolment.objects.get(learner=learner.user)


def override_columns(learner: Learner) -> dict[str, Any]:
    e = enrolment_of(learner)
    return {
        "completed": e.override_completed,
        "passed": e.override_passed,
        "score": e.override_score,
        "reason": e.override_reason,
        "by": e.override_by_id,
        "at": e.override_at,
    }


NO_OVERRIDE = {
    "completed": None,
    "passed": None,
    "score": None,
    "reason": "",
    "by": None,
    "at": None,
}


@pytest.fixture
def course() -> Course:
    return make_course()


@pytest.fixture
def staff(learner_factory) -> Learner:
    learner: Learner = learner_factory("boss", staff=True)
    return learner


# ----------------------------------------------------------------------------------- reset


def test_reset_marks_every_attempt_and_the_learner_starts_fresh(learner_factory, course, staff):
    course.max_attempts = 2
    course.save()
    ana = learner_factory(enrol=[course])
    first = finish(ana, scaled("0.9"))
    cert = Certificate.objects.get()
    assert new_attempt(ana).status_code == 302
    retake = ana.start("c1")
    ana.result(retake, {"cmi.location": "p2"})
    assert ana.state("c1")["newAttempt"]["allowed"] is False  # 2 of 2 used

    response = staff_post(staff, first["attemptId"], "reset", {"reason": "Wrong cohort"})
    assert response.status_code == 302
    assert response["Location"] == f"/staff/attempts/{first['attemptId']}/"

    old, running = (
        Attempt.objects.get(id=first["attemptId"]),
        Attempt.objects.get(id=retake["attemptId"]),
    )
    assert old.reset and old.status == "Completed"  # kept in history as it was
    assert running.reset and running.status == "Abandoned" and running.closed
    events = AttemptEvent.objects.filter(kind="reset").order_by("attempt__launched_at")
    assert [e.attempt_id for e in events] == [old.id, running.id]
    assert all(e.data == {"by": "boss", "reason": "Wrong cohort"} for e in events)

    state = ana.state("c1")
    assert state["status"] == "Not Started" and state["attemptId"] is None
    assert state["hasOpenAttempt"] is False and state["canResume"] is False
    assert state["canReview"] is False and state["retakeInProgress"] is False
    record = state["record"]
    assert record["recordStatus"] == "Not started" and record["attemptsUsed"] == 0
    assert record["recordScore"] is None and record["certificateUrl"] is None
    assert record["attemptId"] is None and record["attemptsAllowed"] == 2
    # The running session of the reset attempt takes no more commits.
    ana.result(retake, {"cmi.location": "p3"}, expect=409)
    # A fresh start, not a review of the reset attempt.
    fresh = ana.start("c1")
    assert fresh["created"] is True and fresh["review"] is False
    assert fresh["launch"]["entry"] == "ab-initio" and fresh["launch"]["seq"] == 0
    assert ana.state("c1")["record"]["attemptsUsed"] == 1
    # The certificate the reset attempt earned stays valid.
    assert Certificate.objects.get().code == cert.code
    assert ana.client.get(f"/certificates/verify/{cert.code}").status_code == 200


def test_reset_gives_back_a_used_up_single_attempt(learner_factory, course, staff):
    course.max_attempts = 1
    course.save()
    ana = learner_factory(enrol=[course])
    first = finish(ana, scaled("0.2", "failed"))
    assert new_attempt(ana).status_code == 409
    records.record_reset(learner_id=ana.user.pk, course=course, by=staff.user, reason="retry")
    assert ana.start("c1")["attemptId"] != first["attemptId"]
    assert Attempt.objects.filter(reset=False).count() == 1


def test_dont_save_after_a_reset_goes_back_to_not_started(learner_factory, course, staff):
    """The reset attempts are history: discarding the fresh one does not bring them back."""
    ana = learner_factory(enrol=[course])
    finish(ana, scaled("0.9"))
    records.record_reset(learner_id=ana.user.pk, course=course, by=staff.user, reason="r")
    fresh = ana.start("c1")
    response = ana.post(
        "/lms/attempt/discard", {"attemptId": fresh["attemptId"], "token": fresh["launch"]["token"]}
    )
    assert response.json()["kept"] is False
    state = ana.state("c1")
    assert state["status"] == "Not Started" and state["attemptId"] is None
    assert state["canReview"] is False
    assert state["record"]["recordStatus"] == "Not started"
    assert state["record"]["attemptsUsed"] == 0
    again = ana.start("c1")
    assert again["created"] is True and again["review"] is False


def test_reset_clears_an_override(learner_factory, course, staff):
    ana = learner_factory(enrol=[course])
    first = finish(ana, scaled("0.2", "failed"))
    records.record_override(
        learner_id=ana.user.pk, course=course, by=staff.user, reason="exam", passed=True
    )
    assert ana.state("c1")["record"]["overridden"] is True
    staff_post(staff, first["attemptId"], "reset", {"reason": "start again"})
    assert override_columns(ana) == NO_OVERRIDE
    record = ana.state("c1")["record"]
    assert record["overridden"] is False and record["recordStatus"] == "Not started"


def test_reset_without_a_reason_is_a_400_page_and_changes_nothing(learner_factory, course, staff):
    ana = learner_factory(enrol=[course])
    first = finish(ana, scaled("0.9"))
    for data in ({}, {"reason": ""}, {"reason": "   "}):
        response = staff_post(staff, first["attemptId"], "reset", data)
        assert response.status_code == 400
        assert 'role="alert"' in response.content.decode()
    assert not Attempt.objects.filter(reset=True).exists()
    assert not AttemptEvent.objects.filter(kind="reset").exists()
    assert ana.state("c1")["record"]["recordStatus"] == "Passed"


# -------------------------------------------------------------------------------- override


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        (
            {"passed": "yes", "score": "75"},
            {
                "recordStatus": "Passed",
                "recordPassed": True,
                "recordCompleted": True,
                "recordScore": 75,
            },
        ),
        (
            {"passed": "no"},
            {
                "recordStatus": "Failed",
                "recordPassed": False,
                "recordCompleted": True,
                "recordScore": 30,
            },
        ),
        (
            {"completed": "yes"},
            {
                "recordStatus": "Failed",
                "recordPassed": False,
                "recordCompleted": True,
                "recordScore": 30,
            },
        ),
        (
            {"score": "100"},
            {
                "recordStatus": "Failed",
                "recordPassed": False,
                "recordCompleted": True,
                "recordScore": 100,
            },
        ),
        (
            {"completed": "yes", "passed": "yes", "score": "0"},
            {
                "recordStatus": "Passed",
                "recordPassed": True,
                "recordCompleted": True,
                "recordScore": 0,
            },
        ),
    ],
)
def test_an_override_shows_in_the_record_and_the_event_log(
    learner_factory, course, staff, form, expected
):
    ana = learner_factory(enrol=[course])
    first = finish(ana, scaled("0.3", "failed"))
    response = staff_post(staff, first["attemptId"], "override", {**form, "reason": "Paper exam"})
    assert response.status_code == 302, response.content[:800]
    record = ana.state("c1")["record"]
    assert {k: record[k] for k in expected} == expected
    assert record["overridden"] is True
    assert record["attemptId"] == first["attemptId"]  # the attempts still say which one
    columns = override_columns(ana)
    assert columns["reason"] == "Paper exam" and columns["by"] == staff.user.pk
    assert columns["at"] is not None
    event = AttemptEvent.objects.get(kind="override")
    assert str(event.attempt_id) == first["attemptId"]
    assert event.data["by"] == "boss" and event.data["reason"] == "Paper exam"
    assert event.data["cleared"] is False
    assert event.data["recordBefore"] == "Failed"
    assert event.data["recordAfter"] == expected["recordStatus"]
    page = staff.client.get(f"/staff/attempts/{first['attemptId']}/").content.decode()
    assert 'id="record-overridden"' in page and "Paper exam" in page


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"passed": "yes"}, "reason"),
        ({"passed": "yes", "reason": "   "}, "reason"),
        ({"reason": "nothing to set"}, None),  # at least one of completed, passed, score
        ({"completed": "", "passed": "", "score": "", "reason": "empty"}, None),
        ({"score": "101", "reason": "too high"}, "score"),
        ({"score": "-1", "reason": "too low"}, "score"),
        ({"score": "abc", "reason": "not a number"}, "score"),
        ({"passed": "maybe", "reason": "bad choice"}, "passed"),
    ],
)
def test_an_invalid_override_is_a_400_page_and_changes_nothing(
    learner_factory, course, staff, form, field
):
    ana = learner_factory(enrol=[course])
    first = finish(ana, scaled("0.3", "failed"))
    before = ana.state("c1")["record"]
    response = staff_post(staff, first["attemptId"], "override", form)
    assert response.status_code == 400
    errors = response.context["override_form"].errors
    assert (field in errors) if field else ("__all__" in errors)
    assert ana.state("c1")["record"] == before
    assert override_columns(ana) == NO_OVERRIDE
    assert not AttemptEvent.objects.filter(kind="override").exists()


def test_the_service_refuses_an_override_without_reason_or_value(learner_factory, course, staff):
    ana = learner_factory(enrol=[course])
    finish(ana, scaled("0.3", "failed"))
    cases = [
        ({"reason": "", "passed": True}, records.REASON_REQUIRED),
        ({"reason": " \n", "passed": True}, records.REASON_REQUIRED),
        ({"reason": "x"}, records.NOTHING_TO_SET),
        ({"reason": "x", "score": Decimal("100.5")}, records.SCORE_RANGE),
        ({"reason": "x", "score": -0.5}, records.SCORE_RANGE),
    ]
    for kwargs, message in cases:
        with pytest.raises(records.RecordRefused, match=message):
            records.record_override(learner_id=ana.user.pk, course=course, by=staff.user, **kwargs)
    assert override_columns(ana) == NO_OVERRIDE
    assert not AttemptEvent.objects.filter(kind="override").exists()


def test_clearing_the_override_gives_the_record_back_to_the_attempts(
    learner_factory, course, staff
):
    ana = learner_factory(enrol=[course])
    first = finish(ana, scaled("0.3", "failed"))
    staff_post(
        staff, first["attemptId"], "override", {"passed": "yes", "score": "80", "reason": "exam"}
    )
    assert ana.state("c1")["record"]["recordStatus"] == "Passed"
    assert staff_post(staff, first["attemptId"], "clear", {}).status_code == 400
    assert ana.state("c1")["record"]["overridden"] is True
    response = staff_post(staff, first["attemptId"], "clear", {"reason": "exam was void"})
    assert response.status_code == 302
    record = ana.state("c1")["record"]
    assert record["overridden"] is False
    assert (record["recordStatus"], record["recordScore"]) == ("Failed", 30)
    assert override_columns(ana) == NO_OVERRIDE
    cleared = AttemptEvent.objects.filter(kind="override").order_by("id").last()
    assert cleared is not None
    assert cleared.data["cleared"] is True and cleared.data["by"] == "boss"
    assert cleared.data["reason"] == "exam was void"
    assert (cleared.data["recordBefore"], cleared.data["recordAfter"]) == ("Passed", "Failed")


def test_an_override_survives_later_attempts(learner_factory, course, staff):
    ana = learner_factory(enrol=[course])
    first = finish(ana, scaled("0.3", "failed"))
    records.record_override(
        learner_id=ana.user.pk, course=course, by=staff.user, reason="exam", passed=True
    )
    assert new_attempt(ana).status_code == 302
    finish(ana, scaled("0.1", "failed"))
    record = ana.state("c1")["record"]
    assert record["recordStatus"] == "Passed" and record["overridden"] is True
    assert record["recordScore"] == 30  # the score is still the attempts': highest of 30 and 10
    assert record["attemptId"] == first["attemptId"]


# ------------------------------------------------------------------------ who may do it


@pytest.mark.parametrize("action", ["override", "clear", "reset"])
def test_learners_get_403_on_the_staff_posts(learner_factory, course, action):
    ana = learner_factory(enrol=[course])
    bob = learner_factory("bob", enrol=[course])
    first = finish(ana, scaled("0.3", "failed"))
    data = {"passed": "yes", "reason": "I say so"}
    for who in (ana, bob):  # even on their own attempt
        assert staff_post(who, first["attemptId"], action, data).status_code == 403
    assert not Attempt.objects.filter(reset=True).exists()
    assert override_columns(ana) == NO_OVERRIDE
    assert not AttemptEvent.objects.filter(kind__in=["override", "reset"]).exists()


def test_unknown_actions_attempts_and_methods(learner_factory, course, staff):
    ana = learner_factory(enrol=[course])
    first = finish(ana, scaled("0.3", "failed"))
    assert staff_post(staff, first["attemptId"], "delete", {"reason": "x"}).status_code == 404
    missing = "00000000-0000-0000-0000-000000000000"
    assert staff_post(staff, missing, "reset", {"reason": "x"}).status_code == 404
    url = f"/staff/attempts/{first['attemptId']}/record/reset"
    assert staff.client.get(url).status_code == 405
    assert not Attempt.objects.filter(reset=True).exists()


# --------------------------------------------------------------------------------- report


def test_the_report_and_the_csv_count_overridden_records(learner_factory, course, staff):
    ana = learner_factory(enrol=[course])
    bob = learner_factory("bob", enrol=[course])
    cy = learner_factory("cy", enrol=[course])
    finish(ana, scaled("0.3", "failed"))
    finish(bob, scaled("0.9"))
    learner_factory("dee", enrol=[course])  # never started
    report = course_report(course=course)
    assert (report.enrolled, report.passed, report.completed, report.overridden) == (4, 1, 2, 0)

    records.record_override(
        learner_id=ana.user.pk, course=course, by=staff.user, reason="exam", passed=True
    )
    records.record_override(
        learner_id=cy.user.pk, course=course, by=staff.user, reason="RPL", completed=True
    )
    report = course_report(course=course)
    assert (report.enrolled, report.passed, report.completed, report.overridden) == (4, 2, 3, 2)
    body = staff.client.get("/staff/courses/c1/report/").content.decode()
    assert '<span id="overridden-count">2</span>' in body

    response = staff.client.get("/lms/admin/enrolments?course=c1&ordering=learner&format=csv")
    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_learner = {row["learner"]: row for row in table}
    assert by_learner["ana"]["recordOverridden"] == "True"
    assert by_learner["ana"]["recordStatus"] == "Passed"
    assert by_learner["cy"]["recordStatus"] == "Completed"
    assert by_learner["bob"]["recordOverridden"] == "False"
    rows = staff.client.get("/lms/admin/enrolments?course=c1&ordering=learner").json()["results"]
    assert [r["record"]["overridden"] for r in rows] == [True, False, True, False]


def test_a_record_set_to_failed_shows_no_certificate_but_it_stays_verifiable(
    learner_factory, course, staff
):
    ana = learner_factory(enrol=[course])
    started = finish(ana, scaled("0.9"))
    passed = ana.state("c1")["record"]
    assert passed["certificateUrl"]
    staff_post(staff, started["attemptId"], "override", {"passed": "no", "reason": "Cheated."})
    record = ana.state("c1")["record"]
    assert (record["recordStatus"], record["certificateUrl"]) == ("Failed", None)
    code = Certificate.objects.get().code
    assert ana.client.get(f"/certificates/verify/{code}").status_code == 200
    staff_post(staff, started["attemptId"], "clear", {"reason": "Appeal upheld."})
    assert ana.state("c1")["record"]["certificateUrl"] == passed["certificateUrl"]
