"""Structured logging: one JSON object a line on stderr, each tagged with the request id."""

from __future__ import annotations

import contextvars
import logging
import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

from scormlms import jsoncodec

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# LogRecord attributes that are plumbing, not payload.
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """Formats a record as JSON; anything passed in ``extra=`` becomes a field."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return jsoncodec.dumps(entry, default=str)


log = logging.getLogger("scormlms.http")


class RequestIdMiddleware:
    """Gives every request an id (kept from ``X-Request-ID`` when sane) and logs one line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # META rather than request.headers, which builds a mapping of every header.
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if _REQUEST_ID_OK.match(incoming) else os.urandom(16).hex()
        token = request_id_var.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            if not request.path.startswith(("/static/", "/content/")):
                log.info(
                    "request",
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                        "user": getattr(getattr(request, "user", None), "username", None) or None,
                    },
                )
            return response
        finally:
            request_id_var.reset(token)
