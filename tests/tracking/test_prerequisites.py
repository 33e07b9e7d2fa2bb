"""SCORM 1.2 prerequisites through the real endpoints: the start refuses a locked item (409
naming what is missing), picks the first item whose prerequisites are met, reviews a finished
SCO whatever its prerequisites say now, and the checklist says what is locked and why."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scormlms.tracking.models import Attempt, LaunchSession
from tests.tracking.conftest import make_course

pytestmark = pytest.mark.django_db

LESSONS = [
    {"item_id": "l1", "title": "Lesson 1"},
    {"item_id": "l2", "title": "Lesson 2"},
    {"item_id": "q", "title": "Quiz", "prerequisites": "l1&l2"},
]
QUIZ_LOCKED = "“Quiz” opens once “Lesson 1” and “Lesson 2” are completed or passed."


def course12(items: list[dict[str, Any]] | None = None, **settings: Any) -> Any:
    return make_course(standard="1.2", items=items or LESSONS, **settings)


def refused(learner: Any, **body: Any) -> dict[str, Any]:
    response = learner.post("/lms/attempt/start", {"courseId": "c1", **body})
    assert response.status_code == 409, response.content
    data: dict[str, Any] = response.json()
    return data


def finish(learner: Any, started: dict[str, Any], status: str) -> None:
    learner.result(started, {"cmi.core.lesson_status": status}, reason="finish")


def locks(state: dict[str, Any]) -> dict[str, Any]:
    return {i["itemId"]: (i["available"], i["lockedReason"]) for i in state["items"]}


def test_a_locked_item_is_refused_with_409_naming_its_prerequisites(learner_factory):
    ana = learner_factory(enrol=[course12()])
    assert refused(ana, itemId="q") == {
        "ok": False,
        "error": "conflict",
        "field": "itemId",
        "message": QUIZ_LOCKED,
    }
    # Nothing was written: no attempt, no session.
    assert not Attempt.objects.exists() and not LaunchSession.objects.exists()


def test_the_item_opens_once_its_prerequisites_are_completed_or_passed(learner_factory):
    ana = learner_factory(enrol=[course12()])
    first = ana.start("c1", itemId="l1")
    finish(ana, first, "completed")
    second = ana.start("c1", itemId="l2", attemptId=first["attemptId"])
    finish(ana, second, "failed")  # failed is not "completed or passed" (AICC)
    message = refused(ana, itemId="q", attemptId=first["attemptId"])["message"]
    assert message == "“Quiz” opens once “Lesson 2” is completed or passed."
    again = ana.start("c1", itemId="l2", attemptId=first["attemptId"])
    finish(ana, again, "passed")
    quiz = ana.start("c1", itemId="q", attemptId=first["attemptId"])
    assert quiz["launch"]["itemId"] == "q" and quiz["review"] is False


def test_the_checklist_says_which_items_are_locked_and_why(learner_factory):
    ana = learner_factory(enrol=[course12()])
    reason = "Opens once “Lesson 1” and “Lesson 2” are completed or passed."
    before = {"l1": (True, None), "l2": (True, None), "q": (False, reason)}
    assert locks(ana.state("c1")) == before
    first = ana.start("c1")
    assert locks(first["launch"]) == before  # the start answers the same checklist
    finish(ana, first, "passed")
    assert locks(ana.state("c1"))["q"] == (
        False,
        "Opens once “Lesson 2” is completed or passed.",
    )
    second = ana.start("c1", itemId="l2", attemptId=first["attemptId"])
    finish(ana, second, "completed")
    assert all(available for available, _ in locks(ana.state("c1")).values())


def test_without_an_item_the_start_picks_the_first_item_whose_prerequisites_are_met(
    learner_factory,
):
    items = [
        {"item_id": "q", "title": "Quiz", "prerequisites": "l1"},
        {"item_id": "l1", "title": "Lesson 1"},
    ]
    ana = learner_factory(enrol=[course12(items)])
    first = ana.start("c1")
    assert first["launch"]["itemId"] == "l1"
    finish(ana, first, "completed")
    # The attempt is done with l1 and q is open now: the next start goes there.
    assert ana.start("c1", attemptId=first["attemptId"])["launch"]["itemId"] == "q"


def test_when_every_item_is_locked_the_start_says_why(learner_factory):
    items = [
        {"item_id": "a", "title": "A", "prerequisites": "b"},
        {"item_id": "b", "title": "B", "prerequisites": "a"},
    ]
    ana = learner_factory(enrol=[course12(items)])
    assert refused(ana) == {
        "ok": False,
        "error": "conflict",
        "field": "",
        "message": "“A” opens once “B” is completed or passed.",
    }


def test_an_asset_counts_as_completed_once_launched(learner_factory):
    items = [
        {"item_id": "sheet", "title": "Sheet", "scorm_type": "asset"},
        {"item_id": "q", "title": "Quiz", "prerequisites": "sheet"},
    ]
    ana = learner_factory(enrol=[course12(items)])
    refused(ana, itemId="q")
    first = ana.start("c1", itemId="sheet")
    assert ana.start("c1", itemId="q", attemptId=first["attemptId"])["launch"]["itemId"] == "q"


def test_a_broken_expression_does_not_lock_the_item(learner_factory):
    items = [{"item_id": "l1"}, {"item_id": "q", "prerequisites": "l1 & (nope"}]
    ana = learner_factory(enrol=[course12(items)])
    assert ana.start("c1", itemId="q")["launch"]["itemId"] == "q"
    assert all(i["available"] for i in ana.state("c1")["items"])


def test_a_finished_attempt_reviews_a_finished_sco_whatever_its_prerequisites_say_now(
    learner_factory,
):
    # "intro" is open while "test" is not yet done; "extra" is excluded from the course's
    # completion, so the attempt can finish while it is never launched.
    items = [
        {"item_id": "intro", "title": "Intro", "prerequisites": "~test"},
        {"item_id": "test", "title": "Test"},
        {
            "item_id": "extra",
            "title": "Extra",
            "prerequisites": "~test",
            "rollup_completion": False,
            "rollup_satisfied": False,
        },
    ]
    ana = learner_factory(enrol=[course12(items)])
    first = ana.start("c1", itemId="intro")
    finish(ana, first, "completed")
    test = ana.start("c1", itemId="test", attemptId=first["attemptId"])
    finish(ana, test, "passed")
    assert Attempt.objects.get().status == "Completed"
    # intro is locked by ~test now, but the finished attempt shows it again in review.
    review = ana.start("c1", itemId="intro")
    assert review["review"] is True and review["launch"]["mode"] == "review"
    assert locks(review["launch"])["intro"] == (True, None)
    # extra was never played: prerequisites still apply to it in the finished attempt.
    assert refused(ana, itemId="extra")["message"] == (
        "“Extra” opens once “Test” is neither completed nor passed."
    )
    assert locks(ana.state("c1"))["extra"][0] is False


def test_a_scorm_2004_course_is_never_locked(learner_factory):
    course = make_course(items=[{"item_id": "a"}, {"item_id": "b"}])
    ana = learner_factory(enrol=[course])
    assert ana.start("c1", itemId="b")["launch"]["itemId"] == "b"
    assert all(i["available"] and i["lockedReason"] is None for i in ana.state("c1")["items"])


def test_prerequisites_cost_the_start_no_query(learner_factory):
    with_prerequisites = course12()
    without = make_course("c2", standard="1.2", items=[{**i, "prerequisites": ""} for i in LESSONS])
    counts = []
    for course in (with_prerequisites, without):
        learner_factory(f"warm-{course.course_id}", enrol=[course]).start(course.course_id)
        ana = learner_factory(f"ana-{course.course_id}", enrol=[course])
        with CaptureQueriesContext(connection) as ctx:
            ana.start(course.course_id, itemId="l2")
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
