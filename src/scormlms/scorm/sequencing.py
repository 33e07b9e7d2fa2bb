"""SCORM 2004 sequencing: the manifest's activity tree in the shape scorm-again's engine takes.

:func:`build_sequencing` turns a parsed :class:`~scormlms.scorm.manifest.Manifest` into a
:class:`Sequencing`:

* ``settings`` — the ``sequencing`` object of scorm-again 3.4.3's
  ``new Scorm2004API({sequencing: settings})``. It holds only ``activityTree``: the engine reads
  the top-level ``sequencingControls`` / ``sequencingRules`` / ``rollupRules`` into objects no
  process consults (``src/Scorm2004API.ts:1421-1460``, ``src/services/SequencingService.ts:
  158-163``); the organization's own sequencing is the root activity's. The caller adds
  ``eventListeners``. ``collections`` is not needed: the parser has already merged each
  ``IDRef`` (local children win, SCORM 2004 CAM ``<imsss:sequencingCollection>``).
* ``launch_urls`` — activity id → launch URL of every launchable item: the parser's
  :attr:`~scormlms.scorm.manifest.Item.launch_url` (resource href with ``xml:base`` applied,
  plus the item's ``parameters`` by :func:`~scormlms.scorm.manifest.build_launch_url`), the
  same URL the courses app stores. The engine's tree has no URLs.
* ``has_sequencing`` — a SCORM 2004 manifest that declares any sequencing (an
  ``imsss:sequencing`` on the organization or an item) or anything only the engine delivers
  (``adlnav:hideLMSUI``, ``adlcp:data``). Without it the course keeps the free table of
  contents (SPEC §11); its tree then allows choice *and* flow everywhere, as SPEC §11 says.

:func:`select_and_randomize` and :func:`apply_selection_record` work around engine defect 2
(SEQUENCING.md): the engine shuffles an aggregation's children only when the aggregation's new
attempt begins, after flow has already picked the first child
(``src/cmi/scorm2004/sequencing/handlers/delivery_handler.ts:332-338``), so the server applies
``randomizationControls`` itself when the attempt is created and keeps the record with it.

Where the engine's defaults differ from the IMS SS XSDs (``imsss_v1p0*.xsd``, ``adlseq_v1p3.xsd``,
``adlcp_v1p3.xsd``, shipped in every golf package), the XSD value is written out. Source lines
cited as ``src/…`` are scorm-again 3.4.3's TypeScript, recovered from
``node_modules/scorm-again/dist/esm/scorm2004.js.map``.

Not converted: ``imsss:auxiliaryResources`` and the experienced-duration limit conditions
(SCORM 2004 does not require an LMS to honour them; ``ActivitySettings`` has no field for the
latter), and ``adlcp:timeLimitAction`` / ``dataFromLMS`` (run-time data the player sets).
"""

from __future__ import annotations

import copy
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import defusedxml.ElementTree as SafeET

from scormlms.scorm.manifest import (
    NS_ADLCP_2004,
    NS_ADLNAV,
    NS_ADLSEQ,
    Item,
    Manifest,
)

__all__ = [
    "Sequencing",
    "apply_selection_record",
    "build_sequencing",
    "select_and_randomize",
]

Json = dict[str, Any]
SelectionRecord = dict[str, list[str]]

_NOT_IMSSS = frozenset({NS_ADLSEQ, NS_ADLNAV, NS_ADLCP_2004})
_TIMINGS = ("never", "once", "onEachNewAttempt")  # imsss_v1p0util.xsd, randomTimingType

# imsss_v1p0seqrule.xsd: the actions each kind of rule may take.
_RULE_ACTIONS = {
    "pre": ("skip", "disabled", "hiddenFromChoice", "stopForwardTraversal"),
    "exit": ("exit",),
    "post": ("exitParent", "exitAll", "retry", "retryAll", "continue", "previous"),
}
# imsss_v1p0util.xsd, sequencingRuleConditionType; the engine knows every one of them
# (src/cmi/scorm2004/sequencing/sequencing_rules.ts:21-38).
_RULE_CONDITIONS = frozenset(
    {
        "satisfied",
        "objectiveStatusKnown",
        "objectiveMeasureKnown",
        "objectiveMeasureGreaterThan",
        "objectiveMeasureLessThan",
        "completed",
        "activityProgressKnown",
        "attempted",
        "attemptLimitExceeded",
        "timeLimitExceeded",
        "outsideAvailableTimeRange",
        "always",
    }
)
# imsss_v1p0util.xsd, rollupRuleConditionType → the engine's RollupConditionType
# (src/cmi/scorm2004/sequencing/rollup_rules.ts:20-32), which spells activityProgressKnown
# "progressKnown" and has no time conditions: those evaluate to false (rollup_rules.ts:215-216).
_ROLLUP_CONDITIONS = {
    "satisfied": "satisfied",
    "objectiveStatusKnown": "objectiveStatusKnown",
    "objectiveMeasureKnown": "objectiveMeasureKnown",
    "completed": "completed",
    "activityProgressKnown": "progressKnown",
    "attempted": "attempted",
    "attemptLimitExceeded": "attemptLimitExceeded",
}
_ROLLUP_TIME_CONDITIONS = frozenset({"timeLimitExceeded", "outsideAvailableTimeRange"})
_ROLLUP_ACTIONS = frozenset({"satisfied", "notSatisfied", "completed", "incomplete"})
_CHILD_ACTIVITY_SETS = frozenset({"all", "any", "none", "atLeastCount", "atLeastPercent"})
_ROLLUP_CONSIDERATIONS = frozenset({"always", "ifAttempted", "ifNotSkipped", "ifNotSuspended"})

# Objective map flags and their XSD defaults: imsss:mapInfo (imsss_v1p0objective.xsd,
# objectiveMappingType) and adlseq:mapInfo (adlseq_v1p3.xsd, mapInfoType). The engine defaults
# every read flag to true (src/configuration/activity_tree_builder.ts:292-309), so an imsss map
# would also read completion and scores; each entry therefore spells out the flags of both,
# the other namespace's as false.
_IMSSS_MAP_FLAGS = {
    "readSatisfiedStatus": True,
    "readNormalizedMeasure": True,
    "writeSatisfiedStatus": False,
    "writeNormalizedMeasure": False,
}
_ADLSEQ_MAP_FLAGS = {
    "readRawScore": True,
    "readMinScore": True,
    "readMaxScore": True,
    "readCompletionStatus": True,
    "readProgressMeasure": True,
    "writeRawScore": False,
    "writeMinScore": False,
    "writeMaxScore": False,
    "writeCompletionStatus": False,
    "writeProgressMeasure": False,
}

# The engine throws on a duration its CMITimespan pattern refuses
# (src/cmi/scorm2004/sequencing/activity.ts:1570-1580, 1616-1626;
# src/constants/regex.ts:201-202), which would stop the whole player: such a limit is dropped.
_TIMESPAN = re.compile(
    r"^P(?:([.,\d]+)Y)?(?:([.,\d]+)M)?(?:([.,\d]+)W)?(?:([.,\d]+)D)?"
    r"(?:T?(?:([.,\d]+)H)?(?:([.,\d]+)M)?(?:(\d+(?:\.\d{1,2})?)S)?)?$"
)


@dataclass(frozen=True, kw_only=True)
class Sequencing:
    """What :func:`build_sequencing` returns; see the module docstring.

    ``objectives_global_to_system`` / ``shared_data_global_to_system`` are the organization's
    flags: the engine ignores them, the server decides how widely global objectives and
    shared data buckets are stored.
    """

    settings: Json
    launch_urls: dict[str, str]
    has_sequencing: bool
    objectives_global_to_system: bool
    shared_data_global_to_system: bool
    warnings: tuple[str, ...] = ()


def build_sequencing(manifest: Manifest) -> Sequencing:
    """Convert a parsed manifest to scorm-again's sequencing settings (module docstring)."""
    org = manifest.organization
    items = [item for item, _ in manifest.iter_items()]
    has_sequencing = manifest.standard == "2004" and bool(
        org.sequencing_xml or any(i.sequencing_xml or i.hide_lms_ui or i.shared_data for i in items)
    )
    builder = _Builder(default_flow=not has_sequencing)
    root = builder.activity(org.identifier, org.title, org.sequencing_xml, None)
    root["children"] = [builder.item(item) for item in org.items]
    seen: set[str] = set()
    for ident in [org.identifier, *(i.identifier for i in items)]:
        if ident in seen:
            builder.warnings.append(
                f"The activity id {ident!r} is used twice; sequencing cannot tell them apart."
            )
        seen.add(ident)
    return Sequencing(
        settings={"activityTree": root},
        launch_urls={i.identifier: i.launch_url for i in items if i.launch_url is not None},
        has_sequencing=has_sequencing,
        objectives_global_to_system=org.objectives_global_to_system,
        shared_data_global_to_system=org.shared_data_global_to_system,
        warnings=tuple(builder.warnings),
    )


# --------------------------------------------------------------------------- XML helpers


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ns(tag: object) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _imsss(el: ET.Element | None, name: str) -> list[ET.Element]:
    """imsss children by local name (``adlseq:objectives`` shares a local name)."""
    if el is None:
        return []
    return [c for c in el if _local(c.tag) == name and _ns(c.tag) not in _NOT_IMSSS]


def _first(el: ET.Element | None, name: str) -> ET.Element | None:
    found = _imsss(el, name)
    return found[0] if found else None


def _adlseq(el: ET.Element | None, name: str) -> list[ET.Element]:
    if el is None:
        return []
    return [c for c in el if _local(c.tag) == name and _ns(c.tag) == NS_ADLSEQ]


def _attr(el: ET.Element | None, name: str) -> str:
    return (el.get(name) or "").strip() if el is not None else ""


def _bool(el: ET.Element | None, name: str, default: bool) -> bool:
    """An xs:boolean attribute; anything but true/false/1/0 is the default."""
    value = _attr(el, name).lower()
    return {"true": True, "1": True, "false": False, "0": False}.get(value, default)


def _text(el: ET.Element | None) -> str | None:
    text = (el.text or "").strip() if el is not None else ""
    return text or None


# --------------------------------------------------------------------------- conversion


class _Builder:
    """One conversion: the warnings it collects and the flow default it applies."""

    def __init__(self, *, default_flow: bool) -> None:
        self.default_flow = default_flow
        self.warnings: list[str] = []

    def number(
        self, value: str | None, what: str, low: float, high: float | None = None
    ) -> float | None:
        if value is None or not value.strip():
            return None
        try:
            number = float(value.strip())
        except ValueError:
            number = float("nan")
        if not (number >= low and (high is None or number <= high)):
            upper = f" to {high:g}" if high is not None else " or more"
            self.warnings.append(f"{what} is {value.strip()!r}, not {low:g}{upper}; ignored.")
            return None
        return number

    def item(self, item: Item) -> Json:
        activity = self.activity(item.identifier, item.title, item.sequencing_xml, item)
        if item.children:
            activity["children"] = [self.item(child) for child in item.children]
        return activity

    def activity(self, ident: str, title: str, sequencing_xml: str, item: Item | None) -> Json:
        seq = SafeET.fromstring(sequencing_xml) if sequencing_xml else None
        label = f"Activity {ident!r}"
        out: Json = {
            "id": ident,
            "title": title,
            "isVisible": item.is_visible if item is not None else True,
            "sequencingControls": self.controls(seq, label),
            "deliveryControls": _delivery_controls(seq),
        }
        out.update(self.limits(_first(seq, "limitConditions"), label))
        out.update(self.objectives(seq, ident, label))
        rules = {
            f"{kind}ConditionRules": self.rules(seq, kind, label)
            for kind in ("pre", "exit", "post")
        }
        if any(rules.values()):
            out["sequencingRules"] = rules
        rollup = self.rollup_rules(_first(seq, "rollupRules"), label)
        if rollup:
            out["rollupRules"] = {"rules": rollup}
        considerations = self.rollup_considerations(seq, label)
        if considerations:
            out["rollupConsiderations"] = considerations
        if item is not None:
            out.update(self.item_extensions(item, label))
        return out

    def controls(self, seq: ET.Element | None, label: str) -> Json:
        """``sequencingControls``: controlMode, constrainedChoiceConsiderations, the
        rollupRules attributes and randomizationControls all land here
        (src/configuration/sequencing_configuration_builder.ts:43-113)."""
        mode = _first(seq, "controlMode")
        choice = next(iter(_adlseq(seq, "constrainedChoiceConsiderations")), None)
        rollup = _first(seq, "rollupRules")
        weight = self.number(
            _attr(rollup, "objectiveMeasureWeight"), f"{label} objectiveMeasureWeight", 0, 1
        )
        random_el = _first(seq, "randomizationControls")
        controls: Json = {
            # imsss_v1p0control.xsd defaults. The engine defaults flow to true
            # (src/cmi/scorm2004/sequencing/sequencing_controls.ts:30); the XSD says false.
            "choice": _bool(mode, "choice", True),
            "choiceExit": _bool(mode, "choiceExit", True),
            "flow": _bool(mode, "flow", self.default_flow),
            "forwardOnly": _bool(mode, "forwardOnly", False),
            "useCurrentAttemptObjectiveInfo": _bool(mode, "useCurrentAttemptObjectiveInfo", True),
            "useCurrentAttemptProgressInfo": _bool(mode, "useCurrentAttemptProgressInfo", True),
            # adlseq_v1p3.xsd, constrainChoiceConsiderationsType.
            "preventActivation": _bool(choice, "preventActivation", False),
            "constrainChoice": _bool(choice, "constrainChoice", False),
            # imsss_v1p0rollup.xsd, rollupRulesType attributes.
            "rollupObjectiveSatisfied": _bool(rollup, "rollupObjectiveSatisfied", True),
            "rollupProgressCompletion": _bool(rollup, "rollupProgressCompletion", True),
            "objectiveMeasureWeight": 1.0 if weight is None else weight,
            # imsss_v1p0random.xsd. reorderChildren becomes randomizeChildren: the engine keeps
            # its own reorderChildren as "already randomized"
            # (src/cmi/scorm2004/sequencing/selection_randomization.ts:93-98, 183).
            "selectionTiming": self.timing(random_el, "selectionTiming", label),
            "randomizationTiming": self.timing(random_el, "randomizationTiming", label),
            "randomizeChildren": _bool(random_el, "reorderChildren", False),
        }
        # The engine refuses 0 (sequencing_controls.ts:376-380): selecting nothing is no plan.
        count = self.number(_attr(random_el, "selectCount"), f"{label} selectCount", 1)
        if count is not None:
            controls["selectCount"] = int(count)
        return controls

    def timing(self, el: ET.Element | None, name: str, label: str) -> str:
        value = _attr(el, name) or "never"
        if value not in _TIMINGS:
            self.warnings.append(f"{label} {name} is {value!r}; 'never' is used.")
            return "never"
        return value

    def limits(self, limit: ET.Element | None, label: str) -> Json:
        if limit is None:
            return {}
        out: Json = {}
        attempts = self.number(limit.get("attemptLimit"), f"{label} attemptLimit", 0.0)
        # attemptLimit="0" is no limit, as in ADL's reference implementation
        # (SeqActivity.setAttemptLimit); the engine would read it as "no attempt allowed"
        # (src/cmi/scorm2004/sequencing/activity.ts:1484-1492).
        if attempts:
            out["attemptLimit"] = int(attempts)
        for name in ("attemptAbsoluteDurationLimit", "activityAbsoluteDurationLimit"):
            value = _attr(limit, name)
            if value and _TIMESPAN.match(value):
                out[name] = value
            elif value:
                self.warnings.append(f"{label} {name} {value!r} is no ISO 8601 duration; ignored.")
        for name in ("beginTimeLimit", "endTimeLimit"):
            if value := _attr(limit, name):
                out[name] = value
        return out

    def objectives(self, seq: ET.Element | None, ident: str, label: str) -> Json:
        """``primaryObjective`` and ``objectives``, each with its imsss and adlseq maps.

        The engine keys objectives by ``objectiveID`` and drops one without
        (src/configuration/activity_tree_builder.ts:59-79). A primary objective may lack one
        (imsss_v1p0objective.xsd); when it carries something the engine needs
        (satisfiedByMeasure, a threshold, maps) it gets ``<activity id>#primary``.
        """
        container = _first(seq, "objectives")
        extra_maps: dict[str, list[ET.Element]] = {}
        for adl in _adlseq(seq, "objectives"):
            for obj in _adlseq(adl, "objective"):
                if oid := _attr(obj, "objectiveID"):
                    extra_maps.setdefault(oid, []).extend(_adlseq(obj, "mapInfo"))
        out: Json = {}
        known: set[str] = set()
        primary = _first(container, "primaryObjective")
        if primary is not None:
            oid = _attr(primary, "objectiveID")
            converted = self.objective(primary, oid, extra_maps.get(oid, []), label)
            needed = converted["satisfiedByMeasure"] or len(converted) > 2  # threshold, maps
            if not oid and needed:
                converted["objectiveID"] = f"{ident}#primary"
            if converted["objectiveID"]:
                out["primaryObjective"] = converted
                known.add(oid)
        others = []
        for obj in _imsss(container, "objective"):
            oid = _attr(obj, "objectiveID")
            if not oid:
                self.warnings.append(f"{label} has an objective without objectiveID; ignored.")
                continue
            others.append(self.objective(obj, oid, extra_maps.get(oid, []), label))
            known.add(oid)
        if others:
            out["objectives"] = others
        for oid in sorted(extra_maps.keys() - known):
            self.warnings.append(
                f"{label} has adlseq:objective {oid!r}, which names no imsss objective of the "
                "activity (SCORM 2004 4th ed. CAM); ignored."
            )
        return out

    def objective(self, el: ET.Element, oid: str, adl_maps: list[ET.Element], label: str) -> Json:
        out: Json = {
            "objectiveID": oid,
            "satisfiedByMeasure": _bool(el, "satisfiedByMeasure", False),
        }
        measure = self.number(
            _text(_first(el, "minNormalizedMeasure")),
            f"{label} minNormalizedMeasure",
            -1.0,
            1.0,
        )
        if measure is not None:
            out["minNormalizedMeasure"] = measure
        maps: dict[str, Json] = {}
        sources = [(m, _IMSSS_MAP_FLAGS) for m in _imsss(el, "mapInfo")]
        sources += [(m, _ADLSEQ_MAP_FLAGS) for m in adl_maps]
        for mapping, flags in sources:
            target = _attr(mapping, "targetObjectiveID")
            if not target:
                self.warnings.append(f"{label} has a mapInfo without targetObjectiveID; ignored.")
                continue
            entry = maps.setdefault(
                target,
                {"targetObjectiveID": target}
                | dict.fromkeys([*_IMSSS_MAP_FLAGS, *_ADLSEQ_MAP_FLAGS], False),
            )
            entry.update({name: _bool(mapping, name, default) for name, default in flags.items()})
        if maps:
            out["mapInfo"] = list(maps.values())
        return out

    def rules(self, seq: ET.Element | None, kind: str, label: str) -> list[Json]:
        rules = []
        for rule in _imsss(_first(seq, "sequencingRules"), f"{kind}ConditionRule"):
            action = _attr(_first(rule, "ruleAction"), "action")
            if action not in _RULE_ACTIONS[kind]:
                self.warnings.append(
                    f"{label} has a {kind}ConditionRule with action {action!r}; the rule is "
                    "ignored."
                )
                continue
            conditions_el = _first(rule, "ruleConditions")
            conditions = [
                self.rule_condition(c, label) for c in _imsss(conditions_el, "ruleCondition")
            ]
            if None in conditions:
                continue
            rules.append(
                {
                    "action": action,
                    # imsss_v1p0seqrule.xsd: conditionCombination defaults to "all"; the engine
                    # takes "all"/"any" (src/cmi/scorm2004/sequencing/sequencing_rules.ts:106-124).
                    "conditionCombination": _combination(conditions_el, "all"),
                    "conditions": conditions,
                }
            )
        return rules

    def rule_condition(self, el: ET.Element, label: str) -> Json | None:
        condition = _attr(el, "condition")
        if condition not in _RULE_CONDITIONS:
            self.warnings.append(
                f"{label} has a rule condition {condition!r}; the rule is ignored."
            )
            return None
        out: Json = {"condition": condition}
        # The engine knows only "not" (sequencing_rules.ts:393); noOp is no operator.
        if _attr(el, "operator") == "not":
            out["operator"] = "not"
        if referenced := _attr(el, "referencedObjective"):
            out["referencedObjective"] = referenced
        threshold = self.number(el.get("measureThreshold"), f"{label} measureThreshold", -1, 1)
        if threshold is not None:
            # Read as parameters.threshold (sequencing_rules.ts:314, 329).
            out["parameters"] = {"threshold": threshold}
        return out

    def rollup_rules(self, rollup: ET.Element | None, label: str) -> list[Json]:
        rules = []
        for rule in _imsss(rollup, "rollupRule"):
            converted = self.rollup_rule(rule, label)
            if converted is None:
                self.warnings.append(f"{label} has a rollupRule this LMS cannot read; ignored.")
            else:
                rules.append(converted)
        return rules

    def rollup_rule(self, rule: ET.Element, label: str) -> Json | None:
        action = _attr(_first(rule, "rollupAction"), "action")
        # childActivitySet → consideration, default "all" (imsss_v1p0rollup.xsd; the engine
        # counts children by it in rollup/rollup_rule_evaluator.ts:94-112).
        consideration = _attr(rule, "childActivitySet") or "all"
        if action not in _ROLLUP_ACTIONS or consideration not in _CHILD_ACTIVITY_SETS:
            return None
        conditions_el = _first(rule, "rollupConditions")
        conditions = []
        for cond in _imsss(conditions_el, "rollupCondition"):
            token = _attr(cond, "condition")
            if token in _ROLLUP_TIME_CONDITIONS:
                self.warnings.append(
                    f"{label} has the rollup condition {token!r}, which the engine always "
                    "evaluates to false."
                )
            elif token not in _ROLLUP_CONDITIONS:
                return None
            converted: Json = {"condition": _ROLLUP_CONDITIONS.get(token, token)}
            if _attr(cond, "operator") == "not":
                converted["operator"] = "not"
            conditions.append(converted)
        out: Json = {
            "action": action,
            "consideration": consideration,
            # rollupConditions conditionCombination defaults to "any" (imsss_v1p0rollup.xsd;
            # rollup_rule_evaluator.ts:125-136).
            "conditionCombination": _combination(conditions_el, "any"),
            "conditions": conditions,
        }
        if consideration == "atLeastCount":
            count = self.number(rule.get("minimumCount"), f"{label} minimumCount", 0)
            out["minimumCount"] = int(count or 0)
        elif consideration == "atLeastPercent":
            share = self.number(rule.get("minimumPercent"), f"{label} minimumPercent", 0, 1)
            # The XSD's percentType is 0–1; the engine compares with a 0–100 percentage
            # (rollup_rule_evaluator.ts:106-109, rollup_rules.ts:379-383).
            out["minimumPercent"] = round((share or 0.0) * 100, 6)
        return out

    def rollup_considerations(self, seq: ET.Element | None, label: str) -> Json:
        """``adlseq:rollupConsiderations`` with the adlseq_v1p3.xsd defaults."""
        found = _adlseq(seq, "rollupConsiderations")
        if not found:
            return {}
        el = found[0]
        out: Json = {}
        for name in (
            "requiredForSatisfied",
            "requiredForNotSatisfied",
            "requiredForCompleted",
            "requiredForIncomplete",
        ):
            value = _attr(el, name) or "always"
            if value not in _ROLLUP_CONSIDERATIONS:
                self.warnings.append(f"{label} {name} is {value!r}; 'always' is used.")
                value = "always"
            out[name] = value
        out["measureSatisfactionIfActive"] = _bool(el, "measureSatisfactionIfActive", True)
        return out

    def item_extensions(self, item: Item, label: str) -> Json:
        out: Json = {}
        if (
            item.completion_threshold is not None
            or item.completed_by_measure
            or item.progress_weight != 1.0
        ):
            threshold = self.number(
                None if item.completion_threshold is None else str(item.completion_threshold),
                f"{label} completionThreshold",
                0,
                1,
            )
            weight = self.number(str(item.progress_weight), f"{label} progressWeight", 0)
            out["completionThreshold"] = {
                # The 3rd ed. threshold (element text) always decides completion from
                # progress_measure, as completedByMeasure="true" does in the 4th; and the engine
                # hands cmi.completion_threshold to the SCO only then
                # (src/configuration/activity_tree_builder.ts:204-207, Scorm2004API.ts:323-328).
                "completedByMeasure": item.completed_by_measure
                or (item.completion_threshold_is_text and threshold is not None),
                "minProgressMeasure": 1.0 if threshold is None else threshold,
                "progressWeight": 1.0 if weight is None else weight,
            }
        if item.hide_lms_ui:
            # Inherited by descendants in the engine (delivery_handler.ts:493-509); the CAM puts
            # adlnav:presentation on leaf items only.
            out["hideLmsUi"] = list(item.hide_lms_ui)
        if item.shared_data:
            out["sharedDataMaps"] = [
                {
                    "targetID": m.target_id,
                    "readSharedData": m.read_shared_data,
                    "writeSharedData": m.write_shared_data,
                }
                for m in item.shared_data
            ]
        return out


def _delivery_controls(seq: ET.Element | None) -> Json:
    """imsss_v1p0delivery.xsd defaults; the engine folds them into sequencingControls
    (src/configuration/activity_tree_builder.ts:170-175)."""
    delivery = _first(seq, "deliveryControls")
    return {
        "tracked": _bool(delivery, "tracked", True),
        "completionSetByContent": _bool(delivery, "completionSetByContent", False),
        "objectiveSetByContent": _bool(delivery, "objectiveSetByContent", False),
    }


def _combination(conditions: ET.Element | None, default: str) -> str:
    value = _attr(conditions, "conditionCombination")
    return value if value in ("all", "any") else default


# --------------------------------------------------------------------------- randomization


def select_and_randomize(
    activity_tree: Mapping[str, Any],
    rng: random.Random,
    previous: Mapping[str, Sequence[str]] | None = None,
) -> tuple[Json, SelectionRecord]:
    """Apply each aggregation's selection and randomization controls to a converted tree.

    For every activity whose ``selectionTiming`` is not ``never`` and whose ``selectCount`` is
    below its number of children, ``selectCount`` children are drawn (SN SR.1); for every one
    with ``randomizeChildren`` and a ``randomizationTiming`` other than ``never``, the (selected)
    children are shuffled (SN SR.2). ``previous`` is the record of the learner's earlier
    attempt: a ``once`` timing keeps its choice. Returns the new tree (the input is not changed)
    and the record — aggregation id → child ids in delivery order, only where something was
    drawn — which :func:`apply_selection_record` replays.
    """
    record: SelectionRecord = {}
    earlier = previous or {}

    def choose(activity: Mapping[str, Any], ids: list[str]) -> list[str] | None:
        order = _draw(activity, ids, rng, earlier.get(activity["id"]))
        if order is not None:
            record[activity["id"]] = order
        return order

    return _reshape(activity_tree, choose), record


def apply_selection_record(activity_tree: Mapping[str, Any], record: SelectionRecord) -> Json:
    """The tree with each recorded aggregation's children reduced to and ordered as the record
    says. Raises :class:`ValueError` when the record names a child the tree lacks (the course
    changed since the record was made).

    Unselected children are left out rather than marked unavailable: the engine's own
    re-selection on a later new attempt only ever marks children unavailable, never back
    (selection_randomization.ts:66-72, 208), so a marked subset would shrink. A ``once`` timing
    is marked done so that the engine does not draw again (its ``selectionCountStatus`` and
    ``reorderChildren`` flags, selection_randomization.ts:24, 93, 173, 183); an
    ``onEachNewAttempt`` one is left to the engine for the attempts it starts itself (retry).
    """

    def choose(activity: Mapping[str, Any], ids: list[str]) -> list[str] | None:
        order = record.get(activity["id"])
        if order is None:
            return None
        if len(set(order)) != len(order) or not set(order) <= set(ids):
            raise ValueError(
                f"The selection recorded for {activity['id']!r} ({list(order)}) does not match "
                f"its children ({ids})."
            )
        return list(order)

    return _reshape(activity_tree, choose)


Chooser = Callable[[Mapping[str, Any], list[str]], list[str] | None]


def _reshape(activity: Mapping[str, Any], choose: Chooser) -> Json:
    """A copy of the tree where ``choose`` may reorder or reduce each activity's children."""
    out = {k: copy.deepcopy(v) for k, v in activity.items() if k != "children"}
    children: list[Mapping[str, Any]] = list(activity.get("children") or [])
    order = choose(activity, [c["id"] for c in children]) if children else None
    if order is not None:
        by_id = {c["id"]: c for c in children}
        children = [by_id[i] for i in order]
        controls = dict(activity.get("sequencingControls") or {})
        if controls.get("selectionTiming") == "once":
            controls["selectionCountStatus"] = True
        if controls.get("randomizationTiming") == "once" and controls.get("randomizeChildren"):
            controls["reorderChildren"] = True
        out["sequencingControls"] = controls
    if "children" in activity:
        out["children"] = [_reshape(child, choose) for child in children]
    return out


def _draw(
    activity: Mapping[str, Any],
    ids: list[str],
    rng: random.Random,
    earlier: Sequence[str] | None,
) -> list[str] | None:
    controls = activity.get("sequencingControls") or {}
    selection = controls.get("selectionTiming", "never")
    count: int = controls.get("selectCount") or len(ids)
    select = selection != "never" and count < len(ids)
    timing = controls.get("randomizationTiming", "never")
    shuffle = timing != "never" and bool(controls.get("randomizeChildren"))
    if not (select or shuffle):
        return None
    kept = list(earlier) if earlier is not None and set(earlier) <= set(ids) else None
    picked = ids
    if select:
        reuse = selection == "once" and kept is not None and len(kept) == count
        chosen = set(kept) if reuse and kept else set(rng.sample(ids, count))
        picked = [i for i in ids if i in chosen]
    if not shuffle:
        return picked
    if timing == "once" and kept and set(kept) == set(picked):
        return kept
    order = list(picked)
    rng.shuffle(order)
    return order
