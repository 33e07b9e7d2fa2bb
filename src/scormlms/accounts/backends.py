"""Django's ModelBackend, taking the user of a session from the session's own query.

``django.contrib.auth.get_user`` calls ``get_user`` on every authenticated request, right after
reading the session. The session store (``scormlms.accounts.sessions``) reads the session's user
in the same query and hands it over here, so a request pays one round trip instead of two;
without such a user, ``get_user`` reads the row itself with hand-written SQL (the ORM spends more
CPU compiling that SELECT than the database spends running it: docs/BENCHMARKS.md, "Commit
throughput"). Password checks, permissions and the session-hash, logout and inactive-user rules
all stay Django's.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.contrib.auth import backends, get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.signals import post_delete, post_save

from scormlms.rows import Columns, default_db, key, quoted

if TYPE_CHECKING:
    # What get_user_model() is in this project (mypy's Django plugin checks that it agrees).
    from django.contrib.auth.models import User

UserModel = get_user_model()
_PK = UserModel._meta.pk
USER = Columns(UserModel, [f.name for f in UserModel._meta.concrete_fields])
_SELECT_USER = (
    f"SELECT {USER.sql} FROM {quoted(UserModel._meta.db_table)}"
    f" WHERE {quoted(UserModel._meta.db_table)}.{quoted(_PK.column)} = %s"
)

# The user row read with the latest session load of this thread (or asyncio task), for the
# get_user that Django runs right after that load. Why it cannot answer for anything else:
# - every session load sets it, to None when it found no session or user or failed, so it is
#   never a user from an earlier load;
# - get_user takes it (reads, then empties it), so one row answers one get_user, whose id must
#   be the row's; any other id, or a second get_user, reads the database;
# - a new SessionStore (SessionMiddleware makes one per request) empties it, so a request never
#   sees a row read in an earlier one;
# - so does saving or deleting a user through the ORM (a password change, deactivation), should
#   a request do that between its session load and its first ``request.user``. Only a write
#   that sends no signal (``QuerySet.update``, raw SQL) in that window goes unseen, as it does
#   after Django resolves ``request.user``.
_with_session: ContextVar[User | None] = ContextVar("scormlms_user_with_session", default=None)


def hand_over(user: User | None) -> None:
    """Make ``user`` (read with a session) the answer of the next ``get_user`` for its id."""
    _with_session.set(user)


def _forget(**kwargs: Any) -> None:
    hand_over(None)


post_save.connect(_forget, sender=UserModel)
post_delete.connect(_forget, sender=UserModel)


def user_pk(user_id: Any) -> Any:
    """``user_id`` (as stored in a session) as a user primary key; None when no row can have it."""
    try:
        pk = _PK.to_python(user_id)
    except (ValidationError, ValueError):
        return None
    if isinstance(pk, int):
        # The ORM turns an id outside the column's range into "no such row" (SQLite would
        # refuse the parameter outright).
        low, high = default_db().ops.integer_field_range(_PK.get_internal_type())
        if (low is not None and pk < low) or (high is not None and pk > high):
            return None
    return pk


class ModelBackend(backends.ModelBackend):
    """``django.contrib.auth.backends.ModelBackend`` whose ``get_user`` reuses the session's
    query, else runs one raw SELECT."""

    def get_user(self, user_id: Any) -> User | None:
        """The active user with primary key ``user_id`` (as stored in the session), or None."""
        loaded = _with_session.get()
        hand_over(None)
        pk = user_pk(user_id)
        if pk is None:
            return None
        if loaded is not None and loaded.pk == pk:
            user: User | None = loaded
        else:
            with connection.cursor() as cursor:
                cursor.execute(_SELECT_USER, [key(UserModel, pk)])
                row = cursor.fetchone()
            user = USER.load(row) if row is not None else None
        return user if self.user_can_authenticate(user) else None
