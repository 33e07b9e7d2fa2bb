from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scormlms.scorm.preload import preload_tree

LEARNER = {"learner_id": "lena", "learner_name": "Lena Berg"}

# What scorm-again 3.4.3 committed for a 1.2 SCO (shape observed in Chromium).
STORED_12: dict[str, Any] = {
    "suspend_data": "page=3",
    "launch_data": "old launch data",
    "comments": "hello",
    "comments_from_lms": "",
    "core": {
        "student_id": "someone-else",
        "student_name": "Else",
        "lesson_location": "3",
        "credit": "no-credit",
        "lesson_status": "incomplete",
        "entry": "ab-initio",
        "lesson_mode": "browse",
        "exit": "suspend",
        "session_time": "00:01:00",
        "score": {"raw": "50", "min": "", "max": "100"},
        "total_time": "01:01:00",
    },
    "objectives": {"0": {"id": "o1", "status": "", "score": {"raw": "80", "min": "", "max": ""}}},
    "student_data": {"mastery_score": "70", "max_time_allowed": "", "time_limit_action": ""},
    "student_preference": {"audio": "", "language": "", "speed": "", "text": ""},
    "interactions": {
        "0": {
            "id": "q1",
            "time": "",
            "type": "choice",
            "weighting": "",
            "student_response": "a",
            "result": "correct",
            "latency": "",
            "objectives": {},
            "correct_responses": {},
        }
    },
}


def test_first_launch_12_has_only_the_launch_values_nested_like_scorm_12() -> None:
    tree = preload_tree(
        standard="1.2",
        stored_cmi=None,
        entry="ab-initio",
        mastery_score=80.0,
        launch_data="level=2",
        max_time_allowed="00:30:00",
        time_limit_action="exit,message",
        **LEARNER,
    )
    assert tree == {
        "core": {
            "student_id": "lena",
            "student_name": "Lena Berg",
            "entry": "ab-initio",
            "credit": "credit",
            "lesson_mode": "normal",
            "total_time": "0000:00:00",
        },
        "launch_data": "level=2",
        "student_data": {
            "mastery_score": "80",
            "max_time_allowed": "00:30:00",
            "time_limit_action": "exit,message",
        },
    }


def test_first_launch_2004_carries_the_manifest_thresholds_as_strings() -> None:
    tree = preload_tree(
        standard="2004",
        stored_cmi=None,
        entry="ab-initio",
        scaled_passing_score=0.8,
        completion_threshold=1.0,
        mastery_score=70.0,  # not a SCORM 2004 element: ignored
        max_time_allowed="PT1H",
        **LEARNER,
    )
    assert tree == {
        "learner_id": "lena",
        "learner_name": "Lena Berg",
        "entry": "ab-initio",
        "credit": "credit",
        "mode": "normal",
        "total_time": "PT0S",
        "scaled_passing_score": "0.8",
        "completion_threshold": "1",
        "max_time_allowed": "PT1H",
    }


def test_resume_12_carries_learner_state_and_replaces_what_the_lms_owns() -> None:
    tree = preload_tree(
        standard="1.2",
        stored_cmi={"cmi": STORED_12},
        entry="resume",
        total_time="0001:01:00",
        **LEARNER,
    )
    assert tree == {
        "core": {
            "lesson_location": "3",
            "lesson_status": "incomplete",
            "score": {"raw": "50", "max": "100"},
            "student_id": "lena",
            "student_name": "Lena Berg",
            "entry": "resume",
            "credit": "credit",
            "lesson_mode": "normal",
            "total_time": "0001:01:00",
        },
        "suspend_data": "page=3",
        "comments": "hello",
        "objectives": [{"id": "o1", "score": {"raw": "80"}}],
        "interactions": [
            {"id": "q1", "type": "choice", "student_response": "a", "result": "correct"}
        ],
    }


def test_exit_and_session_time_never_reach_the_next_session() -> None:
    stored = {"exit": "suspend", "session_time": "PT5M", "location": "p2"}
    tree = preload_tree(standard="2004", stored_cmi=stored, entry="resume", **LEARNER)
    assert tree["location"] == "p2"
    assert "exit" not in tree and "session_time" not in tree


def test_numbers_become_strings_and_zero_survives() -> None:
    stored = {"score": {"raw": 0, "scaled": 0.5, "min": 0.0, "max": 1e-7}, "progress_measure": 1}
    tree = preload_tree(standard="2004", stored_cmi=stored, entry="resume", **LEARNER)
    assert tree["score"] == {"scaled": "0.5", "raw": "0", "min": "0", "max": "0.0000001"}
    assert tree["progress_measure"] == "1"


@pytest.mark.parametrize(
    "interactions",
    [
        [{"id": "q0"}, {"id": "q1"}, {"id": "q2"}],
        {"0": {"id": "q0"}, "1": {"id": "q1"}, "2": {"id": "q2"}, "_count": "3"},
        {"childArray": [{"id": "q0"}, {"id": "q1"}, {"id": "q2"}]},
        # a hole (an entry with nothing loadable) is closed up: an index past _count throws
        {"0": {"id": "q0"}, "1": {"time": ""}, "3": {"id": "q1"}, "4": {"id": "q2"}},
    ],
)
def test_arrays_become_lists_without_holes(interactions: object) -> None:
    tree = preload_tree(
        standard="1.2", stored_cmi={"interactions": interactions}, entry="resume", **LEARNER
    )
    assert tree["interactions"] == [{"id": "q0"}, {"id": "q1"}, {"id": "q2"}]


def test_array_indexes_sort_as_numbers() -> None:
    stored = {"objectives": {str(i): {"id": f"o{i}"} for i in (10, 2, 0, 1, 3, 4, 5, 6, 7, 8, 9)}}
    tree = preload_tree(standard="2004", stored_cmi=stored, entry="resume", **LEARNER)
    assert [o["id"] for o in tree["objectives"]] == [f"o{i}" for i in range(11)]


def test_interaction_id_and_type_come_first_whatever_order_they_were_stored_in() -> None:
    # PostgreSQL jsonb stores keys shortest first, then bytewise: "type" after "result".
    stored = {
        "interactions": {
            "0": {
                "correct_responses": {"0": {"pattern": "a[,]b"}},
                "learner_response": "a[,]b",
                "result": "correct",
                "type": "choice",
                "id": "q1",
            }
        }
    }
    tree = preload_tree(standard="2004", stored_cmi=stored, entry="resume", **LEARNER)
    assert list(tree["interactions"][0]) == [
        "id",
        "type",
        "correct_responses",
        "learner_response",
        "result",
    ]


def test_2004_responses_without_a_type_are_left_out() -> None:
    stored = {"interactions": [{"id": "q1", "learner_response": "a", "result": "correct"}]}
    tree = preload_tree(standard="2004", stored_cmi=stored, entry="resume", **LEARNER)
    assert tree["interactions"] == [{"id": "q1", "result": "correct"}]


@pytest.mark.parametrize(
    ("standard", "stored", "gone"),
    [
        ("1.2", {"core": {"lesson_location": "x" * 256}}, "lesson_location"),
        ("1.2", {"core": {"lesson_status": "done"}}, "lesson_status"),
        ("1.2", {"core": {"score": {"raw": "150"}}}, "score"),
        ("2004", {"completion_status": "finished"}, "completion_status"),
        ("2004", {"score": {"scaled": "2"}}, "score"),
        ("2004", {"progress_measure": "abc"}, "progress_measure"),
    ],
)
def test_invalid_key_fields_are_dropped_instead_of_making_the_load_throw(
    standard: str, stored: dict[str, Any], gone: str
) -> None:
    tree = preload_tree(standard=standard, stored_cmi=stored, entry="resume", **LEARNER)
    assert gone not in tree.get("core", tree)


def test_keywords_and_unknown_elements_are_dropped() -> None:
    stored = {
        "_version": "1.0",
        "_children": "location,…",
        "location": "p1",
        "adl": {"nav": {"request": "continue"}},
        "made_up": "x",
        "objectives": {"_count": "1", "_children": "id", "0": {"id": "o"}},
    }
    tree = preload_tree(standard="2004", stored_cmi=stored, entry="resume", **LEARNER)
    assert set(tree) - {"learner_id", "learner_name", "entry", "credit", "mode", "total_time"} == {
        "location",
        "objectives",
    }
    assert tree["objectives"] == [{"id": "o"}]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("mastery_score", 120.0),
        ("scaled_passing_score", 80.0),
        ("completion_threshold", -0.1),
        ("max_time_allowed", "1 hour"),
        ("time_limit_action", "stop"),
        ("total_time", "00:01:00"),  # a 1.2 timespan is not a 2004 duration
    ],
)
def test_a_bad_manifest_value_is_left_out(name: str, value: object) -> None:
    tree = preload_tree(standard="2004", stored_cmi=None, entry="", **LEARNER, **{name: value})
    assert name not in tree or (name == "total_time" and tree[name] == "PT0S")


@pytest.mark.parametrize(
    "bad",
    [
        {"standard": "1.3"},
        {"entry": "again"},
        {"credit": "yes"},
        {"mode": "test"},
        {"learner_id": ""},
    ],
)
def test_the_lms_own_choices_must_be_scorm_words(bad: dict[str, str]) -> None:
    args: dict[str, Any] = {"standard": "2004", "stored_cmi": None, "entry": "", **LEARNER}
    with pytest.raises(ValueError):
        preload_tree(**{**args, **bad})


def test_review_mode_and_no_credit_are_passed_through() -> None:
    tree = preload_tree(
        standard="1.2", stored_cmi=None, entry="", credit="no-credit", mode="review", **LEARNER
    )
    assert tree["core"]["credit"] == "no-credit"
    assert tree["core"]["lesson_mode"] == "review"
    assert "entry" not in tree["core"]  # "" is scorm-again's default


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "cmi",
                    "core",
                    "score",
                    "raw",
                    "0",
                    "1",
                    "id",
                    "type",
                    "interactions",
                    "objectives",
                    "location",
                    "lesson_location",
                    "_count",
                    "childArray",
                    "learner_response",
                    "x",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


def _leaves(node: object) -> list[object]:
    if isinstance(node, dict):
        return [leaf for key, child in node.items() for leaf in _leaves(child)]
    if isinstance(node, list):
        return [leaf for child in node for leaf in _leaves(child)]
    return [node]


def _keys(node: object) -> list[str]:
    if isinstance(node, dict):
        return [*node, *(k for child in node.values() for k in _keys(child))]
    if isinstance(node, list):
        return [k for child in node for k in _keys(child)]
    return []


@settings(max_examples=300, deadline=None)
@given(standard=st.sampled_from(["1.2", "2004"]), stored=_json)
def test_whatever_was_stored_the_tree_holds_only_non_empty_strings(
    standard: str, stored: object
) -> None:
    tree = preload_tree(
        standard=standard,
        stored_cmi=stored if isinstance(stored, dict) else None,
        entry="resume",
        **LEARNER,
    )
    assert all(isinstance(leaf, str) and leaf for leaf in _leaves(tree))
    assert not any(key.startswith("_") or key == "childArray" for key in _keys(tree))


def test_only_ascii_digits_are_array_indexes() -> None:
    stored = {"objectives": {"²": {"id": "odd"}, "0": {"id": "o"}}}
    tree = preload_tree(standard="2004", stored_cmi=stored, entry="resume", **LEARNER)
    assert tree["objectives"] == [{"id": "o"}]


def test_manifest_objectives_are_initialised_by_id() -> None:
    tree = preload_tree(
        standard="2004",
        stored_cmi=None,
        entry="ab-initio",
        objective_ids=("PRIMARYOBJ", "obj_etiquette", "obj_playing"),
        **LEARNER,
    )
    assert tree["objectives"] == [
        {"id": "PRIMARYOBJ"},
        {"id": "obj_etiquette"},
        {"id": "obj_playing"},
    ]


def test_stored_objectives_keep_their_place_and_data_and_new_ids_follow() -> None:
    stored = {"objectives": {"0": {"id": "obj_playing", "score": {"scaled": "0.5"}}}}
    tree = preload_tree(
        standard="2004",
        stored_cmi=stored,
        entry="resume",
        objective_ids=("obj_etiquette", "obj_playing"),
        **LEARNER,
    )
    assert tree["objectives"] == [
        {"id": "obj_playing", "score": {"scaled": "0.5"}},
        {"id": "obj_etiquette"},
    ]


def test_scorm_12_has_no_manifest_objectives() -> None:
    tree = preload_tree(standard="1.2", stored_cmi=None, entry="", objective_ids=("o1",), **LEARNER)
    assert "objectives" not in tree
