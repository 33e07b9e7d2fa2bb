"""Every page needs a logged-in user, except the few marked ``@login_not_required``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.middleware import LoginRequiredMiddleware as _DjangoLoginRequired
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase

# JSON endpoints answer 401 with a JSON body instead of redirecting to the login page.
API_PREFIXES = ("/api/", "/lms/", "/scorm/")


def not_logged_in() -> JsonResponse:
    return JsonResponse(
        {"ok": False, "error": "not_authenticated", "message": "Log in first."}, status=401
    )


class LoginRequiredMiddleware(_DjangoLoginRequired):
    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        # Django's reads the user first even for a view that needs none; asking the view first
        # leaves the read to views that do it themselves (``login_read_by_view``).
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

    def handle_no_permission(  # type: ignore[override]
        self, request: HttpRequest, view_func: object
    ) -> HttpResponse:
        if request.path.startswith(API_PREFIXES):
            return not_logged_in()
        return super().handle_no_permission(request, view_func)  # type: ignore[arg-type]


View = Callable[..., HttpResponseBase]


def login_read_by_view(view: View) -> View:
    """For a JSON view that reads its request's session and user in its own statement
    (``sessions.PendingLogin``) instead of before it.

    The middleware above lets such a view run, so it answers for it: whatever the view answered,
    a request without a logged-in user gets the same 401. The view must not write before it
    knows its user (the services raise ``NotLoggedIn`` inside their transaction).
    """

    @login_not_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        if not request.user.is_authenticated:  # read now if the view's statement did not
            return not_logged_in()
        return response

    return wrapper
