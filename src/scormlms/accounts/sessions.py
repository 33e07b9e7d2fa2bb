"""Django's database session store, reading a session and its user in one hand-written query.

Every authenticated request loads its session, then its user. The session row carries its
user's id (``scormlms.accounts.models.Session``: Django's "Extending database-backed session
engines"), so one query joins the two and the user goes to ``ModelBackend.get_user``; writes,
expiry handling and everything else stay Django's. Building these SELECTs with the ORM would
cost more CPU than running them (docs/BENCHMARKS.md, "Commit throughput").
"""

from __future__ import annotations

import logging
from typing import Any, cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.core.exceptions import SuspiciousOperation
from django.db import connection
from django.utils import timezone

from scormlms.accounts.backends import USER, hand_over, user_pk
from scormlms.accounts.models import Session
from scormlms.rows import Columns, quoted

_SESSION = Columns(Session, [f.name for f in Session._meta.concrete_fields])
_EXPIRE_DATE = Session._meta.get_field("expire_date")
_TABLE = quoted(Session._meta.db_table)
_KEY = f"{_TABLE}.{quoted(Session._meta.get_field('session_key').column)}"
_USER_ID = Session._meta.get_field("user")
_USER_TABLE = quoted(USER.alias)
# The row of a key while it has not expired, and its user's row (NULLs when it has none).
_LIVE = (
    f"SELECT {_SESSION.sql}, {USER.sql} FROM {_TABLE}"
    f" LEFT JOIN {_USER_TABLE}"
    f" ON {_USER_TABLE}.{quoted(_USER_ID.target_field.column)}"
    f" = {_TABLE}.{quoted(_USER_ID.column)}"
    f" WHERE {_KEY} = %s AND {_TABLE}.{quoted(_EXPIRE_DATE.column)} > %s"
)
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
        # The value the ORM sends for ``expire_date__gt=now()`` (on SQLite: text in the format
        # the column is stored in, so the comparison is the ORM's exactly).
        now = _EXPIRE_DATE.get_db_prep_value(timezone.now(), connection)
        session = user = None
        try:
            with connection.cursor() as cursor:
                cursor.execute(_LIVE, [self.session_key, now])
                row = cursor.fetchone()
            if row is not None:
                session = _SESSION.load(row)
                user = USER.load(row, _SESSION.width)
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

    def exists(self, session_key: str) -> bool:
        """Whether ``session_key`` is taken (asked while creating a session, at every login)."""
        with connection.cursor() as cursor:
            cursor.execute(_TAKEN, [session_key])
            return cursor.fetchone() is not None
