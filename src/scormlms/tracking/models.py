"""Attempts, SCO attempts, launch sessions, the attempt event log and certificates (SPEC §3)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from scormlms.courses.models import Course


class Attempt(models.Model):
    """One learner's attempt at a course; the course-level derived values live here."""

    class Status(models.TextChoices):
        IN_PROGRESS = "In Progress"
        COMPLETED = "Completed"
        ABANDONED = "Abandoned"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="attempts")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    launched_at = models.DateTimeField()
    last_commit_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)  # last Finish/Terminate commit
    terminated_at = models.DateTimeField(null=True, blank=True)  # when it closed
    completed = models.BooleanField(default=False)
    closed = models.BooleanField(default=False)
    passed = models.BooleanField(default=False)
    pass_state = models.CharField(max_length=8, default="unknown")  # passed | failed | unknown
    progress_percent = models.PositiveSmallIntegerField(default=0)
    score_percent = models.FloatField(null=True, blank=True)
    commit_count = models.PositiveIntegerField(default=0)
    # Staff reset the learner's attempts (SPEC §6): kept in history, counted for nothing.
    reset = models.BooleanField(default=False)
    # SCORM 2004 sequencing (SPEC §11), for a course with sequencing only: this attempt's
    # activity tree (selection and randomization applied when it was created), the engine's
    # serialized state with the seq number of the save that wrote it (a stale save never rolls
    # it back), and each activity's tracking data and choice validity as of that save.
    sequencing_tree = models.JSONField(null=True, blank=True)
    sequencing_state = models.TextField(blank=True)
    sequencing_seq = models.PositiveBigIntegerField(default=0)
    sequencing_activities = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [
            # SPEC §6: never two open attempts per learner and course, even when starts race.
            models.UniqueConstraint(
                fields=["learner", "course"],
                condition=Q(closed=False),
                name="one_open_attempt_per_learner_course",
            )
        ]
        indexes = [
            models.Index(fields=["learner", "course", "-launched_at"], name="attempt_state_idx"),
            models.Index(fields=["course", "status"], name="attempt_course_status_idx"),
        ]
        # No index on last_commit_at: every commit changes it, and an indexed column changing
        # makes PostgreSQL write a new entry in every index of the row (no HOT update). The
        # staff table sorts 10,000 rows by it in milliseconds without one (docs/BENCHMARKS.md).

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"


# An attempt's large sequencing columns (SPEC §11): only the sequencing endpoints read them;
# every other read of attempts leaves them out.
SEQUENCING_COLUMNS = ("sequencing_tree", "sequencing_state", "sequencing_activities")


class ScoAttempt(models.Model):
    """Per (attempt, item): the raw key values as received, the full CMI tree, derived fields.

    ``item_id`` is the manifest identifier (not a foreign key) so a new package version keeps
    learners' data.
    """

    # Indexed by the unique (attempt, item_id) constraint, whose first column it is.
    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="sco_attempts", db_index=False
    )
    item_id = models.CharField(max_length=255)
    standard = models.CharField(max_length=8)
    # Raw key values (SPEC §4), "" when unset; 1.2 and 2004 names share a column where they
    # mean the same thing (cmi.core.lesson_location and cmi.location → location).
    lesson_status = models.CharField(max_length=16, blank=True)
    completion_status = models.CharField(max_length=16, blank=True)
    success_status = models.CharField(max_length=16, blank=True)
    score_raw = models.CharField(max_length=32, blank=True)
    score_min = models.CharField(max_length=32, blank=True)
    score_max = models.CharField(max_length=32, blank=True)
    score_scaled = models.CharField(max_length=32, blank=True)
    progress_measure = models.CharField(max_length=32, blank=True)
    location = models.CharField(max_length=1000, blank=True)
    suspend_data = models.TextField(blank=True)
    exit = models.CharField(max_length=16, blank=True)
    # The last adl.nav.request the SCO set (2004); its suspendAll makes the next entry resume.
    nav_request = models.CharField(max_length=1000, blank=True)
    session_time = models.CharField(max_length=64, blank=True)
    total_time = models.CharField(max_length=64, blank=True)
    cmi = models.JSONField(default=dict, blank=True)
    # Derived (scormlms.scorm.outcome)
    completed = models.BooleanField(default=False)
    passed = models.BooleanField(default=False)
    pass_state = models.CharField(max_length=8, default="unknown")
    progress_percent = models.PositiveSmallIntegerField(default=0)
    score_percent = models.FloatField(null=True, blank=True)
    commit_seq = models.BigIntegerField(default=0)
    commit_count = models.PositiveIntegerField(default=0)
    first_launched_at = models.DateTimeField()
    last_commit_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "item_id"], name="sco_attempt_unique")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.item_id}"


class LaunchSession(models.Model):
    """One SCO session: what a launch token stands for (SPEC §6, §8)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="sessions")
    item_id = models.CharField(max_length=255)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    initialized = models.BooleanField(default=False)
    # A launch in review mode (SPEC §6): its commits land in the event log only.
    review = models.BooleanField(default=False)
    logged_keys = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"session {self.id} of {self.attempt_id}/{self.item_id}"


class AttemptEvent(models.Model):
    """The per-attempt log staff read (SPEC §9)."""

    class Kind(models.TextChoices):
        START = "start"
        RESUME = "resume"
        INITIALIZE = "initialize"
        SET_VALUE_KEYS = "setvalue_keys"
        COMMIT = "commit"
        FINISH = "finish"
        STALE = "stale"
        DISCARD = "discard"
        ABANDON = "abandon"
        COMPLETE = "complete"
        CERTIFICATE = "certificate"
        REVIEW = "review"
        DEFAULT_STATUS = "default_status"
        NEW_ATTEMPT = "new_attempt"
        RESET = "reset"
        OVERRIDE = "override"

    # Indexed by event_attempt_idx, whose first column it is.
    attempt = models.ForeignKey(
        Attempt, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    item_id = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["attempt", "created_at"], name="event_attempt_idx")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.created_at}"


class Certificate(models.Model):
    """Issued exactly once per attempt (the one-to-one makes a second one impossible)."""

    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="certificate")
    code = models.CharField(max_length=32, unique=True)
    learner_name = models.CharField(max_length=255)
    course_title = models.CharField(max_length=255)
    score_percent = models.FloatField(null=True, blank=True)
    issued_at = models.DateTimeField()
    file = models.CharField(max_length=255)  # default-storage name of the PDF

    def __str__(self) -> str:
        return f"certificate {self.code}"


class LearnerGlobal(models.Model):
    """A global shared objective or ``adl.data`` bucket that outlives its attempt (SPEC §11;
    ``scorm.global_state``): for courses whose ``objectivesGlobalToSystem`` /
    ``sharedDataGlobalToSystem`` is true, kept per learner and handed to each new attempt of a
    course that maps the same id."""

    class Kind(models.TextChoices):
        OBJECTIVE = "objective"
        DATA = "data"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # SCORM 2004 allows identifiers of 4000 characters; longer than this stay in their attempt.
    key = models.CharField(max_length=1000)
    value = models.JSONField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "kind", "key"], name="one_global_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
