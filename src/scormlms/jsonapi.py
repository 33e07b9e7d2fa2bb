"""The JSON edge shared by every API view: one error shape and JSON-speaking method checks.

Every refusal is ``{ok: false, error, field, message}`` (SPEC §4), a wrong HTTP method too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from scormlms import jsoncodec

View = Callable[..., HttpResponseBase]


def json_response(data: Any, status: int = 200) -> HttpResponse:
    """``JsonResponse(data, status=status)`` with the JSON written by orjson (``jsoncodec``)."""
    return HttpResponse(
        jsoncodec.dumps_django(data), status=status, content_type="application/json"
    )


def json_error(status: int, error: str, message: str, field: str = "") -> HttpResponse:
    return json_response(
        {"ok": False, "error": error, "field": field, "message": message}, status=status
    )


def json_methods(*methods: str) -> Callable[[View], View]:
    """Like ``require_http_methods``, but a wrong method gets a JSON 405 with ``Allow``."""
    allowed = [m.upper() for m in methods]

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in allowed:
                response = json_error(
                    405, "method_not_allowed", f"Use {' or '.join(allowed)} here."
                )
                response["Allow"] = ", ".join(allowed)
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
