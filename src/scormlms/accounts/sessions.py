"""Django's database session store, reading a session and its user in one hand-written query.

Every authenticated request loads its session, then its user. The session row carries its
user's id (``scormlms.accounts.models.Session``: Django's "Extending database-backed session
engines"), so one query joins the two and the user goes to ``ModelBackend.get_user``; writes,
expiry handling and everything else stay Django's. Building these SELECTs with the ORM would
cost more CPU than running them (docs/BENCHMARKS.md, "Commit throughput").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import SESSION_KEY, get_user
from django.contrib.sessions.backends import db
from django.core import signing
from django.core.exceptions import SuspiciousOperation
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

from scormlms.accounts.backends import USER, hand_over, user_pk
from scormlms.accounts.models import Session
from scormlms.rows import Columns, default_db, quoted
from scormlms.signed import memo

_SESSION = Columns(Session, [f.name for f in Session._meta.concrete_fields])
_EXPIRE_DATE = Session._meta.get_field("expire_date")
_TABLE = quoted(Session._meta.db_table)
_KEY = f"{_TABLE}.{quoted(Session._meta.get_field('session_key').column)}"
_USER_ID = Session._meta.get_field("user")
_USER_TABLE = quoted(USER.alias)
# The session's user id column, for joins to the logged-in learner's rows.
LOGIN_USER_ID = f"{_TABLE}.{quoted(_USER_ID.column)}"
# A key's row while it has not expired (two parameters: the key, the time), and its user's row
# (NULLs when it has none).
_LIVE_KEY = f"{_KEY} = %s AND {_TABLE}.{quoted(_EXPIRE_DATE.column)} > %s"
_ITS_USER = (
    f" LEFT JOIN {_USER_TABLE}"
    f" ON {_USER_TABLE}.{quoted(_USER_ID.target_field.column)} = {LOGIN_USER_ID}"
)
LOGIN_SQL = f"{_SESSION.sql}, {USER.sql}"
LOGIN_WIDTH = _SESSION.width + USER.width
_LIVE = f"SELECT {LOGIN_SQL} FROM {_TABLE}{_ITS_USER} WHERE {_LIVE_KEY}"
# The same two rows as extra columns and joins of another statement (``PendingLogin``).
LOGIN_JOIN = f" LEFT JOIN {_TABLE} ON {_LIVE_KEY}{_ITS_USER}"
# Where the session's user id sits in those columns.
_USER_ID_AT = _SESSION.attnames.index(_USER_ID.attname)
# Whether a key is in use, expired or not.
_TAKEN = f"SELECT 1 FROM {_TABLE} WHERE {_KEY} = %s LIMIT 1"


# Keep the name: Django salts the session data's signature with the store class's name.
class SessionStore(db.SessionStore):
    """``django.contrib.sessions.backends.db`` on ``accounts.Session``, reading in raw SQL."""

    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        # SessionMiddleware makes a store per request: no user read before it is this one's.
        hand_over(None)

    @classmethod
    def get_model_class(cls) -> type[Session]:
        """The session model (also what ``clearsessions`` deletes expired rows from)."""
        return Session

    def create_model_instance(self, data: dict[str, Any]) -> Session:
        """Django's row for ``data``, with the id of the user it logs in (None if none)."""
        session = cast(Session, super().create_model_instance(data))
        session.user_id = user_pk(data.get(SESSION_KEY))
        return session

    def _get_session_from_db(self) -> Session | None:
        try:
            with default_db().cursor() as cursor:
                cursor.execute(_LIVE, _live_params(self.session_key))
                row = cursor.fetchone()
        except BaseException:
            hand_over(None)  # no user of an earlier load stays on offer
            raise
        return self._from_row(row)

    def _from_row(self, row: Sequence[Any] | None, start: int = 0) -> Session | None:
        """The session in ``row[start:]`` (``_LIVE``'s columns, or ``LOGIN_SQL``'s), its user
        handed to the backend; None, and the key forgotten, when there is none."""
        session = user = None
        try:
            if row is not None:
                session = _SESSION.load(row, start)
                user = USER.load(row, start + _SESSION.width)
        except SuspiciousOperation as e:
            logger = logging.getLogger(f"django.security.{e.__class__.__name__}")
            logger.warning(str(e))
            session = None
        finally:
            # Even when this load finds nothing or fails, so no older user stays on offer.
            hand_over(user)
        if session is None:
            # As Django does for a missing, expired or suspicious session: forget the key so
            # the next save creates a fresh one instead of reviving it.
            self._session_key = None
        return session

    def decode(self, session_data: bytes | str) -> dict[str, Any]:
        """``SessionBase.decode``, with the signature of data seen before not checked again
        (``scormlms.signed``)."""
        if self.serializer is not signing.JSONSerializer or not isinstance(session_data, str):
            return super().decode(session_data)
        try:
            return memo.loads_mapping(session_data, salt=self.key_salt)
        except signing.BadSignature:
            logging.getLogger("django.security.SuspiciousSession").warning("Session data corrupted")
        except Exception:  # as Django's: anything else that fails gives an empty session
            pass
        return {}

    def install(self, row: Sequence[Any], start: int) -> None:
        """Take the session from a statement that read ``LOGIN_SQL`` as ``load`` would read it."""
        session = self._from_row(row, start)
        self._session_cache = self.decode(session.session_data) if session else {}

    def exists(self, session_key: str) -> bool:
        """Whether ``session_key`` is taken (asked while creating a session, at every login)."""
        with connection.cursor() as cursor:
            cursor.execute(_TAKEN, [session_key])
            return cursor.fetchone() is not None


def _live_params(session_key: str | None) -> list[Any]:
    # The value the ORM sends for ``expire_date__gt=now()`` (on SQLite: text in the format the
    # column is stored in, so the comparison is the ORM's exactly).
    return [session_key, _EXPIRE_DATE.get_db_prep_value(timezone.now(), default_db())]


class NotLoggedIn(Exception):
    """The request has no live session with an active user (HTTP 401)."""


class PendingLogin:
    """A request whose session and user are not read yet, for a hot path that reads them in
    its own statement (``LOGIN_SQL`` + ``LOGIN_JOIN`` with ``params()``): the commit and state
    endpoints then cost one query where they cost two.

    ``resolve`` hands the rows to Django's own ``get_user``, so what counts as logged in (the
    signed session data, the backend, the session hash and its fallbacks, an active user) is
    decided exactly as for every other request; only where the rows come from changes.
    """

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.session_user_id: Any = None

    @classmethod
    def of(cls, request: HttpRequest) -> PendingLogin | None:
        """One for ``request``, or None when its session was read already (or is not ours)."""
        store = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if (
            isinstance(store, SessionStore)
            and not hasattr(store, "_session_cache")
            and isinstance(user, SimpleLazyObject)
            and user._wrapped is empty  # type: ignore[attr-defined]
        ):
            return cls(request)
        return None

    def params(self) -> list[Any]:
        """The parameters of ``LOGIN_JOIN``."""
        return _live_params(cast(SessionStore, self.request.session).session_key)

    def resolve(self, row: Sequence[Any], start: int) -> AbstractBaseUser | AnonymousUser:
        """The request's user (possibly anonymous) from ``row[start:]``, set as ``request.user``."""
        store = cast(SessionStore, self.request.session)
        self.session_user_id = row[start + _USER_ID_AT]
        store.install(row, start)
        user = get_user(self.request)
        self.request.user = user
        return user

    def user(self) -> AbstractBaseUser | AnonymousUser:
        """The request's user: the one ``resolve`` found, else read the usual way now (when the
        statement found no rows, it read no login either)."""
        return self.request.user

    def logged_in(self) -> AbstractBaseUser:
        """``user()``, or ``NotLoggedIn`` when the request has no logged-in user."""
        user = self.user()
        if not user.is_authenticated:
            raise NotLoggedIn
        return cast("AbstractBaseUser", user)
