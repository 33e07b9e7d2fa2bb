"""Formatting shared by the templates and ``dashboard.js`` (which writes the same strings)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from django import template

from scormlms.dashboard.selectors import css_class

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """``85 %``: whole numbers, halves rounded up like JavaScript's ``Math.round``."""
    return "—" if value is None else f"{math.floor(value + 0.5)} %"


@register.filter
def utc(value: datetime | str | None) -> str:
    """``2025-09-07 12:34 UTC`` from a datetime or the API's ISO string."""
    if not value:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@register.filter
def yes_no(value: bool | None) -> str:
    return "—" if value is None else ("Yes" if value else "No")


# The badge class of a display status: "In progress" → "in-progress".
register.filter("status_class", css_class)
