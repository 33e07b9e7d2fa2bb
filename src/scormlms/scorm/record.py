"""The course record: what a learner has achieved in a course, over all attempts (SPEC §6).

Every rule that turns a learner's attempts into one record lives here, as pure functions of
plain values, and so does the rule that says whether the learner may start another attempt.

Which attempt makes the record (the course's ``grading``, Moodle's "grading method"):

- only *finished* attempts grade (lifecycle ``Completed``): an open retake, or one given up
  (``Abandoned``), never changes the record. With none finished, an open attempt makes the
  record ``In progress``, else it is ``Not started``;
- ``highest``: the best finished attempt, ranked passed > failed > completed > incomplete,
  then by score; ties go to the earlier attempt (it earned the result first);
- ``first``: the first finished attempt; ``last``: the latest finished attempt;
- a passed record is never hidden by a later attempt: when the attempt chosen did not pass
  but an earlier finished one did, the best of those earlier passed attempts makes the record;
- attempts a staff member reset are kept in history but count for nothing, not even for
  ``attemptsUsed``;
- a staff override (completed / passed / score, with a reason) wins over the attempts; a
  field the override leaves unset (``None``) comes from the graded attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from scormlms.scorm.outcome import (
    ABANDONED,
    COMPLETED,
    IN_PROGRESS,
    PassState,
    display_status,
)

Grading = Literal["highest", "first", "last"]
NewAttemptWhen = Literal["never", "completed", "passed_or_failed", "always"]
GRADINGS: tuple[Grading, ...] = ("highest", "first", "last")
NEW_ATTEMPT_WHEN: tuple[NewAttemptWhen, ...] = ("never", "completed", "passed_or_failed", "always")


@dataclass(frozen=True, kw_only=True)
class AttemptSummary:
    """What the record needs of one attempt; ``order`` sorts attempts by launch (any
    comparable value: a timestamp, a number)."""

    attempt_id: str
    order: object
    status: str  # In Progress | Completed | Abandoned
    completed: bool
    passed: bool
    pass_state: PassState
    score_percent: float | None
    reset: bool = False


@dataclass(frozen=True, kw_only=True)
class Override:
    """A record set by hand; ``None`` leaves that field to the attempts."""

    completed: bool | None = None
    passed: bool | None = None
    score_percent: float | None = None


@dataclass(frozen=True, kw_only=True)
class Record:
    status: str  # a display status: Passed | Failed | Completed | In progress | Not started
    completed: bool
    passed: bool
    pass_state: PassState
    score_percent: float | None
    attempt_id: str | None  # the attempt that made the record
    attempts_used: int
    attempts_allowed: int | None
    overridden: bool
    retake_in_progress: bool


# passed > failed > completed > incomplete (SPEC §6, ties of the grading rule).
def _rank(attempt: AttemptSummary) -> tuple[int, float]:
    if attempt.passed:
        level = 3
    elif attempt.pass_state == "failed":
        level = 2
    elif attempt.completed:
        level = 1
    else:
        level = 0
    return level, -1.0 if attempt.score_percent is None else attempt.score_percent


def _best(attempts: Sequence[AttemptSummary]) -> AttemptSummary:
    # max() keeps the first of equal ranks, and the attempts come in launch order.
    return max(attempts, key=_rank)


def graded_attempt(attempts: Sequence[AttemptSummary], grading: Grading) -> AttemptSummary | None:
    """The finished attempt that makes the record, or None when none is finished."""
    finished = sorted(
        (a for a in attempts if a.status == COMPLETED and not a.reset),
        key=lambda a: a.order,  # type: ignore[arg-type, return-value]
    )
    if not finished:
        return None
    if grading == "first":
        chosen = finished[0]
    elif grading == "last":
        chosen = finished[-1]
    elif grading == "highest":
        chosen = _best(finished)
    else:
        raise ValueError(f"unknown grading {grading!r}; expected one of {GRADINGS}")
    if not chosen.passed:
        earlier_passes = [a for a in finished[: finished.index(chosen)] if a.passed]
        if earlier_passes:
            chosen = _best(earlier_passes)
    return chosen


def course_record(
    attempts: Sequence[AttemptSummary],
    *,
    grading: Grading = "highest",
    max_attempts: int | None = None,
    override: Override | None = None,
) -> Record:
    """The learner's record in one course (rules in the module docstring)."""
    counted = [a for a in attempts if not a.reset]
    is_open = any(a.status == IN_PROGRESS for a in counted)
    chosen = graded_attempt(counted, grading)
    completed = chosen.completed if chosen else False
    passed = chosen.passed if chosen else False
    pass_state: PassState = chosen.pass_state if chosen else "unknown"
    score = chosen.score_percent if chosen else None
    if override is not None:
        if override.completed is not None:
            completed = override.completed
        if override.passed is not None:
            passed = override.passed
            pass_state = "passed" if passed else "failed"
            if override.completed is None:
                completed = True  # a pass determination is made on completed work
        if override.score_percent is not None:
            score = override.score_percent
    return Record(
        status=display_status(
            passed=passed,
            pass_state=pass_state,
            completed=completed,
            has_open_attempt=is_open,
        ),
        completed=completed,
        passed=passed,
        pass_state=pass_state,
        score_percent=score,
        attempt_id=chosen.attempt_id if chosen else None,
        attempts_used=len(counted),
        attempts_allowed=max_attempts,
        overridden=override is not None,
        retake_in_progress=is_open and chosen is not None,
    )


# ------------------------------------------------------------------------------ new attempts


@dataclass(frozen=True)
class NewAttempt:
    allowed: bool
    message: str | None  # why not, for the learner; None when allowed or nothing to explain


def new_attempt(
    *,
    current_status: str | None,
    current_pass_state: PassState,
    attempts_used: int,
    max_attempts: int | None,
    new_attempt_when: NewAttemptWhen,
) -> NewAttempt:
    """Whether the learner may start another attempt now, on purpose ("Start a new attempt"
    after a finished one, "Start over" while one is open). ``current_status`` is the lifecycle
    status of the attempt the learner is on (None when there is none or it was reset).

    ``new_attempt_when`` (Moodle's "force new attempt", as a permission): ``never``; once the
    current attempt is ``completed``; once it is ``passed_or_failed``; or ``always``, an open
    attempt included."""
    if new_attempt_when not in NEW_ATTEMPT_WHEN:
        raise ValueError(f"unknown new_attempt_when {new_attempt_when!r}")
    if current_status in (None, ABANDONED):
        return NewAttempt(False, None)  # nothing to start again: the learner just starts
    if max_attempts is not None and attempts_used >= max_attempts:
        plural = "attempt" if max_attempts == 1 else "attempts"
        return NewAttempt(False, f"You have used all {max_attempts} {plural} of this course.")
    if current_status == IN_PROGRESS:
        return NewAttempt(new_attempt_when == "always", None)
    if new_attempt_when == "never":
        return NewAttempt(False, "This course does not offer a new attempt.")
    if new_attempt_when == "passed_or_failed" and current_pass_state == "unknown":
        return NewAttempt(False, "A new attempt opens once this one is passed or failed.")
    return NewAttempt(True, None)


def attempt_limit_reached(*, attempts_used: int, max_attempts: int | None) -> bool:
    """Whether opening one more attempt would exceed the course's limit."""
    return max_attempts is not None and attempts_used >= max_attempts
