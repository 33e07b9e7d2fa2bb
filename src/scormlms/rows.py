"""Hand-written SQL for the hot paths, read and written with Django's own field conversions.

Building a query with the ORM costs 0.3–1 ms of CPU (docs/BENCHMARKS.md, "Commit throughput");
the commit and state paths run hundreds of times a second, so their SQL is
written out once with placeholders, and this module turns rows into model instances (and
instances into parameters) exactly as the ORM would on SQLite and PostgreSQL: the converters
and ``get_db_prep_save`` of each field, and the instance state ``Model.from_db`` gives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, JSONField, Model
from psycopg.types.json import Jsonb

from scormlms import jsoncodec

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, Any], Any]


def default_db() -> BaseDatabaseWrapper:
    """This thread's default connection (``django.db.connection`` is a proxy to the same)."""
    return connections[DEFAULT_DB_ALIAS]


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Columns(Generic[M]):
    """Some columns of one model under a table alias: a select list and a row reader.

    ``names`` are field names; they are kept in the model's field order, as ``from_db`` needs.
    """

    def __init__(self, model: type[M], names: Iterable[str], alias: str | None = None) -> None:
        wanted = set(names) | {_pk(model).name}
        self.model = model
        self.alias = alias or model._meta.db_table
        self.fields: list[Field[Any, Any]] = [
            f for f in model._meta.concrete_fields if f.name in wanted
        ]
        unknown = wanted - {f.name for f in self.fields}
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        self.attnames = [f.attname for f in self.fields]
        self.sql = ", ".join(f"{quoted(self.alias)}.{quoted(f.column)}" for f in self.fields)
        self.width = len(self.fields)
        self._pk_index = next(i for i, f in enumerate(self.fields) if f.primary_key)
        self._converters: dict[str, list[tuple[int, list[Converter], Any]]] = {}

    def converters(self) -> list[tuple[int, list[Converter], Any]]:
        """What SQLCompiler.get_converters gives for these columns on the current database."""
        conn = default_db()
        vendor = conn.vendor
        found = self._converters.get(vendor)
        if found is None:
            found = []
            for index, field in enumerate(self.fields):
                col = field.get_col(self.alias)
                chain = conn.ops.get_db_converters(col) + col.get_db_converters(conn)
                if chain:
                    found.append((index, chain, col))
            self._converters[vendor] = found
        return found

    def load(self, row: Sequence[Any], start: int = 0) -> M | None:
        """The instance in ``row[start:start + width]``; None when its key is NULL (outer join).

        Built by ``Model.from_db`` from the values the ORM's converters give; columns not read
        are deferred, as with ``only()``.
        """
        values = list(row[start : start + self.width])
        if values[self._pk_index] is None:
            return None
        conn = default_db()
        for index, chain, col in self.converters():
            value = values[index]
            for convert in chain:
                value = convert(value, col, conn)
            values[index] = value
        return self.model.from_db(conn.alias, self.attnames, values)


def _pk(model: type[Model]) -> Field[Any, Any]:
    pk = model._meta.pk
    assert pk is not None
    return pk


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field


def params(instance: Model, names: Sequence[str]) -> list[Any]:
    """The database values of some fields of ``instance``, as the ORM would save them."""
    model = type(instance)
    fields = _FIELDS.get((model, tuple(names)))
    if fields is None:
        fields = _FIELDS[(model, tuple(names))] = [_field(model, name) for name in names]
    conn = default_db()
    return [
        _json_param(value, conn)
        if f.__class__ is JSONField and f.encoder is None and value.__class__ in _JSON_TYPES
        else f.get_db_prep_save(value, conn)
        for f in fields
        for value in (getattr(instance, f.attname),)
    ]


_FIELDS: dict[tuple[type[Model], tuple[str, ...]], list[Field[Any, Any]]] = {}
# What JSONField.get_db_prep_save hands straight to the backend's adapt_json_value.
_JSON_TYPES = {dict, list, str, int, float, bool}


def _json_param(value: Any, conn: BaseDatabaseWrapper) -> Any:
    """``JSONField().get_db_prep_save(value, conn)``, with the JSON text written by orjson:
    ``Jsonb(value, dumps=json.dumps)`` on PostgreSQL, ``json.dumps(value)`` elsewhere (Django
    5.2, ``adapt_json_value`` of each backend's operations)."""
    if conn.vendor == "postgresql":
        return Jsonb(value, dumps=jsoncodec.dumps_bytes)
    return jsoncodec.dumps(value)


def key(model: type[Model], value: Any) -> Any:
    """A primary-key value as the database stores it (a UUID is 32 hex digits on SQLite)."""
    return _pk(model).get_db_prep_value(value, default_db())


def insert_names(model: type[Model]) -> list[str]:
    """Every column an INSERT of ``model`` writes: all but a key the database numbers."""
    names = _INSERT_NAMES.get(model)
    if names is None:
        names = [
            f.name
            for f in model._meta.concrete_fields
            if not (f.primary_key and f.get_internal_type() in _NUMBERED)
        ]
        _INSERT_NAMES[model] = names
    return names


_NUMBERED = {"AutoField", "BigAutoField", "SmallAutoField"}
_INSERT_NAMES: dict[type[Model], list[str]] = {}
_UPDATES: dict[tuple[type[Model], tuple[str, ...]], str] = {}


def _update_sql(model: type[Model], names: Sequence[str]) -> str:
    sql = _UPDATES.get((model, tuple(names)))
    if sql is None:
        sets = ", ".join(f"{quoted(_field(model, n).column)} = %s" for n in names)
        table = quoted(model._meta.db_table)
        sql = f"UPDATE {table} SET {sets} WHERE {quoted(_pk(model).column)} = %s"
        _UPDATES[(model, tuple(names))] = sql
    return sql


def _insert_sql(model: type[Model], names: Sequence[str], count: int) -> str:
    cols = ", ".join(quoted(_field(model, n).column) for n in names)
    row = "(" + ", ".join(["%s"] * len(names)) + ")"
    return f"INSERT INTO {quoted(model._meta.db_table)} ({cols}) VALUES " + ", ".join([row] * count)


class Batch:
    """Writes gathered during a service call and sent together at its end.

    On PostgreSQL they travel as one statement (each but the last in a data-modifying ``WITH``
    clause, which runs exactly once: PostgreSQL docs, "Data-Modifying Statements in WITH"),
    so a commit pays one round trip for all its writes; elsewhere one statement each. The
    writes must touch different rows: they share one snapshot.
    """

    def __init__(self) -> None:
        self._statements: list[tuple[str, list[Any]]] = []

    def update(self, instance: Model, names: Sequence[str]) -> None:
        """``instance.save(update_fields=names)``."""
        model = type(instance)
        values = [*params(instance, names), key(model, instance.pk)]
        self._statements.append((_update_sql(model, names), values))

    def insert(self, instances: Sequence[Model], names: Sequence[str]) -> None:
        """One multi-row INSERT of ``names`` (a key the database numbers stays unknown)."""
        if instances:
            sql = _insert_sql(type(instances[0]), names, len(instances))
            values = [v for instance in instances for v in params(instance, names)]
            self._statements.append((sql, values))

    def send(self) -> None:
        statements, self._statements = self._statements, []
        if not statements:
            return
        conn = default_db()
        with conn.cursor() as cursor:
            if conn.vendor != "postgresql":
                for sql, values in statements:
                    cursor.execute(sql, values)
                return
            *first, (last_sql, last_values) = statements
            clauses = ", ".join(f"w{i} AS ({sql})" for i, (sql, _) in enumerate(first))
            sql = f"WITH {clauses} {last_sql}" if first else last_sql
            cursor.execute(sql, [v for _, values in statements for v in values])
