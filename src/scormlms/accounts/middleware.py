"""Every page needs a logged-in user, except the few marked ``@login_not_required``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase

# JSON endpoints answer 401 with a JSON body instead of redirecting to the login page.
API_PREFIXES = ("/api/", "/lms/", "/scorm/")


def not_logged_in() -> JsonResponse:
    return JsonResponse(
        {"ok": False, "error": "not_authenticated", "message": "Log in first."}, status=401
    )


class LoginRequiredMiddleware(DjangoLoginRequired):
    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        # Django's reads the user first even for a view that needs none (the health check, the
        # login page): ask the view first.
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(  # type: ignore[override]
        self, request: HttpRequest, view_func: object
    ) -> HttpResponse:
        if request.path.startswith(API_PREFIXES):
            return not_logged_in()
        return super().handle_no_permission(request, view_func)  # type: ignore[arg-type]
