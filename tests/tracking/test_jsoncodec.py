"""scormlms.jsoncodec gives what the standard library gives, and JSON columns store the same."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scormlms import jsoncodec
from scormlms.rows import params
from scormlms.tracking.models import AttemptEvent

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_round_trips_agree_with_the_standard_library(value: Any) -> None:
    text = json.dumps(value)
    assert jsoncodec.loads(text) == json.loads(text)
    assert jsoncodec.loads(text.encode()) == json.loads(text)
    assert json.loads(jsoncodec.dumps(value)) == value
    assert json.loads(jsoncodec.dumps_bytes(value)) == value


@pytest.mark.parametrize(
    "raw",
    [b"NaN", b"[Infinity]", b'"\\ud800"', b"1e400"],
)
def test_what_orjson_refuses_is_read_by_the_standard_library(raw: bytes) -> None:
    got, expected = jsoncodec.loads(raw), json.loads(raw)
    if isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected


@pytest.mark.parametrize("raw", [b"{", b"", b"[1,]", b"\xff", b'{"a" 1}'])
def test_broken_json_raises_the_standard_librarys_error(raw: bytes) -> None:
    with pytest.raises(ValueError):
        jsoncodec.loads(raw)


def test_what_orjson_cannot_write_is_written_by_the_standard_library() -> None:
    for value in ({"big": 2**70}, {1: "non-string key"}, {"s": "\ud800"}):
        assert json.loads(jsoncodec.dumps(value)) == json.loads(json.dumps(value))
        assert json.loads(jsoncodec.dumps_bytes(value)) == json.loads(json.dumps(value))
    assert jsoncodec.dumps({"when": object()}, default=lambda o: "x") == '{"when":"x"}'


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data", [{"a": [1, 2.5, None, True], "é": "ü"}, [], "text", 3, {"big": 2**70}]
)
def test_a_json_column_written_by_params_reads_back_as_the_orm_wrote_it(data: Any) -> None:
    from django.db import connection

    from scormlms.tracking.models import Attempt  # noqa: F401  (models loaded)

    event = AttemptEvent(data=data)
    [value] = params(event, ["data"])
    field = AttemptEvent._meta.get_field("data")
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s, %s", [value, field.get_db_prep_save(data, connection)])
        ours, django = cursor.fetchone()
    loads = json.loads if isinstance(ours, str) else (lambda v: v)
    assert loads(ours) == loads(django)


def test_answers_are_written_as_json_response_writes_them() -> None:
    import datetime
    import decimal
    import uuid

    from django.core.serializers.json import DjangoJSONEncoder

    value = {
        "when": datetime.datetime(2026, 11, 22, 10, 0, 0, 123456, tzinfo=datetime.UTC),
        "day": datetime.date(2026, 11, 22),
        "id": uuid.UUID(int=5),
        "score": decimal.Decimal("1.50"),
        "list": [1, 2.5, None, True, "é"],
    }
    ours = json.loads(jsoncodec.dumps_django(value))
    assert ours == json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    assert ours["when"] == "2026-11-22T10:00:00.123Z"  # DjangoJSONEncoder's form, not orjson's
