"""Reading a stored CMI tree for people: interactions, objectives and a pretty dump.

The tree is whatever the player committed (SPEC §4): with or without its ``cmi`` wrapper, and
with arrays as JSON lists, as scorm-again's ``{"childArray": [...]}`` or as objects keyed
``"0"``, ``"1"``, … (plus ``_count``/``_children`` keywords). Nothing here trusts the shape:
a missing or odd value reads as "".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scormlms.scorm.preload import array_entries

# SCORM 1.2 RTE 3.4.2.7 names the response ``student_response``; 2004 RTE 4.2.9 renames it
# ``learner_response``. Likewise 1.2 ``time`` became 2004 ``timestamp``.
RESPONSE = {"1.2": "student_response", "2004": "learner_response"}
WHEN = {"1.2": "time", "2004": "timestamp"}


@dataclass(frozen=True, kw_only=True)
class Interaction:
    index: int
    id: str
    type: str
    learner_response: str
    correct_patterns: tuple[str, ...]
    result: str
    latency: str
    when: str
    description: str


@dataclass(frozen=True, kw_only=True)
class Objective:
    index: int
    id: str
    status: str
    score: str
    progress_measure: str


def unwrap(tree: object) -> Mapping[str, Any]:
    """The object under ``cmi`` (a tree stored with its wrapper or without)."""
    if isinstance(tree, Mapping) and list(tree) == ["cmi"]:
        tree = tree["cmi"]
    return tree if isinstance(tree, Mapping) else {}


def entries(value: object) -> list[Mapping[str, Any]]:
    """The elements of a stored CMI array in index order (see ``array_entries``)."""
    return list(array_entries(value))


def text(value: object) -> str:
    """A leaf as the string the SCO set (numbers as written, ``None`` as "")."""
    if value is None or isinstance(value, Mapping | list):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def interactions(cmi: object, standard: str) -> list[Interaction]:
    rows = []
    for index, item in enumerate(entries(unwrap(cmi).get("interactions"))):
        patterns = tuple(text(c.get("pattern")) for c in entries(item.get("correct_responses")))
        rows.append(
            Interaction(
                index=index,
                id=text(item.get("id")),
                type=text(item.get("type")),
                learner_response=text(item.get(RESPONSE.get(standard, "learner_response"))),
                correct_patterns=tuple(p for p in patterns if p),
                result=text(item.get("result")),
                latency=text(item.get("latency")),
                when=text(item.get(WHEN.get(standard, "timestamp"))),
                description=text(item.get("description")),
            )
        )
    return rows


def _score(score: object) -> str:
    if not isinstance(score, Mapping):
        return ""
    raw, low, high, scaled = (text(score.get(k)) for k in ("raw", "min", "max", "scaled"))
    parts = []
    if raw:
        parts.append(f"{raw} ({low or '?'}–{high or '?'})" if low or high else raw)
    if scaled:
        parts.append(f"scaled {scaled}")
    return ", ".join(parts)


def objectives(cmi: object, standard: str) -> list[Objective]:
    rows = []
    for index, item in enumerate(entries(unwrap(cmi).get("objectives"))):
        if standard == "1.2":
            status = text(item.get("status"))
        else:
            status = " / ".join(
                s
                for s in (text(item.get("success_status")), text(item.get("completion_status")))
                if s
            )
        rows.append(
            Objective(
                index=index,
                id=text(item.get("id")),
                status=status,
                score=_score(item.get("score")),
                progress_measure=text(item.get("progress_measure")),
            )
        )
    return rows


def pretty(cmi: object) -> str:
    """The whole stored tree, indented, for the raw-values panels."""
    return json.dumps(cmi if cmi is not None else {}, indent=2, ensure_ascii=False)
