"""The course-level values of a sequenced attempt, from the activities' tracking data (SPEC §11).

For a SCORM 2004 course with sequencing, the sequencing engine in the player rolls the
activities' statuses up the activity tree; the player sends each activity's tracking data
(completion and success status, score, progress measure, as the engine's
``getActivityTrackingData`` gives them) with the serialized state. From those:

- ``completed`` and ``pass_state`` are the root activity's rolled-up completion and success
  status (IMS SS rollup rules, evaluated by the engine);
- ``score_percent`` is the root's measure by the SN book's Measure Rollup Process (SCORM 2004
  4th ed. SN, RB.1.1): over the tracked children, Σ measure × objectiveMeasureWeight divided by
  Σ objectiveMeasureWeight, where a child without a measure still counts its weight; no
  measure when no child has one or the weights sum to 0. A cluster whose primary objective
  reads its measure from a global objective (``mapInfo readNormalizedMeasure``) has the measure
  it read, as the engine reports it, not a rollup of its children. The engine (scorm-again
  3.4.3) scales an incomplete child's weight by 0.8 and a retried child's by
  1 − 0.1 × (attempts − 1), which the book does not (``../shared/SEQUENCING.md``, defect 4):
  we report the book's figure.
- ``progress_percent`` is the root's progress measure when the engine has one, else the share
  of tracked leaf activities completed; 100 exactly when the course is completed or passed,
  at most 99 otherwise (the invariant of SPEC §5).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

STATUSES = frozenset({"completed", "incomplete", "not attempted", "unknown"})
SUCCESS = frozenset({"passed", "failed", "unknown"})


@dataclass(frozen=True)
class ActivityData:
    """One activity's tracking data as the engine reports it."""

    completion_status: str = "unknown"
    success_status: str = "unknown"
    score: float | None = None  # scaled, -1..1
    progress_measure: float | None = None  # 0..1

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ActivityData:
        completion = raw.get("completionStatus")
        success = raw.get("successStatus")
        return cls(
            completion_status=completion if completion in STATUSES else "unknown",
            success_status=success if success in SUCCESS else "unknown",
            score=_number(raw.get("score"), -1.0, 1.0),
            progress_measure=_number(raw.get("progressMeasure"), 0.0, 1.0),
        )


def _number(value: Any, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or not low <= value <= high:
        return None
    return float(value)


@dataclass(frozen=True)
class SequencedOutcome:
    completed: bool
    passed: bool
    pass_state: str  # passed | failed | unknown
    score_percent: float | None
    progress_percent: int


def _weight(node: Mapping[str, Any]) -> float:
    controls = node.get("sequencingControls") or {}
    weight = controls.get("objectiveMeasureWeight", 1.0)
    return float(weight) if isinstance(weight, int | float) else 1.0


def _tracked(node: Mapping[str, Any]) -> bool:
    return (node.get("deliveryControls") or {}).get("tracked", True) is not False


def _reads_measure(node: Mapping[str, Any]) -> bool:
    """Whether the activity's primary objective reads its measure from a global objective
    (an ``imsss:mapInfo`` with ``readNormalizedMeasure``, true by default: IMS SS 5.1.11)."""
    maps = (node.get("primaryObjective") or {}).get("mapInfo") or []
    return any(info.get("readNormalizedMeasure", True) is not False for info in maps)


def measure(node: Mapping[str, Any], data: Mapping[str, ActivityData]) -> float | None:
    """The activity's measure: its own for a leaf, and for a cluster whose objective reads
    its measure from a global objective (the engine reports what it read); RB.1.1 over its
    children for any other cluster."""
    children = node.get("children") or []
    own = data.get(str(node.get("id")))
    if not children:
        return own.score if own else None
    if _reads_measure(node) and own is not None and own.score is not None:
        return own.score
    counted = 0.0
    total = 0.0
    valid = False
    for child in children:
        if not _tracked(child):
            continue
        weight = _weight(child)
        counted += weight
        child_measure = measure(child, data)
        if child_measure is not None:
            valid = True
            total += child_measure * weight
    if not valid or counted <= 0:
        return None
    return total / counted


def _leaves(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    children = node.get("children") or []
    if not children:
        return [node]
    return [leaf for child in children if _tracked(child) for leaf in _leaves(child)]


def _percent(value: float) -> int:
    return int(Decimal(str(value * 100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def sequenced_outcome(
    tree: Mapping[str, Any], activities: Mapping[str, Mapping[str, Any]]
) -> SequencedOutcome:
    """The attempt's course-level values from the root of ``tree`` (the engine's activity
    tree) and ``activities`` (activity id → tracking data, as the player sends it)."""
    data = {str(k): ActivityData.from_json(v) for k, v in activities.items() if isinstance(v, dict)}
    root = data.get(str(tree.get("id")), ActivityData())
    completed = root.completion_status == "completed"
    pass_state = root.success_status if root.success_status in ("passed", "failed") else "unknown"
    passed = pass_state == "passed"
    root_measure = measure(tree, data)
    score = None if root_measure is None else round(root_measure * 100, 2)
    if completed or passed:
        progress = 100
    else:
        if root.progress_measure is not None:
            share = root.progress_measure
        else:
            leaves = _leaves(tree)
            done = sum(
                1
                for leaf in leaves
                if data.get(str(leaf.get("id")), ActivityData()).completion_status == "completed"
            )
            share = done / len(leaves) if leaves else 0.0
        progress = min(_percent(share), 99)
    return SequencedOutcome(
        completed=completed,
        passed=passed,
        pass_state=pass_state,
        score_percent=score,
        progress_percent=progress,
    )
