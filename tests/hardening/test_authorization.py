"""Who may do what: every URL × {anonymous, learner A, learner B, learner C, staff} × method.

A and B are enrolled in course ``c1``; C is enrolled nowhere; staff see everything. A has
passed the course once (certificate ``{cert}``, in her first attempt) and has a second attempt
open; B has an attempt of his own. The table is the documentation: read a row as "this request,
sent by each of them, gets these answers". Every request runs in a fresh browser inside a
savepoint that is rolled back, so the rows do not affect each other.

Runtime endpoints need a launch token (SPEC §8): ``result``/``commit``/``discard`` bodies carry
A's token for A's open attempt; ``*-tokenB`` put B's token on A's attempt (403 for everyone);
``*-finished`` use the token of A's finished SCO session (409 for A).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any, NamedTuple

import pytest
from django.contrib.auth.models import AbstractUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from scormlms.courses.models import Enrolment
from scormlms.courses.services import course_import
from tests.hardening.bugs import is_open
from tests.hardening.helpers import body_of, commit_body, rolled_back
from tests.scorm.zipfactory import package
from tests.tracking.conftest import make_course, make_user

pytestmark = pytest.mark.django_db

ROLES = ("anon", "A", "B", "C", "staff")
CSRF_SECRET = "hardeningCsrfSecret0123456789abc"  # 32 letters and digits, like Django's own
A_LOCATION = "A-location-6c1f"  # A's raw values: no page may show them to anyone else
A_SUSPEND = "A-suspend-data-93d2"
ZERO = "00000000-0000-4000-8000-000000000000"


class Row(NamedTuple):
    method: str
    path: str
    body: str  # a key of the bodies built in _bodies(), "" for none
    anon: int
    a: int
    b: int
    c: int
    staff: int


# fmt: off
MATRIX = [
    #   method    path                                body               anon A    B    C    staff
    # --- accounts and public pages
    Row("GET",    "/accounts/login/",                 "",                200, 200, 200, 200, 200),
    Row("POST",   "/accounts/login/",                 "login-wrong",     200, 200, 200, 200, 200),
    Row("POST",   "/accounts/logout/",                "",                302, 302, 302, 302, 302),
    Row("GET",    "/accounts/logout/",                "",                302, 405, 405, 405, 405),
    Row("GET",    "/healthz",                         "",                200, 200, 200, 200, 200),
    Row("GET",    "/admin/",                          "",                302, 302, 302, 302, 200),
    Row("GET",    "/certificates/verify/{cert}",      "",                200, 200, 200, 200, 200),
    Row("GET",    "/certificates/verify/{nocert}",    "",                404, 404, 404, 404, 404),
    Row("GET",    "/certificates/verify/",            "",                200, 200, 200, 200, 200),
    Row("GET",    "/certificates/verify/?code={cert}", "",               200, 200, 200, 200, 200),
    # --- learner pages
    Row("GET",    "/",                                "",                302, 200, 200, 200, 200),
    Row("HEAD",   "/",                                "",                302, 200, 200, 200, 200),
    Row("POST",   "/",                                "",                302, 405, 405, 405, 405),
    Row("GET",    "/courses/c1/",                     "",                302, 200, 200, 403, 200),
    Row("GET",    "/courses/nope/",                   "",                302, 404, 404, 404, 404),
    Row("GET",    "/courses/c1/play",                 "",                302, 200, 200, 403, 200),
    Row("POST",   "/courses/c1/play",                 "",                302, 405, 405, 405, 405),
    Row("POST",   "/courses/open/enrol/",             "",                302, 302, 302, 302, 302),
    Row("POST",   "/courses/c1/enrol/",               "",                302, 403, 403, 403, 403),
    Row("GET",    "/courses/open/enrol/",             "",                302, 405, 405, 405, 405),
    Row("GET",    "/courses/c1/new-attempt",          "",                302, 200, 200, 403, 403),
    Row("POST",   "/courses/c1/new-attempt",          "",                302, 302, 302, 403, 403),
    Row("POST",   "/courses/c1/new-attempt",          "new-attempt",     302, 302, 302, 403, 403),
    Row("PUT",    "/courses/c1/new-attempt",          "",                302, 405, 405, 405, 405),
    # --- package content: enrolled learners and staff only
    Row("GET",    "/content/c1/index.html",           "",                302, 200, 200, 403, 200),
    Row("HEAD",   "/content/c1/index.html",           "",                302, 200, 200, 403, 200),
    Row("GET",    "/content/c1/imsmanifest.xml",      "",                302, 200, 200, 403, 200),
    Row("GET",    "/content/c1/missing.html",         "",                302, 404, 404, 403, 404),
    Row("GET",    "/content/c1/../c1/index.html",     "",                302, 404, 404, 403, 404),
    Row("GET",    "/content/nope/index.html",         "",                302, 404, 404, 404, 404),
    Row("POST",   "/content/c1/index.html",           "",                302, 405, 405, 405, 405),
    # --- certificates: the owner and staff
    Row("GET",    "/certificates/{cert}/download",    "",                302, 200, 403, 403, 200),
    Row("GET",    "/certificates/{nocert}/download",  "",                302, 404, 404, 404, 404),
    # --- runtime endpoints (JSON; 401 instead of a redirect)
    Row("POST",   "/lms/attempt/start",               "start",           401, 200, 200, 403, 200),
    Row("POST",   "/lms/attempt/start",               "start-nope",      401, 404, 404, 404, 404),
    Row("GET",    "/lms/attempt/start",               "",                401, 405, 405, 405, 405),
    # a sequenced course's attempt (SPEC §11); c1 has no sequencing: 400 naming courseId
    Row("POST",   "/lms/attempt/open",                "start",           401, 400, 400, 400, 400),
    Row("POST",   "/lms/attempt/open",                "start-nope",      401, 404, 404, 404, 404),
    Row("GET",    "/lms/attempt/open",                "",                401, 405, 405, 405, 405),
    Row("POST",   "/api/scorm/sequencing",            "sequencing",      401, 400, 403, 403, 403),
    Row("POST",   "/api/scorm/sequencing",            "sequencing-tokenB", 401, 403, 403, 403, 403),
    Row("GET",    "/api/scorm/sequencing",            "",                401, 405, 405, 405, 405),
    Row("POST",   "/api/scorm/result",                "result",          401, 200, 403, 403, 403),
    Row("POST",   "/api/scorm/result",                "result-tokenB",   401, 403, 403, 403, 403),
    Row("POST",   "/api/scorm/result",                "result-finished", 401, 409, 403, 403, 403),
    Row("POST",   "/api/scorm/result",                "result-no-token", 401, 403, 403, 403, 403),
    Row("GET",    "/api/scorm/result",                "",                401, 405, 405, 405, 405),
    Row("POST",   "/scorm/runtime/commit",            "commit",          401, 200, 403, 403, 403),
    Row("POST",   "/scorm/runtime/commit",            "commit-tokenB",   401, 403, 403, 403, 403),
    Row("POST",   "/scorm/runtime/commit",            "commit-finished", 401, 409, 403, 403, 403),
    Row("PUT",    "/scorm/runtime/commit",            "commit",          401, 405, 405, 405, 405),
    Row("POST",   "/lms/attempt/discard",             "discard",         401, 200, 403, 403, 403),
    Row("POST",   "/lms/attempt/discard",             "discard-tokenB",  401, 403, 403, 403, 403),
    Row("GET",    "/lms/enrolments/c1/state",         "",                401, 200, 200, 403, 403),
    Row("GET",    "/lms/enrolments/nope/state",       "",                401, 404, 404, 404, 404),
    Row("POST",   "/lms/enrolments/c1/state",         "",                401, 405, 405, 405, 405),
    # --- staff: APIs, CSV export, pages with raw values
    Row("GET",    "/lms/admin/enrolments",            "",                401, 403, 403, 403, 200),
    Row("GET",    "/lms/admin/enrolments?format=csv", "",                401, 403, 403, 403, 200),
    Row("DELETE", "/lms/admin/enrolments",            "",                401, 405, 405, 405, 405),
    Row("POST",   "/api/courses",                     "upload",          401, 403, 403, 403, 201),
    Row("GET",    "/api/courses",                     "",                401, 405, 405, 405, 405),
    Row("GET",    "/staff/courses/",                  "",                302, 403, 403, 403, 200),
    Row("GET",    "/staff/courses/c1/enrol/",         "",                302, 403, 403, 403, 200),
    Row("POST",   "/staff/courses/c1/enrol/",         "enrol-cai",       302, 403, 403, 403, 302),
    Row("GET",    "/staff/courses/nope/enrol/",       "",                302, 403, 403, 403, 404),
    Row("GET",    "/staff/courses/c1/settings/",      "",                302, 403, 403, 403, 200),
    Row("POST",   "/staff/courses/c1/settings/",      "settings",        302, 403, 403, 403, 302),
    Row("GET",    "/staff/courses/c1/report/",        "",                302, 403, 403, 403, 200),
    Row("GET",    "/staff/attempts/",                 "",                302, 403, 403, 403, 200),
    Row("GET",    "/staff/attempts/{attemptA}/",      "",                302, 403, 403, 403, 200),
    Row("GET",    "/staff/attempts/{unknown}/",       "",                302, 403, 403, 403, 404),
    Row("POST",   "/staff/attempts/{attemptA}/record/reset", "reason",   302, 403, 403, 403, 302),
    Row("POST",   "/staff/attempts/{attemptA}/record/override", "override", 302, 403, 403, 403, 302),  # noqa: E501
    Row("POST",   "/staff/attempts/{attemptA}/record/clear", "reason",   302, 403, 403, 403, 302),
    Row("POST",   "/staff/attempts/{attemptA}/record/other", "reason",   302, 403, 403, 403, 404),
    Row("POST",   "/staff/attempts/{unknown}/record/reset", "reason",    302, 403, 403, 403, 404),
    Row("GET",    "/staff/attempts/{attemptA}/record/reset", "",         302, 403, 403, 403, 405),
]

# State-changing requests without the CSRF header: refused before anything else happens,
# except the runtime endpoints, where the launch token stands in for it (sendBeacon, SPEC §8).
NO_CSRF = [
    #  method  path                            body         who      status
    ("POST",   "/lms/attempt/start",           "start",     "A",     403),
    ("POST",   "/lms/attempt/open",            "start",     "A",     403),
    ("POST",   "/courses/open/enrol/",         "",          "C",     403),
    ("POST",   "/accounts/logout/",            "",          "A",     403),
    ("POST",   "/api/courses",                 "upload",    "staff", 403),
    ("POST",   "/staff/courses/c1/enrol/",     "enrol-cai", "staff", 403),
    ("POST",   "/staff/courses/c1/settings/",  "settings",  "staff", 403),
    ("POST",   "/courses/c1/new-attempt",      "",          "A",     403),
    ("POST",   "/staff/attempts/{attemptA}/record/reset", "reason", "staff", 403),
    ("POST",   "/api/scorm/result",            "result",    "A",     200),
    ("POST",   "/scorm/runtime/commit",        "commit",    "A",     200),
    ("POST",   "/lms/attempt/discard",         "discard",   "A",     200),
    ("POST",   "/api/scorm/sequencing",        "sequencing", "A",    400),
]
# fmt: on


@dataclass
class World:
    users: dict[str, AbstractUser]
    names: dict[str, str]  # placeholders of the paths
    bodies: dict[str, Callable[[], dict[str, Any]]]


def _json(client: Client, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        url, json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=CSRF_SECRET
    )
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def _commit(started: dict[str, Any], seq: int, reason: str = "commit", **values: str) -> Any:
    return commit_body(started, seq, values, reason=reason)


def build_world() -> World:
    course = course_import(source=io.BytesIO(package()), course_id="c1").course
    make_course("open", self_enrol=True)
    users = {
        "A": make_user("ana"),
        "B": make_user("ben"),
        "C": make_user("cai"),
        "staff": make_user("sam", staff=True),
    }
    for who in ("A", "B"):
        Enrolment.objects.create(learner=users[who], course=course)
    a = _client(users["A"], csrf=True)
    # A passes the course and finishes that SCO session, then asks for a new attempt.
    first = _json(a, "/lms/attempt/start", {"courseId": "c1"})
    passed = {"cmi.core.lesson_status": "passed", "cmi.core.score.raw": "90"}
    done = _json(a, "/api/scorm/result", _commit(first, 1, "finish", **passed))
    cert = done["certificateUrl"].split("/")[2]
    retake = a.post(
        "/courses/c1/new-attempt", {"attempt": first["attemptId"]}, HTTP_X_CSRFTOKEN=CSRF_SECRET
    )
    assert retake.status_code == 302, retake.content
    started_a = _json(a, "/lms/attempt/start", {"courseId": "c1"})
    _json(
        a,
        "/api/scorm/result",
        _commit(
            started_a,
            1,
            **{"cmi.core.lesson_location": A_LOCATION, "cmi.suspend_data": A_SUSPEND},
        ),
    )
    started_b = _json(_client(users["B"], csrf=True), "/lms/attempt/start", {"courseId": "c1"})
    token_b = started_b["launch"]["token"]

    def result() -> dict[str, Any]:
        return _commit(started_a, 2, **{"cmi.core.lesson_location": "p2"})

    def commit() -> dict[str, Any]:
        body = result()
        return {"attemptId": body["attemptId"], "token": body["token"], "values": body["values"]}

    bodies: dict[str, Callable[[], dict[str, Any]]] = {
        "login-wrong": lambda: {"username": "ana", "password": "wrong"},
        "start": lambda: {"courseId": "c1"},
        "start-nope": lambda: {"courseId": "nope"},
        "result": result,
        "result-tokenB": lambda: {**result(), "token": token_b},
        "result-finished": lambda: _commit(first, 5),
        "result-no-token": lambda: {k: v for k, v in result().items() if k != "token"},
        "commit": commit,
        "commit-tokenB": lambda: {**commit(), "token": token_b},
        "commit-finished": lambda: {**_commit(first, 5), "itemId": None},
        "discard": lambda: {
            "attemptId": started_a["attemptId"],
            "token": started_a["launch"]["token"],
        },
        "discard-tokenB": lambda: {"attemptId": started_a["attemptId"], "token": token_b},
        "sequencing": lambda: {
            "attemptId": started_a["attemptId"],
            "token": started_a["launch"]["token"],
            "seq": 1,
            "state": "{}",
        },
        "sequencing-tokenB": lambda: {
            "attemptId": started_a["attemptId"],
            "token": token_b,
            "seq": 1,
            "state": "{}",
        },
        "upload": lambda: {"file": SimpleUploadedFile("course.zip", package())},
        "enrol-cai": lambda: {"usernames": "cai"},
        "settings": lambda: {
            "title": "Course one",
            "description": "",
            "relaunch_policy": "resume",
            "certificate_on": "passed",
            "passing_score": "",
            "new_attempt_when": "always",
            "grading": "highest",
        },
        "reason": lambda: {"reason": "Repeated the classroom session."},
        "new-attempt": lambda: {"attempt": started_a["attemptId"]},
        "override": lambda: {"passed": "yes", "reason": "Passed the oral exam."},
    }
    names = {
        "cert": cert,
        "attemptA": started_a["attemptId"],
        "unknown": ZERO,
        "nocert": "NOPE-NOPE-NOPE",
    }
    return World(users=users, names=names, bodies=bodies)


# Building a test client's handler (its middleware, WhiteNoise's file scan) costs far more
# than a request, so there is one client for each CSRF setting, reset before every request.
_CLIENTS: dict[bool, Client] = {}


def _client(user: AbstractUser | None, *, csrf: bool) -> Client:
    """A fresh browser session with CSRF checks on, holding a CSRF cookie (and sending the
    header if ``csrf``), logged in as ``user``."""
    if csrf not in _CLIENTS:
        _CLIENTS[csrf] = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client = _CLIENTS[csrf]
    client.cookies = SimpleCookie({"csrftoken": CSRF_SECRET})
    client.defaults = {"HTTP_X_CSRFTOKEN": CSRF_SECRET} if csrf else {}
    if user is not None:
        client.force_login(user)
    return client


JSON_PREFIXES = ("/api/", "/lms/", "/scorm/")


def _send(world: World, role: str, method: str, path: str, body: str, csrf: bool = True) -> Any:
    client = _client(world.users.get(role), csrf=csrf)
    url = path.format(**world.names)
    data = world.bodies[body]() if body else None
    if url.startswith(JSON_PREFIXES) and data is not None and body != "upload":
        return client.generic(method, url, json.dumps(data), content_type="application/json")
    if method == "POST":
        return client.post(url, data or {})
    return client.generic(method, url)


def _describe(response: HttpResponseBase) -> str:
    where = response.get("Location", "")
    return f"{response.status_code}{' → ' + where if where else ''} {body_of(response)[:120]!r}"


def test_authorization_matrix() -> None:
    """Every row × role answers the status in the table; a redirect of a logged-out user goes
    to the login page, and a JSON endpoint's refusal is a JSON error."""
    world = build_world()
    wrong = []
    for row in MATRIX:
        for role, expected in zip(ROLES, row[3:], strict=True):
            with rolled_back():
                response = _send(world, role, row.method, row.path, row.body)
            status = response.status_code
            if status != expected:
                wrong.append(
                    f"{row.method} {row.path} [{row.body}] as {role}: {expected} ≠ "
                    f"{_describe(response)}"
                )
            elif status == 302 and role == "anon":
                login = "/admin/login/" if row.path.startswith("/admin/") else "/accounts/login/"
                if not response["Location"].startswith(login):
                    wrong.append(
                        f"{row.method} {row.path} as anon: redirect to {response['Location']}"
                    )
            elif status >= 400 and row.path.startswith(JSON_PREFIXES) and row.method != "HEAD":
                if status == 405 and is_open("json-405"):
                    continue
                try:
                    data = json.loads(body_of(response))
                except ValueError:
                    data = {}
                if not (isinstance(data, dict) and data.get("error") and data.get("message")):
                    wrong.append(f"{row.method} {row.path} as {role}: {status} without error JSON")
    assert not wrong, "\n" + "\n".join(wrong)


def test_state_changing_requests_need_the_csrf_header_except_runtime_ones() -> None:
    world = build_world()
    wrong = []
    for method, path, body, role, expected in NO_CSRF:
        with rolled_back():
            response = _send(world, role, method, path, body, csrf=False)
        if response.status_code != expected:
            wrong.append(
                f"{method} {path} as {role} without CSRF: {expected} ≠ {_describe(response)}"
            )
    assert not wrong, "\n" + "\n".join(wrong)


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[str]:
    found = []
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            if not route.startswith("admin/"):  # Django's admin guards itself: one row
                found += _routes(p.url_patterns, route)
        else:
            found.append(route)
    return found


def test_every_url_of_the_project_is_in_the_matrix() -> None:
    """A new URL fails here until it gets its row: the matrix stays complete."""
    covered = {
        str(
            resolve(
                row.path.format(cert="C", nocert="N", attemptA=ZERO, unknown=ZERO).split("?")[0]
            ).route
        )
        for row in MATRIX
        if not row.path.startswith("/admin/")
    }
    missing = sorted(set(_routes(get_resolver().url_patterns)) - covered)
    assert not missing, f"URLs without a row in MATRIX: {missing}"


def test_no_page_shows_a_learners_raw_values_to_anyone_else() -> None:
    """Beyond status codes: every page B, C or the public can read leaves out A's values."""
    world = build_world()
    for row in MATRIX:
        if row.method != "GET":
            continue
        for role, expected in zip(ROLES, row[3:], strict=True):
            if role in {"A", "staff"} or expected != 200:
                continue
            with rolled_back():
                content = body_of(_send(world, role, "GET", row.path, ""))
            for secret in (A_LOCATION, A_SUSPEND):
                assert secret.encode() not in content, f"{row.path} shows A's {secret} to {role}"
