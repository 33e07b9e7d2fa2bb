"""The course record and the retake rules (SPEC §6), as plain values: ``scormlms.scorm.record``.

Attempts are written as short codes, in launch order, so a table row reads like the learner's
history: ``P90`` a finished attempt that passed with 90 %, ``F40`` failed with 40 %, ``C70``
completed without a pass determination, ``I`` finished but incomplete; ``O`` an attempt in
progress and ``A`` one abandoned (either may carry an outcome: ``OF30``); a trailing ``r``
marks an attempt staff reset.
"""

from __future__ import annotations

import itertools
import re

import pytest

from scormlms.scorm.outcome import ABANDONED, COMPLETED, IN_PROGRESS
from scormlms.scorm.record import (
    AttemptSummary,
    Override,
    attempt_limit_reached,
    course_record,
    graded_attempt,
    new_attempt,
)

_CODE = re.compile(r"(?P<life>[OA]?)(?P<outcome>[PFCI]?)(?P<score>\d*)(?P<reset>r?)")
_LIFE = {"": COMPLETED, "O": IN_PROGRESS, "A": ABANDONED}


def attempt(code: str, order: int) -> AttemptSummary:
    match = _CODE.fullmatch(code)
    assert match is not None and code, f"bad attempt code {code!r}"
    outcome = match["outcome"] or ("I" if not match["life"] else "")
    return AttemptSummary(
        attempt_id=f"a{order}",
        order=order,
        status=_LIFE[match["life"]],
        completed=outcome in {"P", "F", "C"},
        passed=outcome == "P",
        pass_state={"P": "passed", "F": "failed"}.get(outcome, "unknown"),  # type: ignore[arg-type]
        score_percent=float(match["score"]) if match["score"] else None,
        reset=bool(match["reset"]),
    )


def history(*codes: str) -> list[AttemptSummary]:
    return [attempt(code, n) for n, code in enumerate(codes, start=1)]


# --------------------------------------------------------------------------------- grading


@pytest.mark.parametrize(
    ("grading", "codes", "chosen", "status", "score"),
    [
        # highest: ranked passed > failed > completed > incomplete, then by score.
        ("highest", ["F40", "P80", "P90"], "a3", "Passed", 90.0),
        ("highest", ["P60", "F100"], "a1", "Passed", 60.0),
        ("highest", ["C95", "F10"], "a2", "Failed", 10.0),
        ("highest", ["I99", "C10"], "a2", "Completed", 10.0),
        ("highest", ["F30", "F60", "F50"], "a2", "Failed", 60.0),
        ("highest", ["C", "C50"], "a2", "Completed", 50.0),  # no score ranks below any score
        ("highest", ["P90", "P90"], "a1", "Passed", 90.0),  # a tie goes to the earlier one
        ("highest", ["P90", "P90", "P95"], "a3", "Passed", 95.0),
        # first: the first finished attempt.
        ("first", ["P60", "P90"], "a1", "Passed", 60.0),
        ("first", ["F40", "P80"], "a1", "Failed", 40.0),
        ("first", ["C70", "P80"], "a1", "Completed", 70.0),
        # last: the latest finished attempt, unless that would hide an earlier pass.
        ("last", ["F40", "P80"], "a2", "Passed", 80.0),
        ("last", ["P90", "P70"], "a2", "Passed", 70.0),
        ("last", ["C80", "F20"], "a2", "Failed", 20.0),
        ("last", ["P80", "F95"], "a1", "Passed", 80.0),
        ("last", ["P70", "P90", "F95"], "a2", "Passed", 90.0),  # the best earlier pass
        ("last", ["P90", "P70", "C99"], "a1", "Passed", 90.0),
    ],
)
def test_grading_picks_the_attempt_that_makes_the_record(grading, codes, chosen, status, score):
    attempts = history(*codes)
    record = course_record(attempts, grading=grading)
    assert record.attempt_id == chosen
    assert (record.status, record.score_percent) == (status, score)
    graded = graded_attempt(attempts, grading)
    assert graded is not None and graded.attempt_id == chosen


@pytest.mark.parametrize("grading", ["highest", "first", "last"])
@pytest.mark.parametrize(
    ("codes", "status", "chosen"),
    [
        ([], "Not started", None),
        (["O"], "In progress", None),
        (["OP99"], "In progress", None),  # an open attempt never grades, whatever it reports
        (["A"], "Not started", None),
        (["AP99"], "Not started", None),
        (["AP99", "F20"], "Failed", "a2"),
        (["OF30", "A"], "In progress", None),
    ],
)
def test_only_finished_attempts_grade(grading, codes, status, chosen):
    record = course_record(history(*codes), grading=grading)
    assert (record.status, record.attempt_id) == (status, chosen)
    if chosen is None:
        assert record.score_percent is None
        assert (record.completed, record.passed, record.pass_state) == (False, False, "unknown")


@pytest.mark.parametrize("grading", ["highest", "first", "last"])
@pytest.mark.parametrize(
    ("finished", "retake"),
    [(["P80"], "OF10"), (["P80"], "OP100"), (["F40"], "OP100"), (["C70", "F30"], "OP99")],
)
def test_an_open_retake_never_changes_the_record(grading, finished, retake):
    before = course_record(history(*finished), grading=grading)
    during = course_record(history(*finished, retake), grading=grading)
    assert (during.status, during.score_percent, during.attempt_id) == (
        before.status,
        before.score_percent,
        before.attempt_id,
    )
    assert (during.completed, during.passed, during.pass_state) == (
        before.completed,
        before.passed,
        before.pass_state,
    )
    assert during.retake_in_progress is True and before.retake_in_progress is False
    assert during.attempts_used == before.attempts_used + 1


# Every history of up to three attempts from these codes: a record that is Passed stays
# Passed whatever attempt comes next, under each grading.
_CODES = ["P70", "P90", "F20", "F95", "C99", "I", "O", "OF10", "A"]


@pytest.mark.parametrize("grading", ["highest", "first", "last"])
def test_a_passed_record_is_never_hidden_by_a_later_attempt(grading):
    checked = 0
    for length in range(1, 3):
        for codes in itertools.product(_CODES, repeat=length):
            before = course_record(history(*codes), grading=grading)
            if before.status != "Passed":
                continue
            for later in _CODES:
                after = course_record(history(*codes, later), grading=grading)
                assert after.status == "Passed", (codes, later)
                assert after.passed is True and after.pass_state == "passed"
                assert after.score_percent is not None
                assert after.score_percent >= (before.score_percent or 0) or grading != "highest"
                checked += 1
    assert checked > 50


@pytest.mark.parametrize(
    ("codes", "status", "chosen", "used"),
    [
        (["P90r"], "Not started", None, 0),
        (["Or"], "Not started", None, 0),
        (["P90r", "F40"], "Failed", "a2", 1),
        (["P90r", "O"], "In progress", None, 1),
        (["F40r", "Ar", "C60"], "Completed", "a3", 1),
        (["P90r", "P50r", "Ar"], "Not started", None, 0),
    ],
)
@pytest.mark.parametrize("grading", ["highest", "first", "last"])
def test_reset_attempts_count_for_nothing(grading, codes, status, chosen, used):
    record = course_record(history(*codes), grading=grading, max_attempts=2)
    assert (record.status, record.attempt_id, record.attempts_used) == (status, chosen, used)
    assert record.retake_in_progress is False
    assert record.attempts_allowed == 2


@pytest.mark.parametrize(
    ("codes", "used", "retake"),
    [
        ([], 0, False),
        (["O"], 1, False),
        (["P80"], 1, False),
        (["P80", "O"], 2, True),
        (["F40", "A", "O"], 3, True),
        (["P80", "A"], 2, False),
        (["P80r", "O"], 1, False),
        (["A", "O"], 2, False),
    ],
)
def test_attempts_used_and_retake_in_progress(codes, used, retake):
    record = course_record(history(*codes))
    assert (record.attempts_used, record.retake_in_progress) == (used, retake)
    assert record.attempts_allowed is None


# -------------------------------------------------------------------------------- override


@pytest.mark.parametrize(
    ("codes", "override", "expected"),
    [
        # Each field wins over the attempts; the others come from the graded attempt.
        (["F40"], Override(passed=True), ("Passed", True, True, "passed", 40.0)),
        (["P90"], Override(passed=False), ("Failed", True, False, "failed", 90.0)),
        (["C50"], Override(score_percent=75), ("Completed", True, False, "unknown", 75.0)),
        (["F40"], Override(score_percent=0), ("Failed", True, False, "failed", 0.0)),
        ([], Override(completed=True), ("Completed", True, False, "unknown", None)),
        ([], Override(passed=True), ("Passed", True, True, "passed", None)),  # passed ⇒ done
        (["O"], Override(passed=True, score_percent=88), ("Passed", True, True, "passed", 88.0)),
        (["P90"], Override(completed=False, passed=True), ("Passed", False, True, "passed", 90.0)),
        # All None: the record is the attempts', but it is still marked as set by staff.
        (["P90"], Override(), ("Passed", True, True, "passed", 90.0)),
        (["F40", "O"], Override(passed=True), ("Passed", True, True, "passed", 40.0)),
    ],
)
def test_an_override_wins_field_by_field(codes, override, expected):
    attempts = history(*codes)
    record = course_record(attempts, override=override)
    status, completed, passed, pass_state, score = expected
    assert record.status == status
    assert (record.completed, record.passed, record.pass_state) == (completed, passed, pass_state)
    assert record.score_percent == score
    assert record.overridden is True
    # The override sets values, not which attempt made the record.
    assert record.attempt_id == course_record(attempts).attempt_id
    assert course_record(attempts).overridden is False


def test_unknown_grading_is_refused():
    with pytest.raises(ValueError, match="grading"):
        course_record(history("P90"), grading="best")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- new attempts

NEVER = "This course does not offer a new attempt."
ONCE_DECIDED = "A new attempt opens once this one is passed or failed."

# (current lifecycle status, its pass state) → the learner's situation.
SITUATIONS = {
    "none": (None, "unknown"),
    "abandoned": (ABANDONED, "unknown"),
    "in progress": (IN_PROGRESS, "unknown"),
    "in progress, failing": (IN_PROGRESS, "failed"),
    "completed": (COMPLETED, "unknown"),
    "passed": (COMPLETED, "passed"),
    "failed": (COMPLETED, "failed"),
}
# new_attempt_when × situation → (allowed, message), below the attempt limit.
RULES = {
    "never": {
        "none": (False, None),
        "abandoned": (False, None),
        "in progress": (False, None),
        "in progress, failing": (False, None),
        "completed": (False, NEVER),
        "passed": (False, NEVER),
        "failed": (False, NEVER),
    },
    "completed": {
        "none": (False, None),
        "abandoned": (False, None),
        "in progress": (False, None),
        "in progress, failing": (False, None),
        "completed": (True, None),
        "passed": (True, None),
        "failed": (True, None),
    },
    "passed_or_failed": {
        "none": (False, None),
        "abandoned": (False, None),
        "in progress": (False, None),
        "in progress, failing": (False, None),
        "completed": (False, ONCE_DECIDED),
        "passed": (True, None),
        "failed": (True, None),
    },
    "always": {
        "none": (False, None),
        "abandoned": (False, None),
        "in progress": (True, None),  # "Start over"
        "in progress, failing": (True, None),
        "completed": (True, None),
        "passed": (True, None),
        "failed": (True, None),
    },
}


@pytest.mark.parametrize(
    ("when", "situation"),
    [(when, situation) for when in RULES for situation in SITUATIONS],
)
@pytest.mark.parametrize(("used", "limit"), [(1, None), (5, None), (1, 2), (2, 3)])
def test_new_attempt_below_the_limit(when, situation, used, limit):
    status, pass_state = SITUATIONS[situation]
    rule = new_attempt(
        current_status=status,
        current_pass_state=pass_state,  # type: ignore[arg-type]
        attempts_used=used,
        max_attempts=limit,
        new_attempt_when=when,
    )
    assert (rule.allowed, rule.message) == RULES[when][situation]


@pytest.mark.parametrize("when", list(RULES))
@pytest.mark.parametrize("situation", list(SITUATIONS))
@pytest.mark.parametrize(
    ("used", "limit", "message"),
    [
        (1, 1, "You have used all 1 attempt of this course."),
        (2, 1, "You have used all 1 attempt of this course."),
        (3, 3, "You have used all 3 attempts of this course."),
    ],
)
def test_new_attempt_at_the_limit(when, situation, used, limit, message):
    status, pass_state = SITUATIONS[situation]
    rule = new_attempt(
        current_status=status,
        current_pass_state=pass_state,  # type: ignore[arg-type]
        attempts_used=used,
        max_attempts=limit,
        new_attempt_when=when,
    )
    assert rule.allowed is False
    # With nothing to start again (no attempt, or an abandoned one) the learner just starts:
    # there is no "new attempt" to explain.
    assert rule.message == (None if status in (None, ABANDONED) else message)


def test_unknown_new_attempt_when_is_refused():
    with pytest.raises(ValueError, match="new_attempt_when"):
        new_attempt(
            current_status=COMPLETED,
            current_pass_state="passed",
            attempts_used=1,
            max_attempts=None,
            new_attempt_when="sometimes",  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(
    ("used", "limit", "reached"),
    [
        (0, None, False),
        (1000, None, False),
        (0, 1, False),
        (1, 1, True),
        (2, 1, True),
        (2, 3, False),
        (3, 3, True),
    ],
)
def test_attempt_limit_reached(used, limit, reached):
    assert attempt_limit_reached(attempts_used=used, max_attempts=limit) is reached
