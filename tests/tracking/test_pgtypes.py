"""PostgreSQL timestamps parsed by psycopg's C loader read back as Django's loader gives them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from psycopg.pq import Format

from scormlms.pgtypes import _CTimestamptzLoader

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")


def test_the_connection_uses_the_c_loader_with_djangos_time_zone() -> None:
    connection.ensure_connection()
    oid = connection.connection.adapters.types["timestamptz"].oid
    loader = connection.connection.adapters.get_loader(oid, Format.TEXT)
    assert loader.__name__ == "TzLoader" and _CTimestamptzLoader is not None
    assert loader.timezone == connection.timezone  # so create_cursor registers nothing


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-22 10:00:00.123456+00",
        "2026-11-22 10:00:00+05:30",
        "1999-12-31 23:59:59.5-08",
        "0001-01-01 00:00:00+00",
        "9999-12-31 23:59:59.999999+00",
    ],
)
def test_values_equal_djangos_loader(text: str) -> None:
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz, (%s::timestamptz)::text", [text, text])
        ours, as_text = cursor.fetchone()

    class Django(BaseTzLoader):
        timezone = connection.timezone

    oid = connection.connection.adapters.types["timestamptz"].oid
    expected = Django(oid, connection.connection).load(as_text.encode())
    assert ours == expected
    assert ours.tzinfo is expected.tzinfo is datetime.UTC
    assert ours.isoformat() == expected.isoformat()


def test_an_orm_round_trip_keeps_the_instant() -> None:
    from django.contrib.auth.models import User

    when = datetime.datetime(2026, 11, 22, 10, 0, 0, 654321, tzinfo=datetime.UTC)
    user = User.objects.create_user("tz", last_login=when)
    assert User.objects.get(pk=user.pk).last_login == when
