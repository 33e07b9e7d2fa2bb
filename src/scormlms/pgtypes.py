"""PostgreSQL ``timestamptz`` values parsed by psycopg's C loader instead of its Python one.

Django loads ``timestamptz`` with ``BaseTzLoader`` (``db/backends/postgresql/psycopg_any.py``),
a subclass of psycopg's pure-Python ``TimestamptzLoader`` that sets the connection's time zone
on each value. Subclassing takes psycopg's C implementation out of the way, so every timestamp
of every row is parsed in Python: about 5 % of a state read, whose row carries a dozen of them
(``bench/instructions.py``). This loader asks the C ``TimestamptzLoader`` that psycopg-binary
ships (the one psycopg itself uses when nobody subclasses it) and then sets the time zone
exactly as Django's does. It keeps Django's ``timezone`` attribute, which ``create_cursor``
compares before registering a loader of its own.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg.adapt import Buffer, Loader
from psycopg.pq import Format

try:
    from psycopg_binary import _psycopg

    _CTimestamptzLoader: Any = getattr(_psycopg, "TimestamptzLoader", None)
except ImportError:  # pragma: no cover - the lock file installs psycopg[binary]
    _CTimestamptzLoader = None


def register(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created`` receiver: put the loader on a new PostgreSQL connection."""
    c_loader = _CTimestamptzLoader
    if connection.vendor != "postgresql" or c_loader is None:
        return
    zone = connection.timezone  # the backend's, as Django's loader has it

    class TzLoader(Loader):
        timezone = zone
        format = Format.TEXT

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            self._load = c_loader(oid, context).load

        def load(self, data: Buffer) -> Any:
            return self._load(data).replace(tzinfo=zone)

    connection.connection.adapters.register_loader("timestamptz", TzLoader)
