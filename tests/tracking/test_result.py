"""``POST /api/scorm/result`` and its twin ``/scorm/runtime/commit`` (SPEC §4, seed 000 A/B)."""

from __future__ import annotations

import json

import pytest

from scormlms.tracking.models import Attempt, AttemptEvent, ScoAttempt
from tests.tracking.conftest import make_course

pytestmark = pytest.mark.django_db

ALL_12 = {
    "cmi.core.lesson_status": "incomplete",
    "cmi.core.score.raw": "42",
    "cmi.core.score.min": "0",
    "cmi.core.score.max": "50",
    "cmi.core.lesson_location": "page-3",
    "cmi.suspend_data": "s=1;t=2",
    "cmi.core.exit": "suspend",
    "cmi.core.session_time": "0000:01:30.5",
}
ALL_2004 = {
    "cmi.completion_status": "incomplete",
    "cmi.success_status": "unknown",
    "cmi.score.raw": "42",
    "cmi.score.scaled": "0.42",
    "cmi.progress_measure": "0.4",
    "cmi.location": "chapter-2",
    "cmi.suspend_data": '{"a":1}',
    "cmi.score.min": "0",
    "cmi.score.max": "100",
    "cmi.exit": "suspend",
    "cmi.session_time": "PT1M30S",
}
COLUMNS_12 = {
    "lesson_status": "incomplete",
    "score_raw": "42",
    "score_min": "0",
    "score_max": "50",
    "location": "page-3",
    "suspend_data": "s=1;t=2",
    "exit": "suspend",
    "session_time": "0000:01:30.5",
}
COLUMNS_2004 = {
    "completion_status": "incomplete",
    "success_status": "unknown",
    "score_raw": "42",
    "score_scaled": "0.42",
    "progress_measure": "0.4",
    "location": "chapter-2",
    "suspend_data": '{"a":1}',
    "score_min": "0",
    "score_max": "100",
    "exit": "suspend",
    "session_time": "PT1M30S",
}


@pytest.mark.parametrize(
    ("standard", "values", "columns"),
    [("1.2", ALL_12, COLUMNS_12), ("2004", ALL_2004, COLUMNS_2004)],
)
def test_every_key_field_is_stored(learner_factory, standard, values, columns):
    course = make_course(standard=standard)
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    tree = {"location": "x", "interactions": {"0": {"id": "q1", "type": "choice"}}}
    answer = ana.result(started, values, cmi=tree)
    assert answer["ok"] is True and answer["status"] == "In Progress" and answer["seq"] == 1
    sco = ScoAttempt.objects.get()
    for column, expected in columns.items():
        assert getattr(sco, column) == expected, column
    assert sco.cmi == tree
    assert sco.commit_count == 1
    attempt = Attempt.objects.get()
    assert attempt.last_commit_at is not None
    assert attempt.finished_at is None  # only a finish stamps it
    assert 0 < attempt.progress_percent < 100
    state = ana.state("c1")
    assert state["canResume"] is True
    assert state["lastActivity"] is not None


def test_finish_stamps_finished_at_adds_time_once_and_closes_the_session(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    unfinished = {"cmi.completion_status": "incomplete"}
    ana.result(started, {**unfinished, "cmi.session_time": "PT10M"}, reason="finish")
    sco = ScoAttempt.objects.get()
    assert sco.total_time in {"PT10M", "PT10M0S", "PT600S"}
    assert Attempt.objects.get().finished_at is not None
    # SCORM 1.2 content may commit after LMSFinish: a late save of what is stored is stale,
    # anything new to a finished session answers 409.
    late = ana.result(started, {**unfinished, "cmi.session_time": "PT10M"}, reason="finish")
    assert late["stale"] is True
    answer = ana.result(started, {"cmi.location": "p9"}, reason="finish", expect=409)
    assert answer["error"] == "conflict"
    second = ana.start("c1")
    ana.result(second, {**unfinished, "cmi.session_time": "PT5M"}, reason="finish")
    sco.refresh_from_db()
    assert sco.total_time in {"PT15M", "PT15M0S", "PT900S"}


def test_stale_and_duplicate_commits_store_nothing(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    ana.result(started, {"cmi.location": "p5", "cmi.progress_measure": "0.5"}, seq=5)
    late = ana.result(started, {"cmi.location": "p2", "cmi.progress_measure": "0.2"}, seq=3)
    assert late["stale"] is True and late["seq"] == 5
    duplicate = ana.result(started, {"cmi.location": "p9"}, seq=5)
    assert duplicate["stale"] is True
    sco = ScoAttempt.objects.get()
    assert (sco.location, sco.progress_measure, sco.commit_seq, sco.commit_count) == (
        "p5",
        "0.5",
        5,
        1,
    )
    assert AttemptEvent.objects.filter(kind="commit").count() == 1


def test_another_learner_gets_403_and_nothing_changes(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    bob = learner_factory("bob", enrol=[course])
    anas = ana.start("c1")
    bobs = bob.start("c1")
    ana.result(anas, {"cmi.location": "mine"})
    # Bob replays Ana's token from his own session.
    stolen = dict(anas)
    answer = bob.result(stolen, {"cmi.location": "bob was here"}, expect=403, learnerId="bob")
    assert answer["ok"] is False
    # Bob uses his own token against Ana's attempt.
    mixed = {**anas, "launch": {**anas["launch"], "token": bobs["launch"]["token"]}}
    bob.result(mixed, {"cmi.location": "bob was here"}, expect=403)
    # learnerId must match the session.
    ana.result(anas, {"cmi.location": "spoof"}, expect=403, learnerId="bob")
    assert ScoAttempt.objects.get(attempt_id=anas["attemptId"]).location == "mine"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"cmi.completion_status": "done"}, "cmi.completion_status"),
        ({"cmi.success_status": "PASSED"}, "cmi.success_status"),
        ({"cmi.score.scaled": "1.5"}, "cmi.score.scaled"),
        ({"cmi.progress_measure": "-0.1"}, "cmi.progress_measure"),
        ({"cmi.suspend_data": "x" * 70_000}, "cmi.suspend_data"),
        ({"cmi.location": "y" * 1001}, "cmi.location"),
        ({"cmi.exit": "later"}, "cmi.exit"),
        ({"cmi.session_time": "10 minutes"}, "cmi.session_time"),
        ({"cmi.score.raw": 5}, "cmi.score.raw"),
        ({"cmi.core.lesson_status": "passed"}, "cmi.core.lesson_status"),
    ],
)
def test_invalid_values_are_400_naming_the_field_and_change_nothing(learner_factory, values, field):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    ana.result(started, {"cmi.location": "before"})
    answer = ana.result(started, values, expect=400)
    assert answer["field"] == field
    assert field in answer["message"]
    sco = ScoAttempt.objects.get()
    assert (sco.location, sco.commit_count) == ("before", 1)


def test_a_tree_with_a_bad_value_is_refused(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    answer = ana.result(started, {}, cmi={"score": {"scaled": "1.5"}}, expect=400)
    assert answer["field"] == "cmi.score.scaled"
    assert not ScoAttempt.objects.filter(commit_count__gt=0).exists()


@pytest.mark.parametrize(
    ("mutate", "field", "status"),
    [
        (lambda b: b.pop("values"), "values", 400),
        (lambda b: b.update(seq="7"), "seq", 400),
        (lambda b: b.update(seq=0), "seq", 400),
        (lambda b: b.update(reason="save"), "reason", 400),
        (lambda b: b.update(standard="1.3"), "standard", 400),
        (lambda b: b.update(attemptId="not-a-uuid"), "attemptId", 400),
        (lambda b: b.pop("token"), "token", 403),
        (lambda b: b.update(token="forged"), "token", 403),
        (lambda b: b.update(log={"setValueKeys": "cmi.location"}), "log.setValueKeys", 400),
        (lambda b: b.update(itemId="another"), "itemId", 400),
        (lambda b: b.update(navRequest="jump-to-end"), "navRequest", 400),
    ],
)
def test_missing_and_malformed_fields(learner_factory, mutate, field, status):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    launch = started["launch"]
    body = {
        "learnerId": "ana",
        "courseId": "c1",
        "attemptId": started["attemptId"],
        "itemId": launch["itemId"],
        "token": launch["token"],
        "standard": "2004",
        "reason": "commit",
        "seq": 1,
        "values": {"cmi.location": "x"},
    }
    mutate(body)
    response = ana.post("/api/scorm/result", body)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    assert not ScoAttempt.objects.filter(commit_count__gt=0).exists()


def test_non_json_and_oversized_bodies(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    ana.start("c1")
    response = ana.post("/api/scorm/result", "values=1")
    assert response.status_code == 400 and response.json()["error"] == "bad_json"
    huge = json.dumps({"values": {"cmi.suspend_data": "x" * 1_100_000}})
    response = ana.post("/api/scorm/result", huge)
    assert response.status_code == 413
    assert not ScoAttempt.objects.filter(commit_count__gt=0).exists()


def test_logged_out_runtime_calls_are_401(client):
    response = client.post("/api/scorm/result", data="{}", content_type="application/json")
    assert response.status_code == 401


def test_the_seed_door_runs_the_same_service(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    response = ana.post(
        "/scorm/runtime/commit",
        {"attemptId": started["attemptId"], "values": {"cmi.location": "p1"}},
        HTTP_X_LAUNCH_TOKEN=started["launch"]["token"],
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["ok"] is True and body["status"] == "In Progress" and body["completed"] is False
    assert ScoAttempt.objects.get().location == "p1"
    response = ana.post(
        "/scorm/runtime/commit",
        {
            "attemptId": started["attemptId"],
            "token": started["launch"]["token"],
            "values": {"cmi.completion_status": "completed", "cmi.score.raw": "88"},
        },
    )
    assert response.json()["status"] == "Completed" and response.json()["completed"] is True


def test_runtime_log_records_initialize_and_ten_unique_keys(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    keys = [f"cmi.interactions.{i}.id" for i in range(8)]
    ana.result(started, {}, log={"initialize": True, "setValueKeys": keys})
    more = [*keys[:3], "cmi.location", "cmi.exit", "cmi.score.raw"]
    ana.result(started, {}, log={"initialize": True, "setValueKeys": more})
    events = list(AttemptEvent.objects.order_by("id").values_list("kind", "data"))
    assert [k for k, _ in events].count("initialize") == 1
    logged = [key for kind, data in events if kind == "setvalue_keys" for key in data["keys"]]
    assert logged == [*keys, "cmi.location", "cmi.exit"]
    commits = [data for kind, data in events if kind == "commit"]
    assert {"progressPercent", "passed", "completed", "scorePercent"} <= set(commits[0])


def test_storage_columns_cover_exactly_the_key_fields():
    from scormlms.scorm.datamodel import KEY_FIELDS
    from scormlms.tracking.services import KEY_COLUMNS

    for standard, fields in KEY_FIELDS.items():
        assert list(KEY_COLUMNS[standard]) == list(fields)
