"""Reads of attempt state (SPEC §7), each a fixed number of queries whatever the data size."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet
from django.urls import reverse

from scormlms.courses.models import Course, Enrolment, Item
from scormlms.courses.selectors import course_items
from scormlms.scorm import outcome as rules
from scormlms.tracking import hotrows, records, services
from scormlms.tracking.models import Attempt, Certificate, ScoAttempt

NOT_STARTED = rules.NOT_STARTED


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def certificate_url(cert: Certificate | str | None) -> str | None:
    """The download address of a certificate, given as a row or by its code."""
    if not cert:
        return None
    code = cert if isinstance(cert, str) else cert.code
    return reverse("tracking:certificate_download", args=[code])


def new_attempt_url(course_id: str) -> str:
    return reverse("new_attempt", args=[course_id])


def record_fields(enrolment: Enrolment | None, course: Course) -> dict[str, Any]:
    """The learner's record in the course (SPEC §6) and what they may do next, beside the
    seed's state fields (which describe the current attempt)."""
    rule = records.new_attempt_rule(enrolment, course)
    current = enrolment.current_attempt if enrolment is not None else None
    return {
        "record": {
            "recordStatus": enrolment.record_status if enrolment else rules.DISPLAY_OTHERWISE,
            "recordScore": enrolment.record_score if enrolment else None,
            "recordPassed": enrolment.record_passed if enrolment else False,
            "recordCompleted": enrolment.record_completed if enrolment else False,
            "attemptsUsed": enrolment.attempts_used if enrolment else 0,
            "attemptsAllowed": course.max_attempts,
            "certificateUrl": certificate_url(enrolment.record_certificate if enrolment else None),
            "attemptId": str(enrolment.record_attempt_id)
            if enrolment and enrolment.record_attempt_id
            else None,
            "overridden": bool(enrolment and enrolment.override_at),
        },
        "retakeInProgress": bool(
            enrolment
            and current is not None
            and not current.closed
            and enrolment.record_status in _FINISHED_RECORDS
        ),
        "canReview": bool(
            current is not None and current.status == Attempt.Status.COMPLETED and not current.reset
        ),
        "newAttempt": {
            "allowed": rule.allowed,
            "url": new_attempt_url(course.course_id),
            "message": rule.message,
        },
    }


# Records that a finished attempt made; an open attempt beside one of them is a retake.
_FINISHED_RECORDS = frozenset({"Passed", "Failed", "Completed"})


def attempt_certificate(attempt: Attempt | None) -> Certificate | None:
    if attempt is None:
        return None
    try:
        return attempt.certificate
    except Certificate.DoesNotExist:
        return None


def attempt_fields(attempt: Attempt | None) -> dict[str, Any]:
    """The seed's state object (seed 003 §4) plus our additions, for one attempt or none."""
    if attempt is None or attempt.status == Attempt.Status.ABANDONED or attempt.reset:
        return {
            "status": NOT_STARTED,
            "hasOpenAttempt": False,
            "attemptId": None,
            "lastActivity": None,
            "score": None,
            "pass": None,
            "canResume": False,
            "displayStatus": rules.display_status(
                passed=False, pass_state="unknown", completed=False, has_open_attempt=False
            ),
            "progressPercent": 0,
            "scorePercent": None,
            "passed": False,
            "completed": False,
            "launchedAt": None,
            "lastCommitAt": None,
            "finishedAt": None,
            "certificateUrl": None,
        }
    is_open = not attempt.closed
    done = attempt.status == Attempt.Status.COMPLETED
    return {
        "status": attempt.status,
        "hasOpenAttempt": is_open,
        "attemptId": str(attempt.id),
        "lastActivity": _iso(attempt.last_commit_at or attempt.launched_at),
        "score": attempt.score_percent if done else None,
        "pass": attempt.passed if done else None,
        "canResume": is_open and attempt.status == Attempt.Status.IN_PROGRESS,
        "displayStatus": rules.display_status(
            passed=attempt.passed,
            pass_state=attempt.pass_state,  # type: ignore[arg-type]
            completed=attempt.completed,
            has_open_attempt=is_open,
        ),
        "progressPercent": attempt.progress_percent,
        "scorePercent": attempt.score_percent,
        "passed": attempt.passed,
        "completed": attempt.completed,
        "launchedAt": _iso(attempt.launched_at),
        "lastCommitAt": _iso(attempt.last_commit_at),
        "finishedAt": _iso(attempt.finished_at),
        "certificateUrl": certificate_url(attempt_certificate(attempt)),
    }


def item_states(
    items: Iterable[Item],
    scos: Iterable[ScoAttempt],
    *,
    closed: bool = False,
    sequencing: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The SCO checklist (seed 000 E): every item with its derived status. A launchable item
    shows its own SCO attempt; a folder rolls up the launchable items under it with the
    course's own rule (SPEC §5 aggregation), so a folder whose items are all completed reads
    Completed too. ``available`` is false, and ``lockedReason`` says why, while an item's
    SCORM 1.2 prerequisites are not met (``closed``: the attempt is finished).

    In a sequenced course (SPEC §11) ``sequencing`` is what the engine last saved: each
    activity's status is the engine's (a cluster's by its rollup), and ``available`` says
    whether the learner may choose it now."""
    by_item = {s.item_id: s for s in scos}
    activities = (sequencing or {}).get("activities") or {}
    choice = (sequencing or {}).get("choice") or {}
    listed = list(items)
    locked = services.item_locks(listed, by_item.values(), closed=closed)
    outcomes = {
        item_id: services.stored_outcome(sco, has_bookmark=False)
        for item_id, sco in by_item.items()
    }
    rows = []
    for index, item in enumerate(listed):
        if item.is_launchable:
            sco = by_item.get(item.item_id)
            passed = bool(sco and sco.passed)
            pass_state = sco.pass_state if sco else "unknown"
            completed = bool(sco and sco.completed)
            started = sco is not None
            score = sco.score_percent if sco else None
            progress = sco.progress_percent if sco else 0
        else:
            below = _descendants(listed, index)
            result = services.course_outcome(below, outcomes)
            passed, pass_state, completed = result.passed, result.pass_state, result.completed
            started = any(i.item_id in by_item for i in below)
            score, progress = result.score_percent, result.progress_percent
        engine = activities.get(item.item_id)
        if engine:
            success = engine.get("successStatus")
            completed = completed or engine.get("completionStatus") == "completed"
            passed = passed or success == "passed"
            pass_state = success if success in ("passed", "failed") else pass_state
            started = started or engine.get("completionStatus") in ("incomplete", "completed")
        open_now = choice.get(item.item_id, True) if choice else item.item_id not in locked
        rows.append(
            {
                "itemId": item.item_id,
                "title": item.title,
                "depth": item.depth,
                "launchable": item.is_launchable,
                "visible": item.is_visible,
                "scormType": item.scorm_type,
                "status": rules.display_status(
                    passed=passed,
                    pass_state=pass_state,  # type: ignore[arg-type]
                    completed=completed,
                    has_open_attempt=started,
                ),
                "completed": completed,
                "passed": passed,
                "scorePercent": score,
                "progressPercent": progress,
                "available": open_now,
                "lockedReason": (
                    locked_reason(locked.get(item.item_id))
                    if not choice
                    else None
                    if open_now
                    else "Not available yet: the course decides the order."
                ),
            }
        )
    return rows


def locked_reason(condition: str | None) -> str | None:
    """The checklist's words for a locked item: "Opens once “Lesson 1” is completed …"."""
    return f"Opens once {condition}." if condition else None


def _descendants(items: list[Item], index: int) -> list[Item]:
    """The items under ``items[index]`` (document order: they follow it, one level deeper)."""
    depth = items[index].depth
    below = []
    for item in items[index + 1 :]:
        if item.depth <= depth:
            break
        below.append(item)
    return below


@dataclass(frozen=True)
class EnrolmentState:
    course: Course
    attempt: Attempt | None
    fields: dict[str, Any]


def enrolment_state(
    *,
    learner: AbstractBaseUser,
    course: Course | None = None,
    course_id: str = "",
) -> EnrolmentState | None:
    """The learner's state in one course, given as an object or by its public id; None when
    there is no such course or the learner is not enrolled. One query (items are cached per
    course version)."""
    course_pk = course.pk if course is not None else None
    rows = hotrows.state_rows(learner.pk, course_pk=course_pk, course_id=course_id)
    if rows is None or rows.enrolment is None:
        return None
    attempt = rows.enrolment.current_attempt
    fields = attempt_fields(attempt)
    fields.update(record_fields(rows.enrolment, rows.course))
    sequencing = None
    if rows.course.sequenced and attempt is not None:
        sequencing = (
            Attempt.objects.filter(pk=attempt.pk)
            .values_list("sequencing_activities", flat=True)
            .first()
        )
    fields["items"] = item_states(
        course_items(rows.course),
        rows.scos,
        closed=bool(attempt and attempt.closed),
        sequencing=sequencing,
    )
    return EnrolmentState(course=course or rows.course, attempt=attempt, fields=fields)


def learner_cards(*, learner: AbstractBaseUser) -> list[dict[str, Any]]:
    """One card per enrolled course for the dashboard. One query."""
    enrolments = (
        Enrolment.objects.select_related("course", "current_attempt__certificate")
        .defer("course__manifest", "course__warnings")
        .filter(learner_id=learner.pk)
        .order_by("course__title")
    )
    return [
        {"course": e.course, **attempt_fields(e.current_attempt), **record_fields(e, e.course)}
        for e in enrolments
    ]


# ----------------------------------------------------------------------------- staff listing

ORDERINGS = {
    "learner": F("learner__username").asc(),
    "-learner": F("learner__username").desc(),
    "course": F("course__course_id").asc(),
    "-course": F("course__course_id").desc(),
    "status": F("record_status").asc(),
    "-status": F("record_status").desc(),
    "score": F("record_score").asc(nulls_first=True),
    "-score": F("record_score").desc(nulls_last=True),
    "progress": F("current_attempt__progress_percent").asc(nulls_first=True),
    "-progress": F("current_attempt__progress_percent").desc(nulls_last=True),
    "launchedAt": F("current_attempt__launched_at").asc(nulls_first=True),
    "-launchedAt": F("current_attempt__launched_at").desc(nulls_last=True),
    "lastCommitAt": F("current_attempt__last_commit_at").asc(nulls_first=True),
    "-lastCommitAt": F("current_attempt__last_commit_at").desc(nulls_last=True),
}
STATUSES = (NOT_STARTED, *Attempt.Status.values)


def staff_enrolments(
    *,
    course_id: str = "",
    learner: str = "",
    status: str = "",
    search: str = "",
    ordering: str = "-lastCommitAt",
) -> QuerySet[Enrolment]:
    """Every learner × course with its current attempt, filtered and ordered (not paginated)."""
    qs = Enrolment.objects.select_related(
        "learner", "course", "current_attempt__certificate"
    ).defer("course__manifest", "course__warnings")  # a manifest can weigh tens of KB
    if course_id:
        qs = qs.filter(course__course_id=course_id)
    if learner:
        qs = qs.filter(learner__username=learner)
    if search:
        qs = qs.filter(
            Q(learner__username__icontains=search)
            | Q(course__title__icontains=search)
            | Q(course__course_id__icontains=search)
        )
    if status == NOT_STARTED:
        qs = qs.filter(Q(current_attempt__isnull=True) | Q(current_attempt__status="Abandoned"))
    elif status:
        qs = qs.filter(current_attempt__status=status)
    return qs.order_by(ORDERINGS[ordering], "learner__username", "course__course_id", "id")


def staff_row(enrolment: Enrolment) -> dict[str, Any]:
    fields = attempt_fields(enrolment.current_attempt)
    record = record_fields(enrolment, enrolment.course)
    return {
        "learner": enrolment.learner.get_username(),
        "courseId": enrolment.course.course_id,
        "courseTitle": enrolment.course.title,
        **fields,
        "record": record["record"],
        "retakeInProgress": record["retakeInProgress"],
    }
