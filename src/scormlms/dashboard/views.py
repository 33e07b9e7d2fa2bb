"""Learner and staff pages: read through the selectors, write through the course services."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods, require_safe

from scormlms.accounts.decorators import staff_required
from scormlms.courses.models import Course
from scormlms.courses.selectors import course_can_access
from scormlms.courses.services import course_update_settings
from scormlms.dashboard import charts, selectors
from scormlms.dashboard.forms import (
    CourseSettingsForm,
    ReasonForm,
    RecordOverrideForm,
    TableFilterForm,
)
from scormlms.tracking import records
from scormlms.tracking.models import Attempt

# Pages showing attempt state are re-validated on every visit; dashboard.js re-reads the
# state when a page comes back from the back/forward cache (seed 003 §6).
_revalidate = cache_control(private=True, no_cache=True)


@require_safe
@_revalidate
def home(request: HttpRequest) -> HttpResponse:
    """The learner dashboard: one card per enrolled course."""
    page = selectors.dashboard(learner=request.user)  # type: ignore[arg-type]
    saved = request.GET.get("saved", "")
    saved_course = next((c["course"] for c in page.cards if c["course"].course_id == saved), None)
    return render(
        request,
        "dashboard/home.html",
        {"cards": page.cards, "open_courses": page.open_courses, "saved_course": saved_course},
    )


@require_http_methods(["GET", "POST"])
def new_attempt(request: HttpRequest, course_id: str) -> HttpResponse:
    """ "Start a new attempt" / "Start over": a confirmation page that says what happens to the
    current attempt, and on POST the new attempt, then the player (SPEC §6)."""
    course = get_object_or_404(Course, course_id=course_id)
    if not course_can_access(user=request.user, course=course):
        raise PermissionDenied("You are not enrolled in this course.")
    page = selectors.course_page(user=request.user, course=course)  # type: ignore[arg-type]
    if page.card is None:
        raise PermissionDenied("You are not enrolled in this course.")
    error = None
    rule = page.card["newAttempt"]
    if not rule["allowed"]:
        error = rule["message"] or "There is no attempt to start again: open the course instead."
    elif request.method == "POST":
        try:
            records.attempt_new(
                learner=request.user,  # type: ignore[arg-type]
                course=course,
                shown_attempt_id=request.POST.get("attempt", ""),
            )
        except records.RecordRefused as refused:
            error = str(refused)
        else:
            return redirect(selectors.play_url(course.course_id))
    status = 409 if error else 200
    context = {"course": course, "card": page.card, "error": error}
    return render(request, "dashboard/new_attempt.html", context, status=status)


@require_safe
@_revalidate
def course_page(request: HttpRequest, course_id: str) -> HttpResponse:
    """Description, SCO checklist, the user's attempts and their raw SCORM values."""
    course = get_object_or_404(Course, course_id=course_id)
    if not course_can_access(user=request.user, course=course):
        raise PermissionDenied("You are not enrolled in this course.")
    page = selectors.course_page(user=request.user, course=course)  # type: ignore[arg-type]
    return render(request, "dashboard/course.html", {"page": page, "course": course})


@staff_required
@require_http_methods(["GET", "POST"])
def course_settings(request: HttpRequest, course_id: str) -> HttpResponse:
    course = get_object_or_404(Course, course_id=course_id)
    form = CourseSettingsForm.for_course(course, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        record_rules = (course.grading, course.max_attempts)
        course_update_settings(
            course=course,
            relaunch_policy=data["relaunch_policy"],
            certificate_on=data["certificate_on"],
            passing_score=data["passing_score"],
            self_enrol=data["self_enrol"],
            title=data["title"],
            description=data["description"],
            max_attempts=data["max_attempts"],
            new_attempt_when=data["new_attempt_when"],
            grading=data["grading"],
        )
        if (course.grading, course.max_attempts) != record_rules:
            records.course_records_refresh(course=course)
        messages.success(request, "Settings saved.")
        return redirect("course_settings", course_id=course.course_id)
    return render(request, "dashboard/course_settings.html", {"course": course, "form": form})


@staff_required
@require_safe
def course_report(request: HttpRequest, course_id: str) -> HttpResponse:
    course = get_object_or_404(Course, course_id=course_id)
    report = selectors.course_report(course=course)
    context = {
        "course": course,
        "report": report,
        "score_chart": charts.bar_chart(
            bars=report.score_bars,
            title=f"Score distribution of {course.title} (learners per 10-point band)",
            chart_id="score-chart",
        ),
        "status_chart": charts.bar_chart(
            bars=report.status_bars,
            title=f"Learners of {course.title} by status",
            chart_id="status-chart",
        ),
    }
    return render(request, "dashboard/course_report.html", context)


@staff_required
@require_safe
def staff_attempts(request: HttpRequest) -> HttpResponse:
    """Every learner × course with the current attempt: filters, search, sort, pages, CSV."""
    form = TableFilterForm(request.GET)
    table = selectors.staff_table(query=form.query())
    return render(request, "dashboard/staff_attempts.html", {"table": table})


@staff_required
@require_safe
def staff_attempt(request: HttpRequest, attempt_id: uuid.UUID) -> HttpResponse:
    """One attempt: raw values and CMI tree of each SCO attempt, interactions, event log."""
    detail = selectors.attempt_detail(attempt_id=attempt_id)
    if detail is None:
        raise Http404("No such attempt.")
    return render(request, "dashboard/staff_attempt.html", _staff_attempt_context(detail))


def _staff_attempt_context(
    detail: selectors.AttemptDetail,
    override_form: RecordOverrideForm | None = None,
    reason_form: ReasonForm | None = None,
) -> dict[str, object]:
    return {
        "detail": detail,
        "override_form": override_form or RecordOverrideForm(),
        "reason_form": reason_form or ReasonForm(auto_id=ReasonForm.AUTO_ID),
    }


@staff_required
@require_http_methods(["POST"])
def staff_record(request: HttpRequest, attempt_id: uuid.UUID, action: str) -> HttpResponse:
    """Staff change the record of this attempt's learner: ``override``, ``clear`` (the
    override) or ``reset`` (every attempt). Invalid input re-renders the page with the errors
    and changes nothing."""
    attempt = get_object_or_404(Attempt.objects.select_related("course"), id=attempt_id)
    detail = selectors.attempt_detail(attempt_id=attempt_id)
    assert detail is not None
    learner_id, course = attempt.learner_id, attempt.course
    if action == "override":
        form = RecordOverrideForm(request.POST)
        if not form.is_valid():
            context = _staff_attempt_context(detail, override_form=form)
            return render(request, "dashboard/staff_attempt.html", context, status=400)
        data = form.cleaned_data
        records.record_override(
            learner_id=learner_id,
            course=course,
            by=request.user,  # type: ignore[arg-type]
            reason=data["reason"],
            completed=data["completed"],
            passed=data["passed"],
            score=data["score"],
        )
        messages.success(request, "The record was set by hand.")
    elif action in ("clear", "reset"):
        reason_form = ReasonForm(request.POST, auto_id=ReasonForm.AUTO_ID)
        if not reason_form.is_valid():
            context = _staff_attempt_context(detail, reason_form=reason_form)
            return render(request, "dashboard/staff_attempt.html", context, status=400)
        reason = reason_form.cleaned_data["reason"]
        if action == "clear":
            records.record_override(
                learner_id=learner_id,
                course=course,
                by=request.user,  # type: ignore[arg-type]
                reason=reason,
                clear=True,
            )
            messages.success(request, "The record follows the attempts again.")
        else:
            records.record_reset(
                learner_id=learner_id,
                course=course,
                by=request.user,  # type: ignore[arg-type]
                reason=reason,
            )
            messages.success(request, "The learner's attempts were reset; they start afresh.")
    else:
        raise Http404("No such action.")
    return redirect("staff_attempt", attempt_id=attempt_id)
