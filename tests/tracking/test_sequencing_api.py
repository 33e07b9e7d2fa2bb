"""A sequenced course's attempt on the server (SPEC §11): its activity tree chosen when the
attempt is created, the engine's state saved seq-ordered, and the course outcome from the
rollup the engine reports (``scorm.sequenced_outcome``)."""

from __future__ import annotations

import base64
import gzip
import json
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scormlms.courses.models import Course, Enrolment
from scormlms.courses.services import course_import
from scormlms.tracking.models import Attempt, Certificate, LearnerGlobal
from tests.conftest import CORPUS
from tests.tracking.conftest import Learner, make_course

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"golf corpus not found at {CORPUS}"),
]

FORCED = "SequencingForcedSequential_SCORM20043rdEdition"
RANDOM = "SequencingRandomTest_SCORM20043rdEdition"
LEAVES = ["playing_item", "etuqiette_item", "handicapping_item", "havingfun_item"]


def golf(name: str, course_id: str = "seq") -> Course:
    with (CORPUS / f"{name}.zip").open("rb") as fh:
        return course_import(source=fh, course_id=course_id).course


def open_attempt(learner: Learner, course_id: str = "seq", **body: Any) -> dict[str, Any]:
    response = learner.post("/lms/attempt/open", {"courseId": course_id, **body})
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def save(
    learner: Learner, started: dict[str, Any], seq: int, expect: int = 200, **body: Any
) -> dict[str, Any]:
    payload = {
        "attemptId": started["attemptId"],
        "token": started["launch"]["token"],
        "seq": seq,
        "state": json.dumps({"saved": seq}),
        **body,
    }
    response = learner.post("/api/scorm/sequencing", payload)
    assert response.status_code == expect, response.content
    data: dict[str, Any] = response.json()
    return data


def done(score: float | None = None, success: str = "unknown") -> dict[str, Any]:
    return {"completionStatus": "completed", "successStatus": success, "score": score}


@pytest.fixture
def forced(learner_factory: Any) -> tuple[Course, Learner]:
    course = golf(FORCED)
    return course, learner_factory(enrol=[course])


def test_import_keeps_the_engines_tree_and_launch_urls(forced: Any) -> None:
    course, _ = forced
    assert course.sequenced
    tree = course.sequencing["settings"]["activityTree"]
    assert [c["id"] for c in tree["children"]] == [*LEAVES, "assessment_item"]
    assert course.sequencing["launchUrls"]["playing_item"].endswith("content=playing")


def test_open_creates_the_attempt_once_and_hands_over_tree_and_state(forced: Any) -> None:
    course, ana = forced
    first = open_attempt(ana)
    assert first["created"] and first["status"] == "In Progress"
    assert first["sequencing"]["state"] is None and first["sequencing"]["seq"] == 0
    tree = first["sequencing"]["activityTree"]
    assert tree == course.sequencing["settings"]["activityTree"]  # nothing to randomize here
    again = open_attempt(ana)
    assert again["attemptId"] == first["attemptId"] and not again["created"]
    # the engine decides; the start launches what it delivered, in that attempt
    started = ana.start("seq", itemId="etuqiette_item", attemptId=first["attemptId"])
    assert started["attemptId"] == first["attemptId"]
    assert started["launch"]["launchUrl"].endswith("content=etiquette")
    assert Attempt.objects.count() == 1


def test_a_course_without_sequencing_is_not_opened(learner_factory: Any) -> None:
    course = make_course()
    ana = learner_factory(enrol=[course])
    response = ana.post("/lms/attempt/open", {"courseId": "c1"})
    assert response.status_code == 400
    assert response.json()["field"] == "courseId"
    assert not Attempt.objects.exists()


def test_state_is_stored_seq_ordered_and_a_stale_save_changes_nothing(forced: Any) -> None:
    _, ana = forced
    attempt_id = open_attempt(ana)["attemptId"]
    started = ana.start("seq", itemId="playing_item", attemptId=attempt_id)
    answer = save(ana, started, 2, activities={"playing_item": done()})
    assert answer["stale"] is False and answer["seq"] == 2
    stale = save(ana, started, 1, state=json.dumps({"old": True}))
    assert stale["stale"] is True and stale["seq"] == 2
    attempt = Attempt.objects.get()
    assert json.loads(attempt.sequencing_state) == {"saved": 2}
    assert attempt.sequencing_activities["activities"] == {"playing_item": done()}
    assert open_attempt(ana)["sequencing"] == {
        "activityTree": attempt.sequencing_tree,
        "state": attempt.sequencing_state,
        "seq": 2,
    }


def test_the_course_outcome_is_the_roots_rollup(forced: Any) -> None:
    course, ana = forced
    attempt_id = open_attempt(ana)["attemptId"]
    started = ana.start("seq", itemId="assessment_item", attemptId=attempt_id)
    # the content is done and the quiz passed at 0.9. Every child of this course's root has
    # objectiveMeasureWeight 0, so by the SN book's measure rollup (RB.1.1) the root has no
    # measure: the course has no score, whatever the quiz scored.
    activities = {leaf: done() for leaf in LEAVES}
    activities["assessment_item"] = done(0.9, "passed")
    activities["golf_sample_default_org"] = {"completionStatus": "incomplete"}
    answer = save(ana, started, 1, activities=activities)
    assert (answer["completed"], answer["passed"]) == (False, False)
    assert answer["scorePercent"] is None
    activities["golf_sample_default_org"] = done(None, "passed")
    answer = save(ana, started, 2, activities=activities)
    assert (answer["status"], answer["completed"], answer["passed"]) == ("Completed", True, True)
    assert answer["progressPercent"] == 100 and answer["certificateUrl"]
    enrolment = Enrolment.objects.get()
    assert enrolment.record_status == "Passed" and enrolment.record_score is None
    assert Certificate.objects.count() == 1
    # a finished attempt is reviewed: later saves store nothing and take nothing back
    review = save(ana, started, 3, activities={"golf_sample_default_org": {}})
    assert review["review"] is True
    attempt = Attempt.objects.get()
    assert attempt.sequencing_seq == 2 and attempt.passed


def test_commits_do_not_aggregate_once_the_engine_has_saved(forced: Any) -> None:
    _, ana = forced
    attempt_id = open_attempt(ana)["attemptId"]
    started = ana.start("seq", itemId="assessment_item", attemptId=attempt_id)
    save(
        ana, started, 1, activities={"golf_sample_default_org": {"completionStatus": "incomplete"}}
    )
    answer = ana.result(
        started, {"cmi.completion_status": "completed", "cmi.success_status": "passed"}
    )
    assert answer["status"] == "In Progress" and not answer["completed"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"seq": 0}, "seq"),
        ({"seq": "2"}, "seq"),
        ({"state": ""}, "state"),
        ({"state": "not json"}, "state"),
        ({"state": "[1]"}, "state"),
        ({"activities": []}, "activities"),
        ({"activities": {"a": {"score": "high"}}}, "activities.a.score"),
        ({"activities": {"a": {"grade": 1}}}, "activities.a.grade"),
        ({"choice": {"a": "maybe"}}, "choice.a"),
        ({"ended": "later"}, "ended"),
        ({"attemptId": "nope"}, "attemptId"),
    ],
)
def test_bad_saves_name_the_field_and_store_nothing(forced: Any, change: Any, field: str) -> None:
    _, ana = forced
    attempt_id = open_attempt(ana)["attemptId"]
    started = ana.start("seq", itemId="playing_item", attemptId=attempt_id)
    body = {
        "attemptId": attempt_id,
        "token": started["launch"]["token"],
        "seq": 1,
        "state": "{}",
        **change,
    }
    response = ana.post("/api/scorm/sequencing", body)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field
    assert Attempt.objects.get().sequencing_seq == 0


def test_another_learner_cannot_save_into_the_attempt(forced: Any, learner_factory: Any) -> None:
    course, ana = forced
    bob = learner_factory("bob", enrol=[course])
    attempt_id = open_attempt(ana)["attemptId"]
    started = ana.start("seq", itemId="playing_item", attemptId=attempt_id)
    save(bob, started, 1, expect=403)
    assert Attempt.objects.get().sequencing_seq == 0


def test_each_new_attempt_draws_the_random_test_anew(learner_factory: Any) -> None:
    """Defect 2 of the engine: the server orders the test bank when the attempt is created."""
    course = golf(RANDOM)
    orders: Counter[str] = Counter()
    for n in range(24):
        learner = learner_factory(f"l{n}", enrol=[course])
        tree = open_attempt(learner)["sequencing"]["activityTree"]
        posttest = next(c for c in tree["children"] if c["id"] == "posttest_item")
        ids = [c["id"] for c in posttest["children"]]
        assert sorted(ids) == ["test_1", "test_2", "test_3", "test_4"]
        orders[ids[0]] += 1
        stored = Attempt.objects.get(learner=learner.user).sequencing_tree
        assert stored == tree
    assert len(orders) >= 3  # 24 draws of 4: all on one test would be a 1-in-4^23 event


def test_the_checklist_shows_each_activitys_engine_status_and_whether_it_can_be_chosen(
    forced: Any,
) -> None:
    _, ana = forced
    attempt_id = open_attempt(ana)["attemptId"]
    started = ana.start("seq", itemId="playing_item", attemptId=attempt_id)
    save(
        ana,
        started,
        1,
        activities={"playing_item": done(None, "passed")},
        choice={"playing_item": True, "etuqiette_item": True, "handicapping_item": False},
    )
    items = {i["itemId"]: i for i in ana.state("seq")["items"]}
    assert items["playing_item"]["status"] == "Passed"
    assert items["etuqiette_item"]["available"] is True
    assert items["etuqiette_item"]["lockedReason"] is None
    assert items["handicapping_item"]["available"] is False
    assert "course decides the order" in items["handicapping_item"]["lockedReason"]
    # an activity the engine did not list stays open (the engine names what it refuses)
    assert items["assessment_item"]["available"] is True


FOURTH = "SequencingPostTestRollup4thEd_SCORM20044thEdition"
NOTES = "com.scorm.golfsamples.sequencing.forcedsequential.notesStorage"
PLAYING = "com.scorm.golfsamples.sequencing.forcedsequential.playing_completed"


def engine_state(note: str) -> str:
    """An engine state as scorm-again serializes it, with a global objective and a note."""
    return json.dumps(
        {
            "version": "1.0",
            "sequencing": {"whatever": "the engine keeps"},
            "currentActivityId": "playing_item",
            "globalObjectiveMap": {
                PLAYING: {"id": PLAYING, "completionStatus": "completed"},
                "not.mapped.by.this.course": {"id": "x"},
            },
            "globalObjectives": [{"id": PLAYING, "completion_status": "completed"}],
            "sharedData": {NOTES: note, "someone.elses": "no"},
        }
    )


def new_attempt(learner: Learner, course_id: str, attempt_id: str) -> None:
    response = learner.client.post(f"/courses/{course_id}/new-attempt", {"attempt": attempt_id})
    assert response.status_code == 302, response.content


def test_global_objectives_and_shared_data_outlive_the_attempt(learner_factory: Any) -> None:
    """With objectivesGlobalToSystem / sharedDataGlobalToSystem true (the CAM's default; this
    golf course says false, so the flags are turned on here) a new attempt, and another course
    mapping the same ids, start from what the learner has."""
    fourth = golf(FOURTH, "fourth")
    again = golf(FOURTH, "fourth-copy")
    for course in (fourth, again):
        course.sequencing["objectivesGlobalToSystem"] = True
        course.sequencing["sharedDataGlobalToSystem"] = True
        course.save()
    ana = learner_factory(enrol=[fourth, again])
    first = open_attempt(ana, "fourth")
    assert first["sequencing"]["state"] is None  # nothing global yet
    started = ana.start("fourth", itemId="playing_item", attemptId=first["attemptId"])
    save(ana, started, 1, state=engine_state("my note"))

    new_attempt(ana, "fourth", first["attemptId"])
    second = open_attempt(ana, "fourth")
    assert second["attemptId"] != first["attemptId"]
    assert second["sequencing"]["activityTree"]["id"] == "golf_sample_default_org"
    seed = json.loads(second["sequencing"]["state"])
    assert seed["currentActivityId"] is None and seed["sequencing"] is None
    assert seed["sharedData"] == {NOTES: "my note"}
    assert set(seed["globalObjectiveMap"]) == {PLAYING}
    assert seed["globalObjectives"] == [{"id": PLAYING, "completion_status": "completed"}]
    other = json.loads(open_attempt(ana, "fourth-copy")["sequencing"]["state"])
    assert other["sharedData"] == {NOTES: "my note"}


def test_globals_stay_in_their_attempt_when_the_course_says_so(learner_factory: Any) -> None:
    """PostTestRollup4thEd's organization says objectivesGlobalToSystem="false"
    sharedDataGlobalToSystem="false": its notes belong to one attempt."""
    fourth = golf(FOURTH, "fourth")
    assert fourth.sequencing["objectivesGlobalToSystem"] is False
    assert fourth.sequencing["sharedDataGlobalToSystem"] is False
    ana = learner_factory(enrol=[fourth])
    first = open_attempt(ana, "fourth")
    started = ana.start("fourth", itemId="playing_item", attemptId=first["attemptId"])
    save(ana, started, 1, state=engine_state("attempt one only"))
    new_attempt(ana, "fourth", first["attemptId"])
    assert open_attempt(ana, "fourth")["sequencing"]["state"] is None


def _gz(text: str) -> str:
    return "gz:" + base64.b64encode(gzip.compress(text.encode())).decode()


def test_a_gzipped_state_is_taken_kept_as_sent_and_read_for_its_globals(
    learner_factory: Any,
) -> None:
    fourth = golf(FOURTH, "fourth")
    fourth.sequencing["sharedDataGlobalToSystem"] = True
    fourth.save()
    ana = learner_factory(enrol=[fourth])
    first = open_attempt(ana, "fourth")
    started = ana.start("fourth", itemId="playing_item", attemptId=first["attemptId"])
    packed = _gz(engine_state("packed note"))
    save(ana, started, 1, state=packed)
    assert Attempt.objects.get().sequencing_state == packed
    assert open_attempt(ana, "fourth")["sequencing"]["state"] == packed
    new_attempt(ana, "fourth", first["attemptId"])
    seed = json.loads(open_attempt(ana, "fourth")["sequencing"]["state"])
    assert seed["sharedData"] == {NOTES: "packed note"}


@pytest.mark.parametrize(
    "state",
    [
        "gz:not base64!",
        "gz:" + base64.b64encode(b"not gzip").decode(),
        "gz:" + base64.b64encode(gzip.compress(b"[1, 2]")).decode(),
        "gz:" + base64.b64encode(gzip.compress(b"{" + b" " * (17 * 1024 * 1024) + b"}")).decode(),
        "gz:" + base64.b64encode(gzip.compress(b'{"a": 1}')[:-6]).decode(),
    ],
    ids=["not-base64", "not-gzip", "not-an-object", "bomb", "cut-short"],
)
def test_a_bad_gzipped_state_is_refused(forced: Any, state: str) -> None:
    _, ana = forced
    attempt_id = open_attempt(ana)["attemptId"]
    started = ana.start("seq", itemId="playing_item", attemptId=attempt_id)
    answer = save(ana, started, 1, expect=400, state=state)
    assert answer["field"] == "state"
    assert Attempt.objects.get().sequencing_seq == 0


def test_a_save_writes_only_the_globals_that_changed(learner_factory: Any) -> None:
    fourth = golf(FOURTH, "fourth")
    fourth.sequencing["objectivesGlobalToSystem"] = True
    fourth.sequencing["sharedDataGlobalToSystem"] = True
    fourth.save()
    ana = learner_factory(enrol=[fourth])
    first = open_attempt(ana, "fourth")
    started = ana.start("fourth", itemId="playing_item", attemptId=first["attemptId"])

    def writes(seq: int, note: str) -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            save(ana, started, seq, state=engine_state(note))
        return [q["sql"] for q in ctx.captured_queries if "tracking_learnerglobal" in q["sql"]]

    assert len(writes(1, "one")) == 1  # both globals, one statement
    assert writes(2, "one") == []  # nothing changed
    assert len(writes(3, "two")) == 1
    assert LearnerGlobal.objects.get(kind="data").value == "two"


def test_courses_imported_before_sequencing_get_theirs_from_the_stored_manifest(
    forced: Any, learner_factory: Any
) -> None:
    """Migration courses 0007: a 2004 course stored before Course.sequencing existed is
    converted from its package's imsmanifest.xml; one whose package is gone keeps None."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("scormlms.courses.migrations.0007_sequencing")
    course, _ = forced
    expected = course.sequencing
    gone = make_course("gone")  # no package stored under gone/v1
    Course.objects.update(sequencing=None, sequenced=False)
    migration.convert_stored(apps, None)
    course.refresh_from_db()
    gone.refresh_from_db()
    assert course.sequenced and course.sequencing == expected
    assert not gone.sequenced and gone.sequencing is None


def test_a_completed_but_failed_attempt_stays_open_until_its_sequencing_session_ends(
    forced: Any,
) -> None:
    """Remediation goes on after the root reads completed and failed (golf SimpleRemediation):
    the attempt closes on a pass, or once the sequencing session has ended."""
    _, ana = forced
    attempt_id = open_attempt(ana)["attemptId"]
    started = ana.start("seq", itemId="assessment_item", attemptId=attempt_id)
    failed = {"golf_sample_default_org": done(None, "failed")}
    answer = save(ana, started, 1, activities=failed)
    assert (answer["status"], answer["completed"], answer["passed"]) == ("In Progress", True, False)
    answer = save(ana, started, 2, activities={"golf_sample_default_org": done(None, "passed")})
    assert (answer["status"], answer["passed"], answer["review"]) == ("Completed", True, False)


def test_a_failed_attempt_closes_when_its_sequencing_session_ends(forced: Any) -> None:
    _, ana = forced
    attempt_id = open_attempt(ana)["attemptId"]
    started = ana.start("seq", itemId="assessment_item", attemptId=attempt_id)
    failed = {"golf_sample_default_org": done(None, "failed")}
    answer = save(ana, started, 1, activities=failed, ended="end_of_content")
    assert (answer["status"], answer["completed"], answer["passed"]) == ("Completed", True, False)
    assert Enrolment.objects.get().record_status == "Failed"


def test_a_completed_attempt_closes_when_the_sco_ended_and_nothing_followed(forced: Any) -> None:
    """A one-SCO course failed (progress2004): the SCO ends, the engine delivers nothing
    more, the player waits for the learner: the attempt is finished."""
    _, ana = forced
    attempt_id = open_attempt(ana)["attemptId"]
    started = ana.start("seq", itemId="assessment_item", attemptId=attempt_id)
    failed = {"golf_sample_default_org": done(None, "failed")}
    answer = save(ana, started, 1, activities=failed, waiting=True)
    assert (answer["status"], answer["completed"], answer["passed"]) == ("Completed", True, False)
    response = ana.post(
        "/api/scorm/sequencing",
        {
            "attemptId": attempt_id,
            "token": started["launch"]["token"],
            "seq": 2,
            "state": "{}",
            "waiting": "yes",
        },
    )
    assert response.status_code == 400 and response.json()["field"] == "waiting"
