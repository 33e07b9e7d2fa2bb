"""JSON for the hot paths: orjson where it gives exactly what the standard library would.

A commit carries about 14 KB of JSON that is parsed once and written back once (the CMI tree).
orjson does both several times faster than ``json`` (``bench/instructions.py``). It is stricter in
a few places, and there the standard library decides, so answers stay as they were:

* ``loads``: a document orjson refuses (``NaN``, an unpaired ``\\ud800`` escape, a number beyond
  a double) goes to ``json.loads``, which accepts or refuses it with the message callers already
  show. One difference is left: an integer literal wider than 64 bits comes back as a float
  (``json`` gives an int); every such number is out of range for SCORM and is refused either way.
* ``dumps``: compact (no spaces after ``:`` and ``,``) UTF-8 text, i.e. ``ensure_ascii=False``.
  What orjson cannot write (an integer wider than 64 bits, a key that is not a string, an
  unpaired surrogate, a type it does not know) is written by ``json.dumps`` with its defaults,
  exactly as Django's ``JSONField`` and the log formatter wrote everything before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
from django.core.serializers.json import DjangoJSONEncoder


def loads(raw: bytes | str) -> Any:
    """``json.loads``, faster. Raises what ``json.loads`` raises for a document it refuses."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def dumps_bytes(value: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """The JSON text of ``value`` as UTF-8 bytes."""
    try:
        return orjson.dumps(value, default=default)
    except orjson.JSONEncodeError:
        return json.dumps(value, default=default).encode()


_DJANGO = DjangoJSONEncoder()
# Datetimes and dataclasses go to DjangoJSONEncoder.default as json would send them, so the text
# is the same (orjson would write datetimes its own way).
_AS_DJANGO = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps_django(value: Any) -> bytes:
    """``json.dumps(value, cls=DjangoJSONEncoder)`` as UTF-8 bytes: what ``JsonResponse`` sends."""
    try:
        return orjson.dumps(value, default=_DJANGO.default, option=_AS_DJANGO)
    except orjson.JSONEncodeError:
        return json.dumps(value, cls=DjangoJSONEncoder).encode()


def dumps(value: Any, default: Callable[[Any], Any] | None = None) -> str:
    """The JSON text of ``value``."""
    return dumps_bytes(value, default).decode()
