from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from scormlms.courses.models import Course
from scormlms.dashboard.selectors import DEFAULT_ORDERING, TableQuery
from scormlms.tracking.selectors import ORDERINGS, STATUSES

PASSING_SCORE_HELP = (
    "Leave empty to use the package's own mastery score (SCORM 1.2) or scaled passing score "
    "(SCORM 2004). When set, it wins over both."
)


class CourseSettingsForm(forms.Form):
    """The per-course settings staff may change (SPEC §3; seed 000 D)."""

    title = forms.CharField(label="Title", max_length=255)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea)
    relaunch_policy = forms.ChoiceField(
        label="When a learner launches the course again",
        choices=Course.RelaunchPolicy.choices,
        widget=forms.RadioSelect,
    )
    certificate_on = forms.ChoiceField(
        label="Issue the certificate when the course is",
        choices=Course.CertificateOn.choices,
        widget=forms.RadioSelect,
    )
    passing_score = forms.DecimalField(
        label="Passing score override (%)",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        help_text=PASSING_SCORE_HELP,
    )
    self_enrol = forms.BooleanField(label="Learners may enrol themselves", required=False)

    @classmethod
    def for_course(cls, course: Course, data: Any = None) -> CourseSettingsForm:
        initial = {
            "title": course.title,
            "description": course.description,
            "relaunch_policy": course.relaunch_policy,
            "certificate_on": course.certificate_on,
            "passing_score": course.passing_score,
            "self_enrol": course.self_enrol,
        }
        return cls(data, initial=initial)


class TableFilterForm(forms.Form):
    """The attempts table's query string; anything invalid falls back to "no filter"."""

    course = forms.CharField(required=False, max_length=100)
    status = forms.ChoiceField(required=False, choices=[("", "Any"), *[(s, s) for s in STATUSES]])
    q = forms.CharField(required=False, max_length=100)
    ordering = forms.ChoiceField(required=False, choices=[(k, k) for k in ORDERINGS])
    page = forms.IntegerField(required=False, min_value=1)

    def query(self) -> TableQuery:
        # An invalid field is left out of cleaned_data; the valid ones still apply.
        self.is_valid()
        data = self.cleaned_data
        return TableQuery(
            course=data.get("course") or "",
            status=data.get("status") or "",
            q=(data.get("q") or "").strip(),
            ordering=data.get("ordering") or DEFAULT_ORDERING,
            page=data.get("page") or 1,
        )
