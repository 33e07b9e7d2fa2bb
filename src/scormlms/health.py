"""``/healthz``: a liveness probe for load balancers, and the no-op baseline of the benchmarks."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from scormlms import jsoncodec


@login_not_required
@csrf_exempt  # changes nothing; POST exists so benchmarks can compare a JSON body round trip
@require_http_methods(["GET", "HEAD", "POST"])
def healthz(request: HttpRequest) -> JsonResponse:
    size = 0
    if request.method == "POST":
        try:
            size = len(jsoncodec.loads(request.body or b"{}"))
        except ValueError:
            return JsonResponse(
                {
                    "ok": False,
                    "error": "bad_json",
                    "field": "body",
                    "message": "body is not valid JSON",
                },
                status=400,
            )
    return JsonResponse({"ok": True, "fields": size})
