"""Django's per-request housekeeping, doing the same work without its general-purpose lookups.

Measured on ``POST /healthz`` (``bench/instructions.py --kinds healthz``), three pieces of work
that every request pays for took about a fifth of the request while doing nothing here:

* ``MessageMiddleware`` builds the cookie and session message stores (a signer each) before
  the view runs, on every request, even the JSON API ones that never show a message;
* ``close_caches`` (on ``request_finished``) walks the configured caches through asgiref's
  context-aware ``Local`` to close them, and the only cache is the local-memory one, whose
  ``close`` does nothing;
* ``close_old_connections`` (on ``request_started`` and ``request_finished``) walks every
  database alias twice through a thread-critical ``Local``; there is one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.core import signals
from django.core.cache import close_caches
from django.core.cache.backends.base import BaseCache
from django.db import close_old_connections
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty
from django.utils.module_loading import import_string

from scormlms import pgtypes
from scormlms.rows import default_db


class LazyMessageMiddleware(MessageMiddleware):
    """``MessageMiddleware`` whose store is made the first time something touches
    ``request._messages`` (``messages.success``, ``get_messages``, a template that lists them).

    A request that never touched it has nothing to save: the store's ``update`` writes only
    when messages were read or added (``BaseStorage.update``), so skipping it changes nothing.
    """

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:  # type: ignore[attr-defined]
            return response
        return super().process_response(request, response)


def caches_close_nothing() -> bool:
    """True when every configured cache backend keeps ``BaseCache.close``, which does nothing."""
    return all(
        import_string(config["BACKEND"]).close is BaseCache.close
        for config in settings.CACHES.values()
    )


def install() -> None:
    """Called once from ``AppConfig.ready``: drop ``close_caches`` when closing does nothing,
    and have new PostgreSQL connections parse timestamps in C (``scormlms.pgtypes``)."""
    if caches_close_nothing():
        signals.request_finished.disconnect(close_caches)
    connection_created.connect(pgtypes.register, dispatch_uid="scormlms.pgtypes")


def close_if_unusable_or_obsolete(**kwargs: Any) -> None:
    """``django.db.close_old_connections`` for a project with one database."""
    default_db().close_if_unusable_or_obsolete()


def install_for_server() -> None:
    """Called by the WSGI entry point (the production server), not in tests: Django's test
    client disconnects ``close_old_connections`` by name around each request, so that a test's
    transaction survives it, and would not know this receiver."""
    if len(settings.DATABASES) != 1:
        return
    for signal in (signals.request_started, signals.request_finished):
        if signal.disconnect(close_old_connections):
            signal.connect(close_if_unusable_or_obsolete)
