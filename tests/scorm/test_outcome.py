from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scormlms.scorm.datamodel import validate_values
from scormlms.scorm.outcome import (
    ABANDONED,
    COMPLETED,
    IN_PROGRESS,
    NOT_STARTED,
    ScoOutcome,
    Thresholds,
    attempt_status,
    derive_sco,
    display_status,
    entry_for_resume,
)

FAST = settings(max_examples=200, deadline=None)
NONE = Thresholds()


def sco(standard: str, thresholds: Thresholds = NONE, /, **values: str) -> ScoOutcome:
    """derive_sco on key values named without "cmi." and with "__" for "." (score__raw)."""
    cmi = {"cmi." + key.replace("__", "."): value for key, value in values.items()}
    return derive_sco(
        standard=standard, values=validate_values(standard, cmi), thresholds=thresholds
    )


# --- score percent -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("standard", "values", "percent"),
    [
        ("2004", {}, None),
        ("2004", {"score__scaled": "0.85"}, 85.0),
        ("2004", {"score__scaled": "0.85", "score__raw": "10"}, 85.0),  # scaled wins
        ("2004", {"score__scaled": "-0.5"}, 0.0),  # clamped
        ("2004", {"score__scaled": "1"}, 100.0),
        ("2004", {"score__raw": "8", "score__min": "0", "score__max": "10"}, 80.0),
        ("2004", {"score__raw": "15", "score__min": "10", "score__max": "20"}, 50.0),
        ("2004", {"score__raw": "57", "score__min": "0", "score__max": "100"}, 57.0),
        ("2004", {"score__raw": "30", "score__min": "0", "score__max": "20"}, 100.0),
        ("2004", {"score__raw": "70"}, 70.0),
        ("2004", {"score__raw": "70", "score__max": "200"}, 70.0),  # no min: raw as is
        ("2004", {"score__raw": "7", "score__min": "10", "score__max": "10"}, 7.0),  # max = min
        ("2004", {"score__raw": "7", "score__min": "10", "score__max": "5"}, 7.0),  # max < min
        ("2004", {"score__raw": "250"}, 100.0),
        ("2004", {"score__raw": "-3"}, 0.0),
        ("2004", {"score__min": "0", "score__max": "10"}, None),
        ("1.2", {}, None),
        ("1.2", {"core__score__raw": "85"}, 85.0),
        ("1.2", {"core__score__raw": "4", "core__score__min": "0", "core__score__max": "5"}, 80.0),
        ("1.2", {"core__score__raw": "0"}, 0.0),
    ],
)
def test_score_percent(standard: str, values: dict[str, str], percent: float | None) -> None:
    assert sco(standard, **values).score_percent == percent


# --- passed ------------------------------------------------------------------------------------

SPS = Thresholds(scaled_passing_score=0.8)
COURSE_70 = Thresholds(passing_score=70)


@pytest.mark.parametrize(
    ("standard", "thresholds", "values", "state"),
    [
        # The SCO's own status comes first, whatever the score says.
        ("2004", NONE, {"success_status": "passed"}, "passed"),
        ("2004", NONE, {"success_status": "failed"}, "failed"),
        ("2004", SPS, {"success_status": "failed", "score__scaled": "1"}, "failed"),
        ("2004", SPS, {"success_status": "passed", "score__scaled": "0"}, "passed"),
        ("2004", NONE, {"success_status": "unknown"}, "unknown"),
        # No threshold or no score: unknown.
        ("2004", NONE, {"score__scaled": "1"}, "unknown"),
        ("2004", SPS, {}, "unknown"),
        ("2004", SPS, {"success_status": "unknown"}, "unknown"),
        # Manifest scaled passing score.
        ("2004", SPS, {"score__scaled": "0.8"}, "passed"),
        ("2004", SPS, {"score__scaled": "0.79"}, "failed"),
        ("2004", SPS, {"score__raw": "8", "score__min": "0", "score__max": "10"}, "passed"),
        ("2004", SPS, {"score__raw": "79"}, "failed"),
        # A negative scaled score fails a threshold of 0 although it shows as 0 %.
        ("2004", Thresholds(scaled_passing_score=0), {"score__scaled": "-0.5"}, "failed"),
        ("2004", Thresholds(scaled_passing_score=0), {"score__scaled": "0"}, "passed"),
        ("2004", Thresholds(scaled_passing_score=-0.5), {"score__scaled": "-0.4"}, "passed"),
        # The course override wins over the manifest.
        ("2004", Thresholds(scaled_passing_score=0.9, passing_score=70), {"score__scaled": "0.75"},
         "passed"),
        ("2004", Thresholds(scaled_passing_score=0.5, passing_score=70), {"score__scaled": "0.6"},
         "failed"),
        ("2004", COURSE_70, {"score__raw": "7", "score__min": "0", "score__max": "10"}, "passed"),
        # A 1.2 threshold means nothing to 2004 content.
        ("2004", Thresholds(mastery_score=50), {"score__raw": "80"}, "unknown"),
        ("1.2", NONE, {"core__lesson_status": "passed"}, "passed"),
        ("1.2", NONE, {"core__lesson_status": "failed"}, "failed"),
        ("1.2", Thresholds(mastery_score=80), {"core__lesson_status": "failed",
                                              "core__score__raw": "95"}, "failed"),
        ("1.2", NONE, {"core__lesson_status": "completed", "core__score__raw": "95"}, "unknown"),
        ("1.2", Thresholds(mastery_score=80), {"core__lesson_status": "completed",
                                              "core__score__raw": "80"}, "passed"),
        ("1.2", Thresholds(mastery_score=80), {"core__score__raw": "79.99"}, "failed"),
        ("1.2", Thresholds(mastery_score=80), {"core__lesson_status": "incomplete"}, "unknown"),
        ("1.2", Thresholds(mastery_score=80, passing_score=50), {"core__score__raw": "60"},
         "passed"),
        ("1.2", Thresholds(mastery_score=50, passing_score=70), {"core__score__raw": "60"},
         "failed"),
        ("1.2", Thresholds(passing_score=57), {"core__score__raw": "57", "core__score__min": "0",
                                              "core__score__max": "100"}, "passed"),
        ("1.2", Thresholds(scaled_passing_score=0.1), {"core__score__raw": "80"}, "unknown"),
    ],
)  # fmt: skip
def test_pass_state(
    standard: str, thresholds: Thresholds, values: dict[str, str], state: str
) -> None:
    outcome = sco(standard, thresholds, **values)
    assert outcome.pass_state == state
    assert outcome.passed is (state == "passed")


# --- completed ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("standard", "thresholds", "values", "completed"),
    [
        ("1.2", NONE, {"core__lesson_status": "completed"}, True),
        ("1.2", NONE, {"core__lesson_status": "passed"}, True),
        ("1.2", NONE, {"core__lesson_status": "failed"}, True),
        ("1.2", NONE, {"core__lesson_status": "incomplete"}, False),
        ("1.2", NONE, {"core__lesson_status": "browsed"}, False),
        ("1.2", NONE, {"core__lesson_status": "not attempted"}, False),
        ("1.2", NONE, {}, False),
        ("2004", NONE, {"completion_status": "completed"}, True),
        ("2004", NONE, {"completion_status": "incomplete"}, False),
        ("2004", NONE, {"completion_status": "not attempted"}, False),
        ("2004", NONE, {"completion_status": "unknown"}, False),
        ("2004", NONE, {"success_status": "passed"}, False),  # passed is not completed
        ("2004", NONE, {"progress_measure": "1"}, False),  # no threshold given
        ("2004", Thresholds(completion_threshold=0.8), {"progress_measure": "0.8"}, True),
        ("2004", Thresholds(completion_threshold=0.8), {"progress_measure": "0.79"}, False),
        ("2004", Thresholds(completion_threshold=0.8), {"completion_status": "incomplete",
                                                       "progress_measure": "0.9"}, True),
        ("2004", Thresholds(completion_threshold=0.8), {}, False),
    ],
)  # fmt: skip
def test_completed(
    standard: str, thresholds: Thresholds, values: dict[str, str], completed: bool
) -> None:
    assert sco(standard, thresholds, **values).completed is completed


# --- progress percent --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("standard", "values", "progress"),
    [
        ("2004", {}, 0),
        # (1) progress_measure
        ("2004", {"progress_measure": "0.5"}, 50),
        ("2004", {"progress_measure": "0.125"}, 13),  # rounds half up
        ("2004", {"progress_measure": "0.994"}, 99),
        ("2004", {"progress_measure": "0.996"}, 99),  # capped short of completion
        ("2004", {"progress_measure": "1.0"}, 99),  # measure 1 but not completed
        ("2004", {"progress_measure": "0"}, 0),
        ("2004", {"progress_measure": "0.3", "location": "3/4"}, 30),  # measure first
        # (2) completed or passed: always 100, even with a stale measure
        ("2004", {"progress_measure": "0.5", "completion_status": "completed"}, 100),
        ("2004", {"progress_measure": "0.5", "success_status": "passed"}, 100),
        ("2004", {"completion_status": "completed"}, 100),
        ("2004", {"success_status": "failed"}, 0),  # failed alone is neither
        ("1.2", {"core__lesson_status": "failed"}, 100),  # 1.2 failed is completed
        ("1.2", {"core__lesson_status": "passed", "core__lesson_location": "1/4"}, 100),
        # (3) bookmark heuristic
        ("2004", {"location": "3/4"}, 75),
        ("2004", {"location": "3 of 4"}, 75),
        ("2004", {"location": " 1 / 3 "}, 33),
        ("2004", {"location": "2 OF 3"}, 67),
        ("2004", {"location": "4 of 4"}, 99),  # not completed: capped
        ("2004", {"location": "4/4", "completion_status": "completed"}, 100),
        ("2004", {"location": "5/4"}, 99),
        ("2004", {"location": "0/4"}, 0),
        ("2004", {"location": "3/0"}, 50),  # not a fraction: any location
        ("2004", {"location": "slide-7"}, 50),
        ("2004", {"location": "page 3 of 4"}, 50),
        ("2004", {"location": "1" * 60 + "/1"}, 99),
        ("2004", {"suspend_data": "x"}, 50),
        ("1.2", {"core__lesson_location": "3/4"}, 75),
        ("1.2", {"suspend_data": "{}"}, 50),
        ("1.2", {"core__lesson_status": "incomplete"}, 0),
    ],
)
def test_progress_percent(standard: str, values: dict[str, str], progress: int) -> None:
    assert sco(standard, **values).progress_percent == progress


def test_completion_threshold_makes_the_measure_complete() -> None:
    outcome = sco("2004", Thresholds(completion_threshold=0.9), progress_measure="0.95")
    assert (outcome.completed, outcome.progress_percent) == (True, 100)


@pytest.mark.parametrize(
    ("standard", "values", "bookmark"),
    [
        ("2004", {}, False),
        ("2004", {"location": "p2"}, True),
        ("2004", {"suspend_data": "s"}, True),
        ("1.2", {"core__lesson_location": "p2"}, True),
        ("1.2", {"core__lesson_status": "incomplete"}, False),
    ],
)
def test_has_bookmark(standard: str, values: dict[str, str], bookmark: bool) -> None:
    assert sco(standard, **values).has_bookmark is bookmark


# --- assets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("standard", ["1.2", "2004"])
@pytest.mark.parametrize("launched", [False, True])
def test_asset(standard: str, launched: bool) -> None:
    outcome = derive_sco(
        standard=standard,
        values=validate_values(standard, {}),
        thresholds=Thresholds(passing_score=0),
        is_asset=True,
        launched=launched,
    )
    assert outcome == ScoOutcome(
        score_percent=None,
        pass_state="unknown",
        passed=False,
        completed=launched,
        progress_percent=100 if launched else 0,
        has_bookmark=False,
    )


def test_unknown_standard() -> None:
    with pytest.raises(ValueError):
        derive_sco(standard="1.3", values={}, thresholds=NONE)


# --- statuses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("passed", "pass_state", "completed", "open_attempt", "status"),
    [
        (True, "passed", True, True, "Passed"),
        (True, "passed", False, False, "Passed"),
        (False, "failed", True, True, "Failed"),
        (False, "failed", False, False, "Failed"),
        (False, "unknown", True, True, "Completed"),
        (False, "unknown", True, False, "Completed"),
        (False, "unknown", False, True, "In progress"),
        (False, "unknown", False, False, "Not started"),
    ],
)
def test_display_status(
    passed: bool, pass_state: str, completed: bool, open_attempt: bool, status: str
) -> None:
    assert (
        display_status(
            passed=passed,
            pass_state=pass_state,  # type: ignore[arg-type]
            completed=completed,
            has_open_attempt=open_attempt,
        )
        == status
    )


def test_lifecycle_constants() -> None:
    assert (NOT_STARTED, IN_PROGRESS, COMPLETED, ABANDONED) == (
        "Not Started",
        "In Progress",
        "Completed",
        "Abandoned",
    )


@pytest.mark.parametrize(
    ("completed", "passed", "status"),
    [(False, False, IN_PROGRESS), (True, False, COMPLETED), (False, True, COMPLETED)],
)
def test_attempt_status(completed: bool, passed: bool, status: str) -> None:
    assert attempt_status(completed=completed, passed=passed) == status


@pytest.mark.parametrize(
    ("last_exit", "suspend_all", "previous", "entry"),
    [
        ("", False, False, "ab-initio"),  # first launch
        ("suspend", False, False, "ab-initio"),  # nothing stored yet counts as first
        ("suspend", False, True, "resume"),
        ("", False, True, ""),  # a bookmark or suspend_data alone never makes resume
        ("logout", False, True, ""),
        ("normal", False, True, ""),
        ("time-out", False, True, ""),
    ],
)
@pytest.mark.parametrize("standard", ["1.2", "2004"])
def test_entry_for_resume(
    standard: str, last_exit: str, suspend_all: bool, previous: bool, entry: str
) -> None:
    assert (
        entry_for_resume(
            standard, last_exit=last_exit, suspend_all=suspend_all, has_previous_session=previous
        )
        == entry
    )


@pytest.mark.parametrize(("standard", "entry"), [("2004", "resume"), ("1.2", "")])
def test_suspend_all_resumes_only_in_2004(standard: str, entry: str) -> None:
    # SCORM 1.2 has no navigation requests; a stray flag must not make it resume.
    assert (
        entry_for_resume(standard, last_exit="", suspend_all=True, has_previous_session=True)
        == entry
    )


# --- properties --------------------------------------------------------------------------------


def decimal_text(low: str, high: str) -> st.SearchStrategy[str]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=3).map(str)


def optional(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.just("") | strategy


LOCATIONS = st.sampled_from(["", "p1", "3/4", "4 of 4", "9/3", "0/5", "3/0"]) | st.text(max_size=8)

VALUES = {
    "1.2": st.fixed_dictionaries(
        {
            "cmi.core.lesson_status": st.sampled_from(
                ["", "passed", "completed", "failed", "incomplete", "browsed", "not attempted"]
            ),
            "cmi.core.score.raw": optional(decimal_text("0", "100")),
            "cmi.core.score.min": optional(decimal_text("0", "100")),
            "cmi.core.score.max": optional(decimal_text("0", "100")),
            "cmi.core.lesson_location": LOCATIONS,
            "cmi.suspend_data": st.sampled_from(["", "x"]),
        }
    ),
    "2004": st.fixed_dictionaries(
        {
            "cmi.completion_status": st.sampled_from(
                ["", "completed", "incomplete", "not attempted", "unknown"]
            ),
            "cmi.success_status": st.sampled_from(["", "passed", "failed", "unknown"]),
            "cmi.score.scaled": optional(decimal_text("-1", "1")),
            "cmi.score.raw": optional(decimal_text("-1000", "1000")),
            "cmi.score.min": optional(decimal_text("-1000", "1000")),
            "cmi.score.max": optional(decimal_text("-1000", "1000")),
            "cmi.progress_measure": optional(decimal_text("0", "1")),
            "cmi.location": LOCATIONS,
            "cmi.suspend_data": st.sampled_from(["", "x"]),
        }
    ),
}
THRESHOLDS = st.builds(
    Thresholds,
    mastery_score=st.none() | st.floats(0, 100),
    scaled_passing_score=st.none() | st.floats(-1, 1),
    passing_score=st.none() | st.floats(0, 100),
    completion_threshold=st.none() | st.floats(0, 1),
)


@st.composite
def sco_outcomes(draw: st.DrawFn) -> ScoOutcome:
    standard = draw(st.sampled_from(["1.2", "2004"]))
    values = validate_values(standard, draw(VALUES[standard]))
    return derive_sco(
        standard=standard,
        values=values,
        thresholds=draw(THRESHOLDS),
        is_asset=draw(st.booleans()),
        launched=draw(st.booleans()),
    )


@FAST
@given(outcome=sco_outcomes())
def test_outcome_invariants(outcome: ScoOutcome) -> None:
    assert 0 <= outcome.progress_percent <= 100
    assert (outcome.progress_percent == 100) is (outcome.completed or outcome.passed)
    assert outcome.score_percent is None or 0 <= outcome.score_percent <= 100
    assert outcome.passed is (outcome.pass_state == "passed")
