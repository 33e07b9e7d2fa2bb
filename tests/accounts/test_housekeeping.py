"""The per-request housekeeping that replaces Django's general-purpose version (housekeeping.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.contrib import messages
from django.contrib.messages import get_messages
from django.core import signals
from django.core.cache import close_caches
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils.functional import empty

from scormlms import housekeeping
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


def test_close_caches_is_dropped_only_when_closing_does_nothing(settings: object) -> None:
    assert housekeeping.caches_close_nothing()
    assert close_caches not in _receivers(signals.request_finished)
    settings.CACHES = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": "x",
        }
    }
    assert not housekeeping.caches_close_nothing()


_SERVER_SCRIPT = """
import json, sys
from django.core import signals
from django.db import close_old_connections
from scormlms.wsgi import application
from scormlms import housekeeping
from scormlms.rows import default_db
from django.core.management import call_command

ours = housekeeping.close_if_unusable_or_obsolete
out = {}
for name, signal in (("started", signals.request_started), ("finished", signals.request_finished)):
    sync = signal._live_receivers(None)[0]
    out[name] = [close_old_connections in sync, ours in sync]
call_command("migrate", verbosity=0)
db = default_db()
db.ensure_connection()
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz", "SERVER_NAME": "127.0.0.1",
           "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
           "wsgi.input": sys.stdin.buffer, "wsgi.errors": sys.stderr, "HTTP_HOST": "127.0.0.1:8000"}
status = []
body = b"".join(application(environ, lambda s, h, e=None: status.append(s)))
out["status"] = status[0]
out["closed_after_request"] = db.connection is None  # CONN_MAX_AGE is 0 on SQLite
print(json.dumps(out))
"""


def test_the_production_server_swaps_close_old_connections_and_still_closes(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SCORMLMS_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "scormlms.settings",
    }
    env.pop("DATABASE_URL", None)  # SQLite, where every request closes its connection
    done = subprocess.run(
        [sys.executable, "-c", _SERVER_SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["started"] == [False, True]
    assert out["finished"] == [False, True]
    assert out["status"].startswith("200")
    assert out["closed_after_request"] is True


def test_tests_keep_djangos_receiver() -> None:
    """The test client disconnects close_old_connections by name; it must be the one there."""
    from django.db import close_old_connections

    receivers = _receivers(signals.request_started)
    assert close_old_connections in receivers
    assert housekeeping.close_if_unusable_or_obsolete not in receivers
