"""The reads of the commit and state paths, in hand-written SQL (see ``scormlms.rows``).

Each runs hundreds of times a second under load, so each is one statement with joins instead
of one ORM query per model, and none of them reads the large columns (the CMI tree, the
suspend_data, the course manifest) that the answer does not need.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scormlms.courses.models import Course, Enrolment
from scormlms.rows import Columns, default_db, key
from scormlms.tracking.models import (
    SEQUENCING_COLUMNS,
    Attempt,
    Certificate,
    LaunchSession,
    ScoAttempt,
)

# Never the sequencing tree, state and activity data: tens of KB that only the sequencing
# endpoints read.
ATTEMPT = Columns(
    Attempt,
    [f.name for f in Attempt._meta.concrete_fields if f.name not in SEQUENCING_COLUMNS],
    alias="a",
)
# Every column the services and the certificate read; never the manifest or warnings.
COURSE = Columns(
    Course,
    [
        "course_id",
        "title",
        "standard",
        "version",
        "relaunch_policy",
        "certificate_on",
        "passing_score",
        "max_attempts",
        "new_attempt_when",
        "grading",
        "sequenced",
        "updated_at",
    ],
    alias="c",
)
SESSION = Columns(
    LaunchSession,
    ["attempt", "item_id", "started_at", "finished_at", "initialized", "review", "logged_keys"],
    alias="s",
)
# A SCO attempt without its two large columns: the commit overwrites them, the state ignores them.
SCO = Columns(
    ScoAttempt,
    [
        f.name
        for f in ScoAttempt._meta.concrete_fields
        if f.name not in ("cmi", "suspend_data", "location")
    ],
    alias="sc",
)
# The enrolment with its record (SPEC §6); who overrode it is not needed for the state.
ENROLMENT = Columns(
    Enrolment,
    [
        f.name
        for f in Enrolment._meta.concrete_fields
        if f.name not in ("id", "created_at", "override_reason", "override_by")
    ],
    alias="e",
)


CERTIFICATE = Columns(
    Certificate, [f.name for f in Certificate._meta.concrete_fields], alias="cert"
)


def _with_certificate(attempt: Attempt, row: Sequence[Any], start: int) -> Certificate | None:
    """Cache the attempt's certificate (or its absence) as ``select_related`` would, so
    ``attempt.certificate`` costs no query."""
    cert = CERTIFICATE.load(row, start)
    if cert is not None:
        cert.attempt = attempt
    Attempt.certificate.related.set_cached_value(attempt, cert)
    return cert


_CERTIFICATE_SQL = (
    f'SELECT {CERTIFICATE.sql} FROM "tracking_certificate" cert WHERE cert."attempt_id" = %s'
)


def certificate_of(attempt: Attempt) -> Certificate | None:
    """The attempt's certificate read now (and cached on it as ``attempt.certificate``)."""
    rows = _select(_CERTIFICATE_SQL, [key(Attempt, attempt.pk)])
    return _with_certificate(attempt, rows[0] if rows else (None,) * CERTIFICATE.width, 0)


def _select(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with default_db().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# A bookmark: a location or suspend_data; SPEC §5's progress heuristic needs only whether.
_BOOKMARK = "sc.\"location\" <> '' OR sc.\"suspend_data\" <> ''"

_COMMIT_COLUMNS = (
    f"{ATTEMPT.sql}, {COURSE.sql}, {SESSION.sql}, {CERTIFICATE.sql}, {SCO.sql}, {_BOOKMARK}"
)
_COMMIT_FROM = (
    'FROM "tracking_attempt" a '
    'JOIN "courses_course" c ON c."id" = a."course_id" '
    'JOIN "tracking_launchsession" s ON s."id" = %s AND s."attempt_id" = a."id" '
    'JOIN "tracking_scoattempt" sc ON sc."attempt_id" = a."id" '
    'LEFT JOIN "tracking_certificate" cert ON cert."attempt_id" = a."id"'
)
_COMMIT_SQL = f'SELECT {_COMMIT_COLUMNS} {_COMMIT_FROM} WHERE a."id" = %s'
# The attempt row is the lock every writer of the attempt's rows takes. The session and SCO rows
# are locked too, and that is what makes reading them in the same statement safe: when the
# attempt's lock had to be waited for, PostgreSQL re-reads the newest version of every row the
# statement locks before returning it (READ COMMITTED, "EvalPlanQual"), while rows it does not
# lock stay as they were when the statement began. The course never changes under a commit; the
# certificate may, so the caller re-checks it before issuing one. SQLite needs no lock: its
# IMMEDIATE transaction holds the whole file.
_COMMIT_LOCK = " FOR UPDATE OF a, s, sc"


@dataclass
class CommitRows:
    attempt: Attempt  # with its course and certificate (or its absence) cached
    session: LaunchSession
    scos: list[tuple[ScoAttempt, bool]]  # without their large columns; whether bookmarked


def commit_rows(attempt_id: uuid.UUID, session_id: str) -> CommitRows | None:
    """Everything a commit reads, locked, in one statement; None when the attempt, the token's
    session of that attempt or its SCO attempts are missing."""
    try:
        session_key = key(LaunchSession, uuid.UUID(session_id))
    except ValueError:
        return None
    sql = _COMMIT_SQL
    if default_db().features.has_select_for_update_of:
        sql += _COMMIT_LOCK
    rows = _select(sql, [session_key, key(Attempt, attempt_id)])
    if not rows:
        return None
    first = rows[0]
    at = 0
    attempt = ATTEMPT.load(first, at)
    course = COURSE.load(first, at + ATTEMPT.width)
    session = SESSION.load(first, at + ATTEMPT.width + COURSE.width)
    assert attempt is not None and course is not None and session is not None
    attempt.course = course
    session.attempt = attempt
    _with_certificate(attempt, first, at + ATTEMPT.width + COURSE.width + SESSION.width)
    at += ATTEMPT.width + COURSE.width + SESSION.width + CERTIFICATE.width
    return CommitRows(attempt=attempt, session=session, scos=_scos(rows, at))


def _scos(rows: list[tuple[Any, ...]], start: int) -> list[tuple[ScoAttempt, bool]]:
    out = []
    for row in rows:
        sco = SCO.load(row, start)
        if sco is not None:
            out.append((sco, bool(row[-1])))
    return out


_STATE_COLUMNS = (
    f"{COURSE.sql}, {ENROLMENT.sql}, {ATTEMPT.sql}, {CERTIFICATE.sql}, {SCO.sql}, {_BOOKMARK}"
)
_STATE_JOINS = (
    'LEFT JOIN "tracking_attempt" a ON a."id" = e."current_attempt_id" '
    'LEFT JOIN "tracking_certificate" cert ON cert."attempt_id" = a."id" '
    'LEFT JOIN "tracking_scoattempt" sc ON sc."attempt_id" = a."id" '
)
_STATE_SQL = (
    f'SELECT {_STATE_COLUMNS} FROM "courses_course" c '
    'LEFT JOIN "courses_enrolment" e ON e."course_id" = c."id" AND e."learner_id" = %s '
    f"{_STATE_JOINS}"
)
_STATE_BY_PK = 'c."id" = %s'
_STATE_BY_ID = 'c."course_id" = %s'


@dataclass
class StateRows:
    course: Course
    enrolment: Enrolment | None  # None: not enrolled; else with its current attempt cached
    scos: list[ScoAttempt]  # of the current attempt, without their large columns


def state_rows(
    learner_id: Any, *, course_pk: int | None = None, course_id: str = ""
) -> StateRows | None:
    """A course (by key or public id) with the learner's enrolment, current attempt, its
    certificate and SCO results, in one statement; None when there is no such course."""
    value: int | str
    if course_pk is not None:
        where, value = _STATE_BY_PK, course_pk
    else:
        where, value = _STATE_BY_ID, course_id
    rows = _select(_STATE_SQL + "WHERE " + where, [learner_id, value])
    if not rows:
        return None
    first = rows[0]
    at = 0
    course = COURSE.load(first, at)
    if course is None:
        return None
    enrolment = ENROLMENT.load(first, at + COURSE.width)
    at += COURSE.width + ENROLMENT.width
    attempt = ATTEMPT.load(first, at)
    if enrolment is not None:
        enrolment.course = course
        enrolment.current_attempt = attempt
    if attempt is not None:
        attempt.course = course
        _with_certificate(attempt, first, at + ATTEMPT.width)
    scos = [sco for sco, _ in _scos(rows, at + ATTEMPT.width + CERTIFICATE.width)]
    return StateRows(course=course, enrolment=enrolment, scos=scos)


_COURSE_SQL = f'SELECT {COURSE.sql} FROM "courses_course" c WHERE c."course_id" = %s'


def course_by_id(course_id: str) -> Course | None:
    """A course by its public id, without its manifest (tens of KB for a large package)."""
    rows = _select(_COURSE_SQL, [course_id])
    return COURSE.load(rows[0]) if rows else None
