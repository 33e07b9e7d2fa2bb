"""Finished attempts are reviewed, not restarted; retakes happen on purpose (SPEC §6), through
the real endpoints: ``/lms/attempt/start``, ``/api/scorm/result``, the state, the
``/courses/<id>/new-attempt`` page and the settings page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from scormlms.courses.models import Course, Enrolment
from scormlms.courses.services import course_import
from scormlms.tracking import records
from scormlms.tracking.models import Attempt, AttemptEvent, Certificate, ScoAttempt
from tests.courses.conftest import samples  # noqa: F401 — a fixture, used by name
from tests.tracking.conftest import Learner, make_course, make_user

pytestmark = pytest.mark.django_db

PASSED = {
    "1.2": {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"},
    "2004": {
        "cmi.completion_status": "completed",
        "cmi.success_status": "passed",
        "cmi.score.scaled": "0.9",
    },
}
# The launch values the LMS owns, where each standard keeps them in the preloaded tree.
MODE = {"1.2": ("core", "lesson_mode"), "2004": ("mode",)}
CREDIT = {"1.2": ("core", "credit"), "2004": ("credit",)}


def scaled(score: str, success: str = "passed") -> dict[str, str]:
    return {
        "cmi.completion_status": "completed",
        "cmi.success_status": success,
        "cmi.score.scaled": score,
    }


def leaf(tree: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = tree
    for part in path:
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node or None


def finish(ana: Learner, course_id: str, values: dict[str, str], **start: Any) -> dict[str, Any]:
    """Launch (a SCO of) the course, report ``values`` and terminate; the start's answer."""
    started = ana.start(course_id, **start)
    ana.result(started, values, reason="finish")
    return started


def confirmation(ana: Learner, course_id: str = "c1") -> dict[str, str]:
    """What the confirmation page's form posts (its hidden fields), as a browser would."""
    page = ana.client.get(f"/courses/{course_id}/new-attempt")
    return dict(HIDDEN.findall(page.content.decode())) if page.status_code == 200 else {}


HIDDEN = re.compile(r'<input type="hidden" name="(?!csrfmiddlewaretoken)([^"]+)" value="([^"]*)"')


def new_attempt(ana: Learner, course_id: str = "c1", *, expect: int = 302) -> Any:
    """Open the confirmation page and confirm it."""
    form = confirmation(ana, course_id)
    response = ana.client.post(f"/courses/{course_id}/new-attempt", form)
    assert response.status_code == expect, response.content[:800]
    return response


# ------------------------------------------------------------------------------ review mode


@pytest.mark.parametrize("standard", ["1.2", "2004"])
def test_relaunching_a_finished_course_reviews_the_same_attempt(learner_factory, standard):
    course = make_course(standard=standard)
    ana = learner_factory(enrol=[course])
    first = finish(ana, "c1", PASSED[standard])
    cert = Certificate.objects.get()
    again = ana.start("c1")
    assert again["attemptId"] == first["attemptId"]
    assert again["review"] is True and again["created"] is False
    assert again["status"] == "Completed"
    launch = again["launch"]
    assert (launch["mode"], launch["credit"]) == ("review", "no-credit")
    # SCORM 1.2 RTE 3.4.4 cmi.core.lesson_mode / credit; 2004 RTE 4.2.13 / 4.2.5.
    assert leaf(launch["cmi"], MODE[standard]) == "review"
    assert leaf(launch["cmi"], CREDIT[standard]) == "no-credit"
    assert launch["seq"] == 1  # the SCO's numbering goes on
    assert Attempt.objects.count() == 1
    state = ana.state("c1")
    assert state["status"] == "Completed" and state["attemptId"] == first["attemptId"]
    assert state["canReview"] is True and state["retakeInProgress"] is False
    assert state["record"]["recordStatus"] == "Passed"
    assert state["record"]["certificateUrl"] == f"/certificates/{cert.code}/download"
    resumed = AttemptEvent.objects.filter(kind="resume").get()
    assert resumed.data["mode"] == "review"


def test_a_normal_launch_says_mode_normal_and_credit(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    launch = ana.start("c1")["launch"]
    assert (launch["mode"], launch["credit"]) == ("normal", "credit")
    assert (launch["cmi"]["mode"], launch["cmi"]["credit"]) == ("normal", "credit")


@pytest.mark.parametrize("standard", ["1.2", "2004"])
def test_a_commit_in_review_stores_nothing_but_a_review_event(learner_factory, standard):
    course = make_course(standard=standard)
    ana = learner_factory(enrol=[course])
    first = finish(ana, "c1", PASSED[standard])
    sco_before = ScoAttempt.objects.values().get()
    attempt_before = Attempt.objects.values().get()
    enrolment_before = Enrolment.objects.values().get()
    last_event = AttemptEvent.objects.order_by("-id").values_list("id", flat=True).first()
    review = ana.start("c1")
    assert review["review"] is True
    news = (
        {"cmi.core.lesson_status": "failed", "cmi.core.score.raw": "5"}
        if standard == "1.2"
        else scaled("0.05", "failed")
    )
    location = "cmi.core.lesson_location" if standard == "1.2" else "cmi.location"
    answer = ana.result(review, {**news, location: "p9"}, cmi={"suspend_data": "review"})
    assert answer["ok"] is True and answer["review"] is True
    assert answer["status"] == "Completed" and answer["passed"] is True
    assert answer["scorePercent"] == 90
    ana.result(review, {**news, location: "p9"}, reason="finish")
    assert ScoAttempt.objects.values().get() == sco_before
    assert Attempt.objects.values().get() == attempt_before
    assert Enrolment.objects.values().get() == enrolment_before
    events = AttemptEvent.objects.filter(kind="review").order_by("id")
    assert [e.data["reason"] for e in events] == ["commit", "finish"]
    assert events[0].data["values"][location] == "p9"
    assert events[0].item_id == "sco1"
    new_kinds = set(AttemptEvent.objects.filter(id__gt=last_event).values_list("kind", flat=True))
    assert new_kinds == {"resume", "review"}
    # The review session is over after its finish, as any other session.
    ana.result(review, {location: "p10"}, expect=409)
    state = ana.state("c1")
    assert state["attemptId"] == first["attemptId"]
    assert state["record"]["recordStatus"] == "Passed" and state["record"]["recordScore"] == 90
    assert Certificate.objects.count() == 1


def test_the_seed_door_in_review_stores_nothing_either(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    finish(ana, "c1", scaled("0.9"))
    sco_before = ScoAttempt.objects.values().get()
    review = ana.start("c1")
    response = ana.post(
        "/scorm/runtime/commit",
        {
            "attemptId": review["attemptId"],
            "token": review["launch"]["token"],
            "values": {"cmi.success_status": "failed", "cmi.location": "p1"},
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["ok"] is True and response.json()["status"] == "Completed"
    assert ScoAttempt.objects.values().get() == sco_before
    assert AttemptEvent.objects.filter(kind="review").count() == 1


# ---------------------------------------------------------------------------- multi-SCO


@pytest.fixture
def multisco(samples) -> Course:  # noqa: F811 — the fixture imported above
    """The demo's multi-SCO course: Module 1 and 2 (set by content), an asset, a survey that
    counts for nothing."""
    return course_import(source=samples["multisco2004"], course_id="multi").course


def test_the_demo_course_keeps_its_delivery_controls(multisco):
    flags = {
        i.item_id: (i.completion_set_by_content, i.objective_set_by_content)
        for i in multisco.items.all()
        if i.is_launchable
    }
    assert flags == {
        "ITEM-MODULE1": (True, True),
        "ITEM-MODULE2": (True, True),
        "ITEM-REFERENCE": (False, False),
        "ITEM-SURVEY": (False, False),
    }


def test_a_leftover_item_plays_inside_the_passed_attempt(learner_factory, multisco):
    ana = learner_factory(enrol=[multisco])
    m1 = finish(ana, "multi", scaled("0.8"), itemId="ITEM-MODULE1")
    attempt_id = m1["attemptId"]
    finish(ana, "multi", scaled("1"), itemId="ITEM-MODULE2", attemptId=attempt_id)
    cert = Certificate.objects.get()
    passed = ana.state("multi")
    assert passed["status"] == "Completed" and passed["displayStatus"] == "Passed"
    assert passed["record"]["recordStatus"] == "Passed"
    certificate_url = passed["record"]["certificateUrl"]
    assert certificate_url == f"/certificates/{cert.code}/download"

    # The "pass disappears": the Reference sheet opened from the menu, no attemptId.
    reference = ana.start("multi", itemId="ITEM-REFERENCE")
    assert reference["attemptId"] == attempt_id and reference["created"] is False
    assert reference["review"] is False
    survey = ana.start("multi", itemId="ITEM-SURVEY")
    assert survey["attemptId"] == attempt_id and survey["review"] is False
    assert (survey["launch"]["mode"], survey["launch"]["credit"]) == ("normal", "credit")
    assert survey["launch"]["entry"] == "ab-initio"
    answer = ana.result(survey, {"cmi.completion_status": "completed"}, reason="finish")
    assert answer["status"] == "Completed" and answer["passed"] is True
    assert ScoAttempt.objects.get(item_id="ITEM-SURVEY").commit_count == 1
    # A module the attempt finished is reviewed.
    assert ana.start("multi", itemId="ITEM-MODULE1")["review"] is True

    assert Attempt.objects.count() == 1
    state = ana.state("multi")
    assert state["status"] == "Completed" and state["attemptId"] == attempt_id
    assert state["record"]["recordStatus"] == "Passed"
    assert state["record"]["certificateUrl"] == certificate_url
    assert state["certificateUrl"] == certificate_url
    assert state["retakeInProgress"] is False
    items = {i["itemId"]: i["status"] for i in state["items"]}
    assert items["ITEM-REFERENCE"] == "Completed" and items["ITEM-SURVEY"] == "Completed"
    assert Certificate.objects.get().code == cert.code


def test_a_leftover_item_never_lowers_the_score_the_certificate_shows(learner_factory, multisco):
    ana = learner_factory(enrol=[multisco])
    m1 = finish(ana, "multi", scaled("0.8"), itemId="ITEM-MODULE1")
    finish(ana, "multi", scaled("1"), itemId="ITEM-MODULE2", attemptId=m1["attemptId"])
    cert = Certificate.objects.get()
    assert cert.score_percent == 90
    # The survey counts for nothing (rollupObjectiveSatisfied / rollupProgressCompletion
    # false, objectiveMeasureWeight 0), yet it may report a score of its own.
    survey = ana.start("multi", itemId="ITEM-SURVEY")
    ana.result(survey, scaled("0", "failed"), reason="finish")
    record = ana.state("multi")["record"]
    assert record["recordStatus"] == "Passed"
    assert record["recordScore"] == cert.score_percent


def test_staff_lists_and_the_report_keep_the_pass_during_a_retake(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    staff = learner_factory("boss", staff=True)
    finish(ana, "c1", scaled("0.9"))
    new_attempt(ana)
    ana.start("c1")
    rows = staff.client.get("/lms/admin/enrolments?course=c1").json()["results"]
    assert len(rows) == 1
    row = rows[0]
    assert row["status"] == "In Progress"  # the seed's fields: the current attempt
    assert row["record"]["recordStatus"] == "Passed" and row["record"]["recordScore"] == 90
    assert row["retakeInProgress"] is True
    report = staff.client.get("/staff/courses/c1/report/")
    assert report.status_code == 200
    assert report.context["report"].passed == 1
    assert report.context["report"].completed == 1


# ----------------------------------------------------------------------- new attempts


def test_start_a_new_attempt_keeps_the_previous_one_and_the_record(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    first = finish(ana, "c1", scaled("0.9"))
    cert = Certificate.objects.get()
    state = ana.state("c1")
    assert state["newAttempt"] == {
        "allowed": True,
        "url": "/courses/c1/new-attempt",
        "message": None,
    }
    page = ana.client.get("/courses/c1/new-attempt")
    assert page.status_code == 200
    assert "kept in your history" in page.content.decode()
    assert Attempt.objects.count() == 1  # the confirmation changes nothing

    response = new_attempt(ana)
    assert response["Location"] == "/courses/c1/play"
    previous = Attempt.objects.get(id=first["attemptId"])
    assert previous.status == "Completed" and previous.passed
    current = Attempt.objects.exclude(id=previous.id).get()
    assert current.status == "In Progress" and not current.closed
    event = AttemptEvent.objects.get(kind="new_attempt")
    assert event.attempt_id == current.id and event.data["previous"] == str(previous.id)

    state = ana.state("c1")
    assert state["status"] == "In Progress" and state["attemptId"] == str(current.id)
    assert state["retakeInProgress"] is True and state["canReview"] is False
    record = state["record"]
    assert (record["recordStatus"], record["recordScore"], record["recordPassed"]) == (
        "Passed",
        90,
        True,
    )
    assert record["attemptsUsed"] == 2 and record["attemptId"] == first["attemptId"]
    assert record["certificateUrl"] == f"/certificates/{cert.code}/download"

    retake = ana.start("c1")
    assert retake["attemptId"] == str(current.id) and retake["review"] is False
    assert retake["launch"]["entry"] == "ab-initio" and retake["launch"]["seq"] == 0
    assert retake["launch"]["values"]["cmi.completion_status"] == ""
    # A worse retake never hides the pass; it is finished and listed.
    ana.result(retake, scaled("0.3", "failed"), reason="finish")
    state = ana.state("c1")
    assert state["displayStatus"] == "Failed"  # the seed's fields: the latest attempt
    assert state["record"]["recordStatus"] == "Passed" and state["record"]["recordScore"] == 90
    assert state["retakeInProgress"] is False
    assert Certificate.objects.count() == 1


def test_a_better_retake_makes_the_record_with_its_own_certificate(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    first = finish(ana, "c1", scaled("0.7"))
    new_attempt(ana)
    second = finish(ana, "c1", scaled("0.95"))
    assert second["attemptId"] != first["attemptId"]
    certs = {str(c.attempt_id): c.code for c in Certificate.objects.all()}
    assert set(certs) == {first["attemptId"], second["attemptId"]}  # one per attempt
    record = ana.state("c1")["record"]
    assert (record["recordScore"], record["attemptId"]) == (95, second["attemptId"])
    assert record["certificateUrl"] == f"/certificates/{certs[second['attemptId']]}/download"
    # The first certificate stays valid.
    verify = ana.client.get(f"/certificates/verify/{certs[first['attemptId']]}")
    assert verify.status_code == 200


def test_posting_the_confirmation_twice_starts_one_new_attempt(learner_factory):
    course = make_course(max_attempts=3)
    ana = learner_factory(enrol=[course])
    finish(ana, "c1", scaled("0.7"))
    form = confirmation(ana)
    first = ana.client.post("/courses/c1/new-attempt", form)
    again = ana.client.post("/courses/c1/new-attempt", form)  # the same form, submitted again
    assert first.status_code == 302
    assert again.status_code in {302, 409}
    assert list(Attempt.objects.order_by("launched_at").values_list("status", flat=True)) == [
        "Completed",
        "In Progress",
    ]
    assert ana.state("c1")["record"]["attemptsUsed"] == 2


def test_start_over_abandons_the_attempt_in_progress(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    first = ana.start("c1")
    ana.result(first, {"cmi.location": "p4", "cmi.completion_status": "incomplete"})
    assert ana.state("c1")["newAttempt"]["allowed"] is True  # new_attempt_when = always
    page = ana.client.get("/courses/c1/new-attempt")
    assert page.status_code == 200 and "Abandoned" in page.content.decode()
    new_attempt(ana)
    old = Attempt.objects.get(id=first["attemptId"])
    assert old.status == "Abandoned" and old.closed and old.terminated_at is not None
    abandon = AttemptEvent.objects.get(kind="abandon")
    assert abandon.attempt_id == old.id and abandon.data == {"reason": "start over", "by": "ana"}
    fresh = Attempt.objects.get(closed=False)
    state = ana.state("c1")
    assert state["attemptId"] == str(fresh.id) and state["status"] == "In Progress"
    assert state["record"]["recordStatus"] == "In progress"
    assert state["record"]["attemptsUsed"] == 2
    assert state["retakeInProgress"] is False  # nothing finished: no record beside it
    again = ana.start("c1")
    assert again["attemptId"] == str(fresh.id) and again["launch"]["entry"] == "ab-initio"
    # The abandoned attempt takes no more commits.
    ana.result(first, {"cmi.location": "p5"}, expect=409)


def test_max_attempts_reached_refuses_a_new_attempt_with_the_message(learner_factory):
    course = make_course(max_attempts=1)
    ana = learner_factory(enrol=[course])
    first = finish(ana, "c1", scaled("0.5", "failed"))
    message = "You have used all 1 attempt of this course."
    state = ana.state("c1")
    assert state["newAttempt"]["allowed"] is False
    assert state["newAttempt"]["message"] == message
    assert state["record"]["attemptsUsed"] == 1 and state["record"]["attemptsAllowed"] == 1
    page = ana.client.get("/courses/c1/new-attempt")
    assert page.status_code == 409 and message in page.content.decode()
    refused = new_attempt(ana, expect=409)
    assert message in refused.content.decode()
    assert 'id="confirm-new-attempt"' not in refused.content.decode()
    assert Attempt.objects.count() == 1
    # Launching still works: the finished attempt is reviewed.
    again = ana.start("c1")
    assert again["attemptId"] == first["attemptId"] and again["review"] is True


def test_start_refuses_to_open_an_attempt_over_the_limit(learner_factory):
    course = make_course(max_attempts=1)
    ana = learner_factory(enrol=[course])
    given_up = Attempt.objects.create(
        learner=ana.user, course=course, status="Abandoned", closed=True, launched_at=timezone.now()
    )
    Enrolment.objects.filter(learner=ana.user).update(current_attempt=given_up)
    records.record_refresh(learner_id=ana.user.pk, course=course)
    assert ana.state("c1")["record"]["attemptsUsed"] == 1
    response = ana.post("/lms/attempt/start", {"courseId": "c1"})
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert "You have used all 1" in response.json()["message"]
    assert Attempt.objects.count() == 1


def test_at_the_limit_the_new_policy_resumes_the_last_attempt(learner_factory):
    course = make_course(max_attempts=1, relaunch_policy="new")
    ana = learner_factory(enrol=[course])
    first = ana.start("c1")
    ana.result(first, {"cmi.location": "p2"})
    again = ana.start("c1")
    assert again["attemptId"] == first["attemptId"] and again["created"] is False
    assert Attempt.objects.get().status == "In Progress"


def test_dont_save_of_a_fresh_retake_gives_the_attempt_back(learner_factory):
    course = make_course(max_attempts=2)
    ana = learner_factory(enrol=[course])
    first = finish(ana, "c1", scaled("0.9"))
    new_attempt(ana)
    retake = ana.start("c1")
    assert ana.state("c1")["record"]["attemptsUsed"] == 2
    response = ana.post(
        "/lms/attempt/discard",
        {"attemptId": retake["attemptId"], "token": retake["launch"]["token"]},
    )
    assert response.json()["kept"] is False
    state = ana.state("c1")
    assert state["attemptId"] == first["attemptId"] and state["status"] == "Completed"
    assert state["record"]["attemptsUsed"] == 1
    assert state["record"]["recordStatus"] == "Passed"
    assert state["newAttempt"]["allowed"] is True


def test_dont_save_of_a_first_attempt_at_the_limit_lets_the_learner_start(learner_factory):
    course = make_course(max_attempts=1)
    ana = learner_factory(enrol=[course])
    first = ana.start("c1")
    ana.post(
        "/lms/attempt/discard", {"attemptId": first["attemptId"], "token": first["launch"]["token"]}
    )
    state = ana.state("c1")
    assert state["record"]["attemptsUsed"] == 0
    assert state["record"]["recordStatus"] == "Not started"
    assert ana.start("c1")["created"] is True


@pytest.mark.parametrize(
    ("when", "values", "allowed", "message"),
    [
        ("never", scaled("0.9"), False, "This course does not offer a new attempt."),
        ("never", scaled("0.2", "failed"), False, "This course does not offer a new attempt."),
        ("completed", {"cmi.completion_status": "completed"}, True, None),
        ("completed", scaled("0.2", "failed"), True, None),
        (
            "passed_or_failed",
            {"cmi.completion_status": "completed"},
            False,
            "A new attempt opens once this one is passed or failed.",
        ),
        ("passed_or_failed", scaled("0.2", "failed"), True, None),
        ("passed_or_failed", scaled("0.9"), True, None),
        ("always", {"cmi.completion_status": "completed"}, True, None),
    ],
)
def test_new_attempt_when_after_a_finished_attempt(learner_factory, when, values, allowed, message):
    course = make_course(new_attempt_when=when, certificate_on="completed")
    ana = learner_factory(enrol=[course])
    finish(ana, "c1", values)
    state = ana.state("c1")
    assert state["status"] == "Completed"
    assert (state["newAttempt"]["allowed"], state["newAttempt"]["message"]) == (allowed, message)
    response = new_attempt(ana, expect=302 if allowed else 409)
    if message:
        assert message in response.content.decode()
    assert Attempt.objects.count() == (2 if allowed else 1)


@pytest.mark.parametrize(("when", "allowed"), [("never", False), ("completed", False)])
def test_start_over_needs_new_attempt_when_always(learner_factory, when, allowed):
    course = make_course(new_attempt_when=when)
    ana = learner_factory(enrol=[course])
    first = ana.start("c1")
    ana.result(first, {"cmi.location": "p4"})
    assert ana.state("c1")["newAttempt"]["allowed"] is allowed
    new_attempt(ana, expect=409)
    assert Attempt.objects.get().status == "In Progress"


def test_a_learner_not_enrolled_gets_403_on_the_new_attempt_page(learner_factory):
    make_course()
    bob = learner_factory("bob")
    assert bob.client.get("/courses/c1/new-attempt").status_code == 403
    assert bob.client.post("/courses/c1/new-attempt").status_code == 403
    assert not Attempt.objects.exists()


# ------------------------------------------------------------------------------- grading

SETTINGS = {
    "title": "Course c1",
    "description": "",
    "relaunch_policy": "resume",
    "certificate_on": "passed",
    "passing_score": "",
    "new_attempt_when": "always",
    "max_attempts": "",
}


def test_changing_the_grading_on_the_settings_page_re_derives_the_records(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    bob = learner_factory("bob", enrol=[course])
    staff = learner_factory("boss", staff=True)
    a1 = finish(ana, "c1", scaled("0.6"))["attemptId"]
    new_attempt(ana)
    a2 = finish(ana, "c1", scaled("0.9"))["attemptId"]
    new_attempt(ana)
    finish(ana, "c1", scaled("0.95", "failed"))
    b1 = finish(bob, "c1", scaled("0.4", "failed"))["attemptId"]
    new_attempt(bob)
    b2 = finish(bob, "c1", scaled("0.7"))["attemptId"]

    def records_now() -> dict[str, tuple[str, float, str]]:
        out = {}
        for who in (ana, bob):
            record = who.state("c1")["record"]
            out[who.user.username] = (
                record["recordStatus"],
                record["recordScore"],
                record["attemptId"],
            )
        return out

    assert records_now() == {"ana": ("Passed", 90, a2), "bob": ("Passed", 70, b2)}
    for grading, expected in [
        ("first", {"ana": ("Passed", 60, a1), "bob": ("Failed", 40, b1)}),
        ("last", {"ana": ("Passed", 90, a2), "bob": ("Passed", 70, b2)}),  # a pass stays
        ("highest", {"ana": ("Passed", 90, a2), "bob": ("Passed", 70, b2)}),
    ]:
        response = staff.client.post(
            "/staff/courses/c1/settings/", {**SETTINGS, "grading": grading}
        )
        assert response.status_code == 302, response.content[:800]
        assert Course.objects.get().grading == grading
        assert records_now() == expected, grading
    # A limit set afterwards shows at once, and closes the door for both.
    staff.client.post(
        "/staff/courses/c1/settings/", {**SETTINGS, "grading": "highest", "max_attempts": "2"}
    )
    for who, used in ((ana, 3), (bob, 2)):
        state = who.state("c1")
        assert state["record"]["attemptsAllowed"] == 2 and state["record"]["attemptsUsed"] == used
        assert state["newAttempt"]["allowed"] is False


def test_the_record_needs_an_enrolment_and_staff_launches_get_one(learner_factory):
    """Staff may open any course; start enrols them so the record has a row to live on."""
    make_course()
    sam = learner_factory("sam", staff=True)
    finish(sam, "c1", scaled("0.9"))
    assert Enrolment.objects.get(learner=sam.user).record_status == "Passed"
    assert make_user("nobody").pk not in Enrolment.objects.values_list("learner_id", flat=True)
