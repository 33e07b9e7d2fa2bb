"""The 17 Rustici "Golf Explained" sample packages extract and parse to what their manifests
say (facts read with ``unzip -l`` / ``unzip -p … imsmanifest.xml``).

The corpus lives outside the repository and is never copied into it.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from scormlms.scorm.manifest import Item, Manifest, parse_manifest
from scormlms.scorm.package import ExtractResult, extract_package

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "golf"

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"golf sample corpus not found at {CORPUS}"
)


@dataclass(frozen=True)
class Expect:
    standard: str
    edition: str | None
    title: str
    files: int  # regular files in the zip (unzip -l)
    total_bytes: int  # uncompressed total (unzip -l)
    items: int  # all items of the default organization
    launchable: int
    scos: int  # launchable items whose resource is a SCO


ONE_FILE_PER_SCO = "Golf Explained - CP One File Per SCO"
SINGLE_SCO = "Golf Explained - CP Single SCO"
MINIMUM = "Golf Explained - Minimum Run-time Calls"
BASIC = "Golf Explained - Run-time Basic Calls"

EXPECTED: dict[str, Expect] = {
    "ContentPackagingMetadata_SCORM20043rdEdition": Expect(
        "2004", "3rd", "Golf Explained - Metadata Example", 71, 638650, 1, 1, 1
    ),
    "ContentPackagingOneFilePerSCO_SCORM12": Expect(
        "1.2", None, ONE_FILE_PER_SCO, 44, 460678, 22, 18, 0
    ),
    "ContentPackagingOneFilePerSCO_SCORM20043rdEdition": Expect(
        "2004", "3rd", ONE_FILE_PER_SCO, 69, 634363, 22, 18, 0
    ),
    "ContentPackagingSingleSCO_SCORM12": Expect("1.2", None, SINGLE_SCO, 44, 452733, 1, 1, 1),
    "ContentPackagingSingleSCO_SCORM20042ndEdition": Expect(
        "2004", "2nd", SINGLE_SCO, 79, 656227, 1, 1, 1
    ),
    "ContentPackagingSingleSCO_SCORM20043rdEdition": Expect(
        "2004", "3rd", SINGLE_SCO, 69, 626281, 1, 1, 1
    ),
    "RunTimeAdvancedCalls_SCORM20043rdEdition": Expect(
        "2004", "3rd", "Golf Explained - Run-time Advanced Calls", 69, 656663, 1, 1, 1
    ),
    "RuntimeBasicCalls_SCORM12": Expect("1.2", None, BASIC, 44, 469300, 1, 1, 1),
    "RuntimeBasicCalls_SCORM20043rdEdition": Expect("2004", "3rd", BASIC, 69, 644236, 1, 1, 1),
    "RuntimeMinimumCalls_SCORM12": Expect("1.2", None, MINIMUM, 44, 463224, 22, 18, 18),
    "RuntimeMinimumCalls_SCORM20043rdEdition": Expect(
        "2004", "3rd", MINIMUM, 69, 637444, 22, 18, 18
    ),
    "SequencingForcedSequential_SCORM20043rdEdition": Expect(
        "2004", "3rd", "Golf Explained - Sequencing Forced Order", 69, 655266, 5, 5, 5
    ),
    "SequencingPostTestRollup4thEd_SCORM20044thEdition": Expect(
        "2004", "4th", "Golf Explained - 4th Edition Features", 59, 557830, 5, 5, 5
    ),
    "SequencingPostTestRollup_SCORM20043rdEdition": Expect(
        "2004", "3rd", "Golf Explained - Sequencing Post Test Rollup", 69, 655096, 5, 5, 5
    ),
    "SequencingPreOrPostTestRollup_SCORM20043rdEdition": Expect(
        "2004", "3rd", "Golf Explained - Sequencing Pre or Post Test Rollup", 69, 655991, 8, 6, 6
    ),
    "SequencingRandomTest_SCORM20043rdEdition": Expect(
        "2004", "3rd", "Golf Explained - Sequencing Random Test", 69, 660489, 10, 8, 8
    ),
    "SequencingSimpleRemediation_SCORM20043rdEdition": Expect(
        "2004", "3rd", "Golf Explained - Simple Remediation", 69, 658046, 9, 8, 8
    ),
}

SEQUENCING_LAUNCHES = [
    "shared/launchpage.html?content=playing",
    "shared/launchpage.html?content=etiquette",
    "shared/launchpage.html?content=handicapping",
    "shared/launchpage.html?content=havingfun",
]


@pytest.fixture(scope="module")
def extracted(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[ExtractResult, Manifest, Path]]:
    """Each package extracted once into a temporary folder and parsed."""
    root = tmp_path_factory.mktemp("golf")
    out: dict[str, tuple[ExtractResult, Manifest, Path]] = {}
    for name in EXPECTED:
        dest = root / name
        result = extract_package(CORPUS / f"{name}.zip", dest)
        out[name] = (result, parse_manifest(result.manifest, result.files), dest)
    return out


def launches(m: Manifest) -> dict[str, str | None]:
    return {item.identifier: item.launch_url for item in m.launchable_items()}


def item(m: Manifest, identifier: str) -> Item:
    found = m.get_item(identifier)
    assert found is not None, identifier
    return found


def test_corpus_has_exactly_the_expected_packages() -> None:
    assert sorted(p.stem for p in CORPUS.glob("*.zip")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_package_extracts_and_parses(
    name: str, extracted: dict[str, tuple[ExtractResult, Manifest, Path]]
) -> None:
    expect = EXPECTED[name]
    result, m, dest = extracted[name]
    with zipfile.ZipFile(CORPUS / f"{name}.zip") as zf:
        assert result.manifest == zf.read("imsmanifest.xml")
        assert sorted(result.files) == sorted(i.filename for i in zf.infolist())
    assert len(result.files) == expect.files
    assert result.total_bytes == expect.total_bytes
    assert (m.standard, m.edition, m.title) == (expect.standard, expect.edition, expect.title)
    assert m.identifier.startswith("com.scorm.golfsamples.")
    assert m.organization.identifier == "golf_sample_default_org"
    assert m.organizations_ids == ("golf_sample_default_org",)
    assert sum(1 for _ in m.iter_items()) == expect.items
    launchable = m.launchable_items()
    assert len(launchable) == expect.launchable
    assert sum(i.is_sco for i in launchable) == expect.scos
    assert sum(i.scorm_type == "asset" for i in launchable) == expect.launchable - expect.scos
    assert m.warnings == ()
    for leaf in launchable:  # every launch file is on disk
        assert leaf.launch_url is not None
        assert (dest / leaf.launch_url.split("?")[0]).is_file()


def test_one_file_per_sco_quizzes_get_question_parameters(
    extracted: dict[str, tuple[ExtractResult, Manifest, Path]],
) -> None:
    for name in (
        "ContentPackagingOneFilePerSCO_SCORM12",
        "ContentPackagingOneFilePerSCO_SCORM20043rdEdition",
    ):
        m = extracted[name][1]
        urls = launches(m)
        assert urls["playing_quiz_item"] == "shared/assessmenttemplate.html?questions=Playing"
        assert urls["etiquette_quiz_item"] == "shared/assessmenttemplate.html?questions=Etiquette"
        assert urls["handicapping_quiz_item"] == (
            "shared/assessmenttemplate.html?questions=Handicapping"
        )
        assert urls["havingfun_quiz_item"] == "shared/assessmenttemplate.html?questions=HavingFun"
        assert urls["playing_playing_item"] == "Playing/Playing.html"
        # Four aggregation items (sections) without resources, all visible.
        sections = [i for i, depth in m.iter_items() if depth == 0]
        assert [s.identifier for s in sections] == [
            "playing_item",
            "etiquette_item",
            "handicapping_item",
            "havingfun_item",
        ]
        assert all(not s.is_launchable and s.is_visible for s in sections)
        assert [len(s.children) for s in sections] == [6, 4, 5, 3]
        assert m.resources["common_files"].href is None
        assert "shared/scormfunctions.js" in m.resources["common_files"].files


def test_runtime_minimum_calls_has_18_scos(
    extracted: dict[str, tuple[ExtractResult, Manifest, Path]],
) -> None:
    for name in ("RuntimeMinimumCalls_SCORM12", "RuntimeMinimumCalls_SCORM20043rdEdition"):
        m = extracted[name][1]
        scos = [i for i in m.launchable_items() if i.is_sco]
        assert len(scos) == 18
        assert sum(r.scorm_type == "sco" for r in m.resources.values()) == 18
        assert m.resources["playing_playing_resource"].dependencies == ("common_files",)
    # The 1.2 sample's "Handicapping Example" resource really points at CalculatingScore.html.
    m12 = extracted["RuntimeMinimumCalls_SCORM12"][1]
    assert launches(m12)["handicapping_example_item"] == "Handicapping/CalculatingScore.html"
    m2004 = extracted["RuntimeMinimumCalls_SCORM20043rdEdition"][1]
    assert launches(m2004)["handicapping_example_item"] == "Handicapping/Example.html"


def test_scorm12_samples_have_no_masteryscore(
    extracted: dict[str, tuple[ExtractResult, Manifest, Path]],
) -> None:
    for name, expect in EXPECTED.items():
        if expect.standard == "1.2":
            m = extracted[name][1]
            assert all(i.mastery_score is None for i, _ in m.iter_items()), name
            assert all(i.sequencing_xml == "" for i, _ in m.iter_items()), name


def test_runtime_advanced_calls_passing_threshold(
    extracted: dict[str, tuple[ExtractResult, Manifest, Path]],
) -> None:
    m = extracted["RunTimeAdvancedCalls_SCORM20043rdEdition"][1]
    sco = item(m, "item_1")
    assert sco.launch_url == "shared/launchpage.html"
    assert sco.satisfied_by_measure is True
    assert sco.min_normalized_measure == 0.8
    assert sco.scaled_passing_score == 0.8
    assert sco.primary_objective_id == "PRIMARYOBJ"
    assert sco.objective_ids == (
        "PRIMARYOBJ",
        "obj_etiquette",
        "obj_handicapping",
        "obj_havingfun",
        "obj_playing",
    )
    assert 'completionSetByContent="true"' in sco.sequencing_xml
    assert 'choice="true"' in m.organization.sequencing_xml


def test_other_single_sco_samples_have_no_passing_threshold(
    extracted: dict[str, tuple[ExtractResult, Manifest, Path]],
) -> None:
    for name in (
        "ContentPackagingSingleSCO_SCORM20043rdEdition",
        "RuntimeBasicCalls_SCORM20043rdEdition",
        "ContentPackagingMetadata_SCORM20043rdEdition",
    ):
        sco = item(extracted[name][1], "item_1")
        assert sco.scaled_passing_score is None and sco.completion_threshold is None, name


@pytest.mark.parametrize(
    "name",
    [
        "SequencingForcedSequential_SCORM20043rdEdition",
        "SequencingPostTestRollup_SCORM20043rdEdition",
        "SequencingPostTestRollup4thEd_SCORM20044thEdition",
    ],
)
def test_sequencing_resources_carry_a_query_string(
    name: str, extracted: dict[str, tuple[ExtractResult, Manifest, Path]]
) -> None:
    m = extracted[name][1]
    assert list(launches(m).values()) == [
        *SEQUENCING_LAUNCHES,
        "shared/launchpage.html?content=assessment",
    ]
    assert m.resources["playing_resource"].href == "shared/launchpage.html?content=playing"


def test_post_test_rollup_takes_rollup_rules_from_the_collection(
    extracted: dict[str, tuple[ExtractResult, Manifest, Path]],
) -> None:
    m = extracted["SequencingPostTestRollup_SCORM20043rdEdition"][1]
    content = ["playing_item", "etuqiette_item", "handicapping_item", "havingfun_item"]
    for identifier in content:  # IDRef="content_seq_rules": rollup switched off
        leaf = item(m, identifier)
        assert not leaf.rollup_objective_satisfied and not leaf.rollup_progress_completion
        assert leaf.objective_measure_weight == 0.0
        assert 'objectiveMeasureWeight="0"' in leaf.sequencing_xml
    quiz = item(m, "assessment_item")
    assert quiz.rollup_objective_satisfied and quiz.rollup_progress_completion
    assert quiz.objective_measure_weight == 1.0
    assert quiz.objective_ids == ("assessment_satisfied", "previous_sco_satisfied")
    assert item(m, "etuqiette_item").objective_ids == (
        "etiquette_satisfied",
        "previous_sco_satisfied",
    )


def test_fourth_edition_completion_threshold_weights(
    extracted: dict[str, tuple[ExtractResult, Manifest, Path]],
) -> None:
    m = extracted["SequencingPostTestRollup4thEd_SCORM20044thEdition"][1]
    weights = {i.identifier: i.progress_weight for i in m.launchable_items()}
    assert weights == {
        "playing_item": 0.5,
        "etuqiette_item": 0.3,
        "handicapping_item": 0.4,
        "havingfun_item": 0.3,
        "assessment_item": 0.1,
    }
    for leaf in m.launchable_items():  # only progressWeight is given
        assert leaf.completion_threshold is None and leaf.completed_by_measure is False
    assert not item(m, "playing_item").rollup_objective_satisfied  # from the collection
    assert item(m, "assessment_item").rollup_objective_satisfied
    assert item(m, "assessment_item").objective_ids == ("previous_sco_completed",)
    assert item(m, "playing_item").objective_ids == ("playing_completed",)


def test_random_test_hidden_tests_with_parameters(
    extracted: dict[str, tuple[ExtractResult, Manifest, Path]],
) -> None:
    m = extracted["SequencingRandomTest_SCORM20043rdEdition"][1]
    urls = launches(m)
    assert list(urls.values())[:4] == SEQUENCING_LAUNCHES
    for n in range(1, 5):
        test = item(m, f"test_{n}")
        assert test.parameters == f"?content=assessment{n}"
        assert test.launch_url == f"shared/launchpage.html?content=assessment{n}"
        assert test.is_visible is False
        assert test.objective_ids == ("course_score",)  # from sequencingCollection IDRef
        assert "exitParent" in test.sequencing_xml
    wrapper = item(m, "content_wrapper")
    assert not wrapper.is_visible and not wrapper.is_launchable
    assert not wrapper.rollup_objective_satisfied and not wrapper.rollup_progress_completion
    posttest = item(m, "posttest_item")
    assert posttest.is_visible and [c.identifier for c in posttest.children] == [
        "test_1",
        "test_2",
        "test_3",
        "test_4",
    ]
    assert "randomizationControls" in posttest.sequencing_xml


def test_simple_remediation_quizzes(
    extracted: dict[str, tuple[ExtractResult, Manifest, Path]],
) -> None:
    m = extracted["SequencingSimpleRemediation_SCORM20043rdEdition"][1]
    urls = launches(m)
    assert list(urls.values()) == [
        *SEQUENCING_LAUNCHES,
        *(f"shared/launchpage.html?content=assessment{n}" for n in range(1, 5)),
    ]
    for identifier in ("playing_item", "test_1"):
        assert item(m, identifier).objective_ids == ("learning_objective_satisfied",)
    assert not item(m, "playing_item").rollup_objective_satisfied  # content_seq_rules
    assert item(m, "test_1").rollup_objective_satisfied  # test_seq_rules
    assert item(m, "test_1").is_visible


def test_pre_or_post_test_tree(
    extracted: dict[str, tuple[ExtractResult, Manifest, Path]],
) -> None:
    m = extracted["SequencingPreOrPostTestRollup_SCORM20043rdEdition"][1]
    assert [(i.identifier, d) for i, d in m.iter_items()] == [
        ("dummy_item", 0),
        ("pretest_item", 1),
        ("content_wrapper", 1),
        ("playing_item", 2),
        ("etuqiette_item", 2),
        ("handicapping_item", 2),
        ("havingfun_item", 2),
        ("posttest_item", 1),
    ]
    assert not item(m, "dummy_item").is_visible and not item(m, "content_wrapper").is_visible
    assert (
        urls_of(m, "pretest_item", "posttest_item")
        == ["shared/launchpage.html?content=assessment"] * 2
    )
    assert item(m, "posttest_item").objective_ids == ("assessment_satisfied", "content_completed")


def urls_of(m: Manifest, *identifiers: str) -> list[str | None]:
    return [item(m, i).launch_url for i in identifiers]


def test_second_edition_single_sco(
    extracted: dict[str, tuple[ExtractResult, Manifest, Path]],
) -> None:
    m = extracted["ContentPackagingSingleSCO_SCORM20042ndEdition"][1]
    assert m.schema_version == "CAM 1.3"
    assert launches(m) == {"item_1": "shared/launchpage.html"}


def test_json_snapshot_of_every_package(
    extracted: dict[str, tuple[ExtractResult, Manifest, Path]],
) -> None:
    for name, (_, m, _) in extracted.items():
        data = json.loads(json.dumps(m.to_json()))
        assert data["standard"] == EXPECTED[name].standard
