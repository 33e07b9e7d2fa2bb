"""``POST /bench/floor``: the least work any commit endpoint has to do, for comparison.

A commit must at least know who sends it, read the JSON body and store the runtime tree and
``suspend_data`` in the learner's SCO-attempt row. This view does exactly that and nothing
else: the login comes from the session cookie as for every page (``LoginRequiredMiddleware``
loads the session and the user), then one ``UPDATE`` in autocommit and a JSON answer — no
launch token, no check that the attempt is the user's, no seq ordering, no validation, no
derived fields, no event row. Through the same server and middleware as the real commit,
its rate is an upper bound for what any commit implementation on this stack can reach.
"""

from __future__ import annotations

import uuid

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from scormlms import jsoncodec
from scormlms.urls import urlpatterns as scormlms_urls


@csrf_exempt
@require_POST
def floor(request: HttpRequest) -> JsonResponse:
    body = jsoncodec.loads(request.body)
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    attempt = uuid.UUID(body["attemptId"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE tracking_scoattempt SET cmi = %s{cast}, suspend_data = %s "
            "WHERE attempt_id = %s AND item_id = %s",
            [
                jsoncodec.dumps(body["cmi"]),
                body["values"]["cmi.suspend_data"],
                attempt if cast else attempt.hex,  # SQLite keeps UUIDs as 32 hex digits
                body["itemId"],
            ],
        )
        stored = cursor.rowcount
    return JsonResponse({"ok": stored == 1, "stale": False})


urlpatterns = [path("bench/floor", floor), *scormlms_urls]
