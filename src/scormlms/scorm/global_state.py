"""Global shared objectives and shared data beyond one attempt (SCORM 2004 CAM 4th ed.,
``adlseq:objectivesGlobalToSystem`` and ``adlcp:sharedDataGlobalToSystem``).

Both attributes of an organization default to true: the global objectives its ``mapInfo``
targets, and the ``adl.data`` buckets its ``adlcp:map`` targets, then live "for the lifetime of
the learner within the LMS across all content structures" — a new attempt, or another course
mapping the same ids, starts from what the learner achieved. With false they belong to one
attempt of the course. The engine keeps both in its serialized state (``globalObjectiveMap``
and ``globalObjectives``, ``sharedData``); these functions take them out of a state and make
the seed a new attempt's engine starts from.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

STATE_VERSION = "1.0"  # scorm-again's sequencingStatePersistence default stateVersion


@dataclass(frozen=True)
class Targets:
    """The global objective ids and shared data ids an activity tree reads or writes."""

    objectives: frozenset[str]
    data: frozenset[str]


def _nodes(tree: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(node.get("children") or [])


def targets(tree: Mapping[str, Any]) -> Targets:
    objectives: set[str] = set()
    data: set[str] = set()
    for node in _nodes(tree):
        for objective in [node.get("primaryObjective"), *(node.get("objectives") or [])]:
            for info in (objective or {}).get("mapInfo") or []:
                if info.get("targetObjectiveID"):
                    objectives.add(str(info["targetObjectiveID"]))
        for entry in node.get("sharedDataMaps") or []:
            if entry.get("targetID"):
                data.add(str(entry["targetID"]))
    return Targets(frozenset(objectives), frozenset(data))


@dataclass(frozen=True)
class Globals:
    """What of an engine state outlives the attempt: objective id → {"map", "cmi"} (the map
    entry and the CMI objective of that id), shared data id → its stored text."""

    objectives: dict[str, dict[str, Any]]
    data: dict[str, str]


def globals_of(state: Mapping[str, Any], wanted: Targets) -> Globals:
    """The global objectives and shared data of ``state`` that the tree maps (others are
    another content structure's business)."""
    objective_map = state.get("globalObjectiveMap") or {}
    cmi = {
        str(entry.get("id")): entry
        for entry in state.get("globalObjectives") or []
        if isinstance(entry, dict)
    }
    objectives = {
        key: {"map": value, "cmi": cmi.get(key)}
        for key, value in objective_map.items()
        if key in wanted.objectives and isinstance(value, dict)
    }
    shared = state.get("sharedData") or {}
    data = {
        key: value for key, value in shared.items() if key in wanted.data and isinstance(value, str)
    }
    return Globals(objectives=objectives, data=data)


def seed_state(globals_: Globals) -> str:
    """An engine state with nothing but the global objectives and shared data: the engine
    restores them and starts the attempt afresh (no current or suspended activity)."""
    return json.dumps(
        {
            "version": STATE_VERSION,
            "sequencing": None,
            "currentActivityId": None,
            "globalObjectiveMap": {k: v["map"] for k, v in globals_.objectives.items()},
            "globalObjectives": [v["cmi"] for v in globals_.objectives.values() if v.get("cmi")],
            "sharedData": dict(globals_.data),
            "contentDelivered": False,
        },
        separators=(",", ":"),
    )
