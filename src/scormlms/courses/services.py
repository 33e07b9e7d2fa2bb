"""Course writes: import a package (new course or new version), enrol, change settings."""

from __future__ import annotations

import logging
import re
import shutil
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import models, transaction

from scormlms.courses.models import Course, Enrolment, Item
from scormlms.courses.storage import PackageStore, get_store
from scormlms.scorm import prerequisites
from scormlms.scorm.errors import PackageError
from scormlms.scorm.manifest import Manifest, parse_manifest
from scormlms.scorm.package import Limits, extract_package
from scormlms.scorm.sequencing import build_sequencing

log = logging.getLogger("scormlms.courses")

COURSE_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
COURSE_ID_RULE = "1–100 letters, digits, '-' or '_', starting with a letter or digit"

# PackageError codes of this module (the archive and manifest ones live in scormlms.scorm).
BAD_COURSE_ID = "bad_course_id"
DUPLICATE_ITEM = "duplicate_item"
VALUE_TOO_LONG = "value_too_long"


@dataclass(frozen=True)
class ImportResult:
    course: Course
    created: bool
    warnings: tuple[str, ...]


def package_limits() -> Limits:
    return Limits(
        max_total_bytes=getattr(settings, "SCORMLMS_MAX_PACKAGE_BYTES", 2 * 1024**3),
        max_files=getattr(settings, "SCORMLMS_MAX_PACKAGE_FILES", 20_000),
    )


def _slug_from(manifest: Manifest) -> str:
    raw = manifest.identifier or manifest.title or "course"
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", raw).strip("-_")[:100]
    return slug or "course"


def course_import(
    *,
    source: BinaryIO | str | Path,
    course_id: str | None = None,
    store: PackageStore | None = None,
) -> ImportResult:
    """Import a zip as a new course, or as a new version of ``course_id``.

    Without ``course_id`` the id comes from the manifest identifier and is made unique, so
    uploading an unrelated package never replaces a course by accident; only an explicit id
    re-imports. Extract and validate everything first, publish the files under a fresh key,
    then write the rows in one transaction; any failure removes the files again, so a failed
    import leaves nothing behind. The previous version's files go once the transaction has
    committed. Learners' attempts are keyed by item id and survive a new version.
    """
    if course_id is not None and not COURSE_ID_RE.match(course_id):
        raise PackageError(BAD_COURSE_ID, f"Course id {course_id!r}: {COURSE_ID_RULE}.")
    store = store or get_store()
    staging = store.staging_dir()
    try:
        extracted = extract_package(source, staging / "package", package_limits())
        manifest = parse_manifest(extracted.manifest, extracted.files)
        items = _items_from(manifest)
        wanted = course_id or _free_course_id(_slug_from(manifest))
        existing = Course.objects.filter(course_id=wanted).only("version").first()
        version = existing.version + 1 if existing else 1
        key = f"{wanted}/v{version}-{uuid.uuid4().hex[:8]}"
        store.install(staging / "package", key)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    try:
        with transaction.atomic():
            course, old_key = _save_course(
                course_id=wanted, replace=course_id is not None, manifest=manifest, key=key
            )
            Item.objects.bulk_create(_attach(items, course))
            if old_key:
                transaction.on_commit(lambda: store.remove(old_key))
    except BaseException:
        store.remove(key)
        raise
    log.info(
        "course_imported",
        extra={
            "course_id": course.course_id,
            "version": course.version,
            "standard": course.standard,
            "files": len(extracted.files),
            "bytes": extracted.total_bytes,
            "warnings": len(manifest.warnings),
        },
    )
    return ImportResult(course=course, created=old_key is None, warnings=tuple(manifest.warnings))


def sequencing_of(manifest: Manifest) -> tuple[dict[str, Any] | None, list[str]]:
    """What ``Course.sequencing`` keeps of a manifest (None without sequencing: SPEC §11),
    and the conversion's warnings."""
    converted = build_sequencing(manifest)
    if not converted.has_sequencing:
        return None, []
    kept = {
        "settings": converted.settings,
        "launchUrls": converted.launch_urls,
        "objectivesGlobalToSystem": converted.objectives_global_to_system,
        "sharedDataGlobalToSystem": converted.shared_data_global_to_system,
    }
    return kept, list(converted.warnings)


def _free_course_id(base: str) -> str:
    candidate, n = base, 1
    while Course.objects.filter(course_id=candidate).exists():
        n += 1
        suffix = f"-{n}"
        candidate = base[: 100 - len(suffix)] + suffix
    return candidate


def _save_course(
    *, course_id: str, replace: bool, manifest: Manifest, key: str
) -> tuple[Course, str | None]:
    """The course row (new, or the locked existing one one version up) and its old key."""
    course = None
    if replace:
        course = Course.objects.select_for_update().filter(course_id=course_id).first()
    old_key = None
    if course is None:
        course = Course(course_id=course_id if replace else _free_course_id(course_id))
    else:
        old_key = course.content_key
        course.version += 1
        course.items.all().delete()
    course.title = (manifest.organization.title or manifest.title or course.course_id)[:255]
    course.standard = manifest.standard
    course.edition = manifest.edition or ""
    course.content_key = key
    course.manifest = manifest.to_json()
    course.warnings = list(manifest.warnings)
    course.sequencing, warnings = sequencing_of(manifest)
    course.sequenced = course.sequencing is not None
    course.warnings += warnings
    course.save()
    return course, old_key


def _attach(items: list[Item], course: Course) -> list[Item]:
    for item in items:
        item.course = course
    return items


_LIMITED = [
    f
    for f in Item._meta.get_fields()
    if isinstance(f, models.CharField) and f.name not in {"title", "scorm_type"}
]


def _items_from(manifest: Manifest) -> list[Item]:
    """The organization tree as unsaved rows in document order, checked against the columns."""
    rows: list[Item] = []
    seen: set[str] = set()
    parent_of = {
        child.identifier: node.identifier
        for node, _ in manifest.iter_items()
        for child in node.children
    }
    for node, depth in manifest.iter_items():
        if node.identifier in seen:
            raise PackageError(
                DUPLICATE_ITEM,
                f"Two items of the organization share the identifier {node.identifier!r}; "
                "item identifiers must be unique (they name the learner's progress).",
            )
        seen.add(node.identifier)
        row = Item(
            item_id=node.identifier,
            parent_item_id=parent_of.get(node.identifier, ""),
            title=(node.title or node.identifier)[:500],
            position=len(rows),
            depth=depth,
            launch_url=node.launch_url or "",
            scorm_type=(node.scorm_type or "") if node.launch_url else "",
            is_visible=node.is_visible,
            mastery_score=node.mastery_score,
            scaled_passing_score=node.scaled_passing_score,
            completion_threshold=node.completion_threshold,
            data_from_lms=node.data_from_lms or "",
            max_time_allowed=node.max_time_allowed or "",
            time_limit_action=node.time_limit_action or "",
            rollup_satisfied=node.rollup_objective_satisfied,
            rollup_completion=node.rollup_progress_completion,
            objective_measure_weight=node.objective_measure_weight,
            objective_ids=list(node.objective_ids),
            completion_set_by_content=node.completion_set_by_content,
            objective_set_by_content=node.objective_set_by_content,
            sequencing_xml=node.sequencing_xml,
            prerequisites=node.prerequisites
            if node.prerequisites_type == prerequisites.SCRIPT_TYPE
            else "",
        )
        for field in _LIMITED:
            value = getattr(row, field.attname)
            if field.max_length is not None and len(value) > field.max_length:
                raise PackageError(
                    VALUE_TOO_LONG,
                    f"Item {node.identifier[:80]!r}: {field.verbose_name} is {len(value):,} "
                    f"characters long; at most {field.max_length:,} are supported.",
                )
        rows.append(row)
    return rows


@transaction.atomic
def enrolment_create(*, username: str, course_id: str) -> tuple[Enrolment, bool]:
    """Enrol a learner; enrolling twice is harmless. Raises LookupError naming what is unknown."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise LookupError(f"No user named {username!r}.")
    course = Course.objects.filter(course_id=course_id).first()
    if course is None:
        raise LookupError(f"No course with id {course_id!r}.")
    return Enrolment.objects.get_or_create(learner=user, course=course)


@transaction.atomic
def enrolment_self(*, learner: AbstractBaseUser, course: Course) -> Enrolment:
    if not course.self_enrol:
        raise PermissionError("This course does not allow self-enrolment.")
    enrolment, _ = Enrolment.objects.get_or_create(learner_id=learner.pk, course=course)
    return enrolment


@transaction.atomic
def course_update_settings(
    *,
    course: Course,
    relaunch_policy: str,
    certificate_on: str,
    passing_score: Decimal | None,
    self_enrol: bool,
    title: str | None = None,
    description: str | None = None,
    max_attempts: int | None = None,
    new_attempt_when: str | None = None,
    grading: str | None = None,
) -> Course:
    """Change a course's settings; the retake settings (``max_attempts``, ``grading``) shape
    every learner's record, so the caller derives the records again when they change
    (``tracking.records.course_records_refresh``)."""
    course.max_attempts = max_attempts
    if new_attempt_when is not None:
        course.new_attempt_when = new_attempt_when
    if grading is not None:
        course.grading = grading
    course.relaunch_policy = relaunch_policy
    course.certificate_on = certificate_on
    course.passing_score = passing_score
    course.self_enrol = self_enrol
    if title:
        course.title = title
    if description is not None:
        course.description = description
    course.save()
    return course
