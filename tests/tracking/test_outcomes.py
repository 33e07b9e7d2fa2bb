"""Completion, pass/fail, certificates and multi-SCO aggregation through the endpoints."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from scormlms.courses.services import course_import
from scormlms.tracking.models import Attempt, AttemptEvent, Certificate
from tests.conftest import CORPUS
from tests.tracking.conftest import make_course

pytestmark = pytest.mark.django_db


def test_completion_closes_the_attempt_with_score_and_pass(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    answer = ana.result(
        started,
        {
            "cmi.completion_status": "completed",
            "cmi.success_status": "passed",
            "cmi.score.scaled": "0.9",
        },
    )
    assert answer["status"] == "Completed"
    assert answer["completed"] is True and answer["passed"] is True
    assert answer["scorePercent"] == 90
    attempt = Attempt.objects.get()
    assert attempt.closed and attempt.terminated_at is not None
    state = ana.state("c1")
    assert state["status"] == "Completed"
    assert state["canResume"] is False and state["hasOpenAttempt"] is False
    assert state["score"] == 90 and state["pass"] is True
    assert state["displayStatus"] == "Passed"
    assert state["progressPercent"] == 100
    assert state["certificateUrl"] == answer["certificateUrl"]


def test_a_closed_attempt_still_takes_the_running_sessions_commits(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    ana.result(started, {"cmi.completion_status": "completed"})
    answer = ana.result(started, {"cmi.completion_status": "completed", "cmi.score.raw": "77"})
    assert answer["status"] == "Completed" and answer["scorePercent"] == 77
    # Relaunching a completed course reviews it (SPEC §6): the same attempt, no credit.
    again = ana.start("c1")
    assert again["attemptId"] == started["attemptId"]
    assert again["review"] is True and again["launch"]["mode"] == "review"


def test_pass_from_the_manifests_scaled_passing_score(learner_factory):
    course = make_course(items=[{"item_id": "sco1", "scaled_passing_score": 0.8}])
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    low = ana.result(started, {"cmi.score.scaled": "0.7", "cmi.completion_status": "incomplete"})
    assert low["passed"] is False
    high = ana.result(started, {"cmi.score.scaled": "0.85"})
    assert high["passed"] is True and high["status"] == "Completed"


def test_12_mastery_score_and_course_override(learner_factory):
    course = make_course(standard="1.2", items=[{"item_id": "sco1", "mastery_score": 80.0}])
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    answer = ana.result(
        started, {"cmi.core.score.raw": "75", "cmi.core.lesson_status": "incomplete"}
    )
    assert answer["passed"] is False
    course.passing_score = 70
    course.save()
    answer = ana.result(
        started, {"cmi.core.score.raw": "75", "cmi.core.lesson_status": "incomplete"}
    )
    assert answer["passed"] is True


def test_failed_is_completed_in_12_and_displays_failed(learner_factory):
    course = make_course(standard="1.2")
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    answer = ana.result(started, {"cmi.core.lesson_status": "failed", "cmi.core.score.raw": "40"})
    assert answer["status"] == "Completed" and answer["passed"] is False
    state = ana.state("c1")
    assert state["displayStatus"] == "Failed" and state["pass"] is False and state["score"] == 40
    assert state["certificateUrl"] is None


def test_certificate_is_issued_once_and_never_regenerated(
    learner_factory, client, django_capture_on_commit_callbacks
):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    ana.result(started, {"cmi.success_status": "failed"})
    assert not Certificate.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        ana.result(started, {"cmi.success_status": "passed", "cmi.score.scaled": "0.8"})
    cert = Certificate.objects.get()
    assert not default_storage.exists(cert.file)  # the PDF is rendered when first downloaded
    ana.result(started, {"cmi.success_status": "passed", "cmi.score.scaled": "1"})
    ana.result(started, {"cmi.success_status": "failed"})
    ana.result(started, {"cmi.success_status": "passed"})
    assert Certificate.objects.get().code == cert.code
    assert AttemptEvent.objects.filter(kind="certificate").count() == 1
    assert cert.score_percent == 80
    pdf = ana.client.get(f"/certificates/{cert.code}/download")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF")
    assert default_storage.exists(cert.file)
    # Another learner may not download it; the verification page is public.
    bob = learner_factory("bob")
    assert bob.client.get(f"/certificates/{cert.code}/download").status_code == 403
    page = client.get(f"/certificates/verify/{cert.code}")
    assert page.status_code == 200 and b"Course c1" in page.content
    assert client.get("/certificates/verify/NOPE-NOPE-NOPE").status_code == 404


def test_no_certificate_is_left_by_a_commit_that_rolls_back(learner_factory, monkeypatch):
    """A write that fails after the certificate was prepared leaves neither a row nor a file."""
    from scormlms.rows import Batch

    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")

    def broken_send(self: Batch) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Batch, "send", broken_send)
    with pytest.raises(RuntimeError):
        ana.result(started, {"cmi.success_status": "passed"})
    assert not Certificate.objects.exists()
    assert not default_storage.exists("certificates")


def test_certificate_on_completed(learner_factory):
    course = make_course(certificate_on="completed")
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    answer = ana.result(started, {"cmi.completion_status": "completed"})
    assert answer["passed"] is False and answer["certificateUrl"]


def test_multi_sco_completes_only_when_every_tracked_item_does(learner_factory):
    course = make_course(
        items=[
            {"item_id": "m1"},
            {"item_id": "m2"},
            {"item_id": "ref", "scorm_type": "asset"},
            {"item_id": "survey", "rollup_satisfied": False, "rollup_completion": False},
        ]
    )
    ana = learner_factory(enrol=[course])
    done = {"cmi.completion_status": "completed", "cmi.score.scaled": "0.9"}
    m1 = ana.start("c1", itemId="m1")
    assert ana.result(m1, done)["status"] == "In Progress"
    m2 = ana.start("c1", itemId="m2", attemptId=m1["attemptId"])
    assert m2["attemptId"] == m1["attemptId"]
    answer = ana.result(m2, {**done, "cmi.score.scaled": "0.7"})
    assert answer["status"] == "In Progress"  # the asset was never opened
    assert answer["completed"] is False and answer["passed"] is False
    items = {i["itemId"]: i for i in ana.state("c1")["items"]}
    assert items["m1"]["status"] == "Completed" and items["ref"]["status"] == "Not started"
    ana.start("c1", itemId="ref", attemptId=m1["attemptId"])  # an asset completes on launch
    state = ana.state("c1")
    assert state["status"] == "Completed" and state["score"] == 80
    assert state["pass"] is False  # no SCO reported a pass/fail determination


def test_multi_sco_passes_when_every_satisfaction_item_passes(learner_factory):
    # SPEC §5: passed alone makes the attempt Completed, even before the asset is opened.
    course = make_course(
        items=[
            {"item_id": "m1"},
            {"item_id": "ref", "scorm_type": "asset"},
            {"item_id": "survey", "rollup_satisfied": False, "rollup_completion": False},
        ]
    )
    ana = learner_factory(enrol=[course])
    m1 = ana.start("c1", itemId="m1")
    answer = ana.result(m1, {"cmi.success_status": "passed", "cmi.score.scaled": "0.9"})
    assert answer["passed"] is True and answer["completed"] is False
    assert answer["status"] == "Completed"


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"golf corpus not found at {CORPUS}")
def test_golf_18_sco_package_completes_only_at_the_end(learner_factory):
    with (CORPUS / "RuntimeMinimumCalls_SCORM12.zip").open("rb") as fh:
        course = course_import(source=fh, course_id="golf18").course
    ana = learner_factory(enrol=[course])
    item_ids = [i.item_id for i in course.items.all() if i.is_launchable]
    assert len(item_ids) == 18
    attempt_id = None
    for n, item_id in enumerate(item_ids, start=1):
        started = ana.start(
            "golf18", itemId=item_id, **({"attemptId": attempt_id} if attempt_id else {})
        )
        attempt_id = started["attemptId"]
        answer = ana.result(started, {"cmi.core.lesson_status": "completed"}, reason="finish")
        assert answer["completed"] is (n == 18), n
        assert answer["progressPercent"] == (100 if n == 18 else round(n / 18 * 100))
    state = ana.state("golf18")
    assert state["status"] == "Completed"
    assert all(i["completed"] for i in state["items"] if i["launchable"])
