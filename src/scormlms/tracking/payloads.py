"""The JSON shapes of the runtime endpoints, checked field by field (SPEC §4, §6).

Errors carry the HTTP status, the field and the rule, so every 4xx names what was wrong.
"""

from __future__ import annotations

import base64
import re
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scormlms import jsoncodec
from scormlms.scorm.datamodel import validate_cmi_tree, validate_values
from scormlms.scorm.errors import InvalidValue

MAX_BODY_BYTES = 1024 * 1024  # a full 2004 tree with 64000-char suspend_data fits easily
MAX_SEQ = 2**53 - 1  # what a JavaScript number holds exactly
MAX_LOGGED_KEYS = 10  # SPEC §9: the first 10 unique SetValue keys of a session


class PayloadError(Exception):
    def __init__(
        self,
        field: str,
        rule: str,
        *,
        status: int = 400,
        error: str = "invalid",
        scorm_error: int | None = None,
    ) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule
        self.status = status
        self.error = error
        self.scorm_error = scorm_error

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error": self.error,
            "field": self.field,
            "message": f"{self.field} {self.rule}" if self.field else self.rule,
        }
        if self.scorm_error is not None:
            body["scormError"] = self.scorm_error
        return body


def json_body(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadError(
            "body", f"is larger than {MAX_BODY_BYTES} bytes", status=413, error="too_large"
        )
    try:
        data = jsoncodec.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise PayloadError("body", f"is not valid JSON ({error})", error="bad_json") from error
    except RecursionError as error:
        raise PayloadError("body", "is nested too deeply", error="bad_json") from error
    if not isinstance(data, dict):
        raise PayloadError("body", "must be a JSON object")
    # NUL and unpaired surrogates can only arrive as \u escapes (raw ones are invalid JSON or
    # UTF-8); neither is storable text (PostgreSQL refuses NUL, UTF-8 refuses lone surrogates).
    if b"\\u" in raw:
        _check_text(data)
    return data


def bad_text(text: str) -> bool:
    """True when ``text`` holds a NUL or an unpaired UTF-16 surrogate."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_text(data: object) -> None:
    stack: list[tuple[str, object]] = [("body", data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                child = f"{path}.{key}" if path != "body" else str(key)
                if bad_text(key):
                    raise PayloadError(
                        path, "has a key with a NUL character or an unpaired surrogate"
                    )
                stack.append((child, value))
        elif isinstance(node, list):
            stack.extend((f"{path}.{i}", value) for i, value in enumerate(node))
        elif isinstance(node, str) and bad_text(node):
            raise PayloadError(path, "contains a NUL character or an unpaired surrogate")


def _str(
    data: Mapping[str, Any], name: str, *, required: bool = True, max_length: int = 255
) -> str:
    value = data.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise PayloadError(name, "is required and must be a non-empty string")
    if len(value) > max_length:
        raise PayloadError(name, f"must be at most {max_length} characters")
    return value


def _uuid(data: Mapping[str, Any], name: str) -> uuid.UUID:
    raw = _str(data, name, max_length=64)
    try:
        return uuid.UUID(raw)
    except ValueError as error:
        raise PayloadError(name, "must be a UUID") from error


def _choice(data: Mapping[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = data.get(name)
    if value not in choices:
        raise PayloadError(name, f"must be one of {', '.join(repr(c) for c in choices)}")
    return str(value)


@dataclass(frozen=True, kw_only=True)
class LogBlock:
    initialize: bool = False
    set_value_keys: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ResultPayload:
    attempt_id: uuid.UUID
    item_id: str
    token: str
    standard: str
    reason: str
    seq: int | None
    values: dict[str, str]
    cmi: dict[str, Any] | None
    log: LogBlock = field(default_factory=LogBlock)
    learner_id: str = ""
    course_id: str = ""
    nav_request: str = ""


def _scorm(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except InvalidValue as error:
        raise PayloadError(
            error.field, error.rule, error="invalid_value", scorm_error=error.scorm_error
        ) from error


def _log_block(raw: object) -> LogBlock:
    if raw is None:
        return LogBlock()
    if not isinstance(raw, dict):
        raise PayloadError("log", "must be an object")
    initialize = raw.get("initialize", False)
    if not isinstance(initialize, bool):
        raise PayloadError("log.initialize", "must be true or false")
    keys = raw.get("setValueKeys", [])
    if not isinstance(keys, list) or len(keys) > MAX_LOGGED_KEYS:
        raise PayloadError("log.setValueKeys", f"must be a list of at most {MAX_LOGGED_KEYS} keys")
    if not all(isinstance(k, str) and 0 < len(k) <= 255 for k in keys):
        raise PayloadError("log.setValueKeys", "must hold strings of 1–255 characters")
    return LogBlock(initialize=initialize, set_value_keys=tuple(dict.fromkeys(keys)))


def result_payload(
    data: Mapping[str, Any], *, standard: str | None = None, seed_door: bool = False
) -> ResultPayload:
    """Check a ``/api/scorm/result`` body, or (``seed_door``) a ``/scorm/runtime/commit`` one.

    The seed's door (``{attemptId, values}``) may leave out ``standard`` and ``reason``; the
    caller fills them from the stored attempt. Both doors may leave out ``itemId`` (the launch
    token names the SCO session) and ``seq`` (the commit is then the next one): a client that
    sends exactly the seed's fields plus the token is accepted (SPEC §4).
    """
    token = _str(data, "token", max_length=500) if "token" in data else ""
    attempt_id = _uuid(data, "attemptId")
    item_id = _str(data, "itemId", required=False)
    std = (
        standard
        if seed_door and "standard" not in data
        else _choice(data, "standard", ("1.2", "2004"))
    )
    reason = (
        "commit"
        if seed_door and "reason" not in data
        else _choice(data, "reason", ("commit", "finish"))
    )
    seq_raw = data.get("seq")
    if seq_raw is None:
        seq = None
    elif isinstance(seq_raw, bool) or not isinstance(seq_raw, int) or not 0 < seq_raw <= MAX_SEQ:
        raise PayloadError("seq", f"must be an integer from 1 to {MAX_SEQ}")
    else:
        seq = seq_raw
    raw_values = data.get("values")
    if not isinstance(raw_values, dict):
        raise PayloadError("values", "is required and must be an object of key fields")
    assert std is not None
    values = _scorm(validate_values, std, raw_values)
    cmi = data.get("cmi")
    if cmi is not None:
        if not isinstance(cmi, dict):
            raise PayloadError("cmi", "must be an object (the runtime data tree)")
        _scorm(validate_cmi_tree, std, cmi)
    return ResultPayload(
        attempt_id=attempt_id,
        item_id=item_id,
        token=token,
        standard=std,
        reason=reason,
        seq=seq,
        values=values,
        cmi=cmi,
        log=_log_block(data.get("log")),
        learner_id=_str(data, "learnerId", required=False),
        course_id=_str(data, "courseId", required=False, max_length=100),
        nav_request=_nav_request(data.get("navRequest")),
    )


# SCORM 2004 4th ed. RTE 4.4.1 adl.nav.request: the plain requests, and choice / jump with a
# target ("{target=<id>}choice"); the target is an item identifier (at most 255 characters).
NAV_REQUESTS = frozenset(
    {"continue", "previous", "exit", "exitAll", "abandon", "abandonAll", "suspendAll", "_none_"}
)
_TARGETED = re.compile(r"\{target=[^{}]{1,255}\}(?:choice|jump)")


def _nav_request(raw: object) -> str:
    if raw is None or raw == "":
        return ""
    if not isinstance(raw, str) or not (raw in NAV_REQUESTS or _TARGETED.fullmatch(raw)):
        raise PayloadError(
            "navRequest",
            "must be an adl.nav.request value: continue, previous, exit, exitAll, abandon, "
            "abandonAll, suspendAll, _none_, or {target=<id>}choice / jump",
        )
    return raw


# ------------------------------------------------------------------------------- sequencing

MAX_STATE_CHARS = 900_000  # as sent: plain JSON text, or "gz:" + base64 of its gzip
# The engine's state is ~46 KB of JSON for golf ForcedSequential and ~750 KB for 100 leaves
# after 10 SCOs, and compresses 20-60x (docs/BENCHMARKS.md, "Sequencing state"): the player
# sends it gzip'd. Unpacked it may not exceed this.
MAX_STATE_UNPACKED = 16 * 1024 * 1024
GZIP_PREFIX = "gz:"
MAX_ACTIVITIES = 5000
_ACTIVITY_KEYS = {"completionStatus", "successStatus", "score", "progressMeasure"}


@dataclass(frozen=True)
class SequencingPayload:
    """``POST /api/scorm/sequencing``: the engine's state after a delivery or a session end."""

    attempt_id: uuid.UUID
    seq: int
    state: str  # the engine's serializeSequencingState(): JSON text, or "gz:" + its gzip
    document: dict[str, Any]  # the state, parsed
    activities: dict[str, dict[str, Any]]  # activity id → its tracking data
    choice: dict[str, bool]  # activity id → whether a choice of it is valid now
    ended: str  # why the sequencing session ended ("" while it goes on)
    waiting: bool = False  # nothing was delivered after the SCO ended: the learner chooses


def _activity(raw: Any, name: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise PayloadError(name, "must be an object")
    unknown = set(raw) - _ACTIVITY_KEYS
    if unknown:
        raise PayloadError(f"{name}.{sorted(unknown)[0]}", "is not a tracking field")
    for key in ("completionStatus", "successStatus"):
        if not isinstance(raw.get(key, ""), str) or len(raw.get(key, "")) > 32:
            raise PayloadError(f"{name}.{key}", "must be a status of at most 32 characters")
    for key in ("score", "progressMeasure"):
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise PayloadError(f"{name}.{key}", "must be a number or null")
    return dict(raw)


def sequencing_payload(body: Mapping[str, Any]) -> SequencingPayload:
    raw_id = body.get("attemptId")
    try:
        attempt_id = uuid.UUID(str(raw_id)) if raw_id else None
    except ValueError:
        attempt_id = None
    if attempt_id is None:
        raise PayloadError("attemptId", "is required and must be a UUID")
    seq = body.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= MAX_SEQ:
        raise PayloadError("seq", f"is required and must be a whole number from 1 to {MAX_SEQ}")
    state = body.get("state")
    if not isinstance(state, str) or not state or len(state) > MAX_STATE_CHARS:
        raise PayloadError("state", f"must be text of 1 to {MAX_STATE_CHARS} characters")
    document = state_document(state)
    if not isinstance(document, dict):
        raise PayloadError(
            "state", 'must be the engine\'s state: JSON text, or "gz:" + base64 of its gzip'
        )
    activities = body.get("activities", {})
    if not isinstance(activities, dict) or len(activities) > MAX_ACTIVITIES:
        raise PayloadError(
            "activities", f"must be an object of at most {MAX_ACTIVITIES} activities"
        )
    checked = {
        str(k): _activity(v, f"activities.{k}") for k, v in activities.items() if len(k) <= 255
    }
    choice = body.get("choice", {})
    if not isinstance(choice, dict) or len(choice) > MAX_ACTIVITIES:
        raise PayloadError("choice", "must be an object of activity id → true / false")
    valid: dict[str, bool] = {}
    for key, value in choice.items():
        if value in (True, "true"):
            valid[str(key)] = True
        elif value in (False, "false"):
            valid[str(key)] = False
        else:
            raise PayloadError(f"choice.{key}", "must be true or false")
    ended = body.get("ended", "")
    if ended not in ("", "end_of_content", "exit_all", "abandon_all", "suspend_all"):
        raise PayloadError(
            "ended", "must be one of end_of_content, exit_all, abandon_all, suspend_all or empty"
        )
    waiting = body.get("waiting", False)
    if not isinstance(waiting, bool):
        raise PayloadError("waiting", "must be true or false")
    return SequencingPayload(
        waiting=waiting,
        attempt_id=attempt_id,
        seq=seq,
        state=state,
        document=document,
        activities=checked,
        choice=valid,
        ended=ended,
    )


def state_document(state: str) -> Any:
    """The engine's state as stored (plain JSON text, or ``gz:`` + base64 of the gzip'd text)
    parsed; None when it is neither, or unpacks to more than ``MAX_STATE_UNPACKED`` bytes."""
    text: str | bytes = state
    if state.startswith(GZIP_PREFIX):
        try:
            packed = base64.b64decode(state[len(GZIP_PREFIX) :], validate=True)
            inflater = zlib.decompressobj(wbits=31)  # gzip framing (zlib docs)
            raw = inflater.decompress(packed, MAX_STATE_UNPACKED)
        except (ValueError, zlib.error):
            return None
        if inflater.unconsumed_tail or not inflater.eof:
            return None  # larger than allowed, or cut short
        text = raw
    try:
        return jsoncodec.loads(text)
    except (ValueError, UnicodeDecodeError):
        return None
