"""The learner's course record and the writes around it (SPEC §6): retakes on purpose, staff
resets and overrides. The rules are :mod:`scormlms.scorm.record`; this module reads the
attempts, applies them and keeps the result on the enrolment row.

Lock order, as everywhere in ``tracking``: the learner's attempt rows first, then the
enrolment row. Every writer of a record holds the enrolment's lock while it reads the
attempts, so two writers never store records derived from different pictures.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from scormlms.courses.models import Course, Enrolment
from scormlms.scorm import record as rules
from scormlms.tracking import sequencing
from scormlms.tracking.models import Attempt, AttemptEvent, Certificate

log = logging.getLogger("scormlms.tracking")

REASON_REQUIRED = "A reason is required."
SCORE_RANGE = "The score must be a number from 0 to 100."
NOTHING_TO_SET = "Set at least one of completed, passed or score."


class RecordRefused(Exception):
    """A retake, reset or override that the rules do not allow; the message says why."""


def summary(attempt: Attempt) -> rules.AttemptSummary:
    return rules.AttemptSummary(
        attempt_id=str(attempt.id),
        order=attempt.launched_at,
        status=attempt.status,
        completed=attempt.completed,
        passed=attempt.passed,
        pass_state=attempt.pass_state,  # type: ignore[arg-type]
        score_percent=attempt.score_percent,
        reset=attempt.reset,
    )


def override_of(enrolment: Enrolment) -> rules.Override | None:
    if enrolment.override_at is None:
        return None
    return rules.Override(
        completed=enrolment.override_completed,
        passed=enrolment.override_passed,
        score_percent=enrolment.override_score,
    )


def derive(enrolment: Enrolment, course: Course, attempts: list[Attempt]) -> rules.Record:
    return rules.course_record(
        [summary(a) for a in attempts],
        grading=course.grading,  # type: ignore[arg-type]
        max_attempts=course.max_attempts,
        override=override_of(enrolment),
    )


def record_refresh(*, learner_id: int, course: Course) -> Enrolment | None:
    """Derive the learner's record in ``course`` again and store it (None: not enrolled).

    Called by every service that changes an attempt's outcome, inside its transaction."""
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(learner_id=learner_id, course_id=course.pk)
        .first()
    )
    if enrolment is None:
        return None
    attempts = list(
        Attempt.objects.filter(learner_id=learner_id, course_id=course.pk).order_by("launched_at")
    )
    record = derive(enrolment, course, attempts)
    code = ""
    # A record staff set to failed shows no certificate (the issued one stays verifiable).
    if record.attempt_id is not None and enrolment.override_passed is not False:
        code = (
            Certificate.objects.filter(attempt_id=record.attempt_id)
            .values_list("code", flat=True)
            .first()
            or ""
        )
    changed = apply_record(enrolment, record, code)
    if changed:
        enrolment.save(update_fields=changed)
    return enrolment


def apply_record(enrolment: Enrolment, record: rules.Record, certificate_code: str) -> list[str]:
    """Set the record's fields on the enrolment; the names of those that changed."""
    new = {
        "record_status": record.status,
        "record_completed": record.completed,
        "record_passed": record.passed,
        "record_pass_state": record.pass_state,
        "record_score": record.score_percent,
        "record_attempt": record.attempt_id,
        "record_certificate": certificate_code,
        "attempts_used": record.attempts_used,
    }
    changed = []
    for name, value in new.items():
        attname = "record_attempt_id" if name == "record_attempt" else name
        old = getattr(enrolment, attname)
        if name == "record_attempt" and old is not None:
            old = str(old)
        if old != value:
            setattr(enrolment, attname, value)
            changed.append(name)
    return changed


def new_attempt_rule(enrolment: Enrolment | None, course: Course) -> rules.NewAttempt:
    """Whether the learner may start another attempt now (the card's second button)."""
    current = enrolment.current_attempt if enrolment is not None else None
    if current is not None and current.reset:
        current = None
    return rules.new_attempt(
        current_status=current.status if current is not None else None,
        current_pass_state=current.pass_state if current is not None else "unknown",  # type: ignore[arg-type]
        attempts_used=enrolment.attempts_used if enrolment is not None else 0,
        max_attempts=course.max_attempts,
        new_attempt_when=course.new_attempt_when,  # type: ignore[arg-type]
    )


# ------------------------------------------------------------------------------ new attempt


def abandon(attempt: Attempt, now: datetime, reason: str, **data: Any) -> None:
    """Close an open attempt as Abandoned (a fresh one replaces it)."""
    attempt.status = Attempt.Status.ABANDONED
    attempt.closed = True
    attempt.terminated_at = now
    attempt.save(update_fields=["status", "closed", "terminated_at"])
    AttemptEvent.objects.create(
        attempt=attempt,
        kind=AttemptEvent.Kind.ABANDON,
        data={"reason": reason, **data},
        created_at=now,
    )
    log.info("attempt_abandoned", extra={"attempt_id": str(attempt.id), "reason": reason})


@transaction.atomic
def attempt_new(*, learner: AbstractBaseUser, course: Course, shown_attempt_id: str) -> Attempt:
    """The learner's "Start a new attempt" / "Start over" (SPEC §6): the current attempt is
    kept in history (an open one is closed as Abandoned), and a new open attempt becomes the
    current one. ``RecordRefused`` when the course does not allow it now.

    ``shown_attempt_id`` is the current attempt the learner confirmed to leave. When it is no
    longer the current one, the confirmation was already acted on (a double click, a reload):
    the open attempt it started is answered again, and no second attempt is used up."""
    now = timezone.now()
    open_attempt = (
        Attempt.objects.select_for_update()
        .filter(learner_id=learner.pk, course=course, closed=False)
        .first()
    )
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("current_attempt")
        .filter(learner_id=learner.pk, course=course)
        .first()
    )
    if enrolment is None:
        raise RecordRefused("You are not enrolled in this course.")
    if str(enrolment.current_attempt_id) != shown_attempt_id:
        if open_attempt is not None:
            return open_attempt
        raise RecordRefused("This page was out of date; here is the course as it is now.")
    rule = new_attempt_rule(enrolment, course)
    if not rule.allowed:
        raise RecordRefused(rule.message or "This course does not offer a new attempt now.")
    previous = enrolment.current_attempt
    if open_attempt is not None:
        abandon(open_attempt, now, "start over", by=learner.get_username())
    attempt = Attempt(
        learner_id=learner.pk, course=course, status=Attempt.Status.IN_PROGRESS, launched_at=now
    )
    if course.sequenced:
        sequencing.prepare(attempt, learner, course)
    attempt.save(force_insert=True)
    AttemptEvent.objects.create(
        attempt=attempt,
        kind=AttemptEvent.Kind.NEW_ATTEMPT,
        data={"previous": str(previous.id) if previous else None},
        created_at=now,
    )
    enrolment.current_attempt = attempt
    enrolment.save(update_fields=["current_attempt"])
    record_refresh(learner_id=int(learner.pk), course=course)
    log.info("attempt_new", extra={"attempt_id": str(attempt.id), "course_id": course.course_id})
    return attempt


# --------------------------------------------------------------------------- staff: reset


def _attempt_for_events(enrolment: Enrolment, attempts: list[Attempt]) -> Attempt | None:
    return enrolment.current_attempt or (attempts[-1] if attempts else None)


@transaction.atomic
def record_reset(
    *, learner_id: int, course: Course, by: AbstractBaseUser, reason: str = ""
) -> Enrolment:
    """Staff reset a learner's attempts: each is kept in history, marked Reset (an open one
    is closed as Abandoned), and counts for nothing; the learner starts fresh. A staff
    override of the record is cleared too."""
    now = timezone.now()
    attempts = list(
        Attempt.objects.select_for_update()
        .filter(learner_id=learner_id, course=course, reset=False)
        .order_by("launched_at")
    )
    enrolment = (
        Enrolment.objects.select_for_update().filter(learner_id=learner_id, course=course).first()
    )
    if enrolment is None:
        raise RecordRefused("The learner is not enrolled in this course.")
    for attempt in attempts:
        if not attempt.closed:
            attempt.status = Attempt.Status.ABANDONED
            attempt.closed = True
            attempt.terminated_at = now
        attempt.reset = True
        attempt.save(update_fields=["status", "closed", "terminated_at", "reset"])
        AttemptEvent.objects.create(
            attempt=attempt,
            kind=AttemptEvent.Kind.RESET,
            data={"by": by.get_username(), "reason": reason},
            created_at=now,
        )
    enrolment.current_attempt = None
    _clear_override(enrolment)
    enrolment.save(update_fields=["current_attempt", *OVERRIDE_FIELDS])
    log.info(
        "record_reset",
        extra={"course_id": course.course_id, "learner_id": learner_id, "attempts": len(attempts)},
    )
    refreshed = record_refresh(learner_id=learner_id, course=course)
    assert refreshed is not None
    return refreshed


# ------------------------------------------------------------------------ staff: override

OVERRIDE_FIELDS = [
    "override_completed",
    "override_passed",
    "override_score",
    "override_reason",
    "override_by",
    "override_at",
]


def _clear_override(enrolment: Enrolment) -> None:
    enrolment.override_completed = None
    enrolment.override_passed = None
    enrolment.override_score = None
    enrolment.override_reason = ""
    enrolment.override_by = None
    enrolment.override_at = None


@transaction.atomic
def record_override(
    *,
    learner_id: int,
    course: Course,
    by: AbstractBaseUser,
    reason: str,
    completed: bool | None = None,
    passed: bool | None = None,
    score: Decimal | float | None = None,
    clear: bool = False,
) -> Enrolment:
    """Staff set the learner's record by hand (or ``clear`` a previous override); a reason is
    required either way. The change lands in the event log of the learner's current attempt
    (or latest one) with who did it and why."""
    reason = reason.strip()
    if not reason:
        raise RecordRefused(REASON_REQUIRED)
    if score is not None and not 0 <= float(score) <= 100:
        raise RecordRefused(SCORE_RANGE)
    if not clear and completed is None and passed is None and score is None:
        raise RecordRefused(NOTHING_TO_SET)
    now = timezone.now()
    attempts = list(
        Attempt.objects.select_for_update()
        .filter(learner_id=learner_id, course=course)
        .order_by("launched_at")
    )
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("current_attempt")
        .filter(learner_id=learner_id, course=course)
        .first()
    )
    if enrolment is None:
        raise RecordRefused("The learner is not enrolled in this course.")
    before = enrolment.record_status
    if clear:
        _clear_override(enrolment)
    else:
        enrolment.override_completed = completed
        enrolment.override_passed = passed
        enrolment.override_score = None if score is None else float(score)
        enrolment.override_reason = reason
        enrolment.override_by_id = by.pk
        enrolment.override_at = now
    enrolment.save(update_fields=OVERRIDE_FIELDS)
    refreshed = record_refresh(learner_id=learner_id, course=course)
    assert refreshed is not None
    target = _attempt_for_events(enrolment, attempts)
    if target is not None:
        AttemptEvent.objects.create(
            attempt=target,
            kind=AttemptEvent.Kind.OVERRIDE,
            data={
                "by": by.get_username(),
                "reason": reason,
                "cleared": clear,
                "completed": completed,
                "passed": passed,
                "scorePercent": None if score is None else float(score),
                "recordBefore": before,
                "recordAfter": refreshed.record_status,
            },
            created_at=now,
        )
    log.info(
        "record_override",
        extra={"course_id": course.course_id, "learner_id": learner_id, "cleared": clear},
    )
    return refreshed


def course_records_refresh(*, course: Course) -> int:
    """Derive every record of a course again (after its grading or attempt limit changed)."""
    count = 0
    for learner_id in Enrolment.objects.filter(course=course).values_list("learner_id", flat=True):
        with transaction.atomic():
            record_refresh(learner_id=learner_id, course=course)
        count += 1
    return count
