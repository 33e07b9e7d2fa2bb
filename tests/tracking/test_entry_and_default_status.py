"""RTE-exact ``cmi.entry`` on relaunch, the default status at finish for content that sets
none, seed-shaped results and late saves (SPEC §4, §6), through the real endpoints."""

from __future__ import annotations

from typing import Any

import pytest

from scormlms.courses.services import course_import
from scormlms.tracking.models import Attempt, AttemptEvent, Certificate, ScoAttempt
from tests.conftest import CORPUS
from tests.tracking.conftest import Learner, make_course

pytestmark = pytest.mark.django_db

EXIT = {"1.2": "cmi.core.exit", "2004": "cmi.exit"}
LOCATION = {"1.2": "cmi.core.lesson_location", "2004": "cmi.location"}
# A status that says the SCO manages its own: no default is applied over it.
UNDER_WAY = {
    "1.2": {"cmi.core.lesson_status": "incomplete"},
    "2004": {"cmi.completion_status": "incomplete"},
}
EXITS = [
    ("1.2", "suspend", "resume"),
    ("1.2", "logout", ""),
    ("1.2", "", ""),
    ("1.2", "time-out", ""),
    ("2004", "suspend", "resume"),
    ("2004", "logout", ""),
    ("2004", "normal", ""),
    ("2004", "", ""),
    ("2004", "time-out", ""),
]


def tree_entry(standard: str, cmi: dict[str, Any]) -> str:
    """The preloaded cmi.entry / cmi.core.entry; "" when the preload leaves it out."""
    node = cmi.get("core", {}) if standard == "1.2" else cmi
    entry: str = node.get("entry", "")
    return entry


def seed_body(ana: Learner, started: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """Exactly the seed's fields plus the launch token: no itemId, no seq."""
    return {
        "learnerId": ana.user.username,
        "courseId": "c1",
        "attemptId": started["attemptId"],
        "standard": started["launch"]["standard"],
        "reason": "commit",
        "values": values,
        "token": started["launch"]["token"],
    }


# ----------------------------------------------------------------------------------- entry


@pytest.mark.parametrize(("standard", "exit_value", "entry"), EXITS)
def test_entry_on_relaunch_follows_the_exit_the_sco_set(
    learner_factory, standard, exit_value, entry
):
    course = make_course(standard=standard)
    ana = learner_factory(enrol=[course])
    first = ana.start("c1")
    assert first["launch"]["entry"] == "ab-initio"
    assert tree_entry(standard, first["launch"]["cmi"]) == "ab-initio"
    values = {**UNDER_WAY[standard], LOCATION[standard]: "p3", EXIT[standard]: exit_value}
    ana.result(first, {**values, "cmi.suspend_data": "s=3"}, reason="finish")
    again = ana.start("c1")
    assert again["attemptId"] == first["attemptId"] and again["review"] is False
    assert again["launch"]["entry"] == entry
    assert tree_entry(standard, again["launch"]["cmi"]) == entry
    # Location and suspend_data are there either way.
    assert again["launch"]["values"][LOCATION[standard]] == "p3"
    assert again["launch"]["values"]["cmi.suspend_data"] == "s=3"
    start_event = AttemptEvent.objects.filter(kind="resume").get()
    assert start_event.data["entry"] == entry


@pytest.mark.parametrize("standard", ["1.2", "2004"])
def test_entry_after_a_session_that_never_finished_follows_its_last_commit(
    learner_factory, standard
):
    """A closed tab: the last commit is what the LMS knows of the session's exit."""
    course = make_course(standard=standard)
    ana = learner_factory(enrol=[course])
    first = ana.start("c1")
    ana.result(first, {**UNDER_WAY[standard], EXIT[standard]: "suspend"})
    assert ana.start("c1")["launch"]["entry"] == "resume"
    second = ana.start("c1")
    ana.result(second, {**UNDER_WAY[standard], EXIT[standard]: ""})
    assert ana.start("c1")["launch"]["entry"] == ""


@pytest.mark.parametrize("standard", ["1.2", "2004"])
def test_launches_without_any_commit_stay_ab_initio(learner_factory, standard):
    course = make_course(standard=standard, items=[{"item_id": "s1"}, {"item_id": "s2"}])
    ana = learner_factory(enrol=[course])
    first = ana.start("c1", itemId="s1")
    assert ana.start("c1", itemId="s1")["launch"]["entry"] == "ab-initio"
    ana.result(first, {**UNDER_WAY[standard], EXIT[standard]: "suspend"})
    # Each SCO has its own first launch in the attempt.
    other = ana.start("c1", itemId="s2", attemptId=first["attemptId"])
    assert other["launch"]["entry"] == "ab-initio"
    assert ana.start("c1", itemId="s1")["launch"]["entry"] == "resume"


@pytest.mark.parametrize(
    ("standard", "exit_value", "entry"),
    [("2004", "", "resume"), ("2004", "normal", "resume"), ("1.2", "", "")],
)
def test_the_scos_own_suspend_all_resumes_in_2004(learner_factory, standard, exit_value, entry):
    course = make_course(standard=standard)
    ana = learner_factory(enrol=[course])
    first = ana.start("c1")
    values = {**UNDER_WAY[standard], EXIT[standard]: exit_value}
    ana.result(first, values, reason="finish", navRequest="suspendAll")
    assert ScoAttempt.objects.get().nav_request == "suspendAll"
    second = ana.start("c1")
    assert second["launch"]["entry"] == entry
    # The next session ends without it: no resume after that one.
    ana.result(second, {**UNDER_WAY[standard], EXIT[standard]: ""}, reason="finish")
    assert ScoAttempt.objects.get().nav_request == ""
    assert ana.start("c1")["launch"]["entry"] == ""


@pytest.mark.parametrize(
    ("standard", "location"), [("2004", ""), ("2004", "slide-4"), ("1.2", ""), ("1.2", "slide-4")]
)
def test_suspend_data_without_exit_suspend_relaunches_with_entry_empty(
    learner_factory, standard, location
):
    """The issue's Vite SPA: Save & resume later on the first slide saved suspend_data but
    never set exit=suspend nor a location; "resume" made it read a location that was never
    set and die. The next launch says "" and still preloads what was saved."""
    course = make_course(standard=standard)
    ana = learner_factory(enrol=[course])
    first = ana.start("c1")
    saved = {**UNDER_WAY[standard], "cmi.suspend_data": '{"slide":1,"answers":[]}'}
    if location:
        saved[LOCATION[standard]] = location
    tree: dict[str, Any] = {"suspend_data": saved["cmi.suspend_data"]}
    if location:
        tree.update(
            {"core": {"lesson_location": location}} if standard == "1.2" else {"location": location}
        )
    ana.result(first, saved, cmi=tree)  # Save & resume later: a commit ...
    ana.result(first, saved, cmi=tree, reason="finish")  # ... then the player terminates it
    again = ana.start("c1")
    launch = again["launch"]
    assert launch["entry"] == "" and tree_entry(standard, launch["cmi"]) == ""
    assert launch["cmi"]["suspend_data"] == '{"slide":1,"answers":[]}'
    assert launch["values"]["cmi.suspend_data"] == '{"slide":1,"answers":[]}'
    assert launch["values"][LOCATION[standard]] == location
    stored_location = (
        launch["cmi"].get("core", {}).get("lesson_location")
        if standard == "1.2"
        else launch["cmi"].get("location")
    )
    assert (stored_location or "") == location
    state = ana.state("c1")
    assert state["status"] == "In Progress" and state["canResume"] is True


# -------------------------------------------------------------------------- default status


@pytest.mark.parametrize(
    ("mastery", "raw", "status", "passed"),
    [
        (None, "", "completed", False),
        (None, "85", "completed", False),
        (80.0, "", "completed", False),
        (80.0, "85", "passed", True),
        (80.0, "80", "passed", True),
        (80.0, "70", "failed", False),
    ],
)
def test_a_12_sco_that_set_no_status_gets_one_at_finish(
    learner_factory, mastery, raw, status, passed
):
    course = make_course(
        standard="1.2",
        certificate_on="completed",
        items=[{"item_id": "sco1", "mastery_score": mastery}],
    )
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    values = {"cmi.core.score.raw": raw} if raw else {}
    before = ana.result(started, values, cmi={"core": {"score": {"raw": raw}}})
    # Before the finish only a score over the mastery score decides (SPEC §5): the status
    # itself is the finish's to set.
    assert before["status"] == ("Completed" if passed else "In Progress")
    assert ScoAttempt.objects.get().lesson_status == ""
    answer = ana.result(started, values, reason="finish", cmi={"core": {"score": {"raw": raw}}})
    assert answer["status"] == "Completed" and answer["completed"] is True
    assert answer["passed"] is passed
    sco = ScoAttempt.objects.get()
    assert sco.lesson_status == status
    assert sco.cmi["core"]["lesson_status"] == status  # the next launch preloads it
    event = AttemptEvent.objects.get(kind="default_status")
    assert event.item_id == "sco1" and event.data == {"cmi.core.lesson_status": status}
    state = ana.state("c1")
    expected = {"completed": "Completed", "passed": "Passed", "failed": "Failed"}[status]
    assert state["displayStatus"] == expected and state["record"]["recordStatus"] == expected
    review = ana.start("c1")
    assert review["review"] is True
    assert review["launch"]["cmi"]["core"]["lesson_status"] == status


@pytest.mark.parametrize("lesson_status", ["not attempted"])
def test_a_12_not_attempted_counts_as_no_status(learner_factory, lesson_status):
    course = make_course(standard="1.2")
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    ana.result(started, {"cmi.core.lesson_status": lesson_status}, reason="finish")
    assert ScoAttempt.objects.get().lesson_status == "completed"


@pytest.mark.parametrize(
    ("standard", "values"),
    [
        ("1.2", {"cmi.core.lesson_status": "incomplete"}),
        ("1.2", {"cmi.core.lesson_status": "browsed"}),
        ("2004", {"cmi.completion_status": "incomplete"}),
        ("2004", {"cmi.completion_status": "incomplete", "cmi.success_status": "unknown"}),
        ("2004", {"cmi.exit": "suspend"}),  # a suspended attempt goes on (SN End Attempt)
    ],
)
def test_no_default_over_a_status_the_sco_set_or_a_suspended_2004_session(
    learner_factory, standard, values
):
    course = make_course(standard=standard)
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    answer = ana.result(started, values, reason="finish")
    assert answer["status"] == "In Progress"
    assert not AttemptEvent.objects.filter(kind="default_status").exists()
    sco = ScoAttempt.objects.get()
    stored = sco.lesson_status if standard == "1.2" else sco.completion_status
    given = values.get("cmi.core.lesson_status") or values.get("cmi.completion_status", "")
    assert stored == given


def test_no_default_after_the_scos_own_suspend_all(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    answer = ana.result(started, {}, reason="finish", navRequest="suspendAll")
    assert answer["status"] == "In Progress"
    assert ScoAttempt.objects.get().completion_status == ""


def test_a_2004_sco_that_set_nothing_is_completed_and_passed_at_finish(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    answer = ana.result(started, {"cmi.session_time": "PT2M"}, reason="finish", cmi={})
    assert answer["status"] == "Completed"
    assert answer["completed"] is True and answer["passed"] is True
    assert answer["certificateUrl"] == f"/certificates/{Certificate.objects.get().code}/download"
    sco = ScoAttempt.objects.get()
    assert (sco.completion_status, sco.success_status) == ("completed", "passed")
    assert (sco.cmi["completion_status"], sco.cmi["success_status"]) == ("completed", "passed")
    event = AttemptEvent.objects.get(kind="default_status")
    assert event.data == {"cmi.completion_status": "completed", "cmi.success_status": "passed"}
    assert ana.state("c1")["record"]["recordStatus"] == "Passed"


@pytest.mark.parametrize(
    ("flags", "completion", "success", "status"),
    [
        (
            {"completion_set_by_content": True, "objective_set_by_content": True},
            "",
            "",
            "In Progress",
        ),
        ({"completion_set_by_content": True}, "", "passed", "Completed"),  # passed alone closes
        ({"objective_set_by_content": True}, "completed", "", "Completed"),
    ],
)
def test_delivery_controls_leave_a_status_to_the_content(
    learner_factory, flags, completion, success, status
):
    course = make_course(items=[{"item_id": "sco1", **flags}])
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    answer = ana.result(started, {}, reason="finish")
    assert answer["status"] == status
    sco = ScoAttempt.objects.get()
    assert (sco.completion_status, sco.success_status) == (completion, success)
    assert answer["passed"] is (success == "passed")
    assert Certificate.objects.exists() is (success == "passed")


def _golf(name: str, course_id: str) -> Any:
    path = CORPUS / f"{name}.zip"
    if not path.is_file():
        pytest.skip(f"golf corpus not found at {CORPUS}")
    with path.open("rb") as fh:
        return course_import(source=fh, course_id=course_id).course


@pytest.mark.parametrize(
    ("name", "passes"),
    [("RuntimeMinimumCalls_SCORM12", False), ("RuntimeMinimumCalls_SCORM20043rdEdition", True)],
)
def test_golf_minimum_calls_completes_by_visiting_every_sco(learner_factory, name, passes):
    """Its SCOs only call Initialize and Terminate: each visit ends with the default status,
    and the checklist's folders roll up as their SCOs complete."""
    course = _golf(name, "golf")
    ana = learner_factory(enrol=[course])
    launchable = [i.item_id for i in course.items.all() if i.is_launchable]
    folders = [i.item_id for i in course.items.all() if not i.is_launchable]
    assert len(launchable) == 18 and folders
    attempt_id = None
    for n, item_id in enumerate(launchable, start=1):
        started = ana.start(
            "golf", itemId=item_id, **({"attemptId": attempt_id} if attempt_id else {})
        )
        attempt_id = started["attemptId"]
        assert started["review"] is False and started["launch"]["entry"] == "ab-initio"
        answer = ana.result(started, {}, reason="finish", log={"initialize": True})
        assert answer["completed"] is (n == len(launchable)), item_id
        if n == 6:  # the first folder's SCOs are all done
            rows = {i["itemId"]: i for i in ana.state("golf")["items"]}
            assert rows[folders[0]]["status"] in {"Completed", "Passed"}
            assert rows[folders[0]]["completed"] is True
            assert rows[folders[1]]["status"] == "Not started"
    state = ana.state("golf")
    assert state["status"] == "Completed" and state["progressPercent"] == 100
    assert state["pass"] is passes
    assert state["record"]["recordStatus"] == ("Passed" if passes else "Completed")
    for row in state["items"]:
        assert row["completed"] is True, row
        assert row["status"] == ("Passed" if passes else "Completed"), row
    assert AttemptEvent.objects.filter(kind="default_status").count() == 18
    assert Attempt.objects.count() == 1


# ------------------------------------------------------------------------ result payloads


def test_a_seed_shaped_result_without_item_id_and_seq_is_stored(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    first = ana.post("/api/scorm/result", seed_body(ana, started, {"cmi.location": "p1"}))
    assert first.status_code == 200, first.content
    assert first.json()["ok"] is True and first.json()["seq"] == 1
    second = ana.post(
        "/api/scorm/result",
        seed_body(ana, started, {"cmi.location": "p2", "cmi.completion_status": "incomplete"}),
    )
    assert second.status_code == 200 and second.json()["seq"] == 2
    sco = ScoAttempt.objects.get()
    assert (sco.location, sco.completion_status, sco.commit_seq, sco.commit_count) == (
        "p2",
        "incomplete",
        2,
        2,
    )
    assert sco.item_id == "sco1"
    # The player numbers on from the stored seq: a later seq-carrying commit is not stale.
    assert ana.result(started, {"cmi.location": "p3"}, seq=3)["stale"] is False


@pytest.mark.parametrize("item_id", ["s2", "nope"])
def test_an_item_id_other_than_the_sessions_is_400_naming_it(learner_factory, item_id):
    course = make_course(items=[{"item_id": "s1"}, {"item_id": "s2"}])
    ana = learner_factory(enrol=[course])
    started = ana.start("c1", itemId="s1")
    ana.start("c1", itemId="s2", attemptId=started["attemptId"])
    body = {**seed_body(ana, started, {"cmi.location": "x"}), "itemId": item_id, "seq": 1}
    response = ana.post("/api/scorm/result", body)
    assert response.status_code == 400
    assert response.json()["field"] == "itemId"
    assert "itemId" in response.json()["message"]
    assert not ScoAttempt.objects.filter(commit_count__gt=0).exists()


def test_the_seed_door_checks_an_item_id_too(learner_factory):
    course = make_course(items=[{"item_id": "s1"}, {"item_id": "s2"}])
    ana = learner_factory(enrol=[course])
    started = ana.start("c1", itemId="s2")
    body = {"attemptId": started["attemptId"], "token": started["launch"]["token"]}
    wrong = ana.post("/scorm/runtime/commit", {**body, "itemId": "s1", "values": {}})
    assert wrong.status_code == 400 and wrong.json()["field"] == "itemId"
    right = ana.post(
        "/scorm/runtime/commit", {**body, "itemId": "s2", "values": {"cmi.location": "p1"}}
    )
    assert right.status_code == 200, right.content
    without = ana.post("/scorm/runtime/commit", {**body, "values": {"cmi.location": "p2"}})
    assert without.status_code == 200, without.content
    sco = ScoAttempt.objects.get(item_id="s2")
    assert (sco.location, sco.commit_count) == ("p2", 2)
    assert not ScoAttempt.objects.filter(item_id="s1").exists()


@pytest.mark.parametrize(
    "nav_request",
    ["suspendall", "jump", "{target=}choice", "{target=x}start", "choice", 7, ["exit"], True],
)
def test_an_invalid_nav_request_is_400_naming_it(learner_factory, nav_request):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    answer = ana.result(started, {"cmi.location": "x"}, navRequest=nav_request, expect=400)
    assert answer["field"] == "navRequest"
    assert "navRequest" in answer["message"]
    assert ScoAttempt.objects.get().commit_count == 0


@pytest.mark.parametrize(
    "nav_request",
    [
        "continue",
        "previous",
        "exit",
        "exitAll",
        "abandon",
        "abandonAll",
        "_none_",
        "{target=s2}choice",
        "{target=s2}jump",
        "",
    ],
)
def test_a_valid_nav_request_is_stored(learner_factory, nav_request):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    ana.result(started, {"cmi.location": "x"}, navRequest=nav_request)
    assert ScoAttempt.objects.get().nav_request == nav_request


# ------------------------------------------------------------------------------ late saves


@pytest.mark.parametrize("standard", ["1.2", "2004"])
def test_a_late_save_after_finish_that_repeats_the_stored_data_is_stale(learner_factory, standard):
    course = make_course(standard=standard)
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    values = {**UNDER_WAY[standard], LOCATION[standard]: "p7", "cmi.suspend_data": "abc"}
    session_time = "cmi.core.session_time" if standard == "1.2" else "cmi.session_time"
    ana.result(
        started,
        {**values, session_time: "PT1M" if standard == "2004" else "00:01:00"},
        reason="finish",
    )
    sco_before = ScoAttempt.objects.values().get()
    late = ana.result(started, values)  # seq 2, the same data (LMSCommit after LMSFinish)
    assert late["ok"] is True and late["stale"] is True and late["seq"] == 1
    assert ScoAttempt.objects.values().get() == sco_before
    news = ana.result(started, {**values, LOCATION[standard]: "p8"}, expect=409)
    assert news["error"] == "conflict"
    assert ScoAttempt.objects.get().location == "p7"


def test_a_late_save_that_leaves_out_the_default_status_is_stale_too(learner_factory):
    """The finish recorded "completed" for a 1.2 SCO that set nothing; its late LMSCommit
    still says nothing about the status: not news."""
    course = make_course(standard="1.2")
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    ana.result(started, {"cmi.core.lesson_location": "end"}, reason="finish")
    assert ScoAttempt.objects.get().lesson_status == "completed"
    late = ana.result(started, {"cmi.core.lesson_location": "end"})
    assert late["stale"] is True
    assert ScoAttempt.objects.get().lesson_status == "completed"
    ana.result(started, {"cmi.core.lesson_location": "end", "cmi.core.score.raw": "10"}, expect=409)
