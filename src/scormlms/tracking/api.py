"""JSON endpoints (SPEC §4, §6, §7): parse, call one service or selector, render.

Errors are ``{ok: false, error, field, message}`` with 400 invalid, 401 logged out, 403 not
yours / not staff, 404 unknown, 409 finished session or closed attempt, 413 too large.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from scormlms.courses.models import Course
from scormlms.courses.selectors import course_items
from scormlms.jsonapi import json_error, json_methods, json_response
from scormlms.tracking import hotrows, selectors, services
from scormlms.tracking.models import Attempt
from scormlms.tracking.payloads import (
    PayloadError,
    bad_text,
    json_body,
    result_payload,
    sequencing_payload,
)
from scormlms.tracking.tokens import BadToken, token_read

JsonView = Callable[..., HttpResponseBase]


def json_errors(view: JsonView) -> JsonView:
    """Turn the service and payload exceptions into JSON answers."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except PayloadError as e:
            return json_response(e.as_json(), status=e.status)
        except BadToken as e:
            return json_error(403, "bad_token", f"token {e}", "token")
        except services.Forbidden as e:
            return json_error(403, "forbidden", str(e))
        except services.NotFound as e:
            return json_error(404, "not_found", str(e))
        except services.Conflict as e:
            return json_error(409, "conflict", str(e), e.field)

    return wrapper


def _launch_token(request: HttpRequest, body: dict[str, Any]) -> str:
    token = body.get("token") or request.headers.get("X-Launch-Token", "")
    return token if isinstance(token, str) else ""


def _course(course_id: object) -> Course:
    if not isinstance(course_id, str) or not course_id:
        raise PayloadError("courseId", "is required and must be a non-empty string")
    course = hotrows.course_by_id(course_id)
    if course is None:
        raise services.NotFound(f"No course with id {course_id!r}.")
    return course


def _optional_uuid(body: dict[str, Any], name: str) -> uuid.UUID | None:
    raw = body.get(name)
    if raw in (None, ""):
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError as error:
        raise PayloadError(name, "must be a UUID") from error


@json_methods("POST")
@json_errors
def attempt_start(request: HttpRequest) -> HttpResponse:
    """``POST /lms/attempt/start {courseId, itemId?, attemptId?}`` (CSRF-protected)."""
    body = json_body(request.body)
    course = _course(body.get("courseId"))
    item_id = body.get("itemId")
    if item_id is not None and (not isinstance(item_id, str) or len(item_id) > 255):
        raise PayloadError("itemId", "must be a string of at most 255 characters")
    result = services.attempt_start(
        learner=request.user,  # type: ignore[arg-type]
        course=course,
        item_id=item_id or None,
        attempt_id=_optional_uuid(body, "attemptId"),
    )
    # The SCO checklist as the state endpoint gives it, from the rows the start just wrote.
    items = selectors.item_states(course_items(course), result.scos, closed=result.attempt.closed)
    item = result.item
    return json_response(
        {
            "ok": True,
            "attemptId": str(result.attempt.id),
            "status": result.attempt.status,
            "created": result.created,
            "review": result.review,
            "launch": {
                "standard": course.standard,
                "itemId": item.item_id,
                "launchUrl": f"/content/{course.course_id}/{item.launch_url}",
                "entry": result.entry,
                "mode": "review" if result.review else "normal",
                "credit": "no-credit" if result.review else "credit",
                "values": services.key_values(result.sco),
                "cmi": result.preload,
                "token": result.token,
                "seq": result.sco.commit_seq,
                "learnerId": request.user.get_username(),
                "learnerName": services.scorm_learner_name(request.user),  # type: ignore[arg-type]
                "items": items,
            },
        }
    )


@json_methods("POST")
@json_errors
def attempt_open(request: HttpRequest) -> HttpResponse:
    """``POST /lms/attempt/open {courseId, attemptId?}`` (CSRF-protected): a sequenced course's
    attempt and what its engine starts from (SPEC §11); the player then starts the activity
    the engine delivers."""
    body = json_body(request.body)
    course = _course(body.get("courseId"))
    result = services.attempt_open(
        learner=_learner(request), course=course, attempt_id=_optional_uuid(body, "attemptId")
    )
    attempt = result.attempt
    return json_response(
        {
            "ok": True,
            "attemptId": str(attempt.id),
            "status": attempt.status,
            "created": result.created,
            "review": attempt.closed,
            "sequencing": {
                "activityTree": attempt.sequencing_tree,
                "state": attempt.sequencing_state or None,
                "seq": attempt.sequencing_seq,
            },
        }
    )


@csrf_exempt  # the launch token stands in for the CSRF header, as for results (SPEC §8)
@json_methods("POST")
@json_errors
def sequencing_save(request: HttpRequest) -> HttpResponse:
    """``POST /api/scorm/sequencing {attemptId, token, seq, state, activities, choice, ended}``
    — the engine's state after a delivery or the end of the sequencing session (SPEC §11)."""
    body = json_body(request.body)
    claims = token_read(_launch_token(request, body))
    payload = sequencing_payload(body)
    saved = services.sequencing_save(learner=_learner(request), claims=claims, payload=payload)
    attempt = saved.attempt
    return json_response(
        {
            "ok": True,
            "attemptId": str(attempt.id),
            "seq": attempt.sequencing_seq if saved.stale else payload.seq,
            "stale": saved.stale,
            "review": saved.review,
            "status": attempt.status,
            "completed": attempt.completed,
            "passed": attempt.passed,
            "progressPercent": attempt.progress_percent,
            "scorePercent": attempt.score_percent,
            "certificateUrl": selectors.certificate_url(selectors.attempt_certificate(attempt)),
        }
    )


def _learner(request: HttpRequest) -> AbstractBaseUser:
    """The logged-in user (the login middleware answered 401 for anyone else)."""
    return request.user  # type: ignore[return-value]


def _record(request: HttpRequest, *, seed_door: bool) -> dict[str, Any]:
    body = json_body(request.body)
    claims = token_read(_launch_token(request, body))
    standard = None
    if seed_door:
        attempt_id = _optional_uuid(body, "attemptId")
        if attempt_id is None:
            raise PayloadError("attemptId", "is required and must be a UUID")
        attempt = Attempt.objects.select_related("course").filter(id=attempt_id).first()
        if attempt is None:
            raise services.NotFound("No such attempt.")
        standard = attempt.course.standard
    payload = result_payload(body, standard=standard, seed_door=seed_door)
    result = services.result_record(learner=_learner(request), claims=claims, payload=payload)
    attempt = result.attempt
    return {
        "ok": True,
        "attemptId": str(attempt.id),
        "status": attempt.status,
        "completed": attempt.completed,
        "passed": attempt.passed,
        "progressPercent": attempt.progress_percent,
        "scorePercent": attempt.score_percent,
        "certificateUrl": selectors.certificate_url(selectors.attempt_certificate(attempt)),
        "seq": result.sco.commit_seq if result.sco else payload.seq,
        "stale": result.stale,
        "review": result.review,
    }


@csrf_exempt  # the launch token replaces the CSRF header so sendBeacon works (SPEC §8)
@json_methods("POST")
@json_errors
def scorm_result(request: HttpRequest) -> HttpResponse:
    """``POST /api/scorm/result`` — every Commit and Finish (SPEC §4)."""
    return json_response(_record(request, seed_door=False))


@csrf_exempt
@json_methods("POST")
@json_errors
def runtime_commit(request: HttpRequest) -> HttpResponse:
    """``POST /scorm/runtime/commit {attemptId, values, token}`` — the seed's door, same service."""
    return json_response(_record(request, seed_door=True))


@csrf_exempt
@json_methods("POST")
@json_errors
def attempt_discard(request: HttpRequest) -> HttpResponse:
    """``POST /lms/attempt/discard {attemptId, token}`` — Don't save (SPEC §6)."""
    body = json_body(request.body)
    claims = token_read(_launch_token(request, body))
    attempt_id = _optional_uuid(body, "attemptId")
    if attempt_id is None:
        raise PayloadError("attemptId", "is required and must be a UUID")
    kept = services.attempt_discard(learner=request.user, claims=claims, attempt_id=attempt_id)  # type: ignore[arg-type]
    return json_response(
        {
            "ok": True,
            "kept": kept is not None,
            "status": kept.status if kept else selectors.NOT_STARTED,
        }
    )


@json_methods("GET", "HEAD")
@json_errors
def enrolment_state(request: HttpRequest, course_id: str) -> HttpResponse:
    """``GET /lms/enrolments/<courseId>/state`` — never cached (seed 003 §6)."""
    state = selectors.enrolment_state(learner=_learner(request), course_id=course_id)
    if state is None:
        _course(course_id)  # 404 when there is no such course
        raise services.Forbidden("You are not enrolled in this course.")
    response = json_response(state.fields)
    response["Cache-Control"] = "no-store"
    return response


def _text_param(request: HttpRequest, name: str, max_length: int = 100) -> str:
    raw = request.GET.get(name, "")
    if len(raw) > max_length or bad_text(raw):
        raise PayloadError(name, f"must be text of at most {max_length} characters without NUL")
    return raw


def _int_param(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise PayloadError(name, f"must be a whole number from {low} to {high}")
    return int(raw)


CSV_COLUMNS = [
    "learner",
    "courseId",
    "courseTitle",
    "status",
    "displayStatus",
    "scorePercent",
    "passed",
    "completed",
    "progressPercent",
    "launchedAt",
    "lastCommitAt",
    "finishedAt",
    "attemptId",
    "certificateUrl",
    "recordStatus",
    "recordScore",
    "recordPassed",
    "recordCompleted",
    "attemptsUsed",
    "attemptsAllowed",
    "recordCertificateUrl",
    "recordOverridden",
    "retakeInProgress",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


@json_methods("GET", "HEAD")
@json_errors
def admin_enrolments(request: HttpRequest) -> HttpResponseBase:
    """``GET /lms/admin/enrolments`` (staff): filters ``course``, ``learner``, ``status``,
    ``q``; ``ordering``; ``page``/``pageSize``; ``format=csv`` for every matching row."""
    if not request.user.is_staff:
        raise services.Forbidden("Staff only.")
    ordering = request.GET.get("ordering", "-lastCommitAt")
    if ordering not in selectors.ORDERINGS:
        raise PayloadError("ordering", f"must be one of {', '.join(selectors.ORDERINGS)}")
    status = request.GET.get("status", "")
    if status and status not in selectors.STATUSES:
        raise PayloadError("status", f"must be one of {', '.join(selectors.STATUSES)}")
    qs = selectors.staff_enrolments(
        course_id=_text_param(request, "course"),
        learner=_text_param(request, "learner", 150),
        status=status,
        search=_text_param(request, "q"),
        ordering=ordering,
    )
    if request.GET.get("format") == "csv":
        writer = csv.writer(_Echo())

        def rows() -> Any:
            yield writer.writerow(CSV_COLUMNS)
            for enrolment in qs.iterator(chunk_size=500):
                row = selectors.staff_row(enrolment)
                record = row["record"]
                row.update(
                    {k: record[k] for k in CSV_COLUMNS if k in record},
                    recordCertificateUrl=record["certificateUrl"],
                    recordOverridden=record["overridden"],
                )
                yield writer.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="enrolments.csv"'
        return response
    page_size = _int_param(request, "pageSize", 50, 1, 500)
    page = _int_param(request, "page", 1, 1, 1_000_000)
    total = qs.count()
    start = (page - 1) * page_size
    results = [selectors.staff_row(e) for e in qs[start : start + page_size]]
    return json_response({"count": total, "page": page, "pageSize": page_size, "results": results})
