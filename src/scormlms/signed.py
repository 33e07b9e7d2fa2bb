"""``django.core.signing.loads`` remembered for values that were checked already.

Every commit checks two signatures that it checked on the previous commit too: the session's
data (``SessionBase.decode``) and the launch token. Each check is an HMAC, a base64 decode, a
zlib inflate for the session and a JSON parse: about 3 % of a commit and 5 % of a state read
(``bench/instructions.py``). A signed value that verified once verifies again for as long as
the keys are the same, so the answer is kept under the value, the salt and the keys in use
(``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``: retiring a key forgets what it signed).

Only the signature is remembered. The age is checked on every call against the timestamp that
the signed value carries, as ``TimestampSigner.unsign`` does (Django 5.2, ``core/signing.py``),
and a value that failed is checked again in full every time. At most ``MAX_ENTRIES`` answers
are kept; the oldest is dropped first. Callers get the object
``signing.loads`` gave, shared: they must not change it, and ``loads_mapping`` hands out a copy
for the ones that do.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import signing

# About 1 KB each: a bounded, flat cost per process. Two live entries per active learner (the
# session and the launch token), so 1,024 keeps several hundred learners' checks.
MAX_ENTRIES = 1024
_SCALARS = {str, int, float, bool, type(None)}


class Memo:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._seen: dict[tuple[Any, ...], tuple[Any, int]] = {}
        self._writing = threading.Lock()

    def loads(self, value: str, *, salt: str, max_age: float | None = None) -> Any:
        """``signing.loads(value, salt=salt, max_age=max_age)`` (JSON serializer)."""
        key = (value, salt, settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
        found = self._seen.get(key)
        if found is None:
            data = signing.loads(value, salt=salt)  # the signature; raises BadSignature
            # "<payload>:<timestamp>:<signature>": the signature covers the timestamp.
            timestamp = signing.b62_decode(value.rsplit(signing.Signer().sep, 2)[1])
            found = (data, timestamp)
            with self._writing:  # the server's threads share the memo; reads need no lock
                while len(self._seen) >= self.max_entries:  # the oldest goes first
                    del self._seen[next(iter(self._seen))]
                self._seen[key] = found
        data, timestamp = found
        if max_age is not None:
            age = time.time() - timestamp
            if age > max_age:
                raise signing.SignatureExpired(f"Signature age {age} > {max_age} seconds")
        return data

    def loads_mapping(self, value: str, *, salt: str) -> dict[str, Any]:
        """``loads`` of a signed JSON object, as a dict of the caller's own (its lists and
        objects copied too)."""
        data = self.loads(value, salt=salt)
        if not isinstance(data, Mapping):
            raise signing.BadSignature("not a signed object")
        if all(type(v) in _SCALARS for v in data.values()):
            return dict(data)
        return copy.deepcopy(dict(data))

    def clear(self) -> None:
        with self._writing:
            self._seen.clear()


memo = Memo()
