"""Django's database session store, reading sessions with hand-written SQL.

Every authenticated request loads its session; building that SELECT with the ORM costs more
CPU than running it (docs/BENCHMARKS.md, "Commit throughput"). The reads here are the ORM's
queries written out once; writes, expiry handling and everything else stay Django's.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, NamedTuple

from django.contrib.sessions.backends import db
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import SuspiciousOperation
from django.db import connection
from django.db.models import Field
from django.utils import timezone

from scormlms.rows import Columns, quoted


class _Queries(NamedTuple):
    columns: Columns[AbstractBaseSession]
    expire_date: Field[Any, Any]
    live: str  # the row of a key while it has not expired
    taken: str  # whether a key is in use, expired or not


@functools.cache
def _queries(model: type[AbstractBaseSession]) -> _Queries:
    columns = Columns(model, ["session_key", "session_data", "expire_date"])
    table = quoted(model._meta.db_table)
    key = quoted(model._meta.get_field("session_key").column)
    expire_date = model._meta.get_field("expire_date")
    return _Queries(
        columns=columns,
        expire_date=expire_date,
        live=(
            f"SELECT {columns.sql} FROM {table}"
            f" WHERE {key} = %s AND {quoted(expire_date.column)} > %s"
        ),
        taken=f"SELECT 1 FROM {table} WHERE {key} = %s LIMIT 1",
    )


class SessionStore(db.SessionStore):
    """``django.contrib.sessions.backends.db`` with its two per-request reads in raw SQL."""

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        queries = _queries(self.model)
        # The value the ORM sends for ``expire_date__gt=now()`` (on SQLite: text in the format
        # the column is stored in, so the comparison is the ORM's exactly).
        now = queries.expire_date.get_db_prep_value(timezone.now(), connection)
        try:
            with connection.cursor() as cursor:
                cursor.execute(queries.live, [self.session_key, now])
                row = cursor.fetchone()
            session = queries.columns.load(row) if row is not None else None
        except SuspiciousOperation as e:
            logger = logging.getLogger(f"django.security.{e.__class__.__name__}")
            logger.warning(str(e))
            session = None
        if session is None:
            # As Django does for a missing, expired or suspicious session: forget the key so
            # the next save creates a fresh one instead of reviving it.
            self._session_key = None
        return session

    def exists(self, session_key: str) -> bool:
        """Whether ``session_key`` is taken (asked while creating a session, at every login)."""
        with connection.cursor() as cursor:
            cursor.execute(_queries(self.model).taken, [session_key])
            return cursor.fetchone() is not None
