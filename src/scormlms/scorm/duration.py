"""SCORM time spans: parse, format and add them.

SCORM 1.2 writes a span as ``CMITimespan`` — ``HHHH:MM:SS.SS``, hours of 2 to 4 digits, seconds
with an optional 1–2 digit fraction (SCORM 1.2 RTE 3.4, data type CMITimespan). SCORM 2004
writes it as ``timeinterval (second,10)`` — the ISO 8601 duration
``P[yY][mM][dD][T[hH][nM][s[.s]S]]`` with a resolution of 0.01 second (SCORM 2004 4th ed.
RTE 4.1, data type timeinterval; used by cmi.session_time and cmi.total_time, RTE 4.2).

A 2004 span is read the way our browser runtime (scorm-again) accepts it, which is wider than
SCORM's grammar: weeks (``P1W``), a fraction with "." or "," on any part (``PT1.5H``, ISO 8601
§4.4.3.2 allows one), the "T" left out (``P1H``) and spans with no part (``P``, ``PT``: zero).
The runtime has already told the SCO such a value was stored; refusing it here would throw away
the learner's whole commit. A part the runtime lets through that is no number at all (``P..Y``)
counts as zero. In 1.2 the runtime takes any number of hour digits. What we write back
(total_time) is always the strict form. ``tests/scorm/test_runtime_agreement.py`` runs the
runtime itself to keep the two in step.

Seconds are handled as :class:`~decimal.Decimal` so that adding session times never drifts.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from scormlms.scorm.errors import InvalidValue

STANDARDS = ("1.2", "2004")

# ISO 8601 leaves the length of a year and a month open and SCORM 2004 does not fix it; we use
# the common convention (ISO 8601 note: a year of 365 days, a month of 30 days). SCOs report
# session times in hours/minutes/seconds in practice, so this only matters for odd content.
SECONDS_PER = {
    "Y": Decimal(365 * 86400),
    "MO": Decimal(30 * 86400),
    "W": Decimal(7 * 86400),
    "D": Decimal(86400),
    "H": Decimal(3600),
    "MI": Decimal(60),
    "S": Decimal(1),
}

# CMITimespan caps hours at 4 digits (SCORM 1.2 RTE 3.4): a total above 9999:59:59.99
# saturates there instead of producing a value SCORM 1.2 content could not read back.
MAX_CMI_TIMESPAN = Decimal("35999999.99")

_CMI_TIMESPAN = re.compile(r"(\d+):(\d{2}):(\d{2}(?:\.\d{1,2})?)", re.ASCII)
_PART = r"[.,\d]+"  # a number, its fraction marked by "." or "," (or, rarely, no number)
_TIMEINTERVAL = re.compile(
    rf"P(?:(?P<Y>{_PART})Y)?(?:(?P<MO>{_PART})M)?(?:(?P<W>{_PART})W)?(?:(?P<D>{_PART})D)?"
    rf"T?(?:(?P<H>{_PART})H)?(?:(?P<MI>{_PART})M)?(?:(?P<S>\d+(?:\.\d+)?)S)?",
    re.ASCII,
)
_CENTISECOND = Decimal("0.01")


def session_time_element(standard: str) -> str:
    """The CMI element a SCO writes its session time to."""
    return "cmi.core.session_time" if _check_standard(standard) == "1.2" else "cmi.session_time"


def total_time_element(standard: str) -> str:
    """The CMI element the LMS keeps the accumulated time in."""
    return "cmi.core.total_time" if _check_standard(standard) == "1.2" else "cmi.total_time"


def parse_duration(standard: str, text: str, *, field: str | None = None) -> Decimal:
    """Seconds in ``text``, a CMITimespan (1.2) or a timeinterval (2004).

    ``field`` names the element in the :class:`InvalidValue` raised for a malformed span
    (default: the session-time element of ``standard``).
    """
    _check_standard(standard)
    field = field or session_time_element(standard)
    if standard == "1.2":
        match = _CMI_TIMESPAN.fullmatch(text)
        if match is None:
            raise InvalidValue(field, "must be a time span HHHH:MM:SS.SS", 405)
        hours, minutes, seconds = match.groups()
        return Decimal(hours) * 3600 + Decimal(minutes) * 60 + Decimal(seconds)
    match = _TIMEINTERVAL.fullmatch(text)
    if match is None:
        raise InvalidValue(field, "must be an ISO 8601 duration such as PT1H2M3.5S", 406)
    return sum(
        (_number(match[unit]) * factor for unit, factor in SECONDS_PER.items() if match[unit]),
        Decimal(0),
    )


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() else Decimal(0)


def format_duration(standard: str, seconds: Decimal | float | int) -> str:
    """Write ``seconds`` (≥ 0) as the standard's time span, rounded to the centisecond.

    2004 gives hours, minutes and seconds only (``PT27H1M0.5S``, ``PT0S`` for zero) so no
    reader has to guess the length of a day, month or year; 1.2 gives ``0001:02:03.50``.
    """
    _check_standard(standard)
    value = Decimal(str(seconds)) if isinstance(seconds, float) else Decimal(seconds)
    if not value.is_finite() or value < 0:
        raise ValueError(f"a duration must be a finite number of seconds ≥ 0, not {seconds!r}")
    if standard == "1.2":
        value = min(value, MAX_CMI_TIMESPAN)
    centis = int(value.quantize(_CENTISECOND, rounding=ROUND_HALF_UP) * 100)
    hours, rest = divmod(centis, 360000)
    minutes, centis = divmod(rest, 6000)
    whole, fraction = divmod(centis, 100)
    if standard == "1.2":
        return f"{hours:04d}:{minutes:02d}:{whole:02d}.{fraction:02d}"
    parts = [f"{hours}H" if hours else "", f"{minutes}M" if minutes else ""]
    if centis or not (hours or minutes):
        parts.append(f"{whole}.{fraction:02d}".rstrip("0").rstrip(".") + "S")
    return "PT" + "".join(parts)


def add_session_time(standard: str, total: str, session: str) -> str:
    """The new total time after a session: ``total + session``, both in the standard's format.

    An empty string stands for zero on either side (no total yet; a SCO that never set its
    session time).
    """
    total_seconds = (
        parse_duration(standard, total, field=total_time_element(standard)) if total else 0
    )
    session_seconds = parse_duration(standard, session) if session else 0
    return format_duration(standard, total_seconds + session_seconds)


def _check_standard(standard: str) -> str:
    if standard not in STANDARDS:
        raise ValueError(f"unknown SCORM standard {standard!r}; expected '1.2' or '2004'")
    return standard
