"""What every fuzzed request must satisfy, and the data the fuzz tests send requests against.

The contract (issue 7): an answer is a 2xx, or a 4xx whose JSON body names the ``error`` and
gives a ``message``; never a 5xx. A rejected request (and a ``stale`` commit) changes nothing
in the database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.http.response import HttpResponseBase
from django.test import Client

from scormlms.courses.models import Course, Enrolment, Item
from scormlms.tracking.models import Attempt, AttemptEvent, Certificate, LaunchSession, ScoAttempt
from tests.hardening.bugs import open_bug_behind
from tests.tracking.conftest import make_course, make_user

TRACKED = (Course, Item, Enrolment, Attempt, ScoAttempt, LaunchSession, AttemptEvent, Certificate)


def db_snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a request could write, in primary-key order."""
    return {m._meta.label: list(m.objects.order_by("pk").values_list()) for m in TRACKED}


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run one example inside a savepoint of the test's transaction and undo its writes, so
    every example starts from the same data."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def body_of(response: HttpResponseBase) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined]


def check_answer(response: HttpResponseBase, request: str) -> Any:
    """The parsed JSON answer (None for a CSV export) after checking the contract."""
    status = response.status_code
    raw = body_of(response)
    exc_info = getattr(response, "exc_info", None)
    assert status < 500, f"{status} for {request}: {exc_info[1] if exc_info else raw[:500]!r}"
    assert 200 <= status < 300 or 400 <= status < 500, f"{status} for {request}"
    if response.get("Content-Type", "").startswith("text/csv"):
        assert status == 200, request
        return None
    assert response.get("Content-Type", "").startswith("application/json"), (status, raw[:200])
    data = json.loads(raw)
    if status >= 400:
        assert isinstance(data, dict), data
        assert isinstance(data.get("error"), str) and data["error"], data
        assert isinstance(data.get("message"), str) and data["message"], data
        assert data.get("ok") is False, data
    else:
        assert isinstance(data, dict) and data.get("ok", True) is True, data
    return data


def exercise(send: Callable[[], HttpResponseBase], request: str) -> Any:
    """Send one request in a rolled-back savepoint; check the answer and, when the request was
    refused (or was a stale commit), that the database did not change. An answer caused by an
    open bug of ``bugs.py`` is passed over (None): its reproductions track it."""
    with rolled_back():
        before = db_snapshot()
        response = send()
        exc_info = getattr(response, "exc_info", None)
        if response.status_code >= 500 and exc_info and open_bug_behind(exc_info[1]):
            return None
        data = check_answer(response, request)
        refused = response.status_code >= 400
        if refused or (isinstance(data, dict) and data.get("stale") is True):
            assert db_snapshot() == before, f"{response.status_code} changed the db: {request}"
        return data


# ------------------------------------------------------------------------------ the world


# Building a test client's handler (its middleware, WhiteNoise's file scan) costs far more
# than a request: keep one per user name and give it a fresh session for each world.
_CLIENTS: dict[str, Client] = {}


def browser(user: AbstractUser | None) -> Client:
    """A client logged in as ``user`` that hands back 500s as responses, so a test can
    assert on them."""
    name = user.get_username() if user is not None else ""
    if name not in _CLIENTS:
        _CLIENTS[name] = Client(raise_request_exception=False)
    client = _CLIENTS[name]
    client.cookies = SimpleCookie()
    if user is not None:
        client.force_login(user)
    return client


def post_json(client: Client, url: str, body: Any, **headers: Any) -> HttpResponseBase:
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **headers)


def commit_body(
    started: dict[str, Any], seq: int, values: dict[str, str], **extra: Any
) -> dict[str, Any]:
    """The ``/api/scorm/result`` body the player sends for a ``start`` answer (``extra`` adds or
    replaces fields, e.g. ``reason="finish"``)."""
    launch = started["launch"]
    return {
        "attemptId": started["attemptId"],
        "itemId": launch["itemId"],
        "token": launch["token"],
        "standard": launch["standard"],
        "reason": "commit",
        "seq": seq,
        "values": values,
        **extra,
    }


@dataclass
class World:
    """Courses, learners and attempts in every state the runtime endpoints distinguish."""

    clients: dict[str, Client]
    users: dict[str, AbstractUser]
    started: dict[str, dict[str, Any]] = field(default_factory=dict)

    def start(self, who: str, key: str, **body: Any) -> dict[str, Any]:
        response = post_json(self.clients[who], "/lms/attempt/start", body)
        assert response.status_code == 200, response.content
        self.started[key] = response.json()
        return self.started[key]

    def commit(self, who: str, key: str, seq: int, values: dict[str, str], **extra: Any) -> None:
        body = commit_body(self.started[key], seq, values, **extra)
        response = post_json(self.clients[who], "/api/scorm/result", body)
        assert response.status_code == 200, response.content

    def token(self, key: str) -> str:
        token: str = self.started[key]["launch"]["token"]
        return token

    def attempt(self, key: str) -> str:
        attempt_id: str = self.started[key]["attemptId"]
        return attempt_id


def build_world() -> World:
    """Learner A (``ana``) and B (``ben``) in a two-SCO 2004 course and a 1.2 course; C
    (``cai``) enrolled nowhere; a staff member. A finished her first SCO (that session's
    token now gets 409), has the second one open, and has an open 1.2 attempt; B has an open
    attempt of his own."""
    c2004 = make_course("c2004", standard="2004", items=[{"item_id": "sco1"}, {"item_id": "sco2"}])
    c12 = make_course("c12", standard="1.2", items=[{"item_id": "sco1", "mastery_score": 80}])
    make_course("closed", standard="2004")
    users = {
        "A": make_user("ana"),
        "B": make_user("ben"),
        "C": make_user("cai"),
        "staff": make_user("sam", staff=True),
    }
    for who, course in (("A", c2004), ("A", c12), ("B", c2004)):
        Enrolment.objects.create(learner=users[who], course=course)
    clients = {who: browser(user) for who, user in users.items()}
    clients["anon"] = browser(None)
    world = World(clients=clients, users=users)
    world.start("A", "A-finished", courseId="c2004", itemId="sco1")
    world.commit("A", "A-finished", 1, {"cmi.location": "p1"})
    world.commit("A", "A-finished", 2, {"cmi.location": "p2", "cmi.exit": "suspend"})
    world.commit("A", "A-finished", 3, {"cmi.location": "p3"}, reason="finish")
    world.start("A", "A", courseId="c2004", itemId="sco2", attemptId=world.attempt("A-finished"))
    world.start("A", "A12", courseId="c12")
    world.start("B", "B", courseId="c2004")
    return world
