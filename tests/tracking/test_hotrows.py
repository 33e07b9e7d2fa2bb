"""The hand-written reads of the hot paths give the instances the ORM gives."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.models import Model
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from scormlms.courses.models import Course, Enrolment
from scormlms.rows import Batch
from scormlms.tracking import hotrows
from scormlms.tracking.models import (
    Attempt,
    AttemptEvent,
    Certificate,
    LaunchSession,
    ScoAttempt,
)
from tests.tracking.conftest import make_course

pytestmark = pytest.mark.django_db


def _same(loaded: Model, orm: Model, skip: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    assert type(loaded) is type(orm)
    assert loaded._state.adding is False and loaded._state.db == "default"
    for field in orm._meta.concrete_fields:
        if field.attname in skip:
            continue
        assert getattr(loaded, field.attname) == getattr(orm, field.attname), field.attname


def _passed_attempt(learner_factory):
    course = make_course(passing_score=50)
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    ana.result(
        started,
        {"cmi.success_status": "passed", "cmi.score.scaled": "0.9", "cmi.location": "p3"},
    )
    return ana, started


def test_commit_rows_match_the_orm_and_cost_one_query(learner_factory):
    ana, started = _passed_attempt(learner_factory)
    attempt_id = uuid.UUID(started["attemptId"])
    session_id = LaunchSession.objects.get(attempt_id=attempt_id).id
    with CaptureQueriesContext(connection) as ctx:
        found = hotrows.commit_rows(attempt_id, str(session_id))
    assert len(ctx.captured_queries) == 1
    assert found is not None
    attempt = Attempt.objects.get(id=attempt_id)
    _same(found.attempt, attempt)
    _same(found.session, LaunchSession.objects.get(id=session_id))
    [(sco, bookmarked)] = found.scos
    _same(sco, ScoAttempt.objects.get(attempt=attempt), skip={"cmi", "suspend_data", "location"})
    assert bookmarked is True  # cmi.location was set
    code = Certificate.objects.get(attempt=attempt).code
    with CaptureQueriesContext(connection) as ctx:
        assert found.attempt.course.course_id == "c1"
        assert found.attempt.certificate.code == code
    assert ctx.captured_queries == []  # course and certificate came with the read
    # Columns not read are deferred, not wrong: reading one loads it.
    assert found.attempt.course.manifest == Course.objects.get(course_id="c1").manifest
    assert sco.location == "p3"


def test_commit_rows_refuse_another_attempts_session(learner_factory):
    ana, started = _passed_attempt(learner_factory)
    other = learner_factory("bo", enrol=[Course.objects.get(course_id="c1")])
    theirs = other.start("c1")
    their_session = LaunchSession.objects.get(attempt_id=theirs["attemptId"]).id
    assert hotrows.commit_rows(uuid.UUID(started["attemptId"]), str(their_session)) is None
    assert hotrows.commit_rows(uuid.UUID(started["attemptId"]), "not-a-uuid") is None


def test_state_rows_match_the_orm(learner_factory):
    ana, started = _passed_attempt(learner_factory)
    course = Course.objects.get(course_id="c1")
    with CaptureQueriesContext(connection) as ctx:
        by_id = hotrows.state_rows(ana.user.pk, course_id="c1")
    assert len(ctx.captured_queries) == 1
    by_pk = hotrows.state_rows(ana.user.pk, course_pk=course.pk)
    assert by_id is not None and by_pk is not None
    for rows in (by_id, by_pk):
        _same(rows.course, course, skip={"manifest", "warnings", "description", "edition"})
        enrolment = Enrolment.objects.get(learner=ana.user, course=course)
        assert rows.enrolment is not None
        _same(rows.enrolment, enrolment)
        _same(rows.enrolment.current_attempt, enrolment.current_attempt)
        assert [s.item_id for s in rows.scos] == ["sco1"]


def test_state_rows_of_a_learner_not_enrolled_and_of_no_course(learner_factory):
    make_course()
    stranger = learner_factory("stranger")
    rows = hotrows.state_rows(stranger.user.pk, course_id="c1")
    assert rows is not None and rows.enrolment is None and rows.scos == []
    assert hotrows.state_rows(stranger.user.pk, course_id="nope") is None


def test_no_model_the_single_write_statement_writes_has_auto_now_fields_or_save_receivers(
    learner_factory, monkeypatch: pytest.MonkeyPatch
):
    """``rows.Batch`` writes without ``Model.save``: no ``pre_save`` (``auto_now``,
    ``auto_now_add``) and no save signals run, so no model it writes may rely on them."""
    updated: set[type[Model]] = set()
    inserted: set[type[Model]] = set()
    update, insert = Batch.update, Batch.insert

    def spy_update(self, instance, names):
        updated.add(type(instance))
        update(self, instance, names)

    def spy_insert(self, instances, names):
        inserted.update(type(i) for i in instances)
        insert(self, instances, names)

    monkeypatch.setattr(Batch, "update", spy_update)
    monkeypatch.setattr(Batch, "insert", spy_insert)
    ana, started = _passed_attempt(learner_factory)  # start, a passing commit: a certificate
    ana.result(
        started, {"cmi.success_status": "passed", "cmi.score.scaled": "0.9"}, reason="finish"
    )
    assert updated >= {Attempt, Enrolment, LaunchSession, ScoAttempt}
    assert inserted >= {Attempt, AttemptEvent, Certificate, LaunchSession, ScoAttempt}
    for model in updated | inserted:
        for field in model._meta.concrete_fields:
            assert not getattr(field, "auto_now", False), (model, field.name)
            # auto_now_add is set only when a row is added
            assert model not in inserted or not getattr(field, "auto_now_add", False), (
                model,
                field.name,
            )
        assert not pre_save.has_listeners(model), model
        assert not post_save.has_listeners(model), model


def test_commit_rows_know_an_attempt_has_no_certificate_without_asking_again(learner_factory):
    course = make_course()
    ana = learner_factory(enrol=[course])
    started = ana.start("c1")
    attempt_id = uuid.UUID(started["attemptId"])
    session_id = LaunchSession.objects.get(attempt_id=attempt_id).id
    found = hotrows.commit_rows(attempt_id, str(session_id))
    assert found is not None
    with CaptureQueriesContext(connection) as ctx, pytest.raises(Certificate.DoesNotExist):
        found.attempt.certificate  # noqa: B018 - the attribute access is the lookup
    assert ctx.captured_queries == []


def test_the_large_columns_a_commit_rewrites_are_lz4_on_postgresql():
    """Migration tracking 0003: LZ4 instead of pglz for the TOASTed cmi tree and suspend_data."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute"
            " WHERE attrelid = 'tracking_scoattempt'::regclass"
            " AND attname IN ('cmi', 'suspend_data')"
        )
        assert dict(cursor.fetchall()) == {"cmi": "l", "suspend_data": "l"}
