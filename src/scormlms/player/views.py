"""The player page: a shell that hands the browser what it needs to run the course.

Every SCORM rule runs elsewhere: in scorm-again and our player scripts in the browser, and in
the tracking services behind the JSON endpoints the page calls.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from scormlms.courses.models import Course, Item
from scormlms.courses.selectors import course_can_access


def _toc_entry(item: Item) -> dict[str, Any]:
    return {
        "itemId": item.item_id,
        "title": item.title,
        "depth": item.depth,
        "launchable": item.is_launchable,
        "visible": item.is_visible,
    }


@require_GET
def play(request: HttpRequest, course_id: str) -> HttpResponse:
    """``GET /courses/<courseId>/play[?item=<itemId>]`` for enrolled learners and staff."""
    course = get_object_or_404(Course, course_id=course_id)
    if not course_can_access(user=request.user, course=course):
        raise PermissionDenied("You are not enrolled in this course.")
    # Every item in document order; the menu lists the visible ones (folders as headings).
    # Hidden items stay launchable through a navigation request but are never listed (SPEC §3).
    rows = list(course.items.all())
    items = [_toc_entry(item) for item in rows]
    toc = [entry for entry in items if entry["visible"]]
    listed = [entry for entry in toc if entry["launchable"]]
    config = {
        "courseId": course.course_id,
        "title": course.title,
        "standard": course.standard,
        "learnerId": request.user.get_username(),
        "itemId": request.GET.get("item", ""),
        "items": items,
        # SCORM 1.2 prerequisites: the player waits for each SCO's result before it moves on.
        "prerequisites": any(item.prerequisites for item in rows),
        # SCORM 2004 sequencing (SPEC §11): the engine decides what launches.
        "sequenced": course.sequenced,
        "urls": {
            "start": reverse("tracking:start"),
            "open": reverse("tracking:open"),
            "sequencing": reverse("tracking:sequencing"),
            "result": reverse("tracking:result"),
            "discard": reverse("tracking:discard"),
            "state": reverse("tracking:state", args=[course.course_id]),
            "home": reverse("home"),
        },
    }
    return render(
        request,
        "player/play.html",
        {
            "course": course,
            "config": config,
            "toc": toc if len(listed) > 1 else [],
        },
    )
