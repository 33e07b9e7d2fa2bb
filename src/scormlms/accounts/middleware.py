"""Every page needs a logged-in user, except the few marked ``@login_not_required``."""

from __future__ import annotations

from django.contrib.auth.middleware import LoginRequiredMiddleware as _DjangoLoginRequired
from django.http import HttpRequest, HttpResponse, JsonResponse

# JSON endpoints answer 401 with a JSON body instead of redirecting to the login page.
API_PREFIXES = ("/api/", "/lms/", "/scorm/")


class LoginRequiredMiddleware(_DjangoLoginRequired):
    def handle_no_permission(  # type: ignore[override]
        self, request: HttpRequest, view_func: object
    ) -> HttpResponse:
        if request.path.startswith(API_PREFIXES):
            return JsonResponse(
                {"ok": False, "error": "not_authenticated", "message": "Log in first."},
                status=401,
            )
        return super().handle_no_permission(request, view_func)  # type: ignore[arg-type]
