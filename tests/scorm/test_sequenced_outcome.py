"""The course outcome of a sequenced attempt: the root's statuses, RB.1.1 measure rollup."""

from __future__ import annotations

from typing import Any

import pytest

from scormlms.scorm.sequenced_outcome import sequenced_outcome


def leaf(id_: str, weight: float | None = None, tracked: bool = True) -> dict[str, Any]:
    node: dict[str, Any] = {"id": id_, "title": id_}
    if weight is not None:
        node["sequencingControls"] = {"objectiveMeasureWeight": weight}
    if not tracked:
        node["deliveryControls"] = {"tracked": False}
    return node


def tree(*children: dict[str, Any]) -> dict[str, Any]:
    return {"id": "root", "title": "Course", "children": list(children)}


def done(score: float | None = None, success: str = "unknown") -> dict[str, Any]:
    return {"completionStatus": "completed", "successStatus": success, "score": score}


@pytest.mark.parametrize(
    ("nodes", "data", "score"),
    [
        # Σ measure × weight / Σ weight over tracked children (SN RB.1.1)
        ([leaf("a"), leaf("b")], {"a": done(0.8), "b": done(1.0)}, 90.0),
        # a child of weight 0 (a survey) moves nothing
        ([leaf("a"), leaf("s", 0)], {"a": done(0.8), "s": done(-1.0)}, 80.0),
        # a child without a measure still counts its weight
        ([leaf("a"), leaf("b")], {"a": done(0.8), "b": done()}, 40.0),
        # no child with a measure: no measure
        ([leaf("a"), leaf("b")], {"a": done(), "b": done()}, None),
        # weights
        ([leaf("a", 3), leaf("b", 1)], {"a": done(1.0), "b": done(0.0)}, 75.0),
        # an untracked child is not counted at all
        ([leaf("a"), leaf("u", tracked=False)], {"a": done(0.5), "u": done(1.0)}, 50.0),
        # nested clusters roll up level by level
        (
            [{"id": "m", "children": [leaf("a"), leaf("b")]}, leaf("t")],
            {"a": done(1.0), "b": done(0.0), "t": done(1.0)},
            75.0,
        ),
        # not the engine's 0.8 weight for an incomplete child
        (
            [leaf("a"), leaf("b")],
            {"a": done(0.85), "b": {"completionStatus": "incomplete", "score": 1.0}},
            92.5,
        ),
    ],
)
def test_measure_rollup_is_the_sn_books(nodes, data, score) -> None:
    assert sequenced_outcome(tree(*nodes), data).score_percent == score


def test_status_is_the_roots() -> None:
    t = tree(leaf("a"), leaf("b"))
    outcome = sequenced_outcome(t, {"root": done(success="passed"), "a": done(), "b": done()})
    assert (outcome.completed, outcome.passed, outcome.pass_state) == (True, True, "passed")
    assert outcome.progress_percent == 100
    failed = sequenced_outcome(
        t, {"root": {"completionStatus": "incomplete", "successStatus": "failed"}}
    )
    assert (failed.completed, failed.passed, failed.pass_state) == (False, False, "failed")


def test_progress_is_the_roots_measure_else_the_share_of_leaves_completed() -> None:
    t = tree(leaf("a"), leaf("b"), leaf("c"))
    root = {"completionStatus": "incomplete", "progressMeasure": 0.5}
    assert sequenced_outcome(t, {"root": root}).progress_percent == 50
    assert sequenced_outcome(t, {"a": done(), "b": done()}).progress_percent == 67
    everything = {"a": done(), "b": done(), "c": done()}  # the root says incomplete: at most 99
    assert sequenced_outcome(t, everything).progress_percent == 99
    assert sequenced_outcome(t, {}).progress_percent == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"completionStatus": "finished", "successStatus": "great", "score": 5},
        {"completionStatus": None, "score": "0.5", "progressMeasure": float("nan")},
        {"score": True},
    ],
)
def test_values_outside_the_vocabulary_count_as_unknown(bad) -> None:
    outcome = sequenced_outcome(tree(leaf("a")), {"root": bad, "a": bad})
    assert (outcome.completed, outcome.pass_state, outcome.score_percent) == (
        False,
        "unknown",
        None,
    )


def test_a_cluster_reading_its_measure_from_a_global_objective_has_what_it_read() -> None:
    """golf PreOrPostTestRollup: the post-test's wrapper reads the course score from a global
    objective; the engine reports it, and the root rolls it up, not the wrapper's children."""
    wrapper = {
        "id": "wrapper",
        "primaryObjective": {
            "objectiveID": "score",
            "mapInfo": [{"targetObjectiveID": "g.score", "readNormalizedMeasure": True}],
        },
        "children": [leaf("pre"), leaf("post")],
    }
    data = {"wrapper": done(1.0), "pre": done(1.0), "post": done()}
    assert sequenced_outcome(tree(wrapper), data).score_percent == 100.0
    wrapper["primaryObjective"]["mapInfo"][0]["readNormalizedMeasure"] = False
    assert sequenced_outcome(tree(wrapper), data).score_percent == 50.0
