"""Reading interactions and objectives from a stored CMI tree, whatever its array shape."""

from __future__ import annotations

import pytest

from scormlms.dashboard.cmi import entries, interactions, objectives, unwrap

Q1_2004 = {
    "id": "q1",
    "type": "choice",
    "learner_response": "b",
    "correct_responses": [{"pattern": "a"}, {"pattern": "c"}],
    "result": "incorrect",
    "latency": "PT5S",
    "timestamp": "2025-01-01T10:00:00",
    "description": "Pick one",
}


@pytest.mark.parametrize(
    "array",
    [
        [Q1_2004],
        {"childArray": [Q1_2004]},
        {"0": Q1_2004, "_count": 1, "_children": "id,type"},
    ],
    ids=["list", "childArray", "keyed"],
)
@pytest.mark.parametrize("wrapped", [True, False])
def test_interactions_in_every_array_shape(array, wrapped):
    tree = {"interactions": array}
    rows = interactions({"cmi": tree} if wrapped else tree, "2004")
    assert len(rows) == 1
    row = rows[0]
    assert (row.id, row.type, row.learner_response, row.result) == (
        "q1",
        "choice",
        "b",
        "incorrect",
    )
    assert row.correct_patterns == ("a", "c")
    assert (row.latency, row.when, row.description) == ("PT5S", "2025-01-01T10:00:00", "Pick one")


def test_scorm12_reads_student_response_and_time():
    tree = {
        "interactions": {
            "childArray": [
                {
                    "id": "q",
                    "type": "numeric",
                    "student_response": 42,
                    "time": "10:00:00",
                    "correct_responses": {"childArray": [{"pattern": "42"}]},
                    "result": "correct",
                    "latency": "00:00:07",
                }
            ]
        }
    }
    (row,) = interactions(tree, "1.2")
    assert (row.learner_response, row.when, row.correct_patterns) == ("42", "10:00:00", ("42",))


def test_keyed_arrays_are_read_in_index_order():
    array = {"10": {"id": "c"}, "2": {"id": "b"}, "0": {"id": "a"}, "_count": 3}
    assert [e["id"] for e in entries(array)] == ["a", "b", "c"]


@pytest.mark.parametrize("junk", [None, "text", 5, {"interactions": "x"}, {"cmi": []}])
def test_odd_trees_read_as_nothing(junk):
    assert interactions(junk, "2004") == []
    assert objectives(junk, "1.2") == []


def test_objectives_of_both_standards():
    (o12,) = objectives(
        {"objectives": [{"id": "o1", "status": "passed", "score": {"raw": "8", "max": "10"}}]},
        "1.2",
    )
    assert (o12.id, o12.status, o12.score) == ("o1", "passed", "8 (?–10)")
    (o04,) = objectives(
        {
            "objectives": {
                "childArray": [
                    {
                        "id": "o2",
                        "success_status": "failed",
                        "completion_status": "completed",
                        "score": {"scaled": "0.3"},
                        "progress_measure": "1",
                    }
                ]
            }
        },
        "2004",
    )
    assert (o04.status, o04.score, o04.progress_measure) == (
        "failed / completed",
        "scaled 0.3",
        "1",
    )


def test_unwrap_keeps_a_bare_tree():
    assert unwrap({"location": "x"}) == {"location": "x"}
    assert unwrap({"cmi": {"location": "x"}}) == {"location": "x"}


def test_entries_ignore_keys_that_only_look_like_indexes() -> None:
    # "²".isdigit() is true but int("²") fails: such a key must not break the attempt page.
    assert entries({"²": {"id": "x"}, "0": {"id": "a"}}) == [{"id": "a"}]
