"""Factories and an HTTP helper for the tracking tests: real endpoints, real database."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.test import Client

from scormlms.courses.models import Course, Enrolment, Item
from scormlms.scorm.datamodel import KEY_FIELDS


def make_course(
    course_id: str = "c1",
    *,
    standard: str = "2004",
    items: list[dict[str, Any]] | None = None,
    **settings: Any,
) -> Course:
    course = Course.objects.create(
        course_id=course_id,
        title=f"Course {course_id}",
        standard=standard,
        content_key=f"{course_id}/v1",
        **settings,
    )
    for position, spec in enumerate(items or [{"item_id": "sco1"}]):
        Item.objects.create(
            course=course,
            position=position,
            title=spec.get("title", spec["item_id"]),
            launch_url=spec.get("launch_url", f"{spec['item_id']}.html"),
            scorm_type=spec.get("scorm_type", "sco"),
            **{k: v for k, v in spec.items() if k not in {"title", "launch_url", "scorm_type"}},
        )
    return course


def make_user(username: str, *, staff: bool = False) -> AbstractUser:
    return get_user_model().objects.create_user(username, password="pw", is_staff=staff)  # type: ignore[return-value]


@dataclass
class Learner:
    """A logged-in browser: posts JSON the way the player does."""

    user: AbstractUser
    client: Client
    seqs: dict[str, int] = field(default_factory=dict)

    def post(self, url: str, body: Any, **extra: Any) -> Any:
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.client.post(url, data=data, content_type="application/json", **extra)

    def start(self, course_id: str, **body: Any) -> dict[str, Any]:
        response = self.post("/lms/attempt/start", {"courseId": course_id, **body})
        assert response.status_code == 200, response.content
        data: dict[str, Any] = response.json()
        return data

    def result(
        self,
        started: dict[str, Any],
        values: dict[str, str] | None = None,
        *,
        reason: str = "commit",
        seq: int | None = None,
        expect: int = 200,
        **extra: Any,
    ) -> dict[str, Any]:
        launch = started["launch"]
        standard = launch["standard"]
        key = f"{started['attemptId']}/{launch['itemId']}"
        if seq is None:
            seq = max(self.seqs.get(key, launch["seq"]), launch["seq"]) + 1
        self.seqs[key] = max(seq, self.seqs.get(key, 0))
        full = {name: "" for name in KEY_FIELDS[standard]}
        full.update(values or {})
        body = {
            "learnerId": self.user.username,
            "courseId": extra.pop("course_id", None) or started.get("courseId", ""),
            "attemptId": started["attemptId"],
            "itemId": launch["itemId"],
            "token": launch["token"],
            "standard": standard,
            "reason": reason,
            "seq": seq,
            "values": full,
            **extra,
        }
        if not body["courseId"]:
            del body["courseId"]
        response = self.post("/api/scorm/result", body)
        assert response.status_code == expect, response.content
        data: dict[str, Any] = response.json()
        return data

    def state(self, course_id: str) -> dict[str, Any]:
        response = self.client.get(f"/lms/enrolments/{course_id}/state")
        assert response.status_code == 200, response.content
        assert response["Cache-Control"] == "no-store"
        data: dict[str, Any] = response.json()
        return data


@pytest.fixture
def learner_factory(db: None) -> Callable[..., Learner]:
    def make(
        username: str = "ana", *, staff: bool = False, enrol: list[Course] | None = None
    ) -> Learner:
        user = make_user(username, staff=staff)
        for course in enrol or []:
            Enrolment.objects.create(learner=user, course=course)
        client = Client()
        client.force_login(user)
        return Learner(user=user, client=client)

    return make
