"""The message store made only when a request uses it (housekeeping.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.messages import get_messages
from django.core import signals
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils.functional import empty

from scormlms.housekeeping import LazyMessageMiddleware


def _receivers(signal: signals.Signal) -> list[object]:
    return list(signal._live_receivers(None)[0])  # type: ignore[attr-defined]


def _run(view: object) -> tuple[HttpRequest, HttpResponse]:
    request = RequestFactory().get("/")
    request.session = {}  # type: ignore[assignment]
    middleware = LazyMessageMiddleware(view)  # type: ignore[arg-type]
    return request, middleware(request)


def test_a_request_that_never_touches_messages_builds_no_store() -> None:
    request, response = _run(lambda request: HttpResponse("ok"))
    assert request._messages._wrapped is empty  # type: ignore[attr-defined]
    assert "messages" not in response.cookies


def test_a_message_added_is_stored_and_read_back_on_the_next_request() -> None:
    def add(request: HttpRequest) -> HttpResponse:
        messages.success(request, "Settings saved.")
        return HttpResponse("ok")

    _, response = _run(add)
    cookie = response.cookies["messages"].value
    assert cookie

    seen: list[str] = []

    def read(request: HttpRequest) -> HttpResponse:
        seen.extend(str(m) for m in get_messages(request))
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    request.session = {}  # type: ignore[assignment]
    request.COOKIES["messages"] = cookie
    response = LazyMessageMiddleware(read)(request)  # type: ignore[arg-type]
    assert seen == ["Settings saved."]
    # read, so the store clears the cookie as Django's would
    assert response.cookies["messages"].value == ""
