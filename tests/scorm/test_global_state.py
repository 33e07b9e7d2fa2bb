"""What of an engine state outlives the attempt (scorm.global_state)."""

from __future__ import annotations

import json

from scormlms.scorm.global_state import Globals, globals_of, seed_state, targets

TREE = {
    "id": "root",
    "children": [
        {
            "id": "a",
            "primaryObjective": {"objectiveID": "p", "mapInfo": [{"targetObjectiveID": "g.1"}]},
            "objectives": [{"objectiveID": "o", "mapInfo": [{"targetObjectiveID": "g.2"}]}],
            "sharedDataMaps": [{"targetID": "notes", "readSharedData": True}],
        },
        {"id": "b", "children": [{"id": "c", "sharedDataMaps": [{"targetID": "more"}]}]},
    ],
}


def test_targets_are_every_mapped_objective_and_data_bucket() -> None:
    found = targets(TREE)
    assert found.objectives == {"g.1", "g.2"}
    assert found.data == {"notes", "more"}


def test_only_what_the_tree_maps_is_taken_and_the_seed_restores_it() -> None:
    state = {
        "currentActivityId": "a",
        "sequencing": {"big": True},
        "globalObjectiveMap": {"g.1": {"id": "g.1"}, "elsewhere": {"id": "elsewhere"}},
        "globalObjectives": [{"id": "g.1", "success_status": "passed"}, {"id": "elsewhere"}],
        "sharedData": {"notes": "hello", "other": "no", "more": 5},
    }
    found = globals_of(state, targets(TREE))
    assert found == Globals(
        objectives={
            "g.1": {"map": {"id": "g.1"}, "cmi": {"id": "g.1", "success_status": "passed"}}
        },
        data={"notes": "hello"},
    )
    seed = json.loads(seed_state(found))
    assert seed["currentActivityId"] is None and seed["sequencing"] is None
    assert seed["globalObjectiveMap"] == {"g.1": {"id": "g.1"}}
    assert seed["globalObjectives"] == [{"id": "g.1", "success_status": "passed"}]
    assert seed["sharedData"] == {"notes": "hello"}
