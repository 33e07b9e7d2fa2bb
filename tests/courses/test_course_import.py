"""``course_import``: packages become Course and Item rows plus files in the store; a new
version replaces both without touching attempts; a failed import leaves nothing behind."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from scormlms.courses.models import Course, Item
from scormlms.courses.services import (
    BAD_COURSE_ID,
    DUPLICATE_ITEM,
    VALUE_TOO_LONG,
    course_import,
)
from scormlms.scorm import manifest as mf
from scormlms.scorm import package as pkg
from scormlms.scorm.errors import PackageError
from scormlms.scorm.manifest import parse_manifest
from scormlms.tracking.models import Attempt, ScoAttempt
from tests.courses.conftest import golf, golf_names, leftovers
from tests.scorm import zipfactory as zf

pytestmark = pytest.mark.django_db


def items_of(course: Course) -> list[Item]:
    return list(course.items.order_by("position"))


def store_files(package_dir: Path, course: Course) -> set[str]:
    root = package_dir / course.content_key
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------- our own samples


def test_scorm12_quiz(samples: dict[str, Path], package_dir: Path) -> None:
    result = course_import(source=samples["quiz12"])
    course = result.course
    assert result.created and result.warnings == ()
    assert course.course_id == "scormlms-examples-quiz12"  # from the manifest identifier
    assert (course.title, course.standard, course.edition) == (
        "Web basics quiz (SCORM 1.2 sample)",
        "1.2",
        "",
    )
    assert course.version == 1
    assert course.manifest["identifier"] == "scormlms.examples.quiz12"
    [item] = items_of(course)
    assert (item.item_id, item.parent_item_id, item.depth, item.position) == (
        "ITEM-QUIZ12",
        "",
        0,
        0,
    )
    assert (item.launch_url, item.scorm_type, item.is_visible) == ("index.html", "sco", True)
    assert item.mastery_score == 80
    assert item.scaled_passing_score is None and item.completion_threshold is None
    with zipfile.ZipFile(samples["quiz12"]) as archive:
        assert store_files(package_dir, course) == set(archive.namelist())
    assert (package_dir / course.content_key / "index.html").read_bytes().startswith(b"<!")


def test_scorm2004_fourth_edition_thresholds(samples: dict[str, Path]) -> None:
    course = course_import(source=samples["progress2004"], course_id="progress").course
    assert (course.course_id, course.standard, course.edition) == ("progress", "2004", "4th")
    [item] = items_of(course)
    assert item.scorm_type == "sco"
    assert item.completion_threshold == 1.0
    assert item.scaled_passing_score == 0.7
    assert item.mastery_score is None
    assert "minNormalizedMeasure" in item.sequencing_xml


def test_multi_sco_items_and_rollup_flags(samples: dict[str, Path]) -> None:
    course = course_import(source=samples["multisco2004"]).course
    rows = [
        (i.item_id, i.scorm_type, i.launch_url, i.rollup_satisfied, i.rollup_completion)
        for i in items_of(course)
    ]
    assert rows == [
        ("ITEM-MODULE1", "sco", "module1.html", True, True),
        ("ITEM-MODULE2", "sco", "module2.html", True, True),
        ("ITEM-REFERENCE", "asset", "reference.html", True, True),
        ("ITEM-SURVEY", "sco", "survey.html", False, False),
    ]
    assert [i.position for i in items_of(course)] == [0, 1, 2, 3]
    assert course.edition == "3rd"


def test_same_package_twice_without_an_id_makes_two_courses(samples: dict[str, Path]) -> None:
    """Only an explicit course id replaces a course; the derived one is made unique."""
    first = course_import(source=samples["quiz12"]).course
    second = course_import(source=samples["quiz12"]).course
    assert (first.course_id, second.course_id) == (
        "scormlms-examples-quiz12",
        "scormlms-examples-quiz12-2",
    )
    assert second.version == 1 and Course.objects.count() == 2


def test_bad_course_id_is_refused_before_anything_happens(
    samples: dict[str, Path], package_dir: Path
) -> None:
    with pytest.raises(PackageError) as caught:
        course_import(source=samples["quiz12"], course_id="../etc")
    assert caught.value.code == BAD_COURSE_ID
    assert leftovers(package_dir) == []


# --------------------------------------------------------------------------- golf corpus


@pytest.mark.parametrize("name", golf_names())
def test_golf_package_rows_mirror_the_manifest(name: str, package_dir: Path) -> None:
    path = golf(name)
    course = course_import(source=path).course
    with zipfile.ZipFile(path) as archive:
        manifest = parse_manifest(archive.read("imsmanifest.xml"), archive.namelist())
        assert store_files(package_dir, course) == {
            i.filename for i in archive.infolist() if not i.is_dir()
        }
    assert course.course_id == manifest.identifier.replace(".", "-")
    assert (course.standard, course.edition or None) == (manifest.standard, manifest.edition)
    assert course.title == manifest.organization.title
    rows = items_of(course)
    nodes = list(manifest.iter_items())
    assert [r.item_id for r in rows] == [n.identifier for n, _ in nodes]
    assert [r.position for r in rows] == list(range(len(rows)))
    depth_of = {r.item_id: r.depth for r in rows}
    for row, (node, depth) in zip(rows, nodes, strict=True):
        assert row.depth == depth
        if row.parent_item_id:  # a parent comes first and sits one level up
            assert depth_of[row.parent_item_id] == depth - 1
        else:
            assert depth == 0
        assert row.launch_url == (node.launch_url or "")
        assert row.scorm_type == (node.scorm_type if node.launch_url else "")
        assert row.is_visible == node.is_visible
        assert row.mastery_score == node.mastery_score
        assert row.scaled_passing_score == node.scaled_passing_score
        assert row.completion_threshold == node.completion_threshold
        assert row.rollup_satisfied == node.rollup_objective_satisfied
        assert row.rollup_completion == node.rollup_progress_completion
        assert row.objective_ids == list(node.objective_ids)
        if row.launch_url:  # the launch file is in the store
            assert (package_dir / course.content_key / row.launch_url.split("?")[0]).is_file()


def test_golf_random_test_tree_parameters_and_hidden_items() -> None:
    course = course_import(source=golf("SequencingRandomTest_SCORM20043rdEdition")).course
    by_id = {i.item_id: i for i in course.items.all()}
    test_1 = by_id["test_1"]
    assert test_1.launch_url == "shared/launchpage.html?content=assessment1"
    assert (test_1.parent_item_id, test_1.depth, test_1.is_visible) == ("posttest_item", 1, False)
    assert test_1.scorm_type == "sco"
    wrapper = by_id["content_wrapper"]
    assert (wrapper.launch_url, wrapper.scorm_type, wrapper.is_visible) == ("", "", False)
    assert not wrapper.rollup_satisfied and not wrapper.rollup_completion


def test_golf_passing_score_and_assets() -> None:
    advanced = course_import(source=golf("RunTimeAdvancedCalls_SCORM20043rdEdition")).course
    assert advanced.items.get(item_id="item_1").scaled_passing_score == 0.8
    per_sco = course_import(source=golf("ContentPackagingOneFilePerSCO_SCORM12")).course
    quiz = per_sco.items.get(item_id="playing_quiz_item")
    assert quiz.launch_url == "shared/assessmenttemplate.html?questions=Playing"
    assert (quiz.scorm_type, quiz.parent_item_id, quiz.depth) == ("asset", "playing_item", 1)
    assert per_sco.items.filter(scorm_type="sco").count() == 0


# --------------------------------------------------------------------------- new versions


def _attempt_for(course: Course, learner: User) -> ScoAttempt:
    now = timezone.now()
    attempt = Attempt.objects.create(learner=learner, course=course, launched_at=now)
    return ScoAttempt.objects.create(
        attempt=attempt,
        item_id="ITEM-QUIZ12",
        standard="1.2",
        lesson_status="incomplete",
        location="2/3",
        first_launched_at=now,
    )


def test_reimport_makes_version_two_and_keeps_attempts(
    samples: dict[str, Path],
    package_dir: Path,
    learner: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    v1 = course_import(source=samples["quiz12"], course_id="quiz").course
    old_key = v1.content_key
    old_item_pk = v1.items.get().pk
    sco = _attempt_for(v1, learner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = course_import(source=samples["multisco2004"], course_id="quiz")
    v2 = result.course
    assert not result.created
    assert (v2.pk, v2.course_id, v2.version, v2.standard) == (v1.pk, "quiz", 2, "2004")
    assert v2.content_key != old_key and v2.content_key.startswith("quiz/v2-")
    assert [i.item_id for i in items_of(v2)][0] == "ITEM-MODULE1"
    assert not Item.objects.filter(pk=old_item_pk).exists()
    assert (package_dir / v2.content_key / "module1.html").is_file()
    # The old files stay until the transaction commits (a reader may still be streaming them).
    assert (package_dir / old_key / "index.html").is_file()
    assert len(callbacks) == 1
    callbacks[0]()
    assert not (package_dir / old_key).exists()
    sco.refresh_from_db()
    assert (sco.attempt.course_id, sco.location, sco.lesson_status) == (v1.pk, "2/3", "incomplete")
    assert leftovers(package_dir) == ["quiz", "quiz/" + v2.content_key.split("/")[1]] + [
        f"{v2.content_key}/{name}" for name in sorted(store_files(package_dir, v2))
    ]


def test_reimport_runs_the_old_version_cleanup_on_commit(
    samples: dict[str, Path], package_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    v1 = course_import(source=samples["quiz12"], course_id="quiz").course
    with django_capture_on_commit_callbacks(execute=True):
        v2 = course_import(source=samples["quiz12"], course_id="quiz").course
    assert v2.version == 2
    assert sorted(p.name for p in (package_dir / "quiz").iterdir()) == [
        v2.content_key.split("/")[1]
    ]
    assert not (package_dir / v1.content_key).exists()


def test_failed_reimport_keeps_the_current_version(
    samples: dict[str, Path], package_dir: Path
) -> None:
    v1 = course_import(source=samples["quiz12"], course_id="quiz").course
    before = leftovers(package_dir)
    with pytest.raises(PackageError):
        course_import(source=io.BytesIO(zf.build_zip([("readme.txt", b"hi")])), course_id="quiz")
    course = Course.objects.get(course_id="quiz")
    assert (course.version, course.content_key) == (1, v1.content_key)
    assert [i.item_id for i in course.items.all()] == ["ITEM-QUIZ12"]
    assert leftovers(package_dir) == before


# --------------------------------------------------------------------------- failures


def _bad_crc_late() -> bytes:
    """Valid until the last entry, whose data fails its CRC while being written."""
    data = zf.package(("a.js", os.urandom(50_000)), ("z.bin", os.urandom(50_000)))
    return zf.patch_entry(data, "z.bin", crc=0)


MISSING_LAUNCH = zf.build_zip([("imsmanifest.xml", zf.MANIFEST_12), ("other.html", b"x")])
DUPLICATE_ITEMS = zf.MANIFEST_12.replace(
    b'<item identifier="i1" identifierref="r1"><title>Lesson</title></item>',
    b'<item identifier="i1" identifierref="r1"><title>A</title></item>'
    b'<item identifier="i1" identifierref="r1"><title>B</title></item>',
)
LONG_ID = zf.MANIFEST_12.replace(b'identifier="i1"', b'identifier="' + b"i" * 300 + b'"')

HOSTILE: dict[str, tuple[bytes, str]] = {
    "zip slip": (zf.package(("../evil.html", b"x")), pkg.ZIP_SLIP),
    "absolute path": (zf.package(("/tmp/evil.html", b"x")), pkg.ABSOLUTE_PATH),
    "symlink": (zf.package((zf.symlink_info("link"), b"/etc/passwd")), pkg.SYMLINK),
    "zip bomb": (zf.zero_bomb(64 * 1024 * 1024), pkg.SUSPICIOUS_COMPRESSION),
    "not a zip": (b"%PDF-1.4 not a zip at all", pkg.NOT_ZIP),
    "missing manifest": (zf.build_zip([("index.html", b"x")]), pkg.NO_MANIFEST),
    "malformed XML": (zf.package(manifest=b"<manifest><organizations>"), mf.MALFORMED_XML),
    "missing launch file": (MISSING_LAUNCH, mf.MISSING_LAUNCH_FILE),
    "billion laughs": (
        zf.package(manifest=b'<!DOCTYPE m [<!ENTITY a "aaaa">]><manifest>&a;</manifest>'),
        mf.UNSAFE_XML,
    ),
    "damaged late entry": (_bad_crc_late(), pkg.CORRUPT_ZIP),
    "duplicate item ids": (zf.package(manifest=DUPLICATE_ITEMS), DUPLICATE_ITEM),
    "item id too long": (zf.package(manifest=LONG_ID), VALUE_TOO_LONG),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_failed_import_leaves_no_rows_and_no_files(
    kind: str, tmp_path: Path, package_dir: Path
) -> None:
    data, code = HOSTILE[kind]
    path = zf.write(tmp_path / "upload.zip", data)
    with pytest.raises(PackageError) as caught:
        course_import(source=path)
    assert caught.value.code == code
    assert caught.value.message
    assert Course.objects.count() == 0 and Item.objects.count() == 0
    assert leftovers(package_dir) == []  # no course folder, no .incoming-* staging folder


def test_database_failure_after_install_removes_the_files(
    samples: dict[str, Path], package_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(Item.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        course_import(source=samples["quiz12"], course_id="quiz")
    assert Course.objects.count() == 0
    assert leftovers(package_dir) == []


# --------------------------------------------------------------------------- prerequisites (1.2)

PREREQ_ITEMS = (
    b'<item identifier="i1" identifierref="r1"><title>Lesson</title></item>'
    b'<item identifier="i2" identifierref="r1"><title>Quiz</title>'
    b'<adlcp:prerequisites type="%s">%s</adlcp:prerequisites></item>'
)


def _with_prerequisites(kind: bytes, expression: bytes) -> io.BytesIO:
    items = PREREQ_ITEMS % (kind, expression)
    manifest = zf.MANIFEST_12.replace(
        b'<item identifier="i1" identifierref="r1"><title>Lesson</title></item>', items
    )
    return io.BytesIO(zf.package(manifest=manifest))


def test_prerequisites_reach_the_item_row() -> None:
    course = course_import(source=_with_prerequisites(b"aicc_script", b"i1")).course
    assert [(i.item_id, i.prerequisites) for i in items_of(course)] == [("i1", ""), ("i2", "i1")]
    assert course.warnings == []


def test_an_unparsable_expression_imports_with_a_warning() -> None:
    result = course_import(source=_with_prerequisites(b"aicc_script", b"i1 &amp; (i3"))
    warning = (
        "Item 'i2' has the prerequisites 'i1 & (i3', which are not enforced: expected ')' to "
        "close the parenthesis, found the end (at character 9)."
    )
    assert result.warnings == (warning,)
    assert result.course.warnings == [warning]
    # Kept as written: the player does not enforce it (scormlms.scorm.prerequisites).
    assert items_of(result.course)[1].prerequisites == "i1 & (i3"


def test_prerequisites_of_another_type_are_not_stored() -> None:
    result = course_import(source=_with_prerequisites(b"javascript", b"i1"))
    assert items_of(result.course)[1].prerequisites == ""
    assert len(result.warnings) == 1 and "'javascript'" in result.warnings[0]
