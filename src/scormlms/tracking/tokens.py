"""Launch tokens (SPEC §8): signed, bound to the learner, the attempt and one SCO session.

The token stands in for the CSRF header on the runtime endpoints, so a final commit sent with
``navigator.sendBeacon`` (which cannot add headers) is still accepted; the session cookie is
required as well, and the token must belong to the logged-in learner.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

SALT = "scormlms.launch-token"
MAX_AGE_SECONDS = 7 * 24 * 3600  # a learner may leave a tab open for days


class BadToken(Exception):
    pass


@dataclass(frozen=True)
class LaunchClaims:
    session_id: str
    attempt_id: str
    learner_id: int


def token_make(*, session_id: str, attempt_id: str, learner_id: int) -> str:
    return signing.dumps({"s": session_id, "a": attempt_id, "u": learner_id}, salt=SALT)


def token_read(token: object) -> LaunchClaims:
    if not isinstance(token, str) or not token or len(token) > 500:
        raise BadToken("token is missing")
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired as error:
        raise BadToken("token has expired; reopen the course") from error
    except signing.BadSignature as error:
        raise BadToken("token is not valid") from error
    return LaunchClaims(
        session_id=str(data["s"]), attempt_id=str(data["a"]), learner_id=int(data["u"])
    )
