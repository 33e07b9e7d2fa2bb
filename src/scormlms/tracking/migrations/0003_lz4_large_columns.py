"""On PostgreSQL, the two large columns that every commit rewrites are compressed with LZ4.

A commit rewrites a SCO attempt's cmi tree (about 9 KB of JSON in the benchmark) and its
suspend_data (up to 64,000 characters); both go to TOAST, compressed with pglz by default.
LZ4 compresses them in less CPU (PostgreSQL docs, "CREATE TABLE": ``COMPRESSION``, "TOAST":
``default_toast_compression``; docs/BENCHMARKS.md, "Commit throughput"). Values already stored
keep their compression until they are written again. Nothing changes on SQLite, or on a
PostgreSQL built without LZ4.
"""

from collections.abc import Callable
from typing import Any

from django.db import migrations

COLUMNS = ("cmi", "suspend_data")
TABLE = "tracking_scoattempt"


def _lz4_available(cursor: Any) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'"
        " AND 'lz4' = ANY(enumvals)"
    )
    return cursor.fetchone() is not None


def _set(method: str) -> Callable[[Any, Any], None]:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            if method == "lz4" and not _lz4_available(cursor):
                return
            for column in COLUMNS:
                cursor.execute(
                    f'ALTER TABLE "{TABLE}" ALTER COLUMN "{column}" SET COMPRESSION {method}'
                )

    return run


class Migration(migrations.Migration):
    dependencies = [("tracking", "0002_hot_updates")]

    operations = [migrations.RunPython(_set("lz4"), _set("pglz"))]
