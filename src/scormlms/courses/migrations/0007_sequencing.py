"""Course.sequencing (SPEC §11): SCORM 2004 courses imported before it get theirs from their
stored ``imsmanifest.xml``, so they play with sequencing after the upgrade. A course whose
manifest cannot be read keeps None (the free table of contents) until it is uploaded again."""

import logging
from typing import Any

from django.db import migrations, models

log = logging.getLogger("scormlms.courses")


def convert_stored(apps: Any, schema_editor: Any) -> None:
    from scormlms.courses.services import sequencing_of
    from scormlms.courses.storage import get_store
    from scormlms.scorm.manifest import parse_manifest

    Course = apps.get_model("courses", "Course")
    store = get_store()
    for course in Course.objects.filter(standard="2004").only("id", "content_key", "warnings"):
        try:
            with store.open(course.content_key, "imsmanifest.xml") as fh:
                sequencing, _ = sequencing_of(parse_manifest(fh.read()))
        except Exception as error:  # a missing or unreadable package: keep the free TOC
            log.warning(
                "sequencing_not_converted",
                extra={"course_id": course.pk, "error": str(error)[:200]},
            )
            continue
        if sequencing is not None:
            Course.objects.filter(pk=course.pk).update(sequencing=sequencing, sequenced=True)


class Migration(migrations.Migration):
    dependencies = [
        ("courses", "0006_item_prerequisites"),
    ]

    operations = [
        migrations.AddField(
            model_name="course",
            name="sequencing",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="course",
            name="sequenced",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(convert_stored, migrations.RunPython.noop),
    ]
