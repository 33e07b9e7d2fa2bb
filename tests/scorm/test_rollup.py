from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scormlms.scorm.outcome import ScoOutcome
from scormlms.scorm.rollup import CourseOutcome, TrackedItem, aggregate
from tests.scorm.test_outcome import sco_outcomes

FAST = settings(max_examples=200, deadline=None)


def outcome(
    *,
    state: str = "unknown",
    completed: bool = False,
    score: float | None = None,
    progress: int | None = None,
) -> ScoOutcome:
    done = completed or state == "passed"
    return ScoOutcome(
        score_percent=score,
        pass_state=state,  # type: ignore[arg-type]
        passed=state == "passed",
        completed=completed,
        progress_percent=100 if done else (progress or 0),
        has_bookmark=False,
    )


def item(result: ScoOutcome | None, **flags: Any) -> TrackedItem:
    return TrackedItem(item_id="i", outcome=result, **flags)


PASSED = outcome(state="passed", completed=True, score=90)
FAILED = outcome(state="failed", completed=True, score=40)
COMPLETED = outcome(completed=True)
HALFWAY = outcome(progress=50)
LAUNCHED_ASSET = outcome(completed=True)


@pytest.mark.parametrize(
    ("items", "completed", "passed", "state"),
    [
        ([], False, False, "unknown"),
        ([item(None)], False, False, "unknown"),
        ([item(PASSED), item(PASSED)], True, True, "passed"),
        ([item(PASSED), item(None)], False, False, "unknown"),  # never launched: not completed
        ([item(PASSED), item(HALFWAY)], False, False, "unknown"),
        ([item(PASSED), item(FAILED)], True, False, "failed"),
        ([item(COMPLETED), item(COMPLETED)], True, False, "unknown"),  # no determination at all
        ([item(PASSED), item(COMPLETED)], True, False, "unknown"),
        # Assets count for completion once launched, never for satisfaction.
        ([item(PASSED), item(LAUNCHED_ASSET, is_asset=True)], True, True, "passed"),
        ([item(PASSED), item(None, is_asset=True)], False, True, "passed"),
        ([item(LAUNCHED_ASSET, is_asset=True)], True, False, "unknown"),
        # Sequencing exclusions.
        ([item(PASSED), item(None, counts_for_completion=False)], True, False, "unknown"),
        (
            [item(PASSED), item(None, counts_for_completion=False, counts_for_satisfaction=False)],
            True,
            True,
            "passed",
        ),
        ([item(PASSED), item(FAILED, counts_for_satisfaction=False)], True, True, "passed"),
        ([item(PASSED), item(HALFWAY, counts_for_completion=False)], True, False, "unknown"),
        ([item(PASSED, counts_for_completion=False)], False, True, "passed"),
        ([item(FAILED, counts_for_satisfaction=False)], True, False, "unknown"),
    ],
)
def test_completion_and_satisfaction(
    items: list[TrackedItem], completed: bool, passed: bool, state: str
) -> None:
    course = aggregate(items)
    assert (course.completed, course.passed, course.pass_state) == (completed, passed, state)


@pytest.mark.parametrize(
    ("items", "score"),
    [
        ([], None),
        ([item(None), item(COMPLETED)], None),
        ([item(PASSED), item(FAILED)], 65.0),
        ([item(PASSED), item(None), item(COMPLETED)], 90.0),  # only items that reported one
        ([item(PASSED), item(FAILED, counts_for_satisfaction=False)], 65.0),
        ([item(outcome(score=0)), item(outcome(score=100))], 50.0),
        # objectiveMeasureWeight: a weight-0 survey never moves the score; weights weigh.
        ([item(outcome(score=80)), item(outcome(score=20), weight=0.0)], 80.0),
        ([item(outcome(score=20), weight=0.0)], None),
        ([item(outcome(score=100), weight=3.0), item(outcome(score=60))], 90.0),
    ],
)
def test_score(items: list[TrackedItem], score: float | None) -> None:
    assert aggregate(items).score_percent == score


@pytest.mark.parametrize(
    ("items", "progress"),
    [
        ([], 0),
        ([item(None)], 0),
        ([item(HALFWAY), item(None)], 25),
        ([item(COMPLETED), item(HALFWAY)], 75),
        ([item(COMPLETED), item(None), item(None)], 33),
        ([item(COMPLETED), item(COMPLETED), item(None)], 67),  # 66.67 rounds up
        ([item(outcome(progress=99)), item(COMPLETED)], 99),  # 99.5 would round to 100: capped
        ([item(COMPLETED), item(COMPLETED)], 100),
        ([item(PASSED), item(None, counts_for_completion=False)], 100),
        ([item(HALFWAY), item(None, counts_for_completion=False)], 50),  # mean over counted
        ([item(outcome(state="passed", progress=10))], 100),  # passed but not completed
        ([item(FAILED), item(HALFWAY)], 75),
    ],
)
def test_progress(items: list[TrackedItem], progress: int) -> None:
    assert aggregate(items).progress_percent == progress


@FAST
@given(result=sco_outcomes() | st.none())
def test_single_sco_course_is_its_sco(result: ScoOutcome | None) -> None:
    course = aggregate([TrackedItem(item_id="only", outcome=result)])
    if result is None:
        expected = CourseOutcome(
            completed=False, passed=False, pass_state="unknown", score_percent=None,
            progress_percent=0,
        )  # fmt: skip
    else:
        expected = CourseOutcome(
            completed=result.completed,
            passed=result.passed,
            pass_state=result.pass_state,
            score_percent=result.score_percent,
            progress_percent=result.progress_percent,
        )
    assert course == expected


tracked_items = st.builds(
    TrackedItem,
    item_id=st.just("i"),
    outcome=sco_outcomes() | st.none(),
    counts_for_completion=st.booleans(),
    counts_for_satisfaction=st.booleans(),
    is_asset=st.booleans(),
)


@FAST
@given(items=st.lists(tracked_items, max_size=6))
def test_course_invariants(items: list[TrackedItem]) -> None:
    course = aggregate(items)
    assert 0 <= course.progress_percent <= 100
    assert (course.progress_percent == 100) is (course.completed or course.passed)
    assert course.score_percent is None or 0 <= course.score_percent <= 100
    assert course.passed is (course.pass_state == "passed")
    assert aggregate(list(reversed(items))) == course
