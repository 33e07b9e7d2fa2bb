"""Course HTTP surface: package content, staff upload (page + JSON API), enrolment."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from scormlms.accounts.decorators import staff_required
from scormlms.courses import services
from scormlms.courses.content import file_response
from scormlms.courses.forms import EnrolForm, UploadForm
from scormlms.courses.models import Course
from scormlms.courses.selectors import course_can_access
from scormlms.courses.storage import get_store
from scormlms.jsonapi import json_error, json_methods
from scormlms.scorm.errors import PackageError


@require_http_methods(["GET", "HEAD"])
def content(request: HttpRequest, course_id: str, path: str) -> HttpResponseBase:
    """A file of the course's current package version, for enrolled users and staff."""
    course = get_object_or_404(Course, course_id=course_id)
    if not course_can_access(user=request.user, course=course):
        raise PermissionDenied
    store = get_store()
    info = store.stat(course.content_key, path)
    if info is None:
        raise Http404("No such file in this package.")
    return file_response(
        request, info, lambda: store.open(course.content_key, path), path, course.version
    )


@json_methods("POST")
def api_course_create(request: HttpRequest) -> HttpResponseBase:
    """``POST /api/courses`` (staff, multipart: ``file``, optional ``courseId``)."""
    if not request.user.is_staff:
        return json_error(403, "forbidden", "Staff only.")
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        status = 413 if form.too_large else 400
        return json_error(status, "invalid", " ".join(map(str, errors)), field)
    try:
        result = services.course_import(
            source=form.cleaned_data["file"], course_id=form.cleaned_data["courseId"] or None
        )
    except PackageError as error:
        return json_error(400, error.code, error.message, "file")
    course = result.course
    return JsonResponse(
        {
            "ok": True,
            "courseId": course.course_id,
            "title": course.title,
            "standard": course.standard,
            "version": course.version,
            "created": result.created,
            "items": course.items.exclude(launch_url="").count(),
            "warnings": list(result.warnings),
        },
        status=201 if result.created else 200,
    )


@staff_required
def staff_courses(request: HttpRequest) -> HttpResponse:
    """Course list with the upload form."""
    courses = Course.objects.annotate(enrolled=Count("enrolments"))
    return render(request, "courses/staff_courses.html", {"courses": courses, "form": UploadForm()})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_enrol(request: HttpRequest, course_id: str) -> HttpResponse:
    course = get_object_or_404(Course, course_id=course_id)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for username in form.cleaned_data["usernames"]:
            try:
                _, created = services.enrolment_create(username=username, course_id=course_id)
            except LookupError as error:
                messages.error(request, str(error))
                continue
            note = "enrolled" if created else "was already enrolled"
            messages.success(request, f"{username} {note}.")
        return redirect("courses:staff_enrol", course_id=course_id)
    enrolled = course.enrolments.select_related("learner").order_by("learner__username")
    return render(
        request, "courses/staff_enrol.html", {"course": course, "form": form, "enrolled": enrolled}
    )


@require_POST
def self_enrol(request: HttpRequest, course_id: str) -> HttpResponse:
    course = get_object_or_404(Course, course_id=course_id)
    try:
        services.enrolment_self(learner=request.user, course=course)  # type: ignore[arg-type]
    except PermissionError as error:
        raise PermissionDenied(str(error)) from error
    return redirect("/")
