"""Django's ModelBackend, loading the user of a session with hand-written SQL.

``django.contrib.auth.get_user`` calls ``get_user`` on every authenticated request, and the
ORM spends more CPU compiling that SELECT than the database spends running it
(docs/BENCHMARKS.md, "Commit throughput"). Password checks, permissions and the session-hash,
logout and inactive-user rules all stay Django's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import backends, get_user_model
from django.core.exceptions import ValidationError
from django.db import connection

from scormlms.rows import Columns, key, quoted

if TYPE_CHECKING:
    # What get_user_model() is in this project (mypy's Django plugin checks that it agrees).
    from django.contrib.auth.models import User

UserModel = get_user_model()
_PK = UserModel._meta.pk
_USER = Columns(UserModel, [f.name for f in UserModel._meta.concrete_fields])
_SELECT_USER = (
    f"SELECT {_USER.sql} FROM {quoted(UserModel._meta.db_table)}"
    f" WHERE {quoted(UserModel._meta.db_table)}.{quoted(_PK.column)} = %s"
)


class ModelBackend(backends.ModelBackend):
    """``django.contrib.auth.backends.ModelBackend`` with ``get_user`` in one raw SELECT."""

    def get_user(self, user_id: Any) -> User | None:
        """The active user with primary key ``user_id`` (as stored in the session), or None."""
        try:
            pk = _PK.to_python(user_id)
        except (ValidationError, ValueError):
            return None
        if isinstance(pk, int):
            # The ORM turns an id outside the column's range into "no such row" (SQLite would
            # refuse the parameter outright).
            low, high = connection.ops.integer_field_range(_PK.get_internal_type())
            if (low is not None and pk < low) or (high is not None and pk > high):
                return None
        with connection.cursor() as cursor:
            cursor.execute(_SELECT_USER, [key(UserModel, pk)])
            row = cursor.fetchone()
        user = _USER.load(row) if row is not None else None
        return user if self.user_can_authenticate(user) else None
