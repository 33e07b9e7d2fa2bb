"""What one SCO's raw values mean: score, pass, completion, progress, status (SPEC §5).

Every derived-field rule for a single SCO lives here, as pure functions of the key values
(normalised by :func:`scormlms.scorm.datamodel.validate_values`) and the thresholds the
manifest and the course give. Course-level aggregation is :mod:`scormlms.scorm.rollup`.

Numbers are computed as :class:`~decimal.Decimal` from the SCO's own strings, so a raw 57 of
100 is exactly 57 % and passes a 57 % threshold (binary floats would make it 56.99999…).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

PassState = Literal["passed", "failed", "unknown"]

# Attempt lifecycle (SPEC §3; seed 003 §3), stored on the attempt and shown at the JSON edge.
NOT_STARTED = "Not Started"
IN_PROGRESS = "In Progress"
COMPLETED = "Completed"
ABANDONED = "Abandoned"


@dataclass(frozen=True, kw_only=True)
class Thresholds:
    """Passing and completion thresholds from the manifest and the course.

    ``mastery_score`` — SCORM 1.2 ``adlcp:masteryscore``, a percent 0–100.
    ``scaled_passing_score`` — SCORM 2004 ``imsss:minNormalizedMeasure`` when
    ``satisfiedByMeasure`` is true, −1..1 (``cmi.scaled_passing_score``).
    ``passing_score`` — the course's own override, a percent; when set it wins over both
    manifest values, because the administrator chose it for this course on purpose.
    ``completion_threshold`` — SCORM 2004 4th ed. ``adlcp:completionThreshold
    minProgressMeasure``, 0..1.
    """

    mastery_score: float | None = None
    scaled_passing_score: float | None = None
    passing_score: float | None = None
    completion_threshold: float | None = None


@dataclass(frozen=True, kw_only=True)
class ScoOutcome:
    """The derived fields of one SCO (or asset) attempt."""

    score_percent: float | None
    pass_state: PassState
    passed: bool
    completed: bool
    progress_percent: int
    has_bookmark: bool


@dataclass(frozen=True, kw_only=True)
class _Elements:
    """Where each standard keeps the values the rules read."""

    status: str  # the element whose passed/failed decides pass_state first
    completion: str
    raw: str
    min: str
    max: str
    scaled: str | None
    progress: str | None
    location: str


ELEMENTS = {
    "1.2": _Elements(
        status="cmi.core.lesson_status",
        completion="cmi.core.lesson_status",
        raw="cmi.core.score.raw",
        min="cmi.core.score.min",
        max="cmi.core.score.max",
        scaled=None,
        progress=None,
        location="cmi.core.lesson_location",
    ),
    "2004": _Elements(
        status="cmi.success_status",
        completion="cmi.completion_status",
        raw="cmi.score.raw",
        min="cmi.score.min",
        max="cmi.score.max",
        scaled="cmi.score.scaled",
        progress="cmi.progress_measure",
        location="cmi.location",
    ),
}
SUSPEND_DATA = "cmi.suspend_data"

# Status words → pass determination; any other word leaves it to the score fallback.
PASS_FROM_STATUS: dict[str, PassState] = {"passed": "passed", "failed": "failed"}
# Status words that mean "completed". SCORM 1.2 has one status for both questions, and a
# passed or failed lesson has been completed (SPEC §5).
COMPLETION_WORDS = {
    "1.2": frozenset({"completed", "passed", "failed"}),
    "2004": frozenset({"completed"}),
}

# A bookmark such as "3/4" or "3 of 4" (SPEC §5, progress step 3).
_FRACTION = re.compile(r"\s*(\d+)\s*(?:/|of)\s*(\d+)\s*", re.ASCII | re.IGNORECASE)
_HUNDRED = Decimal(100)
# Progress short of completion never reads 100 (SPEC §5).
_NOT_DONE_CAP = Decimal(99)


def derive_sco(
    *,
    standard: str,
    values: Mapping[str, str],
    thresholds: Thresholds,
    is_asset: bool = False,
    launched: bool = False,
) -> ScoOutcome:
    """The derived fields of one SCO from its key values (SPEC §5).

    ``values`` must have passed :func:`~scormlms.scorm.datamodel.validate_values`. An asset
    never talks to the API: it is completed once ``launched`` and has no pass determination.
    """
    if standard not in ELEMENTS:
        raise ValueError(f"unknown SCORM standard {standard!r}; expected '1.2' or '2004'")
    if is_asset:
        return ScoOutcome(
            score_percent=None,
            pass_state="unknown",
            passed=False,
            completed=launched,
            progress_percent=100 if launched else 0,
            has_bookmark=False,
        )
    elements = ELEMENTS[standard]
    score = _score_percent(elements, values)
    pass_state = _pass_state(standard, elements, values, score, thresholds)
    completed = _completed(standard, elements, values, thresholds)
    location = values.get(elements.location, "")
    return ScoOutcome(
        score_percent=None if score is None else float(score),
        pass_state=pass_state,
        passed=pass_state == "passed",
        completed=completed,
        progress_percent=_progress_percent(
            elements, values, done=completed or pass_state == "passed"
        ),
        has_bookmark=bool(location or values.get(SUSPEND_DATA, "")),
    )


def _number(values: Mapping[str, str], element: str | None) -> Decimal | None:
    text = values.get(element, "") if element else ""
    return Decimal(text) if text else None


def _score_percent(elements: _Elements, values: Mapping[str, str]) -> Decimal | None:
    """Scaled × 100; else raw within [min, max]; else raw; clamped to 0–100 (SPEC §5)."""
    scaled = _number(values, elements.scaled)
    raw = _number(values, elements.raw)
    low = _number(values, elements.min)
    high = _number(values, elements.max)
    if scaled is not None:
        score = scaled * _HUNDRED
    elif raw is not None and low is not None and high is not None and high > low:
        score = (raw - low) / (high - low) * _HUNDRED
    elif raw is not None:
        score = raw
    else:
        return None
    return min(max(score, Decimal(0)), _HUNDRED)


def _pass_state(
    standard: str,
    elements: _Elements,
    values: Mapping[str, str],
    score: Decimal | None,
    thresholds: Thresholds,
) -> PassState:
    """The SCO's own passed/failed first, then the score against a threshold (SPEC §5)."""
    from_status = PASS_FROM_STATUS.get(values.get(elements.status, ""))
    if from_status is not None:
        return from_status
    if score is None:
        return "unknown"
    if thresholds.passing_score is not None:
        return _at_least(score, thresholds.passing_score)
    if standard == "1.2" and thresholds.mastery_score is not None:
        return _at_least(score, thresholds.mastery_score)
    if standard == "2004" and thresholds.scaled_passing_score is not None:
        # Compare on the scaled axis: the SCO's own scaled score when it gave one (a scaled
        # −0.5 must fail a threshold of 0 even though it clamps to 0 %), else the percent / 100.
        scaled = _number(values, elements.scaled)
        measure = scaled if scaled is not None else score / _HUNDRED
        return _at_least(measure, thresholds.scaled_passing_score)
    return "unknown"


def _at_least(measure: Decimal, threshold: float) -> PassState:
    # str() first: Decimal(0.8) would carry the binary error of the float 0.8.
    return "passed" if measure >= Decimal(str(threshold)) else "failed"


def _completed(
    standard: str, elements: _Elements, values: Mapping[str, str], thresholds: Thresholds
) -> bool:
    if values.get(elements.completion, "") in COMPLETION_WORDS[standard]:
        return True
    progress = _number(values, elements.progress)
    return (
        thresholds.completion_threshold is not None
        and progress is not None
        and progress >= Decimal(str(thresholds.completion_threshold))
    )


def _progress_percent(elements: _Elements, values: Mapping[str, str], *, done: bool) -> int:
    """SPEC §5 progressPercent; ``done`` = completed or passed.

    A completed or passed SCO shows 100 even if it left a stale progress_measure behind;
    anything short of that is capped at 99.
    """
    if done:
        return 100
    progress = _number(values, elements.progress)
    if progress is not None:
        return _rounded_percent(progress * _HUNDRED)
    location = values.get(elements.location, "")
    fraction = _FRACTION.fullmatch(location)
    if fraction and int(fraction[2]) > 0:
        return _rounded_percent(Decimal(fraction[1]) / Decimal(fraction[2]) * _HUNDRED)
    if location or values.get(SUSPEND_DATA, ""):
        return 50
    return 0


def _rounded_percent(percent: Decimal) -> int:
    capped = min(max(percent, Decimal(0)), _NOT_DONE_CAP)
    return int(capped.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- statuses ----------------------------------------------------------------------------------

# Display status (SPEC §5, seed 000 C): the first row whose fact holds names the status.
DISPLAY_RULES: tuple[tuple[str, str], ...] = (
    ("passed", "Passed"),
    ("failed", "Failed"),
    ("completed", "Completed"),
    ("open", "In progress"),
)
DISPLAY_OTHERWISE = "Not started"


def display_status(
    *, passed: bool, pass_state: PassState, completed: bool, has_open_attempt: bool
) -> str:
    """The status a learner or administrator sees for a course or SCO."""
    facts = {
        "passed": passed,
        "failed": pass_state == "failed",
        "completed": completed,
        "open": has_open_attempt,
    }
    return next((label for fact, label in DISPLAY_RULES if facts[fact]), DISPLAY_OTHERWISE)


def attempt_status(*, completed: bool, passed: bool) -> str:
    """Lifecycle status after a commit: Completed once the course is completed or passed."""
    return COMPLETED if completed or passed else IN_PROGRESS


def entry_for_resume(
    standard: str,
    *,
    last_exit: str,
    suspend_all: bool = False,
    has_previous_session: bool,
) -> str:
    """``cmi.entry`` / ``cmi.core.entry`` for the next launch of a SCO (SPEC §6).

    SCORM 1.2 RTE 3.4.4 (cmi.core.entry): "ab-initio" is the learner's first time in the SCO,
    "resume" that the learner "is resuming a suspended lesson", and "" otherwise. SCORM 2004
    4th ed. RTE 4.2.7 (cmi.entry) likewise: "ab-initio" for a first learner session, "resume"
    when the previous learner session ended with cmi.exit set to "suspend" (RTE 4.2.8) — or,
    in a sequenced course, after the SCO's own ``suspendAll`` navigation request (SN 4.2) —
    and "" otherwise.

    So ``resume`` needs the SCO itself to have suspended; a bookmark or suspend_data alone is
    not enough: real content treats ``resume`` without a bookmark as fatal (it then reads a
    cmi.location that was never set). Location and suspend_data are preloaded either way.
    """
    if standard not in ELEMENTS:
        raise ValueError(f"unknown SCORM standard {standard!r}; expected '1.2' or '2004'")
    if not has_previous_session:
        return "ab-initio"
    if last_exit == "suspend" or (standard == "2004" and suspend_all):
        return "resume"
    return ""


# Statuses that say the SCO reported nothing (SCORM 1.2 RTE 3.4.4: the LMS sets "not
# attempted" on the first launch; SCORM 2004 RTE 4.2.4 / 4.2.22: "unknown" is the default).
NO_STATUS = {"1.2": frozenset({"", "not attempted"}), "2004": frozenset({"", "unknown"})}
STATUS_ELEMENTS = frozenset(
    {"cmi.core.lesson_status", "cmi.completion_status", "cmi.success_status"}
)


@dataclass(frozen=True, kw_only=True)
class DeliveryControls:
    """SCORM 2004 ``imsss:deliveryControls`` (IMS SS 5.1.8; both default false)."""

    completion_set_by_content: bool = False
    objective_set_by_content: bool = False


def default_completion(
    *,
    standard: str,
    values: Mapping[str, str],
    thresholds: Thresholds,
    controls: DeliveryControls = DeliveryControls(),  # noqa: B008 - frozen, never mutated
) -> dict[str, str]:
    """The status values the LMS records when a SCO session ends without the SCO having set
    them (SPEC §6); the changed key values only, empty when there is nothing to add.

    SCORM 1.2 RTE 3.4.4, cmi.core.lesson_status, additional behavior requirements: the SCORM
    does not force a SCO to set lesson_status. Upon LMSFinish (or the learner navigating
    away) the LMS should set it to "completed"; then, if a mastery score is given (the
    manifest's adlcp:masteryscore) and the SCO set cmi.core.score.raw, the LMS compares the
    raw score with the mastery score and sets "passed" or "failed" instead.

    SCORM 2004 SN book, End Attempt Process (UP.4), for a tracked leaf that is not suspended:
    "If Completion Set by Content is False" and the attempt's progress is unknown, the
    attempt is completed; "If Objective Set by Content is False", the objectives whose
    progress is unknown are satisfied. The caller skips a suspended session.

    As SPEC §6 says, both apply to a SCO that set no completion at all: one that reported
    its own completion ("incomplete", say) manages its status, and is never made "passed"
    behind its back when the learner leaves it half done.
    """
    if standard == "1.2":
        if values.get("cmi.core.lesson_status", "") not in NO_STATUS["1.2"]:
            return {}
        # The score and the threshold as the pass rule reads them (SPEC §5): the course's
        # passing score wins over the manifest's mastery score, so the status recorded here
        # never contradicts what derive_sco said before the finish.
        score = _score_percent(ELEMENTS["1.2"], values)
        threshold = thresholds.passing_score
        if threshold is None:
            threshold = thresholds.mastery_score
        if threshold is None or score is None:
            return {"cmi.core.lesson_status": "completed"}
        return {"cmi.core.lesson_status": _at_least(score, threshold)}
    if standard != "2004":
        raise ValueError(f"unknown SCORM standard {standard!r}; expected '1.2' or '2004'")
    # When the SCO reported a measure that a manifest threshold judges (RTE 4.2.4
    # completion_threshold with progress_measure, 4.2.22 scaled_passing_score with
    # score.scaled), the LMS evaluates the status from it: derive_sco does, so leave it.
    judged_completion = thresholds.completion_threshold is not None and values.get(
        "cmi.progress_measure", ""
    )
    judged_success = (
        thresholds.scaled_passing_score is not None or thresholds.passing_score is not None
    ) and _score_percent(ELEMENTS["2004"], values) is not None
    if values.get("cmi.completion_status", "") not in NO_STATUS["2004"]:
        return {}
    changes = {}
    if not controls.completion_set_by_content and not judged_completion:
        changes["cmi.completion_status"] = "completed"
    if (
        not controls.objective_set_by_content
        and not judged_success
        and values.get("cmi.success_status", "") in NO_STATUS["2004"]
    ):
        changes["cmi.success_status"] = "passed"
    return changes
