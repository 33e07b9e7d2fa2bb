"""A sequenced course's attempt (SPEC §11): the activity tree it plays and the engine state it
starts from, decided when the attempt is created, and what of its state outlives it.

Both ``services.attempt_start`` / ``attempt_open`` and ``records.attempt_new`` create attempts;
each calls :func:`prepare` for a sequenced course.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from scormlms.courses.models import Course
from scormlms.scorm import global_state
from scormlms.scorm.sequencing import select_and_randomize
from scormlms.tracking.models import Attempt, LearnerGlobal


def prepare(attempt: Attempt, learner: AbstractBaseUser, course: Course) -> None:
    """Set a new attempt's activity tree and the state its engine starts from (not saved)."""
    attempt.sequencing_tree = _new_activity_tree(learner, course)
    attempt.sequencing_state = _seed_state(learner, course, attempt.sequencing_tree)


def _new_activity_tree(learner: AbstractBaseUser, course: Course) -> dict[str, Any]:
    """A new attempt's activity tree: the course's, with its selection and randomization
    controls applied now and kept with the attempt (SEQUENCING.md, defect 2: the engine does
    not randomize a first attempt). A ``once`` timing keeps the learner's earlier choice."""
    assert course.sequencing is not None
    tree = course.sequencing["settings"]["activityTree"]
    earlier = (
        Attempt.objects.filter(
            learner_id=learner.pk, course=course, reset=False, sequencing_tree__isnull=False
        )
        .order_by("-launched_at")
        .values_list("sequencing_tree", flat=True)
        .first()
    )
    chosen, _ = select_and_randomize(tree, random.SystemRandom(), _orders(earlier))
    return chosen


def _scopes(course: Course) -> tuple[bool, bool]:
    """Whether the course's global objectives / shared data outlive the attempt (both
    default to true: SCORM 2004 CAM, adlseq:objectivesGlobalToSystem, adlcp:sharedData…)."""
    sequencing = course.sequencing or {}
    return (
        sequencing.get("objectivesGlobalToSystem", True) is not False,
        sequencing.get("sharedDataGlobalToSystem", True) is not False,
    )


def _seed_state(learner: AbstractBaseUser, course: Course, tree: Mapping[str, Any]) -> str:
    """A new attempt's engine state: the learner's global objectives and shared data that
    outlive attempts and that this course maps; "" when there are none."""
    objectives, data = _scopes(course)
    wanted = global_state.targets(tree)
    kinds = [
        kind
        for kind, on, ids in (
            (LearnerGlobal.Kind.OBJECTIVE, objectives, wanted.objectives),
            (LearnerGlobal.Kind.DATA, data, wanted.data),
        )
        if on and ids
    ]
    if not kinds:
        return ""
    rows = LearnerGlobal.objects.filter(
        learner_id=learner.pk, kind__in=kinds, key__in=[*wanted.objectives, *wanted.data]
    )
    found = global_state.Globals(objectives={}, data={})
    for row in rows:
        if row.kind == LearnerGlobal.Kind.OBJECTIVE and row.key in wanted.objectives:
            found.objectives[row.key] = row.value
        elif row.kind == LearnerGlobal.Kind.DATA and row.key in wanted.data:
            found.data[row.key] = row.value
    if not found.objectives and not found.data:
        return ""
    return global_state.seed_state(found)


def keep_globals(
    learner: AbstractBaseUser,
    course: Course,
    tree: Mapping[str, Any],
    document: Mapping[str, Any],
    now: datetime,
    kept: Sequence[str] = (),
) -> list[str]:
    """Store what of the attempt's engine state (``document``, parsed) outlives it
    (``_seed_state`` hands it on). ``kept`` are the digests this returned for the attempt's
    previous save: only entries that changed since are written, so a save that changed no
    global objective or shared data costs no write."""
    objectives, data = _scopes(course)
    if not (objectives or data):
        return []
    found = global_state.globals_of(document, global_state.targets(tree))
    entries = {
        _digest(kind, key, value): (kind, key, value)
        for kind, on, values in (
            (LearnerGlobal.Kind.OBJECTIVE, objectives, found.objectives),
            (LearnerGlobal.Kind.DATA, data, found.data),
        )
        if on
        for key, value in values.items()
        if len(key) <= 1000
    }
    seen = set(kept)
    rows = [
        LearnerGlobal(learner_id=learner.pk, kind=kind, key=key, value=value, updated_at=now)
        for digest, (kind, key, value) in entries.items()
        if digest not in seen
    ]
    if rows:
        LearnerGlobal.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["learner", "kind", "key"],
            update_fields=["value", "updated_at"],
        )
    return sorted(entries)


def _digest(kind: str, key: str, value: Any) -> str:
    text = json.dumps([kind, key, value], sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _orders(tree: Mapping[str, Any] | None) -> dict[str, list[str]] | None:
    """Each cluster's children in the order ``tree`` has them (an earlier attempt's choice)."""
    if not tree:
        return None
    found: dict[str, list[str]] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        children = node.get("children") or []
        if children:
            found[str(node["id"])] = [str(c["id"]) for c in children]
            stack.extend(children)
    return found
