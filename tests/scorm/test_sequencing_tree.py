"""Manifest → scorm-again activity tree (scormlms.scorm.sequencing).

The golf Sequencing* manifests are read from the shared corpus (never copied into the repo);
small inline manifests cover the edge cases. The last tests hand the converted trees to
scorm-again itself in node, when node and node_modules are there.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from scormlms.scorm.manifest import parse_manifest
from scormlms.scorm.sequencing import (
    Sequencing,
    apply_selection_record,
    build_sequencing,
    select_and_randomize,
)

ROOT = Path(__file__).resolve().parents[2]
GOLF = ROOT.parent / "shared" / "corpus" / "golf"
SCORM_AGAIN = ROOT / "node_modules" / "scorm-again" / "dist" / "esm" / "scorm2004.js"

needs_golf = pytest.mark.skipif(not GOLF.is_dir(), reason=f"golf corpus not found at {GOLF}")

FORCED = "SequencingForcedSequential_SCORM20043rdEdition"
REMEDIATION = "SequencingSimpleRemediation_SCORM20043rdEdition"
POST_TEST = "SequencingPostTestRollup_SCORM20043rdEdition"
PRE_OR_POST = "SequencingPreOrPostTestRollup_SCORM20043rdEdition"
RANDOM_TEST = "SequencingRandomTest_SCORM20043rdEdition"
FOURTH = "SequencingPostTestRollup4thEd_SCORM20044thEdition"
GOLF_SEQUENCING = [FORCED, REMEDIATION, POST_TEST, PRE_OR_POST, RANDOM_TEST, FOURTH]

NS = (
    'xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
    'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" '
    'xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3" '
    'xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3" '
    'xmlns:imsss="http://www.imsglobal.org/xsd/imsss"'
)


def golf(name: str) -> Sequencing:
    with zipfile.ZipFile(GOLF / f"{name}.zip") as archive:
        return build_sequencing(parse_manifest(archive.read("imsmanifest.xml")))


def golf_file(name: str, path: str) -> str:
    with zipfile.ZipFile(GOLF / f"{name}.zip") as archive:
        return archive.read(path).decode()


def convert(
    items: str, *, org: str = "", tail: str = "", version: str = "2004 4th Edition"
) -> Sequencing:
    data = f"""<?xml version="1.0"?>
<manifest identifier="m" {NS}>
  <metadata><schema>ADL SCORM</schema><schemaversion>{version}</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Course</title>
    {items}{org}</organization></organizations>
  <resources><resource identifier="r" type="webcontent" adlcp:scormType="sco"
    href="sco.html"/></resources>
  {tail}
</manifest>""".encode()
    return build_sequencing(parse_manifest(data))


def leaf(ident: str = "i1", sequencing: str = "", extra: str = "", attrs: str = "") -> str:
    seq = f"<imsss:sequencing>{sequencing}</imsss:sequencing>" if sequencing else ""
    return (
        f'<item identifier="{ident}" identifierref="r" {attrs}><title>{ident}</title>'
        f"{extra}{seq}</item>"
    )


def cluster(ident: str, children: str, sequencing: str) -> str:
    return (
        f'<item identifier="{ident}"><title>{ident}</title>{children}'
        f"<imsss:sequencing>{sequencing}</imsss:sequencing></item>"
    )


def find(tree: dict[str, Any], ident: str) -> dict[str, Any]:
    if tree["id"] == ident:
        return tree
    for child in tree.get("children", []):
        try:
            return find(child, ident)
        except KeyError:
            pass
    raise KeyError(ident)


def act(sequencing: Sequencing, ident: str) -> dict[str, Any]:
    return find(sequencing.settings["activityTree"], ident)


def ids(tree: dict[str, Any]) -> list[str]:
    return [c["id"] for c in tree.get("children", [])]


def imsss_map(target: str, **flags: bool) -> dict[str, Any]:
    """A converted imsss:mapInfo: the XSD defaults, adlseq flags all false, then ``flags``."""
    entry: dict[str, Any] = {
        "targetObjectiveID": target,
        "readSatisfiedStatus": True,
        "readNormalizedMeasure": True,
        "writeSatisfiedStatus": False,
        "writeNormalizedMeasure": False,
    }
    for name in ("RawScore", "MinScore", "MaxScore", "CompletionStatus", "ProgressMeasure"):
        entry[f"read{name}"] = entry[f"write{name}"] = False
    return entry | flags


def adlseq_map(target: str, **flags: bool) -> dict[str, Any]:
    """A converted adlseq:mapInfo: imsss flags all false, adlseq_v1p3.xsd defaults, ``flags``."""
    entry = imsss_map(target, readSatisfiedStatus=False, readNormalizedMeasure=False)
    for name in ("RawScore", "MinScore", "MaxScore", "CompletionStatus", "ProgressMeasure"):
        entry[f"read{name}"] = True
    return entry | flags


NOT_PREVIOUS_SATISFIED = {
    "action": "disabled",
    "conditionCombination": "any",
    "conditions": [
        {
            "condition": "satisfied",
            "operator": "not",
            "referencedObjective": "previous_sco_satisfied",
        },
        {
            "condition": "objectiveStatusKnown",
            "operator": "not",
            "referencedObjective": "previous_sco_satisfied",
        },
    ],
}


# --------------------------------------------------------------------------- golf manifests


@needs_golf
@pytest.mark.parametrize("name", GOLF_SEQUENCING)
def test_golf_sequencing_manifests_convert_cleanly(name: str) -> None:
    converted = golf(name)
    assert converted.has_sequencing is True
    assert converted.warnings == ()
    assert converted.objectives_global_to_system is False  # every one sets it false
    assert json.loads(json.dumps(converted.settings)) == converted.settings
    assert list(converted.settings) == ["activityTree"]


@needs_golf
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ContentPackagingSingleSCO_SCORM20043rdEdition", False),
        ("ContentPackagingOneFilePerSCO_SCORM20043rdEdition", False),
        ("RuntimeMinimumCalls_SCORM20043rdEdition", False),
        ("RuntimeMinimumCalls_SCORM12", False),
        ("RunTimeAdvancedCalls_SCORM20043rdEdition", True),  # objectives, controlMode
    ],
)
def test_golf_has_sequencing(name: str, expected: bool) -> None:
    assert golf(name).has_sequencing is expected


@needs_golf
def test_forced_sequential() -> None:
    converted = golf(FORCED)
    root = converted.settings["activityTree"]
    assert root["id"] == "golf_sample_default_org"
    assert root["title"] == "Golf Explained - Sequencing Forced Order"
    controls = root["sequencingControls"]
    assert (controls["choice"], controls["flow"]) == (True, True)
    assert (controls["forwardOnly"], controls["choiceExit"]) == (False, True)
    leaves = ["playing_item", "etuqiette_item", "handicapping_item", "havingfun_item"]
    assert ids(root) == [*leaves, "assessment_item"]
    assert converted.launch_urls == {
        **{
            ident: f"shared/launchpage.html?content={content}"
            for ident, content in zip(
                leaves, ["playing", "etiquette", "handicapping", "havingfun"], strict=True
            )
        },
        "assessment_item": "shared/launchpage.html?content=assessment",
    }
    for ident in [*leaves, "assessment_item"]:  # from the collection common_seq_rules
        activity = act(converted, ident)
        assert activity["sequencingControls"]["objectiveMeasureWeight"] == 0.0
        assert activity["deliveryControls"] == {
            "tracked": True,
            "completionSetByContent": True,
            "objectiveSetByContent": True,
        }
        assert "children" not in activity
    playing = act(converted, "playing_item")
    assert "sequencingRules" not in playing
    assert playing["primaryObjective"] == {
        "objectiveID": "playing_satisfied",
        "satisfiedByMeasure": False,
        "mapInfo": [
            imsss_map(
                "com.scorm.golfsamples.sequencing.forcedsequential.playing_satisfied",
                writeSatisfiedStatus=True,
            )
        ],
    }
    etiquette = act(converted, "etuqiette_item")
    assert etiquette["sequencingRules"] == {
        "preConditionRules": [NOT_PREVIOUS_SATISFIED],
        "exitConditionRules": [],
        "postConditionRules": [],
    }
    assert etiquette["objectives"] == [
        {
            "objectiveID": "previous_sco_satisfied",
            "satisfiedByMeasure": False,
            "mapInfo": [
                imsss_map("com.scorm.golfsamples.sequencing.forcedsequential.playing_satisfied")
            ],
        }
    ]
    quiz = act(converted, "assessment_item")
    assert quiz["primaryObjective"] == {
        "objectiveID": "assessment_satisfied",
        "satisfiedByMeasure": False,
    }


@needs_golf
def test_simple_remediation() -> None:
    converted = golf(REMEDIATION)
    root = converted.settings["activityTree"]
    assert (root["sequencingControls"]["choice"], root["sequencingControls"]["flow"]) == (
        False,
        True,
    )
    wrapper = act(converted, "content_wrapper")
    assert wrapper["isVisible"] is False
    controls = wrapper["sequencingControls"]
    assert (controls["choice"], controls["flow"], controls["choiceExit"]) == (False, True, False)
    retry, exit_all = wrapper["sequencingRules"]["postConditionRules"]
    assert retry == {
        "action": "retry",
        "conditionCombination": "any",
        "conditions": [
            {"condition": "satisfied", "operator": "not"},
            {"condition": "objectiveStatusKnown", "operator": "not"},
        ],
    }
    assert exit_all["action"] == "exitAll"
    skip_when_satisfied = {
        "action": "skip",
        "conditionCombination": "all",  # the XSD default
        "conditions": [{"condition": "satisfied"}],
    }
    playing = act(converted, "playing_item")
    assert playing["sequencingRules"]["preConditionRules"] == [skip_when_satisfied]
    controls = playing["sequencingControls"]
    assert controls["rollupObjectiveSatisfied"] is False
    assert controls["rollupProgressCompletion"] is False
    assert controls["objectiveMeasureWeight"] == 0.0
    assert "rollupConsiderations" not in playing
    test_1 = act(converted, "test_1")
    assert test_1["sequencingRules"]["preConditionRules"] == [skip_when_satisfied]
    assert test_1["rollupConsiderations"] == {
        "requiredForSatisfied": "always",
        "requiredForNotSatisfied": "always",
        "requiredForCompleted": "ifNotSkipped",
        "requiredForIncomplete": "always",
        "measureSatisfactionIfActive": True,
    }
    assert test_1["primaryObjective"]["mapInfo"] == [
        imsss_map(
            "com.scorm.golfsamples.sequencing.simpleremediation.20043rd.playing_satisfied",
            writeSatisfiedStatus=True,
            writeNormalizedMeasure=True,
        )
    ]
    # test_4's own sequencingRules replace the collection's (SCORM 2004 CAM): no skip rule.
    test_4 = act(converted, "test_4")
    assert test_4["sequencingRules"] == {
        "preConditionRules": [],
        "exitConditionRules": [],
        "postConditionRules": [
            {
                "action": "exitParent",
                "conditionCombination": "all",
                "conditions": [{"condition": "always"}],
            }
        ],
    }
    assert test_4["rollupConsiderations"]["requiredForCompleted"] == "ifNotSkipped"
    assert converted.launch_urls["test_3"] == "shared/launchpage.html?content=assessment3"
    assert "content_wrapper" not in converted.launch_urls


@needs_golf
def test_post_test_rollup() -> None:
    converted = golf(POST_TEST)
    for ident in ("playing_item", "etuqiette_item", "handicapping_item", "havingfun_item"):
        controls = act(converted, ident)["sequencingControls"]
        assert controls["rollupObjectiveSatisfied"] is False
        assert controls["rollupProgressCompletion"] is False
        assert controls["objectiveMeasureWeight"] == 0.0
    quiz = act(converted, "assessment_item")
    controls = quiz["sequencingControls"]
    assert (controls["rollupObjectiveSatisfied"], controls["rollupProgressCompletion"]) == (
        True,
        True,
    )
    assert controls["objectiveMeasureWeight"] == 1.0
    assert quiz["sequencingRules"]["preConditionRules"] == [NOT_PREVIOUS_SATISFIED]
    assert quiz["deliveryControls"]["objectiveSetByContent"] is True


@needs_golf
def test_pre_or_post_test_rollup() -> None:
    converted = golf(PRE_OR_POST)
    root = converted.settings["activityTree"]
    assert root["rollupRules"] == {
        "rules": [
            {
                "action": "completed",
                "consideration": "any",
                "conditionCombination": "any",
                "conditions": [{"condition": "satisfied"}],
            }
        ]
    }
    dummy = act(converted, "dummy_item")
    assert dummy["isVisible"] is False
    assert ids(dummy) == ["pretest_item", "content_wrapper", "posttest_item"]
    assert [(r["action"], r["consideration"]) for r in dummy["rollupRules"]["rules"]] == [
        ("incomplete", "any"),
        ("completed", "all"),
    ]
    assert dummy["primaryObjective"]["mapInfo"] == [
        imsss_map(
            "com.scorm.golfsamples.sequencing.preorposttestrollup.assessment_satisfied",
            readNormalizedMeasure=True,
            readSatisfiedStatus=True,
        )
    ]
    pretest = act(converted, "pretest_item")
    assert pretest["attemptLimit"] == 1
    assert [r["conditions"] for r in pretest["sequencingRules"]["preConditionRules"]] == [
        [{"condition": "attemptLimitExceeded"}],
        [{"condition": "satisfied", "referencedObjective": "assessment_satisfied"}],
    ]
    assert pretest["primaryObjective"]["mapInfo"] == [
        imsss_map(
            "com.scorm.golfsamples.sequencing.preorposttestrollup.assessment_satisfied",
            writeSatisfiedStatus=True,
            writeNormalizedMeasure=True,
        )
    ]
    wrapper = act(converted, "content_wrapper")
    assert wrapper["rollupRules"]["rules"] == [
        {
            "action": "satisfied",
            "consideration": "all",
            "conditionCombination": "any",
            "conditions": [{"condition": "completed"}],
        }
    ]
    posttest = act(converted, "posttest_item")
    assert len(posttest["sequencingRules"]["preConditionRules"]) == 2
    assert posttest["objectives"][0]["objectiveID"] == "content_completed"
    assert "dummy_item" not in converted.launch_urls
    assert converted.launch_urls["pretest_item"] == converted.launch_urls["posttest_item"]


@needs_golf
def test_random_test() -> None:
    converted = golf(RANDOM_TEST)
    posttest = act(converted, "posttest_item")
    assert posttest["isVisible"] is True
    assert ids(posttest) == ["test_1", "test_2", "test_3", "test_4"]
    controls = posttest["sequencingControls"]
    assert (controls["choice"], controls["flow"]) == (False, True)
    assert controls["randomizeChildren"] is True
    assert controls["randomizationTiming"] == "onEachNewAttempt"
    assert controls["selectionTiming"] == "never" and "selectCount" not in controls
    assert "reorderChildren" not in controls  # the engine's own "done" flag stays unset
    assert posttest["attemptLimit"] == 2
    retry_rules = posttest["sequencingRules"]["postConditionRules"]
    assert [r["action"] for r in retry_rules] == ["retry", "retry", "exitAll"]
    assert [r["conditionCombination"] for r in retry_rules] == ["all", "all", "any"]
    assert posttest["rollupRules"]["rules"][1] == {
        "action": "notSatisfied",
        "consideration": "any",
        "conditionCombination": "any",
        "conditions": [{"condition": "satisfied", "operator": "not"}],
    }
    assert posttest["primaryObjective"]["mapInfo"] == [
        imsss_map(
            "com.scorm.golfsamples.sequencing.randomtest.course_score", readSatisfiedStatus=False
        )
    ]
    for n in range(1, 5):
        test = act(converted, f"test_{n}")
        assert test["isVisible"] is False
        assert test["hideLmsUi"] == ["suspendAll"]
        assert test["sequencingRules"]["postConditionRules"][0]["action"] == "exitParent"
        assert test["primaryObjective"]["mapInfo"] == [
            imsss_map(
                "com.scorm.golfsamples.sequencing.randomtest.course_score",
                readSatisfiedStatus=False,
                readNormalizedMeasure=False,
                writeNormalizedMeasure=True,
            )
        ]
        assert converted.launch_urls[f"test_{n}"] == f"shared/launchpage.html?content=assessment{n}"
    root = converted.settings["activityTree"]
    assert root["rollupRules"]["rules"][0]["conditions"] == [
        {"condition": "satisfied"},
        {"condition": "attemptLimitExceeded"},
    ]


@needs_golf
def test_post_test_rollup_4th_edition() -> None:
    converted = golf(FOURTH)
    assert converted.shared_data_global_to_system is False
    notes = "com.scorm.golfsamples.sequencing.forcedsequential.notesStorage"
    weights = {"playing_item": 0.5, "etuqiette_item": 0.3, "handicapping_item": 0.4}
    weights |= {"havingfun_item": 0.3, "assessment_item": 0.1}
    for ident, weight in weights.items():
        activity = act(converted, ident)
        assert activity["sharedDataMaps"] == [
            {"targetID": notes, "readSharedData": True, "writeSharedData": True}
        ]
        assert activity["completionThreshold"] == {
            "completedByMeasure": False,
            "minProgressMeasure": 1.0,
            "progressWeight": weight,
        }
    prefix = "com.scorm.golfsamples.sequencing.forcedsequential."
    playing = act(converted, "playing_item")
    assert playing["primaryObjective"] == {
        "objectiveID": "playing_completed",
        "satisfiedByMeasure": False,
        "mapInfo": [
            adlseq_map(f"{prefix}playing_completed", writeCompletionStatus=True),
        ],
    }
    etiquette = act(converted, "etuqiette_item")
    assert etiquette["objectives"][0]["mapInfo"] == [adlseq_map(f"{prefix}playing_completed")]
    assert etiquette["sequencingRules"]["preConditionRules"][0]["conditions"][1] == {
        "condition": "activityProgressKnown",
        "operator": "not",
        "referencedObjective": "previous_sco_completed",
    }
    quiz = act(converted, "assessment_item")
    assert "primaryObjective" not in quiz  # <imsss:primaryObjective/>: no id, nothing to keep
    assert quiz["objectives"] == [
        {
            "objectiveID": "previous_sco_completed",
            "satisfiedByMeasure": False,
            "mapInfo": [adlseq_map(f"{prefix}havingfun_completed")],
        }
    ]
    hidden = quiz["sequencingRules"]["preConditionRules"]
    assert [(r["action"], r["conditionCombination"]) for r in hidden] == [
        ("hiddenFromChoice", "all"),
        ("hiddenFromChoice", "all"),
    ]
    # The SCOs' "Skip to the Test" button jumps to an activity the tree has.
    assert "{target=assessment_item}jump" in golf_file(FOURTH, "shared/launchpage.html")
    assert "assessment_item" in converted.launch_urls


# --------------------------------------------------------------------------- edge cases


def test_collection_idref_is_merged_local_children_win() -> None:
    collection = """<imsss:sequencingCollection><imsss:sequencing ID="common">
        <imsss:controlMode flow="true" choice="false"/>
        <imsss:rollupRules objectiveMeasureWeight="0.25"/>
        <imsss:objectives><imsss:primaryObjective objectiveID="shared"/></imsss:objectives>
      </imsss:sequencing></imsss:sequencingCollection>"""
    items = """<item identifier="i1" identifierref="r"><title>L</title>
        <imsss:sequencing IDRef="common">
          <imsss:objectives><imsss:primaryObjective objectiveID="local"/></imsss:objectives>
        </imsss:sequencing></item>"""
    activity = act(convert(items, tail=collection), "i1")
    assert activity["sequencingControls"]["flow"] is True
    assert activity["sequencingControls"]["choice"] is False
    assert activity["sequencingControls"]["objectiveMeasureWeight"] == 0.25
    assert activity["primaryObjective"]["objectiveID"] == "local"


def test_defaults_follow_the_xsds() -> None:
    converted = convert(leaf(sequencing="<imsss:limitConditions/>"), org="<imsss:sequencing/>")
    root = converted.settings["activityTree"]
    assert root["sequencingControls"] == {
        "choice": True,
        "choiceExit": True,
        "flow": False,  # imsss_v1p0control.xsd; the engine's own default is true
        "forwardOnly": False,
        "useCurrentAttemptObjectiveInfo": True,
        "useCurrentAttemptProgressInfo": True,
        "preventActivation": False,
        "constrainChoice": False,
        "rollupObjectiveSatisfied": True,
        "rollupProgressCompletion": True,
        "objectiveMeasureWeight": 1.0,
        "selectionTiming": "never",
        "randomizationTiming": "never",
        "randomizeChildren": False,
    }
    assert root["deliveryControls"] == {
        "tracked": True,
        "completionSetByContent": False,
        "objectiveSetByContent": False,
    }
    activity = act(converted, "i1")
    assert activity["isVisible"] is True
    for key in ("attemptLimit", "sequencingRules", "rollupRules", "primaryObjective"):
        assert key not in activity
    assert converted.has_sequencing and converted.warnings == ()


def test_rule_conditions_measure_threshold_and_operators() -> None:
    rules = """<imsss:sequencingRules>
        <imsss:preConditionRule>
          <imsss:ruleConditions>
            <imsss:ruleCondition condition="objectiveMeasureGreaterThan" measureThreshold="0.6"
                operator="noOp" referencedObjective="o1"/>
            <imsss:ruleCondition condition="objectiveMeasureLessThan" measureThreshold="-0.25"
                operator="not"/>
          </imsss:ruleConditions>
          <imsss:ruleAction action="skip"/>
        </imsss:preConditionRule>
        <imsss:exitConditionRule>
          <imsss:ruleConditions conditionCombination="any">
            <imsss:ruleCondition condition="timeLimitExceeded"/>
          </imsss:ruleConditions>
          <imsss:ruleAction action="exit"/>
        </imsss:exitConditionRule>
      </imsss:sequencingRules>"""
    activity = act(convert(leaf(sequencing=rules)), "i1")
    assert activity["sequencingRules"] == {
        "preConditionRules": [
            {
                "action": "skip",
                "conditionCombination": "all",
                "conditions": [
                    {
                        "condition": "objectiveMeasureGreaterThan",
                        "referencedObjective": "o1",
                        "parameters": {"threshold": 0.6},
                    },
                    {
                        "condition": "objectiveMeasureLessThan",
                        "operator": "not",
                        "parameters": {"threshold": -0.25},
                    },
                ],
            }
        ],
        "exitConditionRules": [
            {
                "action": "exit",
                "conditionCombination": "any",
                "conditions": [{"condition": "timeLimitExceeded"}],
            }
        ],
        "postConditionRules": [],
    }


@pytest.mark.parametrize(
    ("rule", "warning"),
    [
        (
            "<imsss:preConditionRule><imsss:ruleConditions>"
            '<imsss:ruleCondition condition="always"/></imsss:ruleConditions>'
            '<imsss:ruleAction action="exitAll"/></imsss:preConditionRule>',
            "action 'exitAll'",
        ),
        (
            "<imsss:postConditionRule><imsss:ruleConditions>"
            '<imsss:ruleCondition condition="sunny"/></imsss:ruleConditions>'
            '<imsss:ruleAction action="exitAll"/></imsss:postConditionRule>',
            "condition 'sunny'",
        ),
    ],
)
def test_unreadable_rules_are_dropped_with_a_warning(rule: str, warning: str) -> None:
    converted = convert(leaf(sequencing=f"<imsss:sequencingRules>{rule}</imsss:sequencingRules>"))
    assert "sequencingRules" not in act(converted, "i1")
    assert any(warning in w for w in converted.warnings), converted.warnings


def test_rollup_rules_child_activity_sets() -> None:
    rollup = """<imsss:rollupRules rollupProgressCompletion="false">
        <imsss:rollupRule childActivitySet="atLeastCount" minimumCount="2">
          <imsss:rollupConditions conditionCombination="all">
            <imsss:rollupCondition condition="satisfied"/>
            <imsss:rollupCondition condition="activityProgressKnown" operator="not"/>
          </imsss:rollupConditions>
          <imsss:rollupAction action="satisfied"/>
        </imsss:rollupRule>
        <imsss:rollupRule childActivitySet="atLeastPercent" minimumPercent="0.5">
          <imsss:rollupConditions><imsss:rollupCondition condition="completed"/>
          </imsss:rollupConditions>
          <imsss:rollupAction action="completed"/>
        </imsss:rollupRule>
        <imsss:rollupRule>
          <imsss:rollupConditions><imsss:rollupCondition condition="attempted"
            operator="noOp"/></imsss:rollupConditions>
          <imsss:rollupAction action="incomplete"/>
        </imsss:rollupRule>
      </imsss:rollupRules>"""
    converted = act(convert(cluster("c", leaf("a") + leaf("b"), rollup)), "c")
    assert converted["sequencingControls"]["rollupProgressCompletion"] is False
    assert converted["rollupRules"]["rules"] == [
        {
            "action": "satisfied",
            "consideration": "atLeastCount",
            "conditionCombination": "all",
            "conditions": [
                {"condition": "satisfied"},
                {"condition": "progressKnown", "operator": "not"},
            ],
            "minimumCount": 2,
        },
        {
            "action": "completed",
            "consideration": "atLeastPercent",
            "conditionCombination": "any",
            "conditions": [{"condition": "completed"}],
            "minimumPercent": 50.0,  # the engine counts in percent, the XSD in 0-1
        },
        {
            "action": "incomplete",
            "consideration": "all",
            "conditionCombination": "any",
            "conditions": [{"condition": "attempted"}],
        },
    ]


def test_rollup_time_conditions_warn_that_the_engine_reads_false() -> None:
    rollup = """<imsss:rollupRules><imsss:rollupRule><imsss:rollupConditions>
        <imsss:rollupCondition condition="timeLimitExceeded"/></imsss:rollupConditions>
        <imsss:rollupAction action="completed"/></imsss:rollupRule></imsss:rollupRules>"""
    converted = convert(cluster("c", leaf("a"), rollup))
    assert act(converted, "c")["rollupRules"]["rules"][0]["conditions"] == [
        {"condition": "timeLimitExceeded"}
    ]
    assert any("always evaluates to false" in w for w in converted.warnings)


def test_invisible_item_hide_lms_ui_and_shared_data() -> None:
    extra = """<adlcp:data><adlcp:map targetID="bucket"/></adlcp:data>
        <adlnav:presentation><adlnav:navigationInterface>
          <adlnav:hideLMSUI>previous</adlnav:hideLMSUI><adlnav:hideLMSUI>exitAll</adlnav:hideLMSUI>
        </adlnav:navigationInterface></adlnav:presentation>"""
    converted = convert(leaf(extra=extra, attrs='isvisible="false"'))
    activity = act(converted, "i1")
    assert activity["isVisible"] is False
    assert activity["hideLmsUi"] == ["previous", "exitAll"]
    assert activity["sharedDataMaps"] == [
        {"targetID": "bucket", "readSharedData": True, "writeSharedData": False}
    ]
    assert converted.has_sequencing is True  # only the engine delivers these


def test_objectives_with_map_flags() -> None:
    objectives = """<imsss:objectives>
        <imsss:primaryObjective objectiveID="p" satisfiedByMeasure="true">
          <imsss:minNormalizedMeasure>0.7</imsss:minNormalizedMeasure>
          <imsss:mapInfo targetObjectiveID="g1" readSatisfiedStatus="false"
              writeSatisfiedStatus="true" writeNormalizedMeasure="1"/>
        </imsss:primaryObjective>
        <imsss:objective objectiveID="o2">
          <imsss:mapInfo targetObjectiveID="g2"/>
          <imsss:mapInfo targetObjectiveID="g3" readNormalizedMeasure="false"/>
        </imsss:objective>
      </imsss:objectives>
      <adlseq:objectives>
        <adlseq:objective objectiveID="p">
          <adlseq:mapInfo targetObjectiveID="g1" writeCompletionStatus="true"
              readRawScore="false" writeProgressMeasure="true"/>
          <adlseq:mapInfo targetObjectiveID="g4"/>
        </adlseq:objective>
        <adlseq:objective objectiveID="nobody"><adlseq:mapInfo targetObjectiveID="g5"/>
        </adlseq:objective>
      </adlseq:objectives>"""
    converted = convert(leaf(sequencing=objectives))
    activity = act(converted, "i1")
    g1 = imsss_map("g1", readSatisfiedStatus=False, writeSatisfiedStatus=True)
    g1 |= {
        "writeNormalizedMeasure": True,
        "writeCompletionStatus": True,
        "writeProgressMeasure": True,
    }
    g1 |= {"readMinScore": True, "readMaxScore": True, "readCompletionStatus": True}
    g1 |= {"readProgressMeasure": True}  # readRawScore stays false
    assert activity["primaryObjective"] == {
        "objectiveID": "p",
        "satisfiedByMeasure": True,
        "minNormalizedMeasure": 0.7,
        "mapInfo": [g1, adlseq_map("g4")],
    }
    assert activity["objectives"] == [
        {
            "objectiveID": "o2",
            "satisfiedByMeasure": False,
            "mapInfo": [imsss_map("g2"), imsss_map("g3", readNormalizedMeasure=False)],
        }
    ]
    assert any("'nobody'" in w for w in converted.warnings)


@pytest.mark.parametrize(
    ("primary", "expected"),
    [
        ("<imsss:primaryObjective/>", None),
        ('<imsss:primaryObjective satisfiedByMeasure="true"/>', "i1#primary"),
        (
            "<imsss:primaryObjective><imsss:minNormalizedMeasure>0.5</imsss:minNormalizedMeasure>"
            "</imsss:primaryObjective>",
            "i1#primary",
        ),
    ],
)
def test_primary_objective_without_id(primary: str, expected: str | None) -> None:
    activity = act(
        convert(leaf(sequencing=f"<imsss:objectives>{primary}</imsss:objectives>")), "i1"
    )
    assert activity.get("primaryObjective", {}).get("objectiveID") == expected


def test_limit_conditions() -> None:
    limits = """<imsss:limitConditions attemptLimit="3" attemptAbsoluteDurationLimit="PT1H30M"
        activityAbsoluteDurationLimit="one hour" beginTimeLimit="2030-01-01T00:00:00"/>"""
    converted = convert(
        leaf(sequencing=limits) + leaf("i2", '<imsss:limitConditions attemptLimit="0"/>')
    )
    activity = act(converted, "i1")
    assert activity["attemptLimit"] == 3
    assert activity["attemptAbsoluteDurationLimit"] == "PT1H30M"
    assert activity["beginTimeLimit"] == "2030-01-01T00:00:00"
    assert "activityAbsoluteDurationLimit" not in activity
    assert any("'one hour'" in w for w in converted.warnings)
    assert "attemptLimit" not in act(converted, "i2")  # 0 is no limit (ADL SeqActivity)


@pytest.mark.parametrize(
    ("element", "version", "expected"),
    [
        (  # 3rd ed.: the text always decides completion by progress_measure
            "<adlcp:completionThreshold>0.8</adlcp:completionThreshold>",
            "2004 3rd Edition",
            {"completedByMeasure": True, "minProgressMeasure": 0.8, "progressWeight": 1.0},
        ),
        (
            '<adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.6"/>',
            "2004 4th Edition",
            {"completedByMeasure": True, "minProgressMeasure": 0.6, "progressWeight": 1.0},
        ),
        (
            '<adlcp:completionThreshold minProgressMeasure="0.6" progressWeight="0.2"/>',
            "2004 4th Edition",
            {"completedByMeasure": False, "minProgressMeasure": 0.6, "progressWeight": 0.2},
        ),
        (  # out of range: the engine would throw (activity.ts:1961-1969)
            '<adlcp:completionThreshold minProgressMeasure="1.5"/>',
            "2004 4th Edition",
            {"completedByMeasure": False, "minProgressMeasure": 1.0, "progressWeight": 1.0},
        ),
    ],
)
def test_completion_threshold(element: str, version: str, expected: dict[str, Any] | None) -> None:
    activity = act(convert(leaf(extra=element), version=version), "i1")
    assert activity.get("completionThreshold") == expected


def test_values_the_engine_would_throw_on_are_warnings() -> None:
    threshold = '<adlcp:completionThreshold minProgressMeasure="1.5" progressWeight="-1"/>'
    rollup = '<imsss:rollupRules objectiveMeasureWeight="2"/>'
    converted = convert(leaf(sequencing=rollup, extra=threshold))
    assert act(converted, "i1")["sequencingControls"]["objectiveMeasureWeight"] == 1.0
    assert len(converted.warnings) == 3, converted.warnings


def test_randomization_controls_go_to_sequencing_controls() -> None:
    random_el = """<imsss:randomizationControls selectionTiming="once" selectCount="2"
        randomizationTiming="onEachNewAttempt" reorderChildren="true"/>"""
    controls = act(convert(cluster("c", leaf("a") + leaf("b"), random_el)), "c")
    controls = controls["sequencingControls"]
    assert controls["selectionTiming"] == "once" and controls["selectCount"] == 2
    assert controls["randomizationTiming"] == "onEachNewAttempt"
    assert controls["randomizeChildren"] is True and "reorderChildren" not in controls


def test_course_without_sequencing_allows_choice_and_flow() -> None:
    converted = convert(leaf("a") + leaf("b"))
    assert converted.has_sequencing is False
    root = converted.settings["activityTree"]
    assert (root["sequencingControls"]["choice"], root["sequencingControls"]["flow"]) == (
        True,
        True,
    )
    assert converted.launch_urls == {"a": "sco.html", "b": "sco.html"}


def test_launch_urls_use_the_item_parameters() -> None:
    converted = convert(
        leaf(attrs='parameters="?page=2"')
        + '<item identifier="folder"><title>F</title>'
        + leaf("inner", attrs='parameters="#end"')
        + "</item>"
    )
    assert converted.launch_urls == {"i1": "sco.html?page=2", "inner": "sco.html#end"}
    assert ids(act(converted, "folder")) == ["inner"]


def test_duplicate_activity_ids_are_a_warning() -> None:
    converted = convert(leaf("same") + leaf("same"))
    assert any("'same' is used twice" in w for w in converted.warnings)


# --------------------------------------------------------------------------- randomization


def bank(sequencing: str, n: int = 5) -> dict[str, Any]:
    """A converted tree whose cluster "bank" has ``n`` leaves q1…qn."""
    leaves = "".join(leaf(f"q{i}") for i in range(1, n + 1))
    tree: dict[str, Any] = convert(cluster("bank", leaves, sequencing)).settings["activityTree"]
    return tree


SHUFFLE_EACH = (
    '<imsss:randomizationControls randomizationTiming="onEachNewAttempt" reorderChildren="true"/>'
)
SELECT_ONCE = '<imsss:randomizationControls selectionTiming="once" selectCount="2"/>'
BOTH_ONCE = (
    '<imsss:randomizationControls selectionTiming="once" selectCount="3" '
    'randomizationTiming="once" reorderChildren="true"/>'
)


def test_shuffle_with_a_fixed_seed() -> None:
    tree = bank(SHUFFLE_EACH)
    before = json.dumps(tree)
    shuffled, record = select_and_randomize(tree, random.Random(7))
    order = record["bank"]
    assert sorted(order) == ["q1", "q2", "q3", "q4", "q5"] and order != sorted(order)
    assert ids(find(shuffled, "bank")) == order
    assert json.dumps(tree) == before  # the input is left alone
    assert select_and_randomize(tree, random.Random(7))[1] == record  # reproducible
    controls = find(shuffled, "bank")["sequencingControls"]
    assert "reorderChildren" not in controls  # the engine reshuffles on its own new attempts


def test_shuffle_reaches_every_first_child() -> None:
    """Engine defect 2: the first attempt always started with the first child."""
    tree = bank(SHUFFLE_EACH, n=4)
    firsts = {select_and_randomize(tree, random.Random(seed))[1]["bank"][0] for seed in range(40)}
    assert firsts == {"q1", "q2", "q3", "q4"}


def test_selection_once_keeps_the_previous_choice() -> None:
    tree = bank(SELECT_ONCE)
    selected, record = select_and_randomize(tree, random.Random(1))
    assert len(record["bank"]) == 2
    assert ids(find(selected, "bank")) == record["bank"]
    assert record["bank"] == sorted(record["bank"])  # selected, not reordered
    assert find(selected, "bank")["sequencingControls"]["selectionCountStatus"] is True
    for seed in range(5):
        _, again = select_and_randomize(tree, random.Random(seed), previous=record)
        assert again == record


def test_both_once_marks_the_engine_done() -> None:
    tree = bank(BOTH_ONCE)
    result, record = select_and_randomize(tree, random.Random(3))
    assert len(record["bank"]) == 3
    controls = find(result, "bank")["sequencingControls"]
    assert controls["selectionCountStatus"] is True and controls["reorderChildren"] is True
    assert select_and_randomize(tree, random.Random(99), previous=record)[1] == record


def test_each_new_attempt_ignores_the_previous_choice() -> None:
    tree = bank(SHUFFLE_EACH)
    records = {
        tuple(select_and_randomize(tree, random.Random(s), previous={"bank": ["q1"]})[1]["bank"])
        for s in range(10)
    }
    assert len(records) > 1


def test_no_controls_no_record() -> None:
    tree = bank("<imsss:controlMode flow='true'/>")
    result, record = select_and_randomize(tree, random.Random(0))
    assert record == {} and result == tree


def test_apply_selection_record_replays_and_checks() -> None:
    tree = bank(BOTH_ONCE)
    result, record = select_and_randomize(tree, random.Random(5))
    assert apply_selection_record(tree, record) == result
    with pytest.raises(ValueError, match="does not match"):
        apply_selection_record(tree, {"bank": ["q1", "q9"]})
    with pytest.raises(ValueError, match="does not match"):
        apply_selection_record(tree, {"bank": ["q1", "q1"]})


def test_nested_selection_draws_only_inside_kept_children() -> None:
    inner = '<imsss:randomizationControls randomizationTiming="once" reorderChildren="true"/>'
    outer = '<imsss:randomizationControls selectionTiming="onEachNewAttempt" selectCount="1"/>'
    clusters = "".join(
        cluster(f"c{n}", leaf(f"c{n}a") + leaf(f"c{n}b") + leaf(f"c{n}c"), inner) for n in (1, 2)
    )
    tree = convert(cluster("top", clusters, outer)).settings["activityTree"]
    result, record = select_and_randomize(tree, random.Random(2))
    (kept,) = record["top"]
    assert set(record) == {"top", kept}
    assert ids(find(result, "top")) == [kept]


@needs_golf
def test_random_test_bank_with_a_seed() -> None:
    tree = golf(RANDOM_TEST).settings["activityTree"]
    result, record = select_and_randomize(tree, random.Random(0))
    assert set(record) == {"posttest_item"}
    assert sorted(record["posttest_item"]) == ["test_1", "test_2", "test_3", "test_4"]
    assert ids(find(result, "posttest_item")) == record["posttest_item"]
    assert ids(find(result, "content_wrapper")) == ids(find(tree, "content_wrapper"))


# --------------------------------------------------------------------------- in the engine

DRIVER = """
import { Scorm2004API } from "%s";
import { readFileSync } from "node:fs";
const scenarios = JSON.parse(readFileSync(process.argv[2], "utf8"));
const all = [];
for (const { settings, steps } of scenarios) {
  const delivered = [];
  const make = (state) => {
    const api = new Scorm2004API({ logLevel: 5, sequencing: { ...settings,
      eventListeners: { onActivityDelivery: (a) => delivered.push(a.id) } } });
    if (state) api.deserializeSequencingState(state);
    return api;
  };
  let api = make();
  const results = [];
  for (const [kind, arg, extra] of steps) {
    let value = {};
    if (kind === "nav") {
      value = api.processNavigationRequest(arg, extra);
    } else if (kind === "status") {
      value = api.getActivityTrackingData(arg).completionStatus;
    } else {  // one SCO session: read (null) or write the elements, then end it
      api.Initialize("");
      for (const [element, v] of Object.entries(arg)) {
        if (v === null) value[element] = api.GetValue(element);
        else api.SetValue(element, v);
      }
      if (extra) api.SetValue("adl.nav.request", extra);
      api.Terminate("");
      api = make(api.serializeSequencingState());  // a fresh API per SCO (SEQUENCING.md)
    }
    results.push([value, delivered.at(-1) ?? null]);
  }
  all.push({ results, delivered });
}
process.stdout.write("RESULT " + JSON.stringify(all) + "\\n");
"""


def run_engine(
    tmp_path: Path, scenarios: list[tuple[dict[str, Any], list[list[Any]]]]
) -> list[Any]:
    node = shutil.which("node")
    if node is None or not SCORM_AGAIN.is_file():
        pytest.skip("node or node_modules/scorm-again is missing (make install)")
    script = tmp_path / "drive.mjs"
    script.write_text(DRIVER % SCORM_AGAIN.as_uri())
    data = tmp_path / "scenarios.json"
    data.write_text(json.dumps([{"settings": s, "steps": steps} for s, steps in scenarios]))
    done = subprocess.run(
        [node, str(script), str(data)], capture_output=True, text=True, timeout=60, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stderr[-3000:]
    results: list[Any] = json.loads(lines[-1].removeprefix("RESULT "))
    return results


DONE = {"cmi.completion_status": "completed", "cmi.success_status": "passed"}


@needs_golf
def test_engine_runs_the_converted_golf_trees(tmp_path: Path) -> None:
    random_tree, record = select_and_randomize(
        golf(RANDOM_TEST).settings["activityTree"], random.Random(0)
    )
    content = [["sco", {"cmi.completion_status": "completed"}, "continue"]] * 4
    failed = {"cmi.completion_status": "completed", "cmi.success_status": "failed"}
    scenarios = [
        (
            golf(FORCED).settings,
            [
                ["nav", "start"],
                ["nav", "choice", "handicapping_item"],  # skipping ahead is refused
                ["sco", DONE, "continue"],
                ["nav", "choice", "playing_item"],  # going back is allowed
                ["nav", "choice", "havingfun_item"],
            ],
        ),
        ({"activityTree": random_tree}, [["nav", "start"], *content, ["sco", failed, None]]),
        (
            golf(FOURTH).settings,
            [
                ["nav", "start"],
                [
                    "sco",
                    {"adl.data._count": None, "adl.data.0.id": None, "adl.data.0.store": "note"},
                    "{target=assessment_item}jump",
                ],
                ["sco", {"adl.data.0.store": None}, None],
            ],
        ),
        *(
            (golf(name).settings, [["nav", "start"]])
            for name in (REMEDIATION, POST_TEST, PRE_OR_POST)
        ),
    ]
    runs = run_engine(tmp_path, scenarios)
    forced, randomized, fourth, *others = (run["results"] for run in runs)
    deliveries = runs[1]["delivered"]

    assert forced == [
        [True, "playing_item"],
        [False, "playing_item"],
        [{}, "etuqiette_item"],
        [True, "playing_item"],
        [False, "playing_item"],
    ]
    # The bank starts where the server's draw says; a failure retries with a test of the bank
    # (the engine reshuffles, so possibly the same one).
    assert randomized[4] == [{}, record["posttest_item"][0]]
    assert len(deliveries) == 6 and deliveries[-1] in record["posttest_item"]
    notes = "com.scorm.golfsamples.sequencing.forcedsequential.notesStorage"
    assert fourth[1] == [{"adl.data._count": "1", "adl.data.0.id": notes}, "assessment_item"]
    assert fourth[2] == [{"adl.data.0.store": "note"}, "assessment_item"]
    first = {REMEDIATION: "playing_item", POST_TEST: "playing_item", PRE_OR_POST: "pretest_item"}
    assert [o[0] for o in others] == [
        [True, first[n]] for n in (REMEDIATION, POST_TEST, PRE_OR_POST)
    ]


def test_engine_takes_the_edge_case_shapes(tmp_path: Path) -> None:
    """A percent rollup counts in percent, a measure threshold and a skip rule load, and a
    server-side "once" shuffle is not shuffled again by the engine."""
    skip = """<imsss:sequencingRules><imsss:preConditionRule><imsss:ruleConditions>
        <imsss:ruleCondition condition="objectiveMeasureGreaterThan" measureThreshold="0.5"/>
        </imsss:ruleConditions><imsss:ruleAction action="skip"/></imsss:preConditionRule>
      </imsss:sequencingRules>"""
    half = """<imsss:controlMode flow="true"/><imsss:rollupRules>
        <imsss:rollupRule childActivitySet="atLeastPercent" minimumPercent="0.5">
          <imsss:rollupConditions><imsss:rollupCondition condition="completed"/>
          </imsss:rollupConditions><imsss:rollupAction action="completed"/></imsss:rollupRule>
      </imsss:rollupRules>"""
    items = leaf("a", skip) + leaf("b") + leaf("c") + f"<imsss:sequencing>{half}</imsss:sequencing>"
    done = {"cmi.completion_status": "completed"}
    percent = [
        ["nav", "start"],
        ["sco", done, "continue"],
        ["status", "org"],  # 1 of 3 is less than 50 %
        ["sco", done, "continue"],
        ["status", "org"],  # 2 of 3
    ]
    shuffle_once = '<imsss:controlMode flow="true"/><imsss:randomizationControls '
    shuffle_once += 'randomizationTiming="once" reorderChildren="true"/>'
    bank_items = cluster("bank", leaf("q1") + leaf("q2") + leaf("q3"), shuffle_once)
    bank_tree = convert(
        bank_items, org='<imsss:sequencing><imsss:controlMode flow="true"/></imsss:sequencing>'
    ).settings["activityTree"]
    shuffled = apply_selection_record(bank_tree, {"bank": ["q3", "q1", "q2"]})
    walk = [["nav", "start"], ["sco", done, "continue"], ["sco", done, "continue"]]
    runs = run_engine(
        tmp_path,
        [(convert("", org=items).settings, percent), ({"activityTree": shuffled}, walk)],
    )
    (start, first, one_third, second, two_thirds) = runs[0]["results"]
    assert (start, first, second) == ([True, "a"], [{}, "b"], [{}, "c"])
    assert one_third[0] != "completed"  # minimumPercent 0.5 read as 0.5 % would complete it
    assert two_thirds[0] == "completed"
    assert runs[1]["delivered"] == ["q3", "q1", "q2"]
