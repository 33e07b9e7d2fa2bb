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
    max_attempts = forms.IntegerField(
        label="Attempts allowed",
        required=False,
        min_value=1,
        max_value=1000,
        help_text="Leave empty for unlimited attempts. Attempts that staff reset do not count.",
    )
    new_attempt_when = forms.ChoiceField(
        label="A learner may start a new attempt",
        choices=Course.NewAttemptWhen.choices,
        widget=forms.RadioSelect,
    )
    grading = forms.ChoiceField(
        label="The learner's record comes from the",
        choices=Course.Grading.choices,
        widget=forms.RadioSelect,
    )

    @classmethod
    def for_course(cls, course: Course, data: Any = None) -> CourseSettingsForm:
        initial = {
            "title": course.title,
            "description": course.description,
            "relaunch_policy": course.relaunch_policy,
            "certificate_on": course.certificate_on,
            "passing_score": course.passing_score,
            "self_enrol": course.self_enrol,
            "max_attempts": course.max_attempts,
            "new_attempt_when": course.new_attempt_when,
            "grading": course.grading,
        }
        return cls(data, initial=initial)


TRI_STATE = [("", "Leave as the attempts say"), ("yes", "Yes"), ("no", "No")]


def _tri_state(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class RecordOverrideForm(forms.Form):
    """Staff set a learner's record by hand (SPEC §6); a reason is required."""

    completed = forms.ChoiceField(label="Completed", choices=TRI_STATE, required=False)
    passed = forms.ChoiceField(
        label="Passed",
        choices=[("", "Leave as the attempts say"), ("yes", "Passed"), ("no", "Failed")],
        required=False,
    )
    score = forms.DecimalField(
        label="Score (%)",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
    )
    reason = forms.CharField(label="Reason", max_length=1000, strip=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["completed"] = _tri_state(data.get("completed", ""))
        data["passed"] = _tri_state(data.get("passed", ""))
        if not self.errors and all(data.get(k) is None for k in ("completed", "passed", "score")):
            raise forms.ValidationError("Set at least one of completed, passed or score.")
        return data


class ReasonForm(forms.Form):
    """Clearing an override or resetting attempts: a reason for the event log. Its ids differ
    from the override form's, which stands on the same page with a field of the same name."""

    AUTO_ID = "reset_%s"

    reason = forms.CharField(label="Reason", max_length=1000, strip=True)


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
