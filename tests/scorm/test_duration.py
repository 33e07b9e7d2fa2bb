from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scormlms.scorm.duration import (
    MAX_CMI_TIMESPAN,
    add_session_time,
    format_duration,
    parse_duration,
)
from scormlms.scorm.errors import InvalidValue

FAST = settings(max_examples=200, deadline=None)

# Whole centiseconds: the resolution both formats keep.
centiseconds = st.integers(min_value=0, max_value=int(MAX_CMI_TIMESPAN * 100)).map(
    lambda c: Decimal(c) / 100
)


@pytest.mark.parametrize(
    ("standard", "text", "seconds"),
    [
        ("2004", "PT0S", "0"),
        ("2004", "PT1H2M3.5S", "3723.5"),
        ("2004", "PT3.25S", "3.25"),
        ("2004", "PT1.239S", "1.239"),
        ("2004", "PT90M", "5400"),
        ("2004", "P1D", "86400"),
        ("2004", "P1DT1S", "86401"),
        ("2004", "P1M", str(30 * 86400)),
        ("2004", "P1Y", str(365 * 86400)),
        ("2004", "P1Y2M3DT4H5M6.78S", str(365 * 86400 + 60 * 86400 + 3 * 86400 + 14706.78)),
        # Wider than SCORM's grammar, as the runtime (scorm-again) accepts it: see duration.py.
        ("2004", "P", "0"),
        ("2004", "PT", "0"),
        ("2004", "P1H", "3600"),
        ("2004", "PT1.5H", "5400"),
        ("2004", "PT0,5M", "30"),
        ("2004", "P1W", str(7 * 86400)),
        ("2004", "P..Y", "0"),
        ("1.2", "1:00:00", "3600"),
        ("1.2", "10000:00:00", "36000000"),
        ("1.2", "00:00:00", "0"),
        ("1.2", "0001:02:03.50", "3723.5"),
        ("1.2", "01:02:03.5", "3723.5"),
        ("1.2", "123:00:00", "442800"),
        ("1.2", "9999:59:59.99", "35999999.99"),
    ],
)
def test_parse(standard: str, text: str, seconds: str) -> None:
    assert parse_duration(standard, text) == Decimal(seconds)


@pytest.mark.parametrize(
    ("standard", "text"),
    [
        ("2004", ""),
        ("2004", "pt1s"),
        ("2004", "PT-1S"),
        ("2004", "PT1S "),
        ("2004", "PT1,5S"),
        ("2004", "PT.5S"),
        ("2004", "0001:00:00"),
        ("1.2", ""),
        ("1.2", "00:0:00"),
        ("1.2", "00:00:00.123"),  # at most 2 decimals
        ("1.2", "00:00:00."),
        ("1.2", "PT1S"),
    ],
)
def test_parse_rejects(standard: str, text: str) -> None:
    with pytest.raises(InvalidValue) as info:
        parse_duration(standard, text)
    assert info.value.scorm_error == (405 if standard == "1.2" else 406)
    assert info.value.field == (
        "cmi.core.session_time" if standard == "1.2" else "cmi.session_time"
    )


def test_parse_names_the_field_it_is_given() -> None:
    with pytest.raises(InvalidValue) as info:
        parse_duration("2004", "x", field="cmi.total_time")
    assert info.value.field == "cmi.total_time"


@pytest.mark.parametrize(
    ("standard", "seconds", "text"),
    [
        ("2004", 0, "PT0S"),
        ("2004", Decimal("3723.5"), "PT1H2M3.5S"),
        ("2004", 3600, "PT1H"),
        ("2004", 60, "PT1M"),
        ("2004", 0.25, "PT0.25S"),
        ("2004", 59.999, "PT1M"),  # rounds to the centisecond, carrying into minutes
        ("2004", 0.004, "PT0S"),
        ("2004", 90000, "PT25H"),  # hours, never days
        ("1.2", 0, "0000:00:00.00"),
        ("1.2", Decimal("3723.5"), "0001:02:03.50"),
        ("1.2", 35999999.995, "9999:59:59.99"),
        ("1.2", 10**9, "9999:59:59.99"),  # saturates at the largest CMITimespan
    ],
)
def test_format(standard: str, seconds: Decimal | float, text: str) -> None:
    assert format_duration(standard, seconds) == text


@pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf")])
def test_format_rejects_impossible_spans(seconds: float) -> None:
    with pytest.raises(ValueError):
        format_duration("2004", seconds)


def test_unknown_standard() -> None:
    with pytest.raises(ValueError):
        parse_duration("1.3", "PT1S")
    with pytest.raises(ValueError):
        format_duration("1.3", 1)


@pytest.mark.parametrize(
    ("standard", "total", "session", "result"),
    [
        ("2004", "", "PT5S", "PT5S"),
        ("2004", "PT1H", "", "PT1H"),
        ("2004", "", "", "PT0S"),
        ("2004", "PT59M59.5S", "PT0.5S", "PT1H"),
        ("1.2", "", "00:00:05", "0000:00:05.00"),
        ("1.2", "0000:00:59.99", "00:00:00.01", "0000:01:00.00"),
        ("1.2", "9999:00:00.00", "02:00:00", "9999:59:59.99"),
    ],
)
def test_add_session_time(standard: str, total: str, session: str, result: str) -> None:
    assert add_session_time(standard, total, session) == result


def test_add_session_time_names_the_bad_side() -> None:
    with pytest.raises(InvalidValue) as info:
        add_session_time("1.2", "bad", "00:00:01")
    assert info.value.field == "cmi.core.total_time"
    with pytest.raises(InvalidValue) as info:
        add_session_time("2004", "PT0S", "bad")
    assert info.value.field == "cmi.session_time"


@FAST
@given(seconds=centiseconds, standard=st.sampled_from(["1.2", "2004"]))
def test_format_parse_round_trip(seconds: Decimal, standard: str) -> None:
    text = format_duration(standard, seconds)
    assert parse_duration(standard, text) == seconds
    assert format_duration(standard, parse_duration(standard, text)) == text


@FAST
@given(
    total=centiseconds,
    first=centiseconds,
    second=centiseconds,
    standard=st.sampled_from(["1.2", "2004"]),
)
def test_add_session_time_is_monotone(
    total: Decimal, first: Decimal, second: Decimal, standard: str
) -> None:
    low, high = sorted([first, second])
    total_text = format_duration(standard, total)
    after_low = parse_duration(
        standard, add_session_time(standard, total_text, format_duration(standard, low))
    )
    after_high = parse_duration(
        standard, add_session_time(standard, total_text, format_duration(standard, high))
    )
    assert total <= after_low <= after_high
    if standard == "2004":
        assert after_low == total + low  # 2004 has no upper bound to saturate at
