import contextlib
import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scormlms.scorm.datamodel import (
    KEY_FIELDS,
    validate_cmi_tree,
    validate_element,
    validate_values,
)
from scormlms.scorm.errors import InvalidValue

FAST = settings(max_examples=200, deadline=None)

TYPE = {"1.2": 405, "2004": 406}
RANGE = {"1.2": 405, "2004": 407}


def test_key_fields_are_the_specs_lists() -> None:
    assert KEY_FIELDS["1.2"] == (
        "cmi.core.lesson_status",
        "cmi.core.score.raw",
        "cmi.core.score.min",
        "cmi.core.score.max",
        "cmi.core.lesson_location",
        "cmi.suspend_data",
        "cmi.core.exit",
        "cmi.core.session_time",
    )
    assert set(KEY_FIELDS["2004"]) == {
        "cmi.completion_status",
        "cmi.success_status",
        "cmi.score.raw",
        "cmi.score.scaled",
        "cmi.progress_measure",
        "cmi.location",
        "cmi.suspend_data",
        "cmi.score.min",
        "cmi.score.max",
        "cmi.exit",
        "cmi.session_time",
    }


@pytest.mark.parametrize("standard", ["1.2", "2004"])
def test_missing_fields_come_back_blank(standard: str) -> None:
    assert validate_values(standard, {}) == dict.fromkeys(KEY_FIELDS[standard], "")


def test_given_values_are_kept() -> None:
    values = {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "85"}
    normalised = validate_values("1.2", values)
    assert normalised["cmi.core.lesson_status"] == "passed"
    assert normalised["cmi.core.score.raw"] == "85"
    assert normalised["cmi.core.exit"] == ""


ACCEPTED = [
    *[
        ("1.2", "cmi.core.lesson_status", word)
        for word in ("passed", "completed", "failed", "incomplete", "browsed", "not attempted", "")
    ],
    *[("1.2", "cmi.core.exit", word) for word in ("", "time-out", "suspend", "logout")],
    *[
        ("1.2", f"cmi.core.score.{part}", number)
        for part in ("raw", "min", "max")
        for number in ("0", "100", "85.5", "99.99", "0.0", "100.", ".5", "")
    ],
    ("1.2", "cmi.core.lesson_location", "x" * 255),
    ("1.2", "cmi.suspend_data", "x" * 4096),
    ("1.2", "cmi.suspend_data", "x" * 64000),  # beyond 1.2's 4096 on purpose (SPEC §4)
    ("1.2", "cmi.core.session_time", "0001:02:03.50"),
    ("1.2", "cmi.core.session_time", "00:00:05"),
    ("1.2", "cmi.core.session_time", "9999:59:59.9"),
    *[
        ("2004", "cmi.completion_status", word)
        for word in ("completed", "incomplete", "not attempted", "unknown", "")
    ],
    *[("2004", "cmi.success_status", word) for word in ("passed", "failed", "unknown", "")],
    *[("2004", "cmi.exit", word) for word in ("", "time-out", "suspend", "logout", "normal")],
    *[("2004", "cmi.score.scaled", number) for number in ("-1", "1", "0", "0.5", "-0.25", "1.0")],
    *[("2004", "cmi.progress_measure", number) for number in ("0", "1", "0.5", "0.0000001")],
    *[
        ("2004", f"cmi.score.{part}", number)
        for part in ("raw", "min", "max")
        for number in ("-250", "0", "1000000", "12.5", "-0.1234567")
    ],
    ("2004", "cmi.location", "x" * 1000),
    ("2004", "cmi.suspend_data", "x" * 64000),
    ("2004", "cmi.session_time", "PT1H2M3.5S"),
    ("2004", "cmi.session_time", "P1DT0S"),
    ("2004", "cmi.location", "é" * 1000),  # characters, not bytes
]


@pytest.mark.parametrize(("standard", "element", "value"), ACCEPTED)
def test_accepts(standard: str, element: str, value: str) -> None:
    validate_element(standard, element, value)
    assert validate_values(standard, {element: value})[element] == value


STATUS_12 = "must be one of passed, completed, failed, incomplete, browsed, not attempted"
DECIMAL = "must be a decimal number of at most 40 characters"
PERCENT = "must be a number between 0 and 100"
SCALED = "must be a number between -1 and 1"
UNIT = "must be a number between 0 and 1"
TIMESPAN = "must be a time span HHHH:MM:SS.SS"
ISO_DURATION = "must be an ISO 8601 duration such as PT1H2M3.5S"

REJECTED = [
    # (standard, element, value, SCORM error, rule)
    ("1.2", "cmi.core.lesson_status", "unknown", 405, STATUS_12),
    ("1.2", "cmi.core.lesson_status", "Passed", 405, STATUS_12),
    ("1.2", "cmi.core.exit", "normal", 405, "must be one of time-out, suspend, logout"),
    ("1.2", "cmi.core.score.raw", "101", 405, PERCENT),
    ("1.2", "cmi.core.score.min", "-1", 405, PERCENT),
    ("1.2", "cmi.core.score.max", "100.01", 405, PERCENT),
    ("1.2", "cmi.core.score.raw", "eighty", 405, DECIMAL),
    ("1.2", "cmi.core.score.raw", "1e2", 405, DECIMAL),
    ("1.2", "cmi.core.score.raw", "NaN", 405, DECIMAL),
    ("1.2", "cmi.core.score.raw", " 5", 405, DECIMAL),
    ("1.2", "cmi.core.score.raw", "-", 405, DECIMAL),
    ("1.2", "cmi.core.score.raw", ".", 405, DECIMAL),
    ("1.2", "cmi.core.score.raw", "\u0665", 405, DECIMAL),  # an Arabic-Indic digit
    ("1.2", "cmi.core.lesson_location", "x" * 256, 405, "at most 255 characters"),
    ("1.2", "cmi.suspend_data", "x" * 64001, 405, "at most 64000 characters"),
    ("1.2", "cmi.suspend_data", "x" * 70000, 405, "at most 64000 characters"),
    ("1.2", "cmi.core.session_time", "PT5S", 405, TIMESPAN),
    ("1.2", "cmi.core.session_time", "1:0:00", 405, TIMESPAN),
    ("2004", "cmi.completion_status", "passed", 406,
     "must be one of completed, incomplete, not attempted, unknown"),
    ("2004", "cmi.success_status", "completed", 406, "must be one of passed, failed, unknown"),
    ("2004", "cmi.exit", "logoff", 406, "must be one of time-out, suspend, logout, normal"),
    ("2004", "cmi.score.scaled", "1.5", 407, SCALED),
    ("2004", "cmi.score.scaled", "-1.0000001", 407, SCALED),
    ("2004", "cmi.score.scaled", "85", 407, SCALED),
    ("2004", "cmi.progress_measure", "1.01", 407, UNIT),
    ("2004", "cmi.progress_measure", "-0.1", 407, UNIT),
    ("2004", "cmi.score.raw", "1" * 41, 406, DECIMAL),
    ("2004", "cmi.score.raw", "Infinity", 406, DECIMAL),
    ("2004", "cmi.location", "x" * 1001, 406, "at most 1000 characters"),
    ("2004", "cmi.suspend_data", "x" * 64001, 406, "at most 64000 characters"),
    ("2004", "cmi.suspend_data", "x" * 70000, 406, "at most 64000 characters"),
    ("2004", "cmi.session_time", "00:00:05", 406, ISO_DURATION),
]  # fmt: skip


@pytest.mark.parametrize(("standard", "element", "value", "error", "rule"), REJECTED)
def test_rejects(standard: str, element: str, value: str, error: int, rule: str) -> None:
    for check in (
        lambda: validate_element(standard, element, value),
        lambda: validate_values(standard, {element: value}),
    ):
        with pytest.raises(InvalidValue) as info:
            check()
        assert (info.value.field, info.value.rule, info.value.scorm_error) == (
            element,
            rule,
            error,
        )


@pytest.mark.parametrize("standard", ["1.2", "2004"])
@pytest.mark.parametrize("value", [None, True, False, 85, 0.5, [], {}, ["passed"]])
def test_non_strings_are_type_errors(standard: str, value: object) -> None:
    for element in KEY_FIELDS[standard]:
        with pytest.raises(InvalidValue) as info:
            validate_values(standard, {element: value})
        assert (info.value.field, info.value.rule, info.value.scorm_error) == (
            element,
            "must be a string",
            TYPE[standard],
        )


@pytest.mark.parametrize(
    ("standard", "key"),
    [
        ("1.2", "cmi.completion_status"),  # a 2004 field sent for 1.2 content
        ("2004", "cmi.core.lesson_status"),
        ("2004", "cmi.interactions.0.id"),
        ("2004", "adl.nav.request"),
        ("1.2", ""),
    ],
)
def test_unknown_keys(standard: str, key: str) -> None:
    with pytest.raises(InvalidValue) as info:
        validate_values(standard, {key: ""})
    assert (info.value.field, info.value.rule, info.value.scorm_error) == (
        key,
        f"not a key field of SCORM {standard}",
        401,
    )


@pytest.mark.parametrize("values", [None, [], "cmi", 7])
def test_values_must_be_an_object(values: Any) -> None:
    with pytest.raises(InvalidValue) as info:
        validate_values("2004", values)
    assert info.value.field == "values"


def test_unknown_standard_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        validate_values("1.3", {})
    with pytest.raises(ValueError):
        validate_cmi_tree("AICC", {})


# --- the full tree -----------------------------------------------------------------------------

SCORM_AGAIN_2004 = {
    "cmi": {
        "completion_status": "incomplete",
        "success_status": "unknown",
        "location": "3/4",
        "suspend_data": '{"slide":3}',
        "progress_measure": "0.75",
        "score": {"scaled": "0.8", "raw": "80", "min": "0", "max": "100"},
        "exit": "suspend",
        "session_time": "PT2M",
        "total_time": "PT1H",
        "learner_id": "anna",
        "learner_name": "{lang=en}Anna",
        "learner_preference": {"audio_level": "1", "language": "", "delivery_speed": "1"},
        "comments_from_learner": {"0": {"comment": "Nice", "location": "p3", "timestamp": ""}},
        "objectives": {
            "0": {
                "id": "obj-1",
                "score": {"scaled": "1", "raw": "", "min": "", "max": ""},
                "success_status": "passed",
                "completion_status": "completed",
                "progress_measure": "1",
                "description": "First objective",
            }
        },
        "interactions": {
            "0": {
                "id": "q1",
                "type": "choice",
                "objectives": {"0": {"id": "obj-1"}},
                "timestamp": "2024-05-01T10:00:00",
                "correct_responses": {"0": {"pattern": "a"}},
                "weighting": "1",
                "learner_response": "a",
                "result": "correct",
                "latency": "PT5S",
                "description": "Pick a",
            }
        },
    }
}

SCORM_AGAIN_12 = {
    "cmi": {
        "suspend_data": "x" * 5000,
        "launch_data": "",
        "comments": "",
        "core": {
            "student_id": "anna",
            "student_name": "Anna",
            "lesson_location": "page-4",
            "credit": "credit",
            "lesson_status": "incomplete",
            "entry": "resume",
            "total_time": "0000:10:00.00",
            "lesson_mode": "normal",
            "exit": "suspend",
            "session_time": "0000:01:00",
            "score": {"raw": "40", "min": "0", "max": "100"},
        },
        "objectives": {"childArray": [{"id": "o1", "status": "passed", "score": {"raw": "90"}}]},
        "interactions": [{"id": "q1", "student_response": "y" * 1000, "latency": "00:00:05"}],
    }
}


@pytest.mark.parametrize(
    ("standard", "tree"),
    [
        ("2004", SCORM_AGAIN_2004),
        ("2004", SCORM_AGAIN_2004["cmi"]),  # the inner object alone is accepted too
        ("1.2", SCORM_AGAIN_12),
        ("2004", {"cmi": {}}),
        ("2004", {"cmi": {"flags": [True, False, None, 1, 2.5]}}),
    ],
)
def test_tree_accepts(standard: str, tree: object) -> None:
    validate_cmi_tree(standard, tree)


def _with(tree: dict[str, Any], path: str, value: object) -> dict[str, Any]:
    """A copy of ``tree`` with ``value`` at the dotted ``path``."""
    result = copy.deepcopy(tree)
    node = result
    *parents, last = path.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return result


KEYS = "keys must be names of 1 to 255 characters without dots"
A2004, A12 = SCORM_AGAIN_2004, SCORM_AGAIN_12

TREE_REJECTED = [
    # (standard, tree, dotted path to change, new value, reported field, rule, SCORM error)
    ("2004", A2004, "cmi.score.scaled", "1.5", "cmi.score.scaled", SCALED, 407),
    ("2004", A2004, "cmi.score.scaled", 0.5, "cmi.score.scaled", "must be a string", 406),
    ("2004", A2004, "cmi.score.scaled", {"v": "1"}, "cmi.score.scaled", "must be a string", 406),
    ("2004", A2004, "cmi.objectives.0.score.scaled", "2", "cmi.objectives.0.score.scaled",
     SCALED, 407),
    ("2004", A2004, "cmi.objectives.0.success_status", "done", "cmi.objectives.0.success_status",
     "must be one of passed, failed, unknown", 406),
    ("2004", A2004, "cmi.location", "x" * 1001, "cmi.location", "at most 1000 characters", 406),
    ("2004", A2004, "cmi.interactions.0.id", "q" * 4001, "cmi.interactions.0.id",
     "at most 4000 characters", 406),
    ("2004", A2004, "cmi.interactions.0.description", "d" * 251, "cmi.interactions.0.description",
     "at most 250 characters", 406),
    ("2004", A2004, "cmi.interactions.0.learner_response", "r" * 64001,
     "cmi.interactions.0.learner_response", "at most 64000 characters", 406),
    ("2004", A2004, "cmi.comments_from_learner.0.comment", "c" * 4001,
     "cmi.comments_from_learner.0.comment", "at most 4000 characters", 406),
    ("2004", A2004, "cmi.interactions.0.weighting", float("nan"), "cmi.interactions.0.weighting",
     "must be a finite number", 406),
    ("2004", A2004, "cmi.interactions.0.weighting", object(), "cmi.interactions.0.weighting",
     "must be a string, number, boolean or null", 406),
    ("1.2", A12, "cmi.core.score.raw", "150", "cmi.core.score.raw", PERCENT, 405),
    ("1.2", A12, "cmi.suspend_data", "x" * 64001, "cmi.suspend_data",
     "at most 64000 characters", 405),
    ("1.2", A12, "cmi.objectives.childArray.0.score.raw", "101", "cmi.objectives.0.score.raw",
     PERCENT, 405),
    ("1.2", A12, "cmi.interactions.0.id", "q" * 256, "cmi.interactions.0.id",
     "at most 255 characters", 405),
    ("1.2", A12, "cmi.core.lesson_status", "unknown", "cmi.core.lesson_status", STATUS_12, 405),
]  # fmt: skip


@pytest.mark.parametrize(
    ("standard", "tree", "path", "value", "field", "rule", "error"), TREE_REJECTED
)
def test_tree_rejects(
    standard: str,
    tree: dict[str, Any],
    path: str,
    value: object,
    field: str,
    rule: str,
    error: int,
) -> None:
    with pytest.raises(InvalidValue) as info:
        validate_cmi_tree(standard, _with(tree, path, value))
    assert (info.value.field, info.value.rule, info.value.scorm_error) == (field, rule, error)


def test_tree_lang_delimiter_does_not_count() -> None:
    description = "{lang=en-GB}" + "d" * 250
    validate_cmi_tree(
        "2004", _with(SCORM_AGAIN_2004, "cmi.interactions.0.description", description)
    )


@pytest.mark.parametrize(
    ("tree", "field", "rule"),
    [
        (None, "cmi", "must be an object"),
        ([], "cmi", "must be an object"),
        ({"cmi": "x"}, "cmi", "must be an object"),
        ({"cmi": {"a.b": "x"}}, "cmi", KEYS),
        ({"cmi": {"": "x"}}, "cmi", KEYS),
        ({"cmi": {"k" * 256: "x"}}, "cmi", KEYS),
        ({"cmi": {"x": {1: "y"}}}, "cmi.x", KEYS),
    ],
)
def test_tree_shape(tree: object, field: str, rule: str) -> None:
    with pytest.raises(InvalidValue) as info:
        validate_cmi_tree("2004", tree)
    assert (info.value.field, info.value.rule) == (field, rule)


def test_tree_depth_is_bounded() -> None:
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(12):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(InvalidValue) as info:
        validate_cmi_tree("2004", {"cmi": deep})
    assert info.value.rule == "nested at most 12 levels deep"
    assert info.value.field == "cmi" + ".a" * 12
    validate_cmi_tree("2004", {"cmi": deep}, max_depth=13)


def test_tree_size_is_bounded() -> None:
    wide = {"cmi": {"interactions": [{"id": str(i)} for i in range(100)]}}
    validate_cmi_tree("2004", wide, max_nodes=202)  # cmi, the list, 100 × (object, id)
    with pytest.raises(InvalidValue) as info:
        validate_cmi_tree("2004", wide, max_nodes=201)
    assert info.value.rule == "at most 201 values in the tree"


# --- anything JSON can carry only ever fails as InvalidValue ------------------------------------

json_leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
key_field_names = st.sampled_from(sorted({*KEY_FIELDS["1.2"], *KEY_FIELDS["2004"]}))
plausible_strings = st.sampled_from(
    ["", "passed", "completed", "unknown", "suspend", "50", "1.5", "-1", "0.5", "PT1S", "00:00:01"]
)


@FAST
@given(
    standard=st.sampled_from(["1.2", "2004"]),
    values=json_values
    | st.dictionaries(key_field_names, plausible_strings | json_values, max_size=6),
)
def test_validate_values_only_raises_invalid_value(standard: str, values: Any) -> None:
    try:
        normalised = validate_values(standard, values)
    except InvalidValue:
        return
    assert set(normalised) == set(KEY_FIELDS[standard])
    assert all(isinstance(value, str) for value in normalised.values())


@FAST
@given(
    standard=st.sampled_from(["1.2", "2004"]),
    tree=json_values
    | st.fixed_dictionaries({"cmi": st.dictionaries(st.text(max_size=10), json_values)}),
)
def test_validate_cmi_tree_only_raises_invalid_value(standard: str, tree: Any) -> None:
    with contextlib.suppress(InvalidValue):
        validate_cmi_tree(standard, tree)
