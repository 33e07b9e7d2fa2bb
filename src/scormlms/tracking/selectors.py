"""Reads of attempt state (SPEC §7), each a fixed number of queries whatever the data size."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet
from django.urls import reverse

from scormlms.accounts.sessions import PendingLogin
from scormlms.courses.models import Course, Enrolment, Item
from scormlms.courses.selectors import course_items
from scormlms.scorm import outcome as rules
from scormlms.tracking import hotrows
from scormlms.tracking.models import Attempt, Certificate, ScoAttempt

NOT_STARTED = rules.NOT_STARTED


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def certificate_url(cert: Certificate | None) -> str | None:
    return reverse("tracking:certificate_download", args=[cert.code]) if cert else None


def attempt_certificate(attempt: Attempt | None) -> Certificate | None:
    if attempt is None:
        return None
    try:
        return attempt.certificate
    except Certificate.DoesNotExist:
        return None


def attempt_fields(attempt: Attempt | None) -> dict[str, Any]:
    """The seed's state object (seed 003 §4) plus our additions, for one attempt or none."""
    if attempt is None or attempt.status == Attempt.Status.ABANDONED:
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


def item_states(items: Iterable[Item], scos: Iterable[ScoAttempt]) -> list[dict[str, Any]]:
    """The SCO checklist (seed 000 E): every launchable item with its own derived status."""
    by_item = {s.item_id: s for s in scos}
    rows = []
    for item in items:
        sco = by_item.get(item.item_id)
        rows.append(
            {
                "itemId": item.item_id,
                "title": item.title,
                "depth": item.depth,
                "launchable": item.is_launchable,
                "visible": item.is_visible,
                "scormType": item.scorm_type,
                "status": rules.display_status(
                    passed=bool(sco and sco.passed),
                    pass_state=sco.pass_state if sco else "unknown",  # type: ignore[arg-type]
                    completed=bool(sco and sco.completed),
                    has_open_attempt=sco is not None,
                ),
                "completed": bool(sco and sco.completed),
                "passed": bool(sco and sco.passed),
                "scorePercent": sco.score_percent if sco else None,
                "progressPercent": sco.progress_percent if sco else 0,
            }
        )
    return rows


@dataclass(frozen=True)
class EnrolmentState:
    course: Course
    attempt: Attempt | None
    fields: dict[str, Any]


def enrolment_state(
    *,
    learner: AbstractBaseUser | PendingLogin,
    course: Course | None = None,
    course_id: str = "",
) -> EnrolmentState | None:
    """The learner's state in one course, given as an object or by its public id; None when
    there is no such course or the learner is not enrolled. One query (items are cached per
    course version), the learner's session and user included when ``learner`` is a request's
    pending login; that raises ``NotLoggedIn`` when the request has no logged-in user."""
    course_pk = course.pk if course is not None else None
    if isinstance(learner, PendingLogin):
        rows = hotrows.state_rows(learner, course_pk=course_pk, course_id=course_id)
        user = learner.logged_in()
        if rows is not None and user.pk != learner.session_user_id:
            # The session row's user id column disagrees with its signed data, the authority:
            # read again for the data's user.
            rows = hotrows.state_rows(user.pk, course_pk=course_pk, course_id=course_id)
    else:
        rows = hotrows.state_rows(learner.pk, course_pk=course_pk, course_id=course_id)
    if rows is None or rows.enrolment is None:
        return None
    attempt = rows.enrolment.current_attempt
    fields = attempt_fields(attempt)
    fields["items"] = item_states(course_items(rows.course), rows.scos)
    return EnrolmentState(course=course or rows.course, attempt=attempt, fields=fields)


def learner_cards(*, learner: AbstractBaseUser) -> list[dict[str, Any]]:
    """One card per enrolled course for the dashboard. One query."""
    enrolments = (
        Enrolment.objects.select_related("course", "current_attempt__certificate")
        .defer("course__manifest", "course__warnings")
        .filter(learner_id=learner.pk)
        .order_by("course__title")
    )
    return [{"course": e.course, **attempt_fields(e.current_attempt)} for e in enrolments]


# ----------------------------------------------------------------------------- staff listing

ORDERINGS = {
    "learner": F("learner__username").asc(),
    "-learner": F("learner__username").desc(),
    "course": F("course__course_id").asc(),
    "-course": F("course__course_id").desc(),
    "status": F("current_attempt__status").asc(nulls_first=True),
    "-status": F("current_attempt__status").desc(nulls_last=True),
    "score": F("current_attempt__score_percent").asc(nulls_first=True),
    "-score": F("current_attempt__score_percent").desc(nulls_last=True),
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
    return {
        "learner": enrolment.learner.get_username(),
        "courseId": enrolment.course.course_id,
        "courseTitle": enrolment.course.title,
        **attempt_fields(enrolment.current_attempt),
    }
