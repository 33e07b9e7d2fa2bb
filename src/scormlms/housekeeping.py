"""Django's per-request message store, built only when a request uses it.

Measured on ``POST /healthz`` (``bench/instructions.py --kinds healthz``), ``MessageMiddleware``
builds the cookie and session message stores (a signer each) before the view runs, on every
request, even the JSON API ones that never show a message.
"""

from __future__ import annotations

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty


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
