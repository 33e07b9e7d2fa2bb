"""Which runtime values the LMS accepts: every rule for a CMI value lives in this file.

The key fields (SPEC §4) are listed per standard in :data:`RULES`, one row per element; the
checks for the full runtime tree (:func:`validate_cmi_tree`) are the same rows plus a short
table of length limits for the elements around them. A value that breaks a rule raises
:class:`~scormlms.scorm.errors.InvalidValue` carrying the SCORM error code a runtime would set.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from scormlms.scorm.duration import parse_duration
from scormlms.scorm.errors import InvalidValue


@dataclass(frozen=True, kw_only=True)
class Vocabulary:
    """One of a fixed list of words."""

    words: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Number:
    """A decimal number, optionally within ``[low, high]``."""

    low: Decimal | None = None
    high: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class Text:
    """Free text of at most ``max_length`` characters."""

    max_length: int


@dataclass(frozen=True, kw_only=True)
class TimeSpan:
    """A session time: CMITimespan (1.2) or ISO 8601 timeinterval (2004), see duration.py."""


Rule = Vocabulary | Number | Text | TimeSpan

# SCORM 1.2 RTE 3.4: cmi.core.lesson_status is CMIVocabulary (Status); the LMS itself
# initialises it to "not attempted", so a stored value may carry that word too.
LESSON_STATUS_12 = ("passed", "completed", "failed", "incomplete", "browsed", "not attempted")
# SCORM 1.2 RTE 3.4: cmi.core.score.raw/min/max are CMIDecimal or CMIBlank, "a normalized
# value between 0 and 100".
SCORE_12 = Number(low=Decimal(0), high=Decimal(100))
# SCORM 2004 4th ed. RTE 4.2: cmi.score.raw/min/max are real(10,7) with no range.
REAL = Number()

# The empty string is always allowed: it is how the player reports an unset key field (SPEC §4).
RULES: dict[str, dict[str, Rule]] = {
    "1.2": {
        "cmi.core.lesson_status": Vocabulary(words=LESSON_STATUS_12),
        "cmi.core.score.raw": SCORE_12,
        "cmi.core.score.min": SCORE_12,
        "cmi.core.score.max": SCORE_12,
        # CMIString255 (SCORM 1.2 RTE 3.4, cmi.core.lesson_location).
        "cmi.core.lesson_location": Text(max_length=255),
        # SCORM 1.2 RTE 3.4 makes cmi.suspend_data a CMIString4096, but real authoring tools
        # write far more; we accept the SCORM 2004 limit of 64000 instead (SPEC §4).
        "cmi.suspend_data": Text(max_length=64000),
        # CMIVocabulary (Exit), SCORM 1.2 RTE 3.4, cmi.core.exit.
        "cmi.core.exit": Vocabulary(words=("time-out", "suspend", "logout")),
        "cmi.core.session_time": TimeSpan(),
    },
    # SCORM 2004 4th ed. RTE 4.2, one row per element of that name.
    "2004": {
        "cmi.completion_status": Vocabulary(
            words=("completed", "incomplete", "not attempted", "unknown")
        ),
        "cmi.success_status": Vocabulary(words=("passed", "failed", "unknown")),
        "cmi.score.raw": REAL,
        "cmi.score.scaled": Number(low=Decimal(-1), high=Decimal(1)),
        "cmi.progress_measure": Number(low=Decimal(0), high=Decimal(1)),
        "cmi.location": Text(max_length=1000),
        "cmi.suspend_data": Text(max_length=64000),
        "cmi.score.min": REAL,
        "cmi.score.max": REAL,
        "cmi.exit": Vocabulary(words=("time-out", "suspend", "logout", "normal")),
        "cmi.session_time": TimeSpan(),
    },
}

KEY_FIELDS: dict[str, tuple[str, ...]] = {std: tuple(rules) for std, rules in RULES.items()}

# Error codes: SCORM 1.2 RTE 3.3 (401 not implemented, 405 incorrect data type) and SCORM 2004
# 4th ed. RTE 3.1.7 (401 undefined data model element, 406 type mismatch, 407 out of range).
UNDEFINED_ELEMENT = {"1.2": 401, "2004": 401}
TYPE_MISMATCH = {"1.2": 405, "2004": 406}
OUT_OF_RANGE = {"1.2": 405, "2004": 407}

# real(10,7) promises ten significant digits; 40 characters leaves room for any number a
# browser prints while keeping absurd strings out of float arithmetic.
MAX_NUMBER_LENGTH = 40
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


def validate_values(standard: str, values: Mapping[str, object]) -> dict[str, str]:
    """Check the key fields of one commit and return all of them, ``""`` where missing.

    ``values`` comes straight from JSON: anything that is not a key field of ``standard``, or a
    key field that is not a string obeying its rule, raises :class:`InvalidValue`.
    """
    rules = _rules(standard)
    if not isinstance(values, Mapping):
        raise InvalidValue("values", "must be an object of key fields", TYPE_MISMATCH[standard])
    for key in values:
        if key not in rules:
            raise InvalidValue(
                str(key), f"not a key field of SCORM {standard}", UNDEFINED_ELEMENT[standard]
            )
    normalised: dict[str, str] = {}
    for element, rule in rules.items():
        normalised[element] = _check(standard, element, rule, values.get(element, ""))
    return normalised


def validate_element(standard: str, element: str, value: object) -> None:
    """Check one key-field value; raise :class:`InvalidValue` if it breaks its rule."""
    rules = _rules(standard)
    if element not in rules:
        raise InvalidValue(
            element, f"not a key field of SCORM {standard}", UNDEFINED_ELEMENT[standard]
        )
    _check(standard, element, rules[element], value)


def _rules(standard: str) -> dict[str, Rule]:
    if standard not in RULES:
        raise ValueError(f"unknown SCORM standard {standard!r}; expected '1.2' or '2004'")
    return RULES[standard]


def _check(standard: str, field: str, rule: Rule, value: object) -> str:
    """``value`` itself once it obeys ``rule``."""
    if not isinstance(value, str):
        raise InvalidValue(field, "must be a string", TYPE_MISMATCH[standard])
    if value == "":
        return value
    match rule:
        case Vocabulary(words=words):
            if value not in words:
                raise InvalidValue(
                    field, "must be one of " + ", ".join(words), TYPE_MISMATCH[standard]
                )
        case Number(low=low, high=high):
            if len(value) > MAX_NUMBER_LENGTH or not _NUMBER.fullmatch(value):
                raise InvalidValue(
                    field,
                    f"must be a decimal number of at most {MAX_NUMBER_LENGTH} characters",
                    TYPE_MISMATCH[standard],
                )
            number = Decimal(value)
            if (low is not None and number < low) or (high is not None and number > high):
                raise InvalidValue(
                    field, f"must be a number between {low} and {high}", OUT_OF_RANGE[standard]
                )
        case Text(max_length=max_length):
            if len(value) > max_length:
                raise InvalidValue(
                    field, f"at most {max_length} characters", TYPE_MISMATCH[standard]
                )
        case TimeSpan():
            parse_duration(standard, value, field=field)
    return value


# --- the full runtime tree -------------------------------------------------------------------

# Paths with every array index written as "n". Elements the tree shares with a key field's
# type are checked by that key field's rule (SCORM 1.2 RTE 3.4 cmi.objectives.n.*; SCORM 2004
# 4th ed. RTE 4.2 cmi.objectives.n.*).
TREE_ALIASES: dict[str, dict[str, str]] = {
    "1.2": {
        "cmi.objectives.n.score.raw": "cmi.core.score.raw",
        "cmi.objectives.n.score.min": "cmi.core.score.min",
        "cmi.objectives.n.score.max": "cmi.core.score.max",
        "cmi.objectives.n.status": "cmi.core.lesson_status",
    },
    "2004": {
        "cmi.objectives.n.score.scaled": "cmi.score.scaled",
        "cmi.objectives.n.score.raw": "cmi.score.raw",
        "cmi.objectives.n.score.min": "cmi.score.min",
        "cmi.objectives.n.score.max": "cmi.score.max",
        "cmi.objectives.n.success_status": "cmi.success_status",
        "cmi.objectives.n.completion_status": "cmi.completion_status",
        "cmi.objectives.n.progress_measure": "cmi.progress_measure",
    },
}

# Length limits of other text elements. SCORM 1.2 RTE 3.4: identifiers are CMIIdentifier (255),
# comments and launch data CMIString4096. SCORM 2004 4th ed. RTE 4.2: identifiers are
# long_identifier_type (SPM 4000); descriptions localized_string_type (SPM 250); comments
# localized_string_type (SPM 4000) with a characterstring (SPM 250) location. Learner responses
# and correct-response patterns are left at the general limit: their SPM depends on the
# interaction type and is counted per part, not per string.
TREE_TEXT_LIMITS: dict[str, dict[str, int]] = {
    "1.2": {
        "cmi.core.student_id": 255,
        "cmi.core.student_name": 255,
        "cmi.comments": 4096,
        "cmi.launch_data": 4096,
        "cmi.objectives.n.id": 255,
        "cmi.interactions.n.id": 255,
        "cmi.interactions.n.objectives.n.id": 255,
    },
    "2004": {
        "cmi.learner_id": 4000,
        "cmi.learner_name": 250,
        "cmi.launch_data": 4000,
        "cmi.comments_from_learner.n.comment": 4000,
        "cmi.comments_from_learner.n.location": 250,
        "cmi.comments_from_lms.n.comment": 4000,
        "cmi.comments_from_lms.n.location": 250,
        "cmi.objectives.n.id": 4000,
        "cmi.objectives.n.description": 250,
        "cmi.interactions.n.id": 4000,
        "cmi.interactions.n.description": 250,
        "cmi.interactions.n.objectives.n.id": 4000,
    },
}
# SCORM 2004 4th ed. RTE 4.1: a localized_string_type may start with a {lang=...} delimiter,
# which does not count towards its smallest permitted maximum.
LOCALIZED: dict[str, frozenset[str]] = {
    "2004": frozenset(
        {
            "cmi.learner_name",
            "cmi.comments_from_learner.n.comment",
            "cmi.comments_from_lms.n.comment",
            "cmi.objectives.n.description",
            "cmi.interactions.n.description",
        }
    )
}
_LANG_DELIMITER = re.compile(r"\{lang=[^}]*\}")

# Any other string leaf: the largest SPM in either data model (cmi.suspend_data, 2004).
MAX_LEAF_LENGTH = 64000
MAX_KEY_LENGTH = 255
# scorm-again renders arrays either as objects keyed "0", "1", … or as {"childArray": [...]};
# the wrapper name is not part of the CMI path.
CHILD_ARRAY = "childArray"


def validate_cmi_tree(
    standard: str, cmi: object, *, max_depth: int = 12, max_nodes: int = 20000
) -> None:
    """Check a whole runtime tree (``{"cmi": {...}}`` or the inner object) before storing it.

    Every leaf must be a string, a finite number, a boolean or null; strings stay within their
    element's length limit (64000 by default); keys are short plain names; nesting and size
    are bounded. Key fields found in the tree obey the same rules as in
    :func:`validate_values`. Errors name the dotted CMI path (``cmi.interactions.0.id``).

    It runs on every commit, so the walk carries each node's dotted path and its pattern
    (indexes as ``n``) along instead of rebuilding them from the parts.
    """
    rules = _rules(standard)
    aliases = TREE_ALIASES[standard]
    error = TYPE_MISMATCH[standard]
    limits = TREE_TEXT_LIMITS[standard]
    localized = LOCALIZED.get(standard, ())
    if isinstance(cmi, Mapping) and list(cmi) == ["cmi"]:
        cmi = cmi["cmi"]
    if not isinstance(cmi, Mapping):
        raise InvalidValue("cmi", "must be an object", error)
    nodes = 0
    # (dotted path, pattern, value, depth)
    stack: list[tuple[str, str, object, int]] = [("cmi", "cmi", cmi, 1)]
    pop, push = stack.pop, stack.append
    while stack:
        dotted, pattern, node, depth = pop()
        nodes += 1
        if nodes > max_nodes:
            raise InvalidValue("cmi", f"at most {max_nodes} values in the tree", error)
        key_field = pattern if pattern in rules else aliases.get(pattern)
        if key_field is not None:
            _check(standard, dotted, rules[key_field], node)
            continue
        # What json.loads gives takes the fast paths; anything else goes to _check_leaf.
        kind = type(node)
        if kind is str:
            text = cast(str, node)
            lang = _LANG_DELIMITER.match(text) if pattern in localized else None
            limit = limits.get(pattern, MAX_LEAF_LENGTH)
            if len(text) - (lang.end() if lang else 0) > limit:
                raise InvalidValue(dotted, f"at most {limit} characters", error)
        elif kind is dict or kind is list or isinstance(node, Mapping | list):
            if depth > max_depth:
                raise InvalidValue(dotted, f"nested at most {max_depth} levels deep", error)
            below = depth + 1
            if isinstance(node, list):
                index_pattern = pattern + ".n"
                for i, child in enumerate(node):
                    push((f"{dotted}.{i}", index_pattern, child, below))
                continue
            for key, child in cast(Mapping[object, object], node).items():
                if not isinstance(key, str) or not key or "." in key or len(key) > MAX_KEY_LENGTH:
                    raise InvalidValue(
                        dotted,
                        f"keys must be names of 1 to {MAX_KEY_LENGTH} characters without dots",
                        error,
                    )
                if key == CHILD_ARRAY and isinstance(child, list):
                    push((dotted, pattern, child, below))
                else:
                    part = "n" if key.isascii() and key.isdigit() else key
                    push((f"{dotted}.{key}", f"{pattern}.{part}", child, below))
        elif node is None or kind is bool or kind is int:
            pass
        else:
            _check_leaf(standard, pattern, dotted, node)


def _check_leaf(standard: str, pattern: str, dotted: str, value: object) -> None:
    error = TYPE_MISMATCH[standard]
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidValue(dotted, "must be a finite number", error)
    if isinstance(value, str):
        limit = TREE_TEXT_LIMITS[standard].get(pattern, MAX_LEAF_LENGTH)
        lang = _LANG_DELIMITER.match(value) if pattern in LOCALIZED.get(standard, ()) else None
        text = value[lang.end() :] if lang else value
        if len(text) > limit:
            raise InvalidValue(dotted, f"at most {limit} characters", error)
    elif value is not None and not isinstance(value, bool | int | float):
        raise InvalidValue(dotted, "must be a string, number, boolean or null", error)
