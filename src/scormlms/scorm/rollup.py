"""Course-level values of an attempt from its items' outcomes (SPEC §5, multi-SCO aggregation).

The caller lists the tracked items — the launchable SCOs and assets — and says, from the
manifest's sequencing, which of them count for completion (``rollupProgressCompletion``) and
for satisfaction (``rollupObjectiveSatisfied``). Rules, in the order :func:`aggregate` applies
them:

- ``completed``: every item counting for completion is completed; a never-launched item is
  not. A course with no such item is never completed.
- ``passed``: every item counting for satisfaction has the determination ``passed``. Assets
  never talk to the runtime, so they have no determination and never count for satisfaction;
  an assets-only course never passes (``certificate_on = completed`` exists for those), and
  neither does a course whose items never reported a pass or fail.
- ``pass_state``: ``passed`` as above, ``failed`` when any item counting for satisfaction
  failed, else ``unknown``.
- ``score_percent``: the mean over the items that reported a score (SPEC §5: an item left
  out of satisfaction still has its score averaged in), weighted by each item's
  ``imsss:rollupRules objectiveMeasureWeight`` as the IMS SS measure rollup weighs children
  (default 1.0, so without weights it is the plain mean); an item of weight 0 — a survey, say
  — never moves the course's score. ``None`` when no item of positive weight reported one.
- ``progress_percent``: the mean over the items counting for completion (never launched = 0),
  rounded half up; 100 exactly when the course is completed or passed, at most 99 otherwise —
  the same invariant a single SCO keeps, so a one-item course aggregates to its item.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from scormlms.scorm.outcome import PassState, ScoOutcome


@dataclass(frozen=True, kw_only=True)
class TrackedItem:
    """One launchable item of the course and its outcome in this attempt."""

    item_id: str
    outcome: ScoOutcome | None  # None: never launched in this attempt
    counts_for_completion: bool = True
    counts_for_satisfaction: bool = True
    is_asset: bool = False
    weight: float = 1.0  # imsss:rollupRules objectiveMeasureWeight


@dataclass(frozen=True, kw_only=True)
class CourseOutcome:
    """The course-level derived fields of one attempt."""

    completed: bool
    passed: bool
    pass_state: PassState
    score_percent: float | None
    progress_percent: int


def aggregate(items: Sequence[TrackedItem]) -> CourseOutcome:
    """Roll the items' outcomes up to the course (rules in the module docstring)."""
    for_completion = [item.outcome for item in items if item.counts_for_completion]
    for_satisfaction = [
        item.outcome for item in items if item.counts_for_satisfaction and not item.is_asset
    ]
    completed = bool(for_completion) and all(
        outcome is not None and outcome.completed for outcome in for_completion
    )
    states = [outcome.pass_state if outcome else "unknown" for outcome in for_satisfaction]
    passed = bool(states) and all(state == "passed" for state in states)
    pass_state: PassState = "passed" if passed else "failed" if "failed" in states else "unknown"
    weighted = [
        (item.weight, item.outcome.score_percent)
        for item in items
        if item.outcome is not None and item.outcome.score_percent is not None and item.weight > 0
    ]
    total_weight = math.fsum(weight for weight, _ in weighted)
    return CourseOutcome(
        completed=completed,
        passed=passed,
        pass_state=pass_state,
        score_percent=math.fsum(w * score for w, score in weighted) / total_weight
        if weighted
        else None,
        progress_percent=_progress(for_completion, done=completed or passed),
    )


def _progress(outcomes: Sequence[ScoOutcome | None], *, done: bool) -> int:
    if done:
        return 100
    if not outcomes:
        return 0
    total = sum(outcome.progress_percent if outcome else 0 for outcome in outcomes)
    mean = Decimal(total) / len(outcomes)
    return min(int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP)), 99)
