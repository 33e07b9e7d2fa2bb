"""RTE-exact ``cmi.entry`` and the status the LMS records for content that sets none (SPEC §6):
``scormlms.scorm.outcome.entry_for_resume`` / ``default_completion`` and the manifest's
``imsss:deliveryControls``, as plain values."""

from __future__ import annotations

import pytest

from scormlms.scorm.datamodel import validate_values
from scormlms.scorm.manifest import parse_manifest
from scormlms.scorm.outcome import (
    DeliveryControls,
    Thresholds,
    default_completion,
    derive_sco,
    entry_for_resume,
)
from tests.scorm.test_manifest import doc2004, only_item

# ----------------------------------------------------------------------------------- entry

# SCORM 1.2 RTE 3.4.4 cmi.core.exit: "time-out", "suspend", "logout", "".
# SCORM 2004 RTE 4.2.8 cmi.exit: "time-out", "suspend", "logout", "normal", "".
EXITS = {
    "1.2": ["suspend", "logout", "", "time-out"],
    "2004": ["suspend", "logout", "normal", "", "time-out"],
}


@pytest.mark.parametrize(
    ("standard", "last_exit"),
    [(standard, last_exit) for standard, exits in EXITS.items() for last_exit in exits],
)
def test_entry_after_a_previous_session_follows_its_exit(standard, last_exit):
    entry = entry_for_resume(standard, last_exit=last_exit, has_previous_session=True)
    # "resume" only when the SCO itself suspended; otherwise "" (not "ab-initio" again).
    assert entry == ("resume" if last_exit == "suspend" else "")


@pytest.mark.parametrize("standard", ["1.2", "2004"])
@pytest.mark.parametrize("last_exit", ["", "suspend", "logout"])
@pytest.mark.parametrize("suspend_all", [False, True])
def test_first_launch_is_ab_initio(standard, last_exit, suspend_all):
    entry = entry_for_resume(
        standard, last_exit=last_exit, suspend_all=suspend_all, has_previous_session=False
    )
    assert entry == "ab-initio"


@pytest.mark.parametrize(
    ("standard", "last_exit", "entry"),
    [
        # SCORM 2004 SN 4.2: the SCO's own suspendAll suspends the activity.
        ("2004", "", "resume"),
        ("2004", "normal", "resume"),
        ("2004", "suspend", "resume"),
        # SCORM 1.2 has no navigation requests: a stray suspendAll means nothing.
        ("1.2", "", ""),
        ("1.2", "logout", ""),
        ("1.2", "suspend", "resume"),
    ],
)
def test_suspend_all_resumes_in_2004_only(standard, last_exit, entry):
    assert (
        entry_for_resume(standard, last_exit=last_exit, suspend_all=True, has_previous_session=True)
        == entry
    )


def test_entry_refuses_an_unknown_standard():
    with pytest.raises(ValueError, match="standard"):
        entry_for_resume("1.3", last_exit="", has_previous_session=True)


# ------------------------------------------------------------------------ default status

NONE = Thresholds()
MASTERY_80 = Thresholds(mastery_score=80)
SPS_08 = Thresholds(scaled_passing_score=0.8)
COURSE_70 = Thresholds(passing_score=70)
THRESHOLD_08 = Thresholds(completion_threshold=0.8)
STATUS_12 = "cmi.core.lesson_status"
COMPLETION = "cmi.completion_status"
SUCCESS = "cmi.success_status"


def values(standard: str, **named: str) -> dict[str, str]:
    """Key values named without "cmi." and with "__" for "." (core__score__raw), validated."""
    cmi = {"cmi." + key.replace("__", "."): value for key, value in named.items()}
    return validate_values(standard, cmi)


@pytest.mark.parametrize(
    ("thresholds", "named", "changes"),
    [
        # SCORM 1.2 RTE 3.4.4: a SCO that set no status is "completed" when it finishes...
        (NONE, {}, {STATUS_12: "completed"}),
        (NONE, {"core__lesson_status": "not attempted"}, {STATUS_12: "completed"}),
        (NONE, {"core__score__raw": "85"}, {STATUS_12: "completed"}),  # no mastery score
        (MASTERY_80, {}, {STATUS_12: "completed"}),  # no score to judge
        (MASTERY_80, {"core__lesson_location": "p3"}, {STATUS_12: "completed"}),
        # ... then passed/failed when a mastery score exists and the SCO set a raw score.
        (MASTERY_80, {"core__score__raw": "85"}, {STATUS_12: "passed"}),
        (MASTERY_80, {"core__score__raw": "80"}, {STATUS_12: "passed"}),  # at the mark
        (MASTERY_80, {"core__score__raw": "79.99"}, {STATUS_12: "failed"}),
        (MASTERY_80, {"core__score__raw": "0"}, {STATUS_12: "failed"}),
        (
            MASTERY_80,
            {"core__lesson_status": "not attempted", "core__score__raw": "90"},
            {STATUS_12: "passed"},
        ),
        # A status the SCO set is never touched.
        (NONE, {"core__lesson_status": "incomplete"}, {}),
        (NONE, {"core__lesson_status": "browsed"}, {}),
        (NONE, {"core__lesson_status": "completed"}, {}),
        (MASTERY_80, {"core__lesson_status": "incomplete", "core__score__raw": "95"}, {}),
        (MASTERY_80, {"core__lesson_status": "failed", "core__score__raw": "95"}, {}),
        (MASTERY_80, {"core__lesson_status": "passed", "core__score__raw": "5"}, {}),
    ],
)
def test_default_status_12(thresholds, named, changes):
    assert (
        default_completion(standard="1.2", values=values("1.2", **named), thresholds=thresholds)
        == changes
    )


def test_default_status_12_uses_the_courses_passing_score_like_the_pass_rule():
    # SPEC §5: the 1.2 mastery score is "adlcp:masteryscore, or the course's passing_score",
    # and Thresholds.passing_score "wins over both manifest values".
    both = Thresholds(mastery_score=80, passing_score=70)
    raw_75 = values("1.2", core__score__raw="75")
    assert derive_sco(standard="1.2", values=raw_75, thresholds=both).pass_state == "passed"
    changes = default_completion(standard="1.2", values=raw_75, thresholds=both)
    assert changes == {STATUS_12: "passed"}


BOTH_TRUE = DeliveryControls(completion_set_by_content=True, objective_set_by_content=True)
COMPLETION_BY_CONTENT = DeliveryControls(completion_set_by_content=True)
OBJECTIVE_BY_CONTENT = DeliveryControls(objective_set_by_content=True)
DEFAULTS = DeliveryControls()
BOTH = {COMPLETION: "completed", SUCCESS: "passed"}


@pytest.mark.parametrize(
    ("controls", "thresholds", "named", "changes"),
    [
        # SN End Attempt Process: with both deliveryControls false (the default), the LMS
        # completes an attempt of unknown progress and satisfies an unknown objective.
        (DEFAULTS, NONE, {}, BOTH),
        (DEFAULTS, NONE, {"completion_status": "unknown", "success_status": "unknown"}, BOTH),
        (DEFAULTS, NONE, {"location": "p2", "suspend_data": "x"}, BOTH),
        (DEFAULTS, NONE, {"success_status": "failed"}, {COMPLETION: "completed"}),
        (DEFAULTS, NONE, {"success_status": "passed"}, {COMPLETION: "completed"}),
        # A SCO that reported its own completion manages its status (SPEC §6): never made
        # "passed" behind its back when the learner leaves it half done.
        (DEFAULTS, NONE, {"completion_status": "incomplete"}, {}),
        (DEFAULTS, NONE, {"completion_status": "completed"}, {}),
        (DEFAULTS, NONE, {"completion_status": "not attempted"}, {}),
        (DEFAULTS, NONE, {"completion_status": "incomplete", "success_status": "failed"}, {}),
        # Set by content: the LMS leaves that status to the SCO.
        (COMPLETION_BY_CONTENT, NONE, {}, {SUCCESS: "passed"}),
        (OBJECTIVE_BY_CONTENT, NONE, {}, {COMPLETION: "completed"}),
        (BOTH_TRUE, NONE, {}, {}),
        (BOTH_TRUE, NONE, {"completion_status": "unknown"}, {}),
        # A threshold that judges a measure the SCO reported decides instead (RTE 4.2.4,
        # 4.2.22): derive_sco evaluates it, the default leaves it alone.
        (DEFAULTS, THRESHOLD_08, {"progress_measure": "0.5"}, {SUCCESS: "passed"}),
        (DEFAULTS, THRESHOLD_08, {"progress_measure": "0.9"}, {SUCCESS: "passed"}),
        (DEFAULTS, THRESHOLD_08, {}, BOTH),  # no measure to judge
        (DEFAULTS, SPS_08, {"score__scaled": "0.5"}, {COMPLETION: "completed"}),
        (DEFAULTS, SPS_08, {"score__scaled": "0.9"}, {COMPLETION: "completed"}),
        (DEFAULTS, SPS_08, {}, BOTH),
        (DEFAULTS, COURSE_70, {"score__scaled": "0.5"}, {COMPLETION: "completed"}),
        (DEFAULTS, COURSE_70, {}, BOTH),
        (
            DEFAULTS,
            Thresholds(completion_threshold=0.8, scaled_passing_score=0.8),
            {"progress_measure": "0.3", "score__scaled": "0.3"},
            {},
        ),
    ],
)
def test_default_status_2004(controls, thresholds, named, changes):
    got = default_completion(
        standard="2004", values=values("2004", **named), thresholds=thresholds, controls=controls
    )
    assert got == changes


@pytest.mark.parametrize(
    ("thresholds", "named"),
    [
        (SPS_08, {"score__scaled": "0.5"}),
        (COURSE_70, {"score__scaled": "0.5"}),
        (THRESHOLD_08, {"progress_measure": "0.5"}),
    ],
)
def test_a_judged_measure_keeps_its_verdict_after_the_default(thresholds, named):
    """What derive_sco makes of the values with the defaults applied is what the threshold
    says of the measure, not the default's "passed" / "completed"."""
    raw = values("2004", **named)
    changed = {**raw, **default_completion(standard="2004", values=raw, thresholds=thresholds)}
    outcome = derive_sco(standard="2004", values=changed, thresholds=thresholds)
    if "progress_measure" in named:
        assert outcome.completed is False
    else:
        assert outcome.pass_state == "failed" and outcome.passed is False


def test_default_success_leaves_a_raw_score_to_the_courses_passing_score():
    raw_50 = values("2004", score__raw="50")
    assert derive_sco(standard="2004", values=raw_50, thresholds=COURSE_70).pass_state == "failed"
    changes = default_completion(standard="2004", values=raw_50, thresholds=COURSE_70)
    assert SUCCESS not in changes


def test_default_status_refuses_an_unknown_standard():
    with pytest.raises(ValueError, match="standard"):
        default_completion(standard="1.3", values={}, thresholds=NONE)


# ----------------------------------------------------------------------- deliveryControls


def _item_with(sequencing: str, tail: str = "") -> tuple[bool, bool]:
    items = f'<item identifier="i1" identifierref="r1"><title>L</title>{sequencing}</item>'
    item = only_item(parse_manifest(doc2004(items, tail=tail)))
    return item.completion_set_by_content, item.objective_set_by_content


@pytest.mark.parametrize(
    ("sequencing", "expected"),
    [
        ("", (False, False)),
        ("<imsss:sequencing/>", (False, False)),
        ("<imsss:sequencing><imsss:deliveryControls/></imsss:sequencing>", (False, False)),
        (
            "<imsss:sequencing><imsss:deliveryControls completionSetByContent='true' "
            "objectiveSetByContent='true'/></imsss:sequencing>",
            (True, True),
        ),
        (
            "<imsss:sequencing><imsss:deliveryControls "
            "completionSetByContent='true'/></imsss:sequencing>",
            (True, False),
        ),
        (
            "<imsss:sequencing><imsss:deliveryControls "
            "objectiveSetByContent='1'/></imsss:sequencing>",
            (False, True),
        ),
        (
            "<imsss:sequencing><imsss:deliveryControls completionSetByContent='false' "
            "objectiveSetByContent='0' tracked='true'/></imsss:sequencing>",
            (False, False),
        ),
    ],
)
def test_delivery_controls_are_parsed(sequencing, expected):
    assert _item_with(sequencing) == expected


def test_delivery_controls_come_from_a_sequencing_collection_too():
    collection = """<imsss:sequencingCollection><imsss:sequencing ID="shared">
        <imsss:deliveryControls completionSetByContent="true" objectiveSetByContent="true"/>
      </imsss:sequencing></imsss:sequencingCollection>"""
    assert _item_with('<imsss:sequencing IDRef="shared"/>', tail=collection) == (True, True)
