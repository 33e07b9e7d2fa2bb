"""The runtime tree the player loads into scorm-again before ``Initialize`` (SPEC §6 "Resume").

Two parts go in: the learner-writable state of the SCO attempt so far (location, suspend_data,
statuses, scores, interactions, objectives, comments, preferences), carried over from the stored
CMI tree, and the read-only values the LMS owns for this launch (learner, entry, credit, mode,
total time and the manifest's launch data, thresholds and time limits).

The output is shaped for scorm-again 3.4.3's ``loadFromJSON({cmi: tree})``, whose rules were
found by experiment in Chromium (docs RUNTIME-NOTES "Preloading"):

- every leaf must be a string (numbers are silently dropped) and falsy values are skipped, so
  numbers become strings and empty values are left out;
- keywords (``_children``, ``_count``, ``_version``) and any invalid value make it *throw*,
  so only the elements in :data:`CARRIED` are copied and key fields are re-checked here;
- arrays are walked index by index and an index past ``_count`` throws, so arrays are lists
  with no holes;
- in SCORM 2004 an interaction's ``learner_response`` and ``correct_responses`` are checked
  against its ``type`` as they are set, so ``id`` and ``type`` come first (a PostgreSQL
  ``jsonb`` column does not keep key order) and without a ``type`` they cannot be loaded.

Write-only, per-session elements (``exit``, ``session_time``) are never carried: a new session
starts without them (SCORM 1.2 RTE 3.4.4; SCORM 2004 4th ed. RTE 4.2.8, 4.2.23).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeAlias

from scormlms.scorm.datamodel import RULES, TREE_ALIASES, validate_element
from scormlms.scorm.duration import parse_duration
from scormlms.scorm.errors import InvalidValue


@dataclass(frozen=True)
class Each:
    """An array element (``cmi.interactions.n``): every index carries these fields, in order."""

    fields: Mapping[str, Node]


# A schema node: None for a leaf, a mapping of child names, or an array of them.
Node: TypeAlias = "Mapping[str, Node] | Each | None"

LEAF = None
_SCORE_12: Mapping[str, Node] = {"raw": LEAF, "min": LEAF, "max": LEAF}
_SCORE_2004: Mapping[str, Node] = {"scaled": LEAF, "raw": LEAF, "min": LEAF, "max": LEAF}

# The learner-writable elements a resumed session gets back, in load order.
CARRIED: dict[str, Mapping[str, Node]] = {
    # SCORM 1.2 RTE 3.4 (cmi.core, cmi.suspend_data, cmi.comments, cmi.objectives,
    # cmi.student_preference, cmi.interactions).
    "1.2": {
        "core": {"lesson_location": LEAF, "lesson_status": LEAF, "score": _SCORE_12},
        "suspend_data": LEAF,
        "comments": LEAF,
        "objectives": Each({"id": LEAF, "score": _SCORE_12, "status": LEAF}),
        "student_preference": {"audio": LEAF, "language": LEAF, "speed": LEAF, "text": LEAF},
        "interactions": Each(
            {
                "id": LEAF,
                "type": LEAF,
                "objectives": Each({"id": LEAF}),
                "time": LEAF,
                "correct_responses": Each({"pattern": LEAF}),
                "weighting": LEAF,
                "student_response": LEAF,
                "result": LEAF,
                "latency": LEAF,
            }
        ),
    },
    # SCORM 2004 4th ed. RTE 4.2, in the order of that section's elements.
    "2004": {
        "location": LEAF,
        "suspend_data": LEAF,
        "completion_status": LEAF,
        "success_status": LEAF,
        "progress_measure": LEAF,
        "score": _SCORE_2004,
        "comments_from_learner": Each({"comment": LEAF, "location": LEAF, "timestamp": LEAF}),
        "learner_preference": {
            "audio_level": LEAF,
            "language": LEAF,
            "delivery_speed": LEAF,
            "audio_captioning": LEAF,
        },
        "objectives": Each(
            {
                "id": LEAF,
                "score": _SCORE_2004,
                "success_status": LEAF,
                "completion_status": LEAF,
                "progress_measure": LEAF,
                "description": LEAF,
            }
        ),
        "interactions": Each(
            {
                "id": LEAF,
                "type": LEAF,
                "objectives": Each({"id": LEAF}),
                "timestamp": LEAF,
                "correct_responses": Each({"pattern": LEAF}),
                "weighting": LEAF,
                "learner_response": LEAF,
                "result": LEAF,
                "latency": LEAF,
                "description": LEAF,
            }
        ),
    },
}

# SCORM 2004 4th ed. RTE 4.2.9: learner_response and correct_responses.n.pattern are formatted
# by the interaction's type; set without one they are a type mismatch (error 406).
NEEDS_TYPE: dict[str, frozenset[str]] = {
    "1.2": frozenset(),
    "2004": frozenset({"learner_response", "correct_responses"}),
}

# Where each launch value lives in the tree, per standard.
LAUNCH_PATHS: dict[str, dict[str, tuple[str, ...]]] = {
    # SCORM 1.2 RTE 3.4: cmi.core.*, cmi.launch_data, cmi.student_data.*.
    "1.2": {
        "learner_id": ("core", "student_id"),
        "learner_name": ("core", "student_name"),
        "entry": ("core", "entry"),
        "credit": ("core", "credit"),
        "mode": ("core", "lesson_mode"),
        "total_time": ("core", "total_time"),
        "launch_data": ("launch_data",),
        "mastery_score": ("student_data", "mastery_score"),
        "max_time_allowed": ("student_data", "max_time_allowed"),
        "time_limit_action": ("student_data", "time_limit_action"),
    },
    # SCORM 2004 4th ed. RTE 4.2.
    "2004": {
        "learner_id": ("learner_id",),
        "learner_name": ("learner_name",),
        "entry": ("entry",),
        "credit": ("credit",),
        "mode": ("mode",),
        "total_time": ("total_time",),
        "launch_data": ("launch_data",),
        "scaled_passing_score": ("scaled_passing_score",),
        "completion_threshold": ("completion_threshold",),
        "max_time_allowed": ("max_time_allowed",),
        "time_limit_action": ("time_limit_action",),
    },
}

# Vocabularies of the launch values the LMS chooses (SCORM 1.2 RTE 3.4 cmi.core.entry,
# cmi.core.credit, cmi.core.lesson_mode, cmi.student_data.time_limit_action; SCORM 2004 4th ed.
# RTE 4.2.7 entry, 4.2.4 credit, 4.2.13 mode, 4.2.24 time_limit_action).
ENTRY = ("ab-initio", "resume", "")
CREDIT = ("credit", "no-credit")
MODE = ("normal", "browse", "review")
TIME_LIMIT_ACTION = ("exit,message", "exit,no message", "continue,message", "continue,no message")

# Ranges of the manifest's numbers: SCORM 1.2 RTE 3.4 mastery_score is CMIDecimal 0–100;
# SCORM 2004 4th ed. RTE 4.2.22 scaled_passing_score is real −1…1, RTE 4.2.5
# completion_threshold real 0…1.
RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "mastery_score": (Decimal(0), Decimal(100)),
    "scaled_passing_score": (Decimal(-1), Decimal(1)),
    "completion_threshold": (Decimal(0), Decimal(1)),
}

# The LMS initialises total_time to zero (SCORM 1.2 RTE 3.4 cmi.core.total_time; SCORM 2004
# 4th ed. RTE 4.2.26); scorm-again 3.4.3 leaves 1.2's empty without a preload.
ZERO_TIME = {"1.2": "0000:00:00", "2004": "PT0S"}

Tree: TypeAlias = dict[str, object]


def preload_tree(
    *,
    standard: str,
    stored_cmi: Mapping[str, object] | None,
    entry: str,
    learner_id: str,
    learner_name: str,
    credit: str = "credit",
    mode: str = "normal",
    launch_data: str = "",
    total_time: str = "",
    mastery_score: float | None = None,
    scaled_passing_score: float | None = None,
    completion_threshold: float | None = None,
    max_time_allowed: str = "",
    time_limit_action: str = "",
    objective_ids: Sequence[str] = (),
) -> Tree:
    """The tree under ``cmi`` to load before ``Initialize``: stored state plus launch values.

    ``stored_cmi`` is the tree the player last committed (with or without its ``cmi`` wrapper,
    arrays as lists, as ``{"0": …}`` objects or as scorm-again's ``childArray``); unknown,
    empty or invalid leaves are left out. ``entry``, ``credit`` and ``mode`` are the LMS's own
    choice and raise :class:`ValueError` when they are not SCORM words. The manifest's values
    (``mastery_score`` … ``time_limit_action``) are left out when out of range: a bad manifest
    must not stop the learner from launching. Values that do not exist in ``standard`` (a
    1.2 ``completion_threshold``) are ignored.

    ``objective_ids`` are the activity's objectives from the manifest (2004: the primary
    objective's ``objectiveID`` first, then each ``imsss:objective``); SCORM 2004 4th ed. RTE
    4.2.17 has the LMS initialise ``cmi.objectives.n.id`` with them, and content looks them up
    by id. Stored objectives keep their place; missing manifest ids are appended.
    """
    if standard not in CARRIED:
        raise ValueError(f"unknown SCORM standard {standard!r}; expected '1.2' or '2004'")
    for name, value, words in (
        ("entry", entry, ENTRY),
        ("credit", credit, CREDIT),
        ("mode", mode, MODE),
    ):
        if value not in words:
            raise ValueError(f"{name} must be one of {', '.join(map(repr, words))}, not {value!r}")
    if not learner_id:
        raise ValueError("learner_id must not be empty")

    stored = _unwrap(stored_cmi)
    tree = _carry(standard, CARRIED[standard], stored, ("cmi",)) if stored else {}

    launch: dict[str, str] = {
        "learner_id": learner_id,
        "learner_name": learner_name,
        "entry": entry,
        "credit": credit,
        "mode": mode,
        "total_time": _duration(standard, total_time) or ZERO_TIME[standard],
        "launch_data": launch_data,
        "mastery_score": _in_range("mastery_score", mastery_score),
        "scaled_passing_score": _in_range("scaled_passing_score", scaled_passing_score),
        "completion_threshold": _in_range("completion_threshold", completion_threshold),
        "max_time_allowed": _duration(standard, max_time_allowed),
        "time_limit_action": time_limit_action if time_limit_action in TIME_LIMIT_ACTION else "",
    }
    for name, path in LAUNCH_PATHS[standard].items():
        if launch[name]:
            _put(tree, path, launch[name])
    if standard == "2004":
        _add_objectives(tree, objective_ids)
    return tree


def _add_objectives(tree: Tree, objective_ids: Sequence[str]) -> None:
    objectives = tree.get("objectives")
    entries: list[object] = list(objectives) if isinstance(objectives, list) else []
    known = {entry.get("id") for entry in entries if isinstance(entry, dict)}
    for objective_id in objective_ids:
        if objective_id and objective_id not in known:
            entries.append({"id": objective_id})
            known.add(objective_id)
    if entries:
        tree["objectives"] = entries


def _unwrap(stored: Mapping[str, object] | None) -> Mapping[str, object] | None:
    if isinstance(stored, Mapping) and list(stored) == ["cmi"]:
        inner = stored["cmi"]
        return inner if isinstance(inner, Mapping) else None
    return stored if isinstance(stored, Mapping) else None


def _carry(
    standard: str, schema: Mapping[str, Node], node: Mapping[str, object], path: tuple[str, ...]
) -> Tree:
    """The part of ``node`` that ``schema`` names, as strings, with empty parts left out."""
    out: Tree = {}
    for name, child_schema in schema.items():
        if name in NEEDS_TYPE[standard] and path[-2:-1] == ("interactions",) and "type" not in out:
            continue
        value = node.get(name)
        child_path = (*path, name)
        carried: object
        if child_schema is None:
            carried = _leaf(standard, child_path, value)
        elif isinstance(child_schema, Each):
            carried = [
                entry
                for index, item in enumerate(array_entries(value))
                if (entry := _carry(standard, child_schema.fields, item, (*child_path, str(index))))
            ]
        else:
            carried = (
                _carry(standard, child_schema, value, child_path)
                if isinstance(value, Mapping)
                else None
            )
        if carried:
            out[name] = carried
    return out


def array_entries(value: object) -> list[Mapping[str, object]]:
    """The entries of a stored CMI array in index order, whatever shape it was stored in:
    a list, scorm-again's ``{"childArray": [...]}`` or an object keyed "0", "1" …"""
    if isinstance(value, Mapping):
        wrapped = value.get("childArray")
        if isinstance(wrapped, Sequence) and not isinstance(wrapped, str):
            value = wrapped
        else:
            indexed = sorted((int(k), v) for k, v in value.items() if _is_index(k))
            value = [v for _, v in indexed]
    if not isinstance(value, Sequence) or isinstance(value, str):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _is_index(key: object) -> bool:
    return isinstance(key, str) and key.isascii() and key.isdigit()


def _leaf(standard: str, path: tuple[str, ...], value: object) -> str:
    """``value`` as the string scorm-again needs, or "" when it cannot be loaded."""
    text = _as_text(value)
    if not text:
        return ""
    pattern = ".".join("n" if part.isdigit() else part for part in path)
    key_field = pattern if pattern in RULES[standard] else TREE_ALIASES[standard].get(pattern)
    if key_field is not None:
        try:
            validate_element(standard, key_field, text)
        except InvalidValue:
            return ""
    return text


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return _number(value)


def _number(value: float) -> str:
    """A plain decimal (``0.8``, ``80``, ``0.0000001``): no exponent, no trailing ``.0``."""
    number = Decimal(repr(value)).normalize()
    return format(number, "f") if number.is_finite() else ""


def _in_range(name: str, value: float | None) -> str:
    if value is None:
        return ""
    text = _number(value)
    if not text:
        return ""
    low, high = RANGES[name]
    return text if low <= Decimal(text) <= high else ""


def _duration(standard: str, value: str) -> str:
    if not value:
        return ""
    try:
        parse_duration(standard, value)
    except InvalidValue:
        return ""
    return value


def _put(tree: Tree, path: tuple[str, ...], value: str) -> None:
    node = tree
    for name in path[:-1]:
        child = node.setdefault(name, {})
        assert isinstance(child, dict)
        node = child
    node[path[-1]] = value
