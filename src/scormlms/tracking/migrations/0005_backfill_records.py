"""Derive every enrolment's record from its attempts (SPEC §6), once, for existing data."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from scormlms.scorm.record import AttemptSummary, course_record


def backfill(apps: Any, schema_editor: Any) -> None:
    enrolment_model = apps.get_model("courses", "Enrolment")
    attempt_model = apps.get_model("tracking", "Attempt")
    certificate_model = apps.get_model("tracking", "Certificate")
    codes = {str(a): c for a, c in certificate_model.objects.values_list("attempt_id", "code")}
    for enrolment in enrolment_model.objects.select_related("course").iterator():
        attempts = attempt_model.objects.filter(
            learner_id=enrolment.learner_id, course_id=enrolment.course_id
        ).order_by("launched_at")
        record = course_record(
            [
                AttemptSummary(
                    attempt_id=str(a.id),
                    order=a.launched_at,
                    status=a.status,
                    completed=a.completed,
                    passed=a.passed,
                    pass_state=a.pass_state,
                    score_percent=a.score_percent,
                )
                for a in attempts
            ]
        )
        enrolment.record_status = record.status
        enrolment.record_completed = record.completed
        enrolment.record_passed = record.passed
        enrolment.record_pass_state = record.pass_state
        enrolment.record_score = record.score_percent
        enrolment.record_attempt_id = record.attempt_id
        enrolment.record_certificate = codes.get(record.attempt_id, "") if record.attempt_id else ""
        enrolment.attempts_used = record.attempts_used
        enrolment.save()


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0004_review_reset_nav_request"),
        ("courses", "0004_retakes_and_record"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
