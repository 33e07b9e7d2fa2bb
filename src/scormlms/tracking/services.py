"""Attempt writes (SPEC §4–§6, §9). One transaction each; the attempt row is the lock.

``attempt_start`` opens or resumes an attempt and a SCO session, ``result_record`` stores one
commit and re-derives everything, ``attempt_discard`` is the player's "Don't save".
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from scormlms.courses.models import Course, Enrolment, Item
from scormlms.courses.selectors import course_items
from scormlms.rows import Batch, insert_names
from scormlms.scorm import outcome as rules
from scormlms.scorm import prerequisites
from scormlms.scorm.duration import add_session_time
from scormlms.scorm.preload import preload_tree
from scormlms.scorm.record import attempt_limit_reached
from scormlms.scorm.rollup import CourseOutcome, TrackedItem, aggregate
from scormlms.scorm.sequenced_outcome import SequencedOutcome, sequenced_outcome
from scormlms.tracking import certificates, hotrows, records, sequencing
from scormlms.tracking.models import (
    SEQUENCING_COLUMNS,
    Attempt,
    AttemptEvent,
    LaunchSession,
    ScoAttempt,
)
from scormlms.tracking.payloads import PayloadError, ResultPayload, SequencingPayload
from scormlms.tracking.tokens import LaunchClaims, token_make

log = logging.getLogger("scormlms.tracking")

# Where each key field (SPEC §4) is stored; 1.2 and 2004 share columns that mean the same thing.
KEY_COLUMNS: dict[str, dict[str, str]] = {
    "1.2": {
        "cmi.core.lesson_status": "lesson_status",
        "cmi.core.score.raw": "score_raw",
        "cmi.core.score.min": "score_min",
        "cmi.core.score.max": "score_max",
        "cmi.core.lesson_location": "location",
        "cmi.suspend_data": "suspend_data",
        "cmi.core.exit": "exit",
        "cmi.core.session_time": "session_time",
    },
    "2004": {
        "cmi.completion_status": "completion_status",
        "cmi.success_status": "success_status",
        "cmi.score.raw": "score_raw",
        "cmi.score.scaled": "score_scaled",
        "cmi.progress_measure": "progress_measure",
        "cmi.location": "location",
        "cmi.suspend_data": "suspend_data",
        "cmi.score.min": "score_min",
        "cmi.score.max": "score_max",
        "cmi.exit": "exit",
        "cmi.session_time": "session_time",
    },
}
# Where each standard keeps the key values inside the CMI tree (SPEC §4 names without "cmi.").
_TREE_PATHS = {name: tuple(name.split(".")[1:]) for c in KEY_COLUMNS.values() for name in c}


def key_values(sco: ScoAttempt) -> dict[str, str]:
    """The stored key fields of a SCO attempt, by their CMI names."""
    return {name: getattr(sco, column) for name, column in KEY_COLUMNS[sco.standard].items()}


class NotFound(Exception):
    pass


class Forbidden(Exception):
    pass


class Conflict(Exception):
    """The request is valid but the attempt's state refuses it (409); ``field`` names the
    request field it is about, when one is."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class StartResult:
    attempt: Attempt
    session: LaunchSession
    item: Item
    sco: ScoAttempt
    token: str
    entry: str
    preload: dict[str, Any]
    created: bool
    scos: list[ScoAttempt]  # every SCO attempt of the attempt, as this start left them
    review: bool  # a finished SCO of a finished attempt: review mode (SPEC §6)


@dataclass(frozen=True)
class RecordResult:
    attempt: Attempt
    sco: ScoAttempt | None
    stale: bool
    review: bool = False


class Events(list[AttemptEvent]):
    """The event rows one service call writes, inserted together at its end."""

    def add(
        self, attempt: Attempt, kind: str, now: datetime, item_id: str = "", **data: Any
    ) -> None:
        self.append(
            AttemptEvent(attempt=attempt, item_id=item_id, kind=kind, data=data, created_at=now)
        )

    def save(self, batch: Batch | None = None) -> None:
        """Insert the rows now, or as part of ``batch``."""
        writes = batch or Batch()
        writes.insert(self, ["attempt", "item_id", "kind", "data", "created_at"])
        if batch is None:
            writes.send()
        self.clear()


def thresholds_for(item: Item, course: Course) -> rules.Thresholds:
    return rules.Thresholds(
        mastery_score=item.mastery_score,
        scaled_passing_score=item.scaled_passing_score,
        passing_score=float(course.passing_score) if course.passing_score is not None else None,
        completion_threshold=item.completion_threshold,
    )


def _derive(sco: ScoAttempt, item: Item | None, course: Course) -> rules.ScoOutcome:
    if item is None:  # the item left the package in a newer version: keep the stored result
        thresholds = rules.Thresholds()
        is_asset = False
    else:
        thresholds = thresholds_for(item, course)
        is_asset = item.scorm_type == Item.ScormType.ASSET
    return rules.derive_sco(
        standard=sco.standard,
        values=key_values(sco),
        thresholds=thresholds,
        is_asset=is_asset,
        launched=True,
    )


def _apply_outcome(sco: ScoAttempt, result: rules.ScoOutcome) -> None:
    sco.completed = result.completed
    sco.passed = result.passed
    sco.pass_state = result.pass_state
    sco.progress_percent = result.progress_percent
    sco.score_percent = result.score_percent


def course_outcome(
    items: Iterable[Item], outcomes: Mapping[str, rules.ScoOutcome]
) -> CourseOutcome:
    """SPEC §5 aggregation over the course's launchable items (never-launched count too);
    ``outcomes`` are the stored SCO results by item id."""
    tracked = []
    for item in items:
        if not item.is_launchable:
            continue
        tracked.append(
            TrackedItem(
                item_id=item.item_id,
                outcome=outcomes.get(item.item_id),
                counts_for_completion=item.rollup_completion,
                counts_for_satisfaction=item.rollup_satisfied,
                is_asset=item.scorm_type == Item.ScormType.ASSET,
                weight=item.objective_measure_weight,
            )
        )
    return aggregate(tracked)


def stored_outcome(sco: ScoAttempt, has_bookmark: bool | None = None) -> rules.ScoOutcome:
    """The derived fields of a SCO attempt; ``has_bookmark`` when its location and
    suspend_data were not read (``hotrows``)."""
    if has_bookmark is None:
        has_bookmark = bool(sco.location or sco.suspend_data)
    return rules.ScoOutcome(
        score_percent=sco.score_percent,
        pass_state=sco.pass_state,  # type: ignore[arg-type]
        passed=sco.passed,
        completed=sco.completed,
        progress_percent=sco.progress_percent,
        has_bookmark=has_bookmark,
    )


def _recompute_attempt(
    attempt: Attempt,
    course: Course,
    items: list[Item],
    outcomes: Mapping[str, rules.ScoOutcome],
    now: datetime,
    events: Events,
) -> None:
    """Re-derive the course-level values (SPEC §5) and close the attempt on completion.

    A sequenced course's come from the engine's rollup instead (SPEC §11, ``sequencing_save``)
    once the engine has saved its state; until then (a client that runs no engine, such as the
    seed's commit door) the §5 aggregation stands in."""
    if course.sequenced and attempt.sequencing_seq > 0:
        return
    _apply_course_result(attempt, course_outcome(items, outcomes), now, events)


def _apply_course_result(
    attempt: Attempt,
    result: CourseOutcome | SequencedOutcome,
    now: datetime,
    events: Events,
    close_on_completion: bool = True,
) -> None:
    """Take the course-level values and close the attempt once it is passed, or completed
    (``close_on_completion``; a sequenced course only when its sequencing session has ended:
    remediation goes on in a completed but failed attempt)."""
    if attempt.status == Attempt.Status.COMPLETED:
        # A finished attempt still takes commits (a leftover SCO, a score after the status)
        # but keeps what it achieved: a pass is never taken back (SPEC §6).
        attempt.completed = attempt.completed or result.completed
        attempt.passed = attempt.passed or result.passed
        if attempt.passed:
            attempt.pass_state = "passed"
        elif result.pass_state != "unknown":
            attempt.pass_state = result.pass_state
        attempt.progress_percent = max(attempt.progress_percent, result.progress_percent)
    else:
        attempt.completed = result.completed
        attempt.passed = result.passed
        attempt.pass_state = result.pass_state
        attempt.progress_percent = result.progress_percent
    attempt.score_percent = result.score_percent
    if not attempt.closed and ((result.completed and close_on_completion) or result.passed):
        attempt.status = Attempt.Status.COMPLETED
        attempt.closed = True
        attempt.terminated_at = now
        events.add(
            attempt,
            AttemptEvent.Kind.COMPLETE,
            now,
            passed=result.passed,
            scorePercent=result.score_percent,
        )
    elif not attempt.closed:
        attempt.status = Attempt.Status.IN_PROGRESS


def _certificate_due(attempt: Attempt, course: Course) -> bool:
    if course.certificate_on == Course.CertificateOn.PASSED:
        return attempt.passed
    return attempt.completed


# ---------------------------------------------------------------------------------------- start


def _enrolment(learner: AbstractBaseUser, course: Course) -> Enrolment:
    enrolment = Enrolment.objects.filter(learner_id=learner.pk, course=course).first()
    if enrolment is not None:
        return enrolment
    if getattr(learner, "is_staff", False):  # staff may open any course; keep track of it
        enrolment, _ = Enrolment.objects.get_or_create(learner_id=learner.pk, course=course)
        return enrolment
    raise Forbidden("You are not enrolled in this course.")


def lesson_statuses(scos: Iterable[ScoAttempt]) -> dict[str, str]:
    """Each launched item's SCORM 1.2 lesson status, as prerequisites read it: the stored
    ``cmi.core.lesson_status``; an asset, which has none, is completed once launched (SPEC §3)."""
    return {s.item_id: s.lesson_status or ("completed" if s.completed else "") for s in scos}


def item_locks(items: list[Item], scos: Iterable[ScoAttempt], *, closed: bool) -> dict[str, str]:
    """The items the learner may not launch now (SCORM 1.2 ``adlcp:prerequisites``, see
    ``scorm.prerequisites``), each with the condition still to meet in words. In a finished
    attempt a SCO it finished is never locked: it opens in review (SPEC §6)."""
    if not any(item.prerequisites for item in items):
        return {}
    scos = list(scos)
    locked = prerequisites.locks(items, lesson_statuses(scos))
    if closed:
        for sco in scos:
            if sco.completed or sco.passed:
                locked.pop(sco.item_id, None)
    return locked


def locked_message(item: Item, condition: str) -> str:
    """Why a start of ``item`` is refused (409): “Quiz” opens once “Lesson 1” and …"""
    return f"“{item.title}” opens once {condition}."


def _pick_item(
    course: Course, item_id: str | None, scos: dict[str, ScoAttempt], *, closed: bool
) -> Item:
    every = course_items(course)
    items = [i for i in every if i.is_launchable]
    if not items:
        raise NotFound("This course has nothing to launch.")
    locked = item_locks(every, scos.values(), closed=closed)
    if item_id:
        for item in items:
            if item.item_id == item_id:
                if item_id in locked:
                    raise Conflict(locked_message(item, locked[item_id]), field="itemId")
                return item
        raise NotFound(f"No launchable item {item_id!r} in this course.")
    visible = [i for i in items if i.is_visible] or items
    launchable = [i for i in visible if i.item_id not in locked]
    if not launchable:
        raise Conflict(locked_message(visible[0], locked[visible[0].item_id]))
    # Resume where the learner was: the most recently used unfinished item, else the first one.
    unfinished = [
        scos[i.item_id] for i in launchable if i.item_id in scos and not scos[i.item_id].completed
    ]
    if unfinished:
        latest = max(unfinished, key=lambda s: s.last_commit_at or s.first_launched_at)
        return next(i for i in launchable if i.item_id == latest.item_id)
    return next((i for i in launchable if i.item_id not in scos), launchable[0])


def attempt_start(
    *,
    learner: AbstractBaseUser,
    course: Course,
    item_id: str | None = None,
    attempt_id: uuid.UUID | None = None,
) -> StartResult:
    """Open (or resume) the learner's attempt and a SCO session with a fresh launch token.

    ``attempt_id`` is sent by a player that is already showing that attempt (moving to another
    SCO): it is reused while open, whatever the relaunch policy.
    """
    for _ in range(3):
        try:
            return _attempt_start(
                learner=learner, course=course, item_id=item_id, attempt_id=attempt_id
            )
        except IntegrityError:
            # Another request opened the attempt between our read and our insert: the partial
            # unique index refused a second open attempt; go again and resume that one.
            continue
    raise Conflict("Could not open an attempt; please retry.")


@dataclass
class _Opened:
    attempt: Attempt
    created: bool
    writes: Batch  # the new attempt's rows and the enrolment's changes, not sent yet


def _open_attempt(
    learner: AbstractBaseUser, course: Course, attempt_id: uuid.UUID | None, now: datetime
) -> _Opened:
    """The attempt a launch plays in: the open one, the finished current one (reviewed), or a
    new one (SPEC §6). Call inside a transaction; the caller sends ``writes``."""
    enrolment = _enrolment(learner, course)
    # Every attempt of the learner's record, locked: the open one is resumed, a finished one
    # reviewed, and the record of a new one derived here (scormlms.scorm.record).
    attempts = list(
        Attempt.objects.select_for_update()
        .filter(learner_id=learner.pk, course=course, reset=False)
        .defer(*SEQUENCING_COLUMNS)
        .order_by("launched_at")
    )
    open_attempt = next((a for a in attempts if not a.closed), None)
    created = False
    limit_reached = attempt_limit_reached(
        attempts_used=enrolment.attempts_used, max_attempts=course.max_attempts
    )
    if (
        open_attempt is not None
        and course.relaunch_policy == Course.RelaunchPolicy.NEW
        and (attempt_id is None or open_attempt.id != attempt_id)
        and not limit_reached  # at the limit, the open attempt is the last one: resume it
    ):
        records.abandon(open_attempt, now, "new attempt on relaunch")
        open_attempt = None
    if open_attempt is None:
        # Finished attempts are reviewed, not restarted (SPEC §6): launching a course whose
        # current attempt is Completed stays in that attempt; a new one starts only when the
        # learner asks for it (records.attempt_new).
        current = next((a for a in attempts if a.id == enrolment.current_attempt_id), None)
        if current is not None and current.status == Attempt.Status.COMPLETED:
            open_attempt = current
        elif limit_reached:
            raise Conflict(
                f"You have used all {course.max_attempts} attempts of this course; "
                "ask your administrator if you need another."
            )
    # Every row the start writes leaves in one statement at the end (rows.Batch), so a new
    # attempt costs the two reads above and one write. The partial unique index on open
    # attempts still refuses a second one; attempt_start then goes again.
    writes = Batch()
    enrolment_changes = []
    if open_attempt is None:
        attempt = Attempt(
            learner_id=learner.pk, course=course, status=Attempt.Status.IN_PROGRESS, launched_at=now
        )
        if course.sequenced:
            sequencing.prepare(attempt, learner, course)
        writes.insert([attempt], insert_names(Attempt))
        created = True
        # A new attempt grades nothing yet: the record keeps its attempt (and certificate)
        # and counts one more attempt, or reads In progress when nothing was finished.
        record = records.derive(enrolment, course, [*attempts, attempt])
        enrolment_changes = records.apply_record(enrolment, record, enrolment.record_certificate)
    else:
        attempt = open_attempt
    if enrolment.current_attempt_id != attempt.id:
        enrolment.current_attempt = attempt
        enrolment_changes.append("current_attempt")
    if enrolment_changes:
        writes.update(enrolment, enrolment_changes)
    return _Opened(attempt=attempt, created=created, writes=writes)


@transaction.atomic
def _attempt_start(
    *, learner: AbstractBaseUser, course: Course, item_id: str | None, attempt_id: uuid.UUID | None
) -> StartResult:
    now = timezone.now()
    events = Events()
    opened = _open_attempt(learner, course, attempt_id, now)
    attempt, created, writes = opened.attempt, opened.created, opened.writes
    scos = {} if created else {s.item_id: s for s in attempt.sco_attempts.all()}
    item = _pick_item(course, item_id, scos, closed=attempt.closed)
    asset = item.scorm_type == Item.ScormType.ASSET
    sco = scos.get(item.item_id)
    previous_session = sco is not None and sco.commit_count > 0
    # Review mode: a SCO this finished attempt has finished is shown again without credit and
    # its commits change nothing; one it has not finished is played inside the attempt.
    review = attempt.closed and sco is not None and (sco.completed or sco.passed or asset)
    if sco is None:
        sco = ScoAttempt(
            attempt=attempt, item_id=item.item_id, standard=course.standard, first_launched_at=now
        )
        if not asset:  # an asset's row is saved below, once its outcome is derived
            writes.insert([sco], insert_names(ScoAttempt))
    entry = rules.entry_for_resume(
        course.standard,
        last_exit=sco.exit,
        suspend_all=sco.nav_request == "suspendAll",
        has_previous_session=previous_session,
    )
    session = LaunchSession(attempt=attempt, item_id=item.item_id, started_at=now, review=review)
    writes.insert([session], insert_names(LaunchSession))
    outcome_changed = False
    if asset and not review:
        # An asset counts as completed once launched (SPEC §3).
        writes.send()
        attempt._state.adding = session._state.adding = False  # written just now
        _apply_outcome(sco, _derive(sco, item, course))
        sco.save()
        outcomes = {s.item_id: stored_outcome(s) for s in {**scos, item.item_id: sco}.values()}
        _recompute_attempt(attempt, course, course_items(course), outcomes, now, events)
        attempt.save()
        outcome_changed = True
        if _certificate_due(attempt, course) and not certificates.exists_for(attempt):
            _issue_certificate(attempt, course, learner, now, events, writes)
    kind = AttemptEvent.Kind.START if created else AttemptEvent.Kind.RESUME
    events.add(
        attempt,
        kind,
        now,
        item_id=item.item_id,
        entry=entry,
        session=str(session.id),
        **({"mode": "review"} if review else {}),
    )
    events.save(writes)
    writes.send()
    if outcome_changed:
        records.record_refresh(learner_id=int(learner.pk), course=course)
    log.info(
        "attempt_start",
        extra={
            "attempt_id": str(attempt.id),
            "course_id": course.course_id,
            "item_id": item.item_id,
            "new_attempt": created,
            "entry": entry,
        },
    )
    token = token_make(
        session_id=str(session.id), attempt_id=str(attempt.id), learner_id=int(learner.pk)
    )
    preload = preload_tree(
        standard=course.standard,
        stored_cmi=sco.cmi,
        entry=entry,
        learner_id=learner.get_username(),
        learner_name=scorm_learner_name(learner),
        # SCORM 2004 RTE 4.2.5 / 4.2.13, 1.2 RTE 3.4.4 (cmi.core.credit, lesson_mode).
        credit="no-credit" if review else "credit",
        mode="review" if review else "normal",
        launch_data=item.data_from_lms,
        total_time=sco.total_time,
        mastery_score=item.mastery_score,
        scaled_passing_score=item.scaled_passing_score,
        completion_threshold=item.completion_threshold,
        max_time_allowed=item.max_time_allowed,
        time_limit_action=item.time_limit_action,
        objective_ids=item.objective_ids,
    )
    return StartResult(
        attempt=attempt,
        session=session,
        item=item,
        sco=sco,
        token=token,
        entry=entry,
        preload=preload,
        created=created,
        scos=[*(s for s in scos.values() if s.item_id != item.item_id), sco],
        review=review,
    )


def scorm_learner_name(user: AbstractBaseUser) -> str:
    """SCORM 1.2 RTE 3.4.2.1.3 student_name is "Last, First"; use it when both are known."""
    first = getattr(user, "first_name", "")
    last = getattr(user, "last_name", "")
    if first and last:
        return f"{last}, {first}"
    return user.get_username()


# --------------------------------------------------------------------------------------- record


# The columns a commit writes (the rest of each row never changes after start).
_SCO_WRITE = [
    *sorted({c for columns in KEY_COLUMNS.values() for c in columns.values()}),
    "completed",
    "passed",
    "pass_state",
    "progress_percent",
    "score_percent",
    "commit_seq",
    "commit_count",
    "last_commit_at",
    "total_time",
    "finished_at",
    "nav_request",
]
_ATTEMPT_WRITE = [
    "status",
    "last_commit_at",
    "finished_at",
    "terminated_at",
    "completed",
    "closed",
    "passed",
    "pass_state",
    "progress_percent",
    "score_percent",
    "commit_count",
]
_SESSION_WRITE = ["finished_at", "initialized", "logged_keys"]


@transaction.atomic
def result_record(
    *, learner: AbstractBaseUser, claims: LaunchClaims, payload: ResultPayload
) -> RecordResult:
    """Store one commit (SPEC §4). A stale ``seq`` stores nothing; everything else is one write.

    The hot path of the product: one read (the attempt, its session and SCO attempts, locked,
    with its course and certificate) and one write statement, in hand-written SQL
    (``hotrows.commit_rows``, ``scormlms.rows.Batch``).
    """
    if str(payload.attempt_id) != claims.attempt_id:
        raise Forbidden("The launch token belongs to another attempt.")
    # The attempt row is the lock every writer of the attempt's rows takes; the rows read with
    # it are the newest once it is held (see hotrows), so a commit never acts on stale rows.
    found = hotrows.commit_rows(payload.attempt_id, claims.session_id)
    if claims.learner_id != learner.pk:
        raise Forbidden("The launch token belongs to another attempt.")
    if found is None:
        raise _commit_refusal(payload.attempt_id, learner)
    attempt, session, rows = found.attempt, found.session, found.scos
    if attempt.learner_id != learner.pk:
        raise Forbidden("This attempt belongs to another learner.")
    course = attempt.course
    if payload.learner_id and payload.learner_id != learner.get_username():
        raise Forbidden("learnerId does not match the logged-in learner.")
    if payload.course_id and payload.course_id != course.course_id:
        raise PayloadError("courseId", "does not match the attempt's course")
    if payload.standard != course.standard:
        raise PayloadError("standard", f"must be {course.standard!r} for this course")
    # The launch token names the SCO session, so itemId is optional (SPEC §4).
    item_id = payload.item_id or session.item_id
    if item_id != session.item_id:
        raise PayloadError("itemId", "does not match the launched item")
    sco = next((s for s, _ in rows if s.item_id == item_id), None)
    if sco is None:  # start always creates it; a missing row means the data was reset
        raise NotFound("No SCO attempt for this item.")
    seq = payload.seq if payload.seq is not None else sco.commit_seq + 1
    now = timezone.now()
    if session.finished_at is not None:
        if session.review or (seq > sco.commit_seq and not _repeats_stored(sco, payload)):
            raise Conflict("This SCO session has already finished; later commits are refused.")
        seq = min(seq, sco.commit_seq)  # a late save of what is stored: acknowledged, stale
    if attempt.status == Attempt.Status.ABANDONED:
        raise Conflict("This attempt was abandoned and accepts no more commits.")
    if session.review:
        return _record_review(attempt, session, payload, now, item_id)
    if seq <= sco.commit_seq:
        log.info(
            "commit_stale",
            extra={
                "attempt_id": str(attempt.id),
                "item_id": item_id,
                "seq": seq,
                "stored_seq": sco.commit_seq,
            },
        )
        if _certificate_due(attempt, course):
            _certificate_issued(attempt)  # the answer shows the certificate a later commit issued
        return RecordResult(attempt=attempt, sco=sco, stale=True)

    events = Events()
    before = _outcome_key(attempt)
    for name, column in KEY_COLUMNS[course.standard].items():
        setattr(sco, column, payload.values[name])
    sco.nav_request = payload.nav_request
    columns = _SCO_WRITE
    if payload.cmi is not None:
        sco.cmi = payload.cmi
        columns = [*_SCO_WRITE, "cmi"]
    finish = payload.reason == "finish"
    items = course_items(course)
    item = next((i for i in items if i.item_id == item_id), None)
    if finish and item is not None:
        _default_status(attempt, sco, item, course, events, now, tree=payload.cmi)
    if finish:
        # The server owns total_time: each session's time is added exactly once, on its finish.
        sco.total_time = add_session_time(course.standard, sco.total_time, sco.session_time)
        sco.finished_at = now
        session.finished_at = now
    sco.commit_seq = seq
    sco.commit_count += 1
    sco.last_commit_at = now
    _apply_outcome(sco, _derive(sco, item, course))
    writes = Batch()  # every write of the commit, sent as one statement on PostgreSQL
    writes.update(sco, columns)

    _log_runtime(attempt, session, payload, now, item_id, events, writes)
    attempt.commit_count += 1
    attempt.last_commit_at = now
    if finish:
        attempt.finished_at = now
    outcomes = {
        s.item_id: stored_outcome(s) if s is sco else stored_outcome(s, has_bookmark=bookmark)
        for s, bookmark in rows
    }
    _recompute_attempt(attempt, course, items, outcomes, now, events)
    writes.update(attempt, _ATTEMPT_WRITE)
    summary = {
        "seq": seq,
        "progressPercent": sco.progress_percent,
        "passed": sco.passed,
        "completed": sco.completed,
        "scorePercent": sco.score_percent,
        "courseProgressPercent": attempt.progress_percent,
        "coursePassed": attempt.passed,
        "courseCompleted": attempt.completed,
    }
    kind = AttemptEvent.Kind.FINISH if finish else AttemptEvent.Kind.COMMIT
    events.add(attempt, kind, now, item_id=item_id, **summary)
    log.info(kind, extra={"attempt_id": str(attempt.id), "item_id": item_id, **summary})
    if _certificate_due(attempt, course) and not _certificate_issued(attempt):
        _issue_certificate(attempt, course, learner, now, events, writes)
    events.save(writes)
    writes.send()
    if _outcome_key(attempt) != before:
        # The record reads every attempt of the learner: only when this one's outcome moved.
        records.record_refresh(learner_id=int(learner.pk), course=course)
    return RecordResult(attempt=attempt, sco=sco, stale=False)


def _outcome_key(attempt: Attempt) -> tuple[object, ...]:
    """What of an attempt the learner's record depends on (the certificate follows passed)."""
    return (
        attempt.status,
        attempt.completed,
        attempt.passed,
        attempt.pass_state,
        attempt.score_percent,
        certificates.exists_for(attempt),
    )


def _default_status(
    attempt: Attempt,
    sco: ScoAttempt,
    item: Item,
    course: Course,
    events: Events,
    now: datetime,
    tree: dict[str, Any] | None,
) -> None:
    """Record the status a SCO that never set one gets when its session ends (SPEC §6;
    ``scorm.outcome.default_completion`` quotes the RTE and SN rules). SCORM 2004 applies it
    only when the attempt ends: a suspended activity's attempt goes on (SN, End Attempt
    Process). The commit's CMI tree gets the same values, so the next launch preloads them."""
    if course.standard == "2004" and (sco.exit == "suspend" or sco.nav_request == "suspendAll"):
        return
    changes = rules.default_completion(
        standard=course.standard,
        values=key_values(sco),
        thresholds=thresholds_for(item, course),
        controls=rules.DeliveryControls(
            completion_set_by_content=item.completion_set_by_content,
            objective_set_by_content=item.objective_set_by_content,
        ),
    )
    if not changes:
        return
    columns = KEY_COLUMNS[course.standard]
    for name, value in changes.items():
        setattr(sco, columns[name], value)
        if tree is not None:
            *parents, leaf = _TREE_PATHS[name]
            node = tree
            for part in parents:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
            node[leaf] = value
    events.add(attempt, AttemptEvent.Kind.DEFAULT_STATUS, now, item_id=sco.item_id, **changes)


def _repeats_stored(sco: ScoAttempt, payload: ResultPayload) -> bool:
    """Whether a commit that arrives after its session finished says nothing new: every key
    value equals the stored one, session_time aside, and a status it leaves unset is not
    news (the finish may have recorded the default status)."""
    stored = ScoAttempt.objects.filter(pk=sco.pk).first()  # with location and suspend_data
    if stored is None:
        return False
    kept = key_values(stored)
    for name, value in payload.values.items():
        if name.endswith("session_time") or value == kept.get(name, value):
            continue
        if name in rules.STATUS_ELEMENTS and value in rules.NO_STATUS[sco.standard]:
            continue
        return False
    return True


def _record_review(
    attempt: Attempt, session: LaunchSession, payload: ResultPayload, now: datetime, item_id: str
) -> RecordResult:
    """A commit of a review session: kept in the event log only (SPEC §6)."""
    events = Events()
    writes = Batch()
    if payload.reason == "finish":
        session.finished_at = now
    _log_runtime(attempt, session, payload, now, item_id, events, writes)
    events.add(
        attempt,
        AttemptEvent.Kind.REVIEW,
        now,
        item_id=item_id,
        reason=payload.reason,
        seq=payload.seq,
        values={k: v for k, v in payload.values.items() if v},
    )
    events.save(writes)
    writes.send()
    log.info("review_commit", extra={"attempt_id": str(attempt.id), "item_id": item_id})
    return RecordResult(attempt=attempt, sco=None, stale=False, review=True)


def _commit_refusal(attempt_id: uuid.UUID, learner: AbstractBaseUser) -> Exception:
    """Why ``hotrows.commit_rows`` found nothing, in the order the checks are documented."""
    attempt = Attempt.objects.filter(id=attempt_id).first()
    if attempt is None:
        return NotFound("No such attempt.")
    if attempt.learner_id != learner.pk:
        return Forbidden("This attempt belongs to another learner.")
    if not attempt.sco_attempts.exists():  # start always creates one: the data was reset
        return NotFound("No SCO attempt for this item.")
    return Forbidden("The launch token does not match this attempt.")


def _certificate_issued(attempt: Attempt) -> bool:
    """Whether the attempt has its certificate, read again when the commit's read saw none:
    that read does not lock the certificate table (``hotrows.commit_rows``)."""
    if certificates.exists_for(attempt):
        return True
    return hotrows.certificate_of(attempt) is not None


def _log_runtime(
    attempt: Attempt,
    session: LaunchSession,
    payload: ResultPayload,
    now: datetime,
    item_id: str,
    events: Events,
    writes: Batch,
) -> None:
    """SPEC §9: the session's first Initialize and its first 10 unique SetValue keys."""
    changed = False
    if payload.log.initialize and not session.initialized:
        session.initialized = True
        changed = True
        events.add(
            attempt, AttemptEvent.Kind.INITIALIZE, now, item_id=item_id, session=str(session.id)
        )
        log.info("initialize", extra={"attempt_id": str(attempt.id), "item_id": item_id})
    room = 10 - len(session.logged_keys)
    new_keys = [k for k in payload.log.set_value_keys if k not in session.logged_keys][
        : max(room, 0)
    ]
    if new_keys:
        session.logged_keys = [*session.logged_keys, *new_keys]
        changed = True
        events.add(attempt, AttemptEvent.Kind.SET_VALUE_KEYS, now, item_id=item_id, keys=new_keys)
        log.info(
            "setvalue_keys",
            extra={"attempt_id": str(attempt.id), "item_id": item_id, "keys": new_keys},
        )
    if changed or session.finished_at is not None:
        writes.update(session, _SESSION_WRITE)


def _issue_certificate(
    attempt: Attempt,
    course: Course,
    learner: AbstractBaseUser,
    now: datetime,
    events: Events,
    writes: Batch | None = None,
) -> None:
    # The caller holds the attempt row's lock and saw no certificate, and Certificate.attempt is
    # one-to-one, so a certificate is created exactly once even when commits race.
    cert = certificates.certificate_issue(
        attempt=attempt, course=course, learner=learner, now=now, writes=writes
    )
    Attempt.certificate.related.set_cached_value(attempt, cert)  # for the answer's certificateUrl
    events.add(attempt, AttemptEvent.Kind.CERTIFICATE, now, code=cert.code)
    log.info("certificate_issued", extra={"attempt_id": str(attempt.id), "code": cert.code})


# ----------------------------------------------------------------------------------- sequencing


@dataclass(frozen=True)
class OpenResult:
    attempt: Attempt  # with its sequencing columns
    created: bool


def attempt_open(
    *, learner: AbstractBaseUser, course: Course, attempt_id: uuid.UUID | None = None
) -> OpenResult:
    """Open (or resume) the learner's attempt of a sequenced course without launching a SCO:
    the player's engine decides which activity to deliver from the attempt's tree and state,
    then starts it (``attempt_start`` with its item id)."""
    if not course.sequenced:
        raise PayloadError("courseId", "names a course without sequencing; start it instead")
    for _ in range(3):
        try:
            return _attempt_open(learner=learner, course=course, attempt_id=attempt_id)
        except IntegrityError:
            continue  # a start opened the attempt meanwhile: resume that one
    raise Conflict("Could not open an attempt; please retry.")


@transaction.atomic
def _attempt_open(
    *, learner: AbstractBaseUser, course: Course, attempt_id: uuid.UUID | None
) -> OpenResult:
    now = timezone.now()
    opened = _open_attempt(learner, course, attempt_id, now)
    attempt = opened.attempt
    if opened.created:
        events = Events()
        events.add(attempt, AttemptEvent.Kind.START, now)
        events.save(opened.writes)
    opened.writes.send()
    if not opened.created:
        attempt = Attempt.objects.get(pk=attempt.pk)  # with the columns the lock left out
    return OpenResult(attempt=attempt, created=opened.created)


@dataclass(frozen=True)
class SequencingSaved:
    attempt: Attempt
    stale: bool
    review: bool


@transaction.atomic
def sequencing_save(
    *, learner: AbstractBaseUser, claims: LaunchClaims, payload: SequencingPayload
) -> SequencingSaved:
    """Store the engine's state of a sequenced attempt and take the course outcome from its
    rollup (SPEC §11). Seq-ordered like commits: a save older than the stored one stores
    nothing. A finished attempt is reviewed: its state and outcome stay as they are."""
    if str(payload.attempt_id) != claims.attempt_id or claims.learner_id != learner.pk:
        raise Forbidden("The launch token belongs to another attempt.")
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("course")
        .defer("sequencing_state", "course__manifest", "course__warnings")
        .filter(id=payload.attempt_id)
        .first()
    )
    if attempt is None:
        raise NotFound("No such attempt.")
    if attempt.learner_id != learner.pk:
        raise Forbidden("This attempt belongs to another learner.")
    course = attempt.course
    if not course.sequenced or attempt.sequencing_tree is None:
        raise PayloadError("attemptId", "names an attempt of a course without sequencing")
    if attempt.status == Attempt.Status.ABANDONED or attempt.reset:
        raise Conflict("This attempt was abandoned and accepts no more saves.")
    if attempt.closed:
        return SequencingSaved(attempt=attempt, stale=False, review=True)
    if payload.seq <= attempt.sequencing_seq:
        log.info(
            "sequencing_stale",
            extra={
                "attempt_id": str(attempt.id),
                "seq": payload.seq,
                "stored_seq": attempt.sequencing_seq,
            },
        )
        return SequencingSaved(attempt=attempt, stale=True, review=False)
    now = timezone.now()
    events = Events()
    before = _outcome_key(attempt)
    attempt.sequencing_state = payload.state
    attempt.sequencing_seq = payload.seq
    kept = (attempt.sequencing_activities or {}).get("globals") or []
    globals_kept = sequencing.keep_globals(
        learner, course, attempt.sequencing_tree, payload.document, now, kept
    )
    attempt.sequencing_activities = {
        "activities": payload.activities,
        "choice": payload.choice,
        "globals": globals_kept,
    }
    result = sequenced_outcome(attempt.sequencing_tree, payload.activities)
    # A completed attempt closes once nothing more follows by itself: the sequencing session
    # ended, or the SCO ended and the engine delivered nothing (the learner chooses). While
    # the engine goes on delivering (remediation after a failed test) it stays open.
    ended = payload.ended in ("end_of_content", "exit_all", "abandon_all")
    _apply_course_result(attempt, result, now, events, close_on_completion=ended or payload.waiting)
    attempt.save(
        update_fields=[
            "sequencing_state",
            "sequencing_seq",
            "sequencing_activities",
            "status",
            "terminated_at",
            "completed",
            "closed",
            "passed",
            "pass_state",
            "progress_percent",
            "score_percent",
        ]
    )
    if _certificate_due(attempt, course) and not certificates.exists_for(attempt):
        _issue_certificate(attempt, course, learner, now, events)
    events.save()
    log.info(
        "sequencing_saved",
        extra={
            "attempt_id": str(attempt.id),
            "seq": payload.seq,
            "bytes": len(payload.state),
            "ended": payload.ended,
            "courseCompleted": attempt.completed,
            "coursePassed": attempt.passed,
            "scorePercent": attempt.score_percent,
        },
    )
    if _outcome_key(attempt) != before:
        records.record_refresh(learner_id=int(learner.pk), course=course)
    return SequencingSaved(attempt=attempt, stale=False, review=False)


# -------------------------------------------------------------------------------------- discard


@transaction.atomic
def attempt_discard(
    *, learner: AbstractBaseUser, claims: LaunchClaims, attempt_id: uuid.UUID
) -> Attempt | None:
    """Don't save: an attempt without commits disappears (back to Not Started); one with
    commits stays In Progress. Returns the attempt that remains, or None."""
    if str(attempt_id) != claims.attempt_id or claims.learner_id != learner.pk:
        raise Forbidden("The launch token belongs to another attempt.")
    attempt = Attempt.objects.select_for_update().filter(id=attempt_id).first()
    if attempt is None:
        raise NotFound("No such attempt.")
    if attempt.learner_id != learner.pk:
        raise Forbidden("This attempt belongs to another learner.")
    now = timezone.now()
    LaunchSession.objects.filter(id=claims.session_id).update(finished_at=now)
    if attempt.commit_count > 0 or attempt.closed:
        AttemptEvent.objects.create(
            attempt=attempt, kind=AttemptEvent.Kind.DISCARD, data={"kept": True}, created_at=now
        )
        log.info("attempt_discard", extra={"attempt_id": str(attempt.id), "kept": True})
        return attempt
    course_id = attempt.course_id
    log.info("attempt_discard", extra={"attempt_id": str(attempt.id), "kept": False})
    attempt.delete()
    previous = (
        Attempt.objects.filter(learner_id=learner.pk, course_id=course_id, reset=False)
        .order_by("-launched_at")
        .first()
    )
    Enrolment.objects.filter(learner_id=learner.pk, course_id=course_id).update(
        current_attempt=previous
    )
    records.record_refresh(learner_id=int(learner.pk), course=Course.objects.get(pk=course_id))
    return None
