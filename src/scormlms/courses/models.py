"""Courses (imported packages), their items, and who is enrolled in them (SPEC §3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Course(models.Model):
    class RelaunchPolicy(models.TextChoices):
        RESUME = "resume", "Resume previous attempt"
        NEW = "new", "New attempt on relaunch"

    class CertificateOn(models.TextChoices):
        PASSED = "passed", "Passed"
        COMPLETED = "completed", "Completed"

    class NewAttemptWhen(models.TextChoices):
        NEVER = "never", "Never"
        COMPLETED = "completed", "When the current attempt is completed"
        PASSED_OR_FAILED = "passed_or_failed", "When the current attempt is passed or failed"
        ALWAYS = "always", "Always (also starting over an attempt in progress)"

    class Grading(models.TextChoices):
        HIGHEST = "highest", "Highest attempt"
        FIRST = "first", "First attempt"
        LAST = "last", "Last attempt"

    course_id = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    standard = models.CharField(max_length=8)  # "1.2" | "2004"
    edition = models.CharField(max_length=16, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Key of the current version's files in the package store ("<course_id>/v<version>").
    content_key = models.CharField(max_length=255)
    manifest = models.JSONField(default=dict)
    warnings = models.JSONField(default=list)
    # SCORM 2004 sequencing (SPEC §11, ``scorm.sequencing``): the engine's settings and each
    # activity's launch URL, {"settings": {...}, "launchUrls": {...}}; None when the manifest
    # declares no sequencing (the free table of contents, as for every 1.2 course).
    sequencing = models.JSONField(null=True, blank=True)
    # Whether ``sequencing`` is set: the commit path reads this flag, never the JSON.
    sequenced = models.BooleanField(default=False)
    relaunch_policy = models.CharField(
        max_length=8, choices=RelaunchPolicy.choices, default=RelaunchPolicy.RESUME
    )
    certificate_on = models.CharField(
        max_length=10, choices=CertificateOn.choices, default=CertificateOn.PASSED
    )
    passing_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # Retakes (SPEC §6; scormlms.scorm.record): how many attempts (blank = unlimited), when the
    # learner may start another, and which attempt makes the record.
    max_attempts = models.PositiveSmallIntegerField(null=True, blank=True)
    new_attempt_when = models.CharField(
        max_length=16, choices=NewAttemptWhen.choices, default=NewAttemptWhen.ALWAYS
    )
    grading = models.CharField(max_length=8, choices=Grading.choices, default=Grading.HIGHEST)
    self_enrol = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "course_id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.course_id})"


class Item(models.Model):
    """One node of the course's organization tree, in document order (``position``)."""

    class ScormType(models.TextChoices):
        SCO = "sco", "SCO"
        ASSET = "asset", "Asset"
        NONE = "", "Folder"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="items")
    item_id = models.CharField(max_length=255)
    parent_item_id = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=500)
    position = models.PositiveIntegerField()
    depth = models.PositiveSmallIntegerField(default=0)
    launch_url = models.CharField(max_length=2000, blank=True)
    scorm_type = models.CharField(max_length=5, choices=ScormType.choices, blank=True)
    is_visible = models.BooleanField(default=True)
    mastery_score = models.FloatField(null=True, blank=True)
    scaled_passing_score = models.FloatField(null=True, blank=True)
    completion_threshold = models.FloatField(null=True, blank=True)
    data_from_lms = models.TextField(blank=True)
    max_time_allowed = models.CharField(max_length=64, blank=True)
    time_limit_action = models.CharField(max_length=32, blank=True)
    rollup_satisfied = models.BooleanField(default=True)
    rollup_completion = models.BooleanField(default=True)
    # imsss:rollupRules objectiveMeasureWeight: the item's weight in the course's score.
    objective_measure_weight = models.FloatField(default=1.0)
    # SCORM 2004: the activity's objective ids (primary first); the LMS initialises
    # cmi.objectives.n.id with them (RTE 4.2.17).
    objective_ids = models.JSONField(default=list, blank=True)
    # SCORM 2004 imsss:deliveryControls: false makes the LMS set the status the SCO did not.
    completion_set_by_content = models.BooleanField(default=False)
    objective_set_by_content = models.BooleanField(default=False)
    sequencing_xml = models.TextField(blank=True)
    # SCORM 1.2 adlcp:prerequisites of type aicc_script, as written; scormlms.scorm.prerequisites
    # decides from it whether the item may be launched.
    prerequisites = models.TextField(blank=True)

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "item_id"], name="item_unique_per_course")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.title}"

    @property
    def is_launchable(self) -> bool:
        return bool(self.launch_url)


class Enrolment(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    # The attempt the learner's card shows: the open one, else the latest (SPEC §7). Kept by
    # the tracking services so state and staff lists read one row per enrolment.
    current_attempt = models.ForeignKey(
        "tracking.Attempt", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The record (SPEC §6): derived from every attempt by scormlms.scorm.record and kept here
    # by the tracking services, so cards, reports and lists read one row per enrolment.
    record_status = models.CharField(max_length=16, default="Not started")
    record_completed = models.BooleanField(default=False)
    record_passed = models.BooleanField(default=False)
    record_pass_state = models.CharField(max_length=8, default="unknown")
    record_score = models.FloatField(null=True, blank=True)
    record_attempt = models.ForeignKey(
        "tracking.Attempt", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    record_certificate = models.CharField(max_length=32, blank=True)  # its code
    attempts_used = models.PositiveIntegerField(default=0)
    # A record set by hand (SPEC §6): None leaves that field to the attempts.
    override_completed = models.BooleanField(null=True, blank=True)
    override_passed = models.BooleanField(null=True, blank=True)
    override_score = models.FloatField(null=True, blank=True)
    override_reason = models.TextField(blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    override_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="enrolment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} in {self.course_id}"
