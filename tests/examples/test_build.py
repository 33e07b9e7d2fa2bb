"""Tests of examples/build.py and of the sample SCORM packages it builds.

These need neither Django nor a browser:
    .venv/bin/pytest tests/examples -q -p no:django
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO_ROOT / "examples" / "build.py"

# Content packaging namespaces: SCORM 1.2 (imscp_rootv1p1p2 + adlcp_rootv1p2)
# and SCORM 2004 (imscp_v1p1 + adlcp_v1p3, sequencing in imsss).
CP12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
CP2004 = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP2004 = "http://www.adlnet.org/xsd/adlcp_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"

PACKAGES = {
    "quiz12": (CP12, "1.2"),
    "progress2004": (CP2004, "2004 4th Edition"),
    "multisco2004": (CP2004, "2004 3rd Edition"),
    "prereq12": (CP12, "1.2"),
}


def _load_build_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scormlms_examples_build", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _load_build_module()


@pytest.fixture(scope="module")
def zips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    result: dict[str, Path] = build.build_all(tmp_path_factory.mktemp("dist"))
    return result


def _manifest(zip_path: Path) -> ET.Element:
    with zipfile.ZipFile(zip_path) as archive:
        return ET.fromstring(archive.read("imsmanifest.xml"))


def _names(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as archive:
        return archive.namelist()


def _resources(manifest: ET.Element, cp: str) -> dict[str, ET.Element]:
    return {
        resource.get("identifier", ""): resource for resource in manifest.iter(f"{{{cp}}}resource")
    }


def _default_organization(manifest: ET.Element, cp: str) -> ET.Element:
    organizations = manifest.find(f"{{{cp}}}organizations")
    assert organizations is not None
    default = organizations.get("default")
    for organization in organizations.findall(f"{{{cp}}}organization"):
        if organization.get("identifier") == default:
            return organization
    raise AssertionError(f"default organization {default!r} not found")


def _items_by_title(organization: ET.Element, cp: str) -> dict[str, ET.Element]:
    items: dict[str, ET.Element] = {}
    for item in organization.iter(f"{{{cp}}}item"):
        title = item.find(f"{{{cp}}}title")
        assert title is not None and title.text
        items[title.text] = item
    return items


class _HtmlScan(HTMLParser):
    """Collects ids, data-correct radios, and local src/href references."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.references: list[str] = []
        self.scripts: list[str] = []
        self.correct: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        if values.get("data-correct") == "true":
            self.correct.append(str(values.get("name")))
        for attribute in ("src", "href"):
            reference = values.get(attribute)
            if reference:
                self.references.append(reference)
                if tag == "script":
                    self.scripts.append(reference)


def _scan(zip_path: Path, name: str) -> _HtmlScan:
    with zipfile.ZipFile(zip_path) as archive:
        scan = _HtmlScan()
        scan.feed(archive.read(name).decode("utf-8"))
        return scan


# --- the build itself -------------------------------------------------------


def test_build_all_writes_every_package(zips: dict[str, Path]) -> None:
    assert set(zips) == set(PACKAGES)
    for name, path in zips.items():
        assert path.name == f"{name}.zip"
        assert path.is_file()
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None


def test_rebuilding_gives_identical_bytes(tmp_path: Path) -> None:
    first = build.build_all(tmp_path / "one")
    second = build.build_all(tmp_path / "two")
    for name in PACKAGES:
        assert first[name].read_bytes() == second[name].read_bytes(), name


def test_zip_entries_are_sorted_and_timestamps_fixed(zips: dict[str, Path]) -> None:
    for path in zips.values():
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names)
        assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_command_line_builds_into_given_directory(tmp_path: Path) -> None:
    out_dir = tmp_path / "cli"
    completed = subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), str(out_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert sorted(path.name for path in out_dir.iterdir()) == sorted(
        f"{name}.zip" for name in PACKAGES
    )


def test_listing_check_rejects_missing_and_unlisted_files() -> None:
    manifest = (
        b'<manifest><resources><resource><file href="a.html"/></resource></resources></manifest>'
    )
    build.check_listing("ok", {"imsmanifest.xml": manifest, "a.html": b""})
    with pytest.raises(build.PackageError, match="not in the package"):
        build.check_listing("missing", {"imsmanifest.xml": manifest})
    with pytest.raises(build.PackageError, match="missing from"):
        build.check_listing("unlisted", {"imsmanifest.xml": manifest, "a.html": b"", "b.js": b""})
    with pytest.raises(build.PackageError, match="well-formed"):
        build.check_listing("broken", {"imsmanifest.xml": b"<manifest>"})


# --- every package ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_manifest_at_root_lists_exactly_the_packaged_files(
    zips: dict[str, Path], name: str
) -> None:
    names = _names(zips[name])
    assert "imsmanifest.xml" in names
    cp, _ = PACKAGES[name]
    listed = {file.get("href") for file in _manifest(zips[name]).iter(f"{{{cp}}}file")}
    assert listed <= set(names)
    assert set(names) - {"imsmanifest.xml"} <= listed


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_manifest_declares_schema_and_version(zips: dict[str, Path], name: str) -> None:
    cp, version = PACKAGES[name]
    manifest = _manifest(zips[name])
    assert manifest.tag == f"{{{cp}}}manifest"
    assert manifest.findtext(f"{{{cp}}}metadata/{{{cp}}}schema") == "ADL SCORM"
    assert manifest.findtext(f"{{{cp}}}metadata/{{{cp}}}schemaversion") == version


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_items_reference_resources_whose_hrefs_are_packaged(
    zips: dict[str, Path], name: str
) -> None:
    cp, _ = PACKAGES[name]
    manifest = _manifest(zips[name])
    resources = _resources(manifest, cp)
    names = set(_names(zips[name]))
    for item in _default_organization(manifest, cp).iter(f"{{{cp}}}item"):
        resource = resources[item.get("identifierref", "")]
        assert resource.get("href") in names
        files = {file.get("href") for file in resource.iter(f"{{{cp}}}file")}
        assert resource.get("href") in files


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_html_references_resolve_inside_the_zip(zips: dict[str, Path], name: str) -> None:
    names = set(_names(zips[name]))
    for html in (entry for entry in names if entry.endswith(".html")):
        for reference in _scan(zips[name], html).references:
            assert "//" not in reference, f"{html} loads {reference} from the network"
            assert reference in names, f"{html} refers to missing {reference}"


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_javascript_parses_under_node(zips: dict[str, Path], name: str, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    with zipfile.ZipFile(zips[name]) as archive:
        archive.extractall(tmp_path)
    scripts = sorted(tmp_path.glob("*.js"))
    assert scripts
    for script in scripts:
        completed = subprocess.run(
            [node, "--check", str(script)], capture_output=True, text=True, check=False
        )
        assert completed.returncode == 0, completed.stderr


# --- quiz12 (SCORM 1.2) ---------------------------------------------------------


def test_quiz12_is_one_sco_with_mastery_score_80(zips: dict[str, Path]) -> None:
    manifest = _manifest(zips["quiz12"])
    organization = _default_organization(manifest, CP12)
    items = list(organization.iter(f"{{{CP12}}}item"))
    assert len(items) == 1
    assert items[0].findtext(f"{{{ADLCP12}}}masteryscore") == "80"
    resource = _resources(manifest, CP12)[items[0].get("identifierref", "")]
    assert resource.get(f"{{{ADLCP12}}}scormtype") == "sco"


def test_quiz12_page_has_the_test_hooks(zips: dict[str, Path]) -> None:
    scan = _scan(zips["quiz12"], "index.html")
    assert {"prev", "next", "submit-quiz", "finish", "status"} <= scan.ids
    radios = {f"q{q}-{option}" for q in (1, 2, 3) for option in "abc"}
    assert radios <= scan.ids
    assert sorted(scan.correct) == ["q1", "q2", "q3"]
    assert scan.scripts == ["scorm-api.js", "quiz.js"]


# --- progress2004 (SCORM 2004 4th Edition) --------------------------------------


def test_progress2004_thresholds(zips: dict[str, Path]) -> None:
    manifest = _manifest(zips["progress2004"])
    organization = _default_organization(manifest, CP2004)
    items = list(organization.iter(f"{{{CP2004}}}item"))
    assert len(items) == 1
    item = items[0]

    threshold = item.find(f"{{{ADLCP2004}}}completionThreshold")
    assert threshold is not None
    assert threshold.get("completedByMeasure") == "true"
    assert threshold.get("minProgressMeasure") == "1.0"

    primary = item.find(f"{{{IMSSS}}}sequencing/{{{IMSSS}}}objectives/{{{IMSSS}}}primaryObjective")
    assert primary is not None
    assert primary.get("satisfiedByMeasure") == "true"
    assert primary.findtext(f"{{{IMSSS}}}minNormalizedMeasure") == "0.7"

    resource = _resources(manifest, CP2004)[item.get("identifierref", "")]
    assert resource.get(f"{{{ADLCP2004}}}scormType") == "sco"


def test_progress2004_page_has_the_test_hooks(zips: dict[str, Path]) -> None:
    scan = _scan(zips["progress2004"], "index.html")
    assert {"prev", "next", "submit-quiz", "finish", "status"} <= scan.ids
    assert {f"page-{page}" for page in (1, 2, 3, 4)} <= scan.ids
    assert sorted(scan.correct) == ["q1", "q2", "q3"]
    assert scan.scripts == ["scorm-api.js", "course.js"]


# --- multisco2004 (SCORM 2004 3rd Edition) --------------------------------------


def test_multisco2004_has_three_scos_and_one_asset(zips: dict[str, Path]) -> None:
    manifest = _manifest(zips["multisco2004"])
    resources = _resources(manifest, CP2004)
    kinds = sorted(resource.get(f"{{{ADLCP2004}}}scormType", "") for resource in resources.values())
    assert kinds == ["asset", "sco", "sco", "sco"]

    items = _items_by_title(_default_organization(manifest, CP2004), CP2004)
    expected = {"Module 1": "sco", "Module 2": "sco", "Survey": "sco", "Reference sheet": "asset"}
    assert {
        title: resources[item.get("identifierref", "")].get(f"{{{ADLCP2004}}}scormType")
        for title, item in items.items()
    } == expected


def test_multisco2004_survey_is_excluded_from_rollup(zips: dict[str, Path]) -> None:
    manifest = _manifest(zips["multisco2004"])
    items = _items_by_title(_default_organization(manifest, CP2004), CP2004)
    rules_path = f"{{{IMSSS}}}sequencing/{{{IMSSS}}}rollupRules"

    survey_rules = items["Survey"].find(rules_path)
    assert survey_rules is not None
    assert survey_rules.get("rollupObjectiveSatisfied") == "false"
    assert survey_rules.get("rollupProgressCompletion") == "false"

    for title in ("Module 1", "Module 2", "Reference sheet"):
        rules = items[title].find(rules_path)
        assert rules is None or rules.get("rollupObjectiveSatisfied") != "false", title


def test_multisco2004_organization_allows_flow_navigation(zips: dict[str, Path]) -> None:
    organization = _default_organization(_manifest(zips["multisco2004"]), CP2004)
    control = organization.find(f"{{{IMSSS}}}sequencing/{{{IMSSS}}}controlMode")
    assert control is not None
    assert control.get("flow") == "true"


def test_multisco2004_pages_have_the_test_hooks(zips: dict[str, Path]) -> None:
    archive = zips["multisco2004"]
    for page in ("module1.html", "module2.html"):
        scan = _scan(archive, page)
        assert {"pass", "fail", "complete", "continue", "finish", "status"} <= scan.ids, page
        assert scan.scripts == ["scorm-api.js", "sco.js"], page
    survey = _scan(archive, "survey.html")
    assert {"complete", "continue", "finish", "status"} <= survey.ids
    assert {f"rating-{value}" for value in range(1, 6)} <= survey.ids
    # The asset never talks to the LMS: it loads no script at all.
    assert _scan(archive, "reference.html").scripts == []


# --- prereq12 (SCORM 1.2 prerequisites) --------------------------------------------


def test_prereq12_quiz_requires_both_lessons(zips: dict[str, Path]) -> None:
    manifest = _manifest(zips["prereq12"])
    items = _items_by_title(_default_organization(manifest, CP12), CP12)
    assert [item.get("identifier") for item in items.values()] == ["item1", "item2", "item3"]
    prerequisites = items["Quiz"].find(f"{{{ADLCP12}}}prerequisites")
    assert prerequisites is not None
    assert (prerequisites.get("type"), prerequisites.text) == ("aicc_script", "item1&item2")
    for title in ("Lesson 1", "Lesson 2"):
        assert items[title].find(f"{{{ADLCP12}}}prerequisites") is None, title
    resources = _resources(manifest, CP12)
    assert {r.get(f"{{{ADLCP12}}}scormtype") for r in resources.values()} == {"sco"}


def test_prereq12_pages_have_the_test_hooks(zips: dict[str, Path]) -> None:
    for page in ("lesson1.html", "lesson2.html"):
        scan = _scan(zips["prereq12"], page)
        assert {"complete", "finish", "status"} <= scan.ids, page
        assert scan.scripts == ["scorm-api.js", "sco.js"], page
    quiz = _scan(zips["prereq12"], "quiz.html")
    assert {"pass", "fail", "finish", "status"} <= quiz.ids
