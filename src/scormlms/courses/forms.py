from __future__ import annotations

import re
from typing import Any

from django import forms
from django.conf import settings

from scormlms.courses.services import COURSE_ID_RE, COURSE_ID_RULE


class UploadForm(forms.Form):
    file = forms.FileField(label="SCORM package (.zip)")
    courseId = forms.CharField(  # noqa: N815 — the JSON edge's name (SPEC §3)
        label="Course id (optional: replaces that course's content as a new version)",
        required=False,
        max_length=100,
    )

    too_large = False

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.SCORMLMS_MAX_UPLOAD_BYTES:
            self.too_large = True
            limit = settings.SCORMLMS_MAX_UPLOAD_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"The file is larger than the {limit} MB upload limit.")
        if not upload.name.lower().endswith(".zip"):
            raise forms.ValidationError("Upload a .zip file (a SCORM content package).")
        return upload

    def clean_courseId(self) -> str:  # noqa: N802
        value: str = self.cleaned_data["courseId"].strip()
        if value and not COURSE_ID_RE.match(value):
            raise forms.ValidationError(f"Course id: {COURSE_ID_RULE}.")
        return value


class EnrolForm(forms.Form):
    usernames = forms.CharField(
        label="Usernames (one per line, or separated by commas)", widget=forms.Textarea
    )

    def clean_usernames(self) -> list[str]:
        names = [n for n in re.split(r"[\s,]+", self.cleaned_data["usernames"]) if n]
        if not names:
            raise forms.ValidationError("Enter at least one username.")
        return names
