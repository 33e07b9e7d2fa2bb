"""Server-rendered SVG bar charts: no chart library, no script, nothing from the internet.

A chart is an ``<svg role="img">`` whose ``<title>`` and ``<desc>`` carry the same numbers as
text, so a screen reader hears the data; the page shows a table of it beside the chart too.
Every string that reaches the markup goes through :func:`~django.utils.html.format_html`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
HEIGHT = 260
TOP = 24  # room for the value above the tallest bar
BOTTOM = 40  # room for the labels under the bars
LEFT = 8
GAP = 0.25  # share of a slot left empty between bars


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    css_class: str = ""


def describe(bars: Sequence[Bar]) -> str:
    """The chart's numbers as one sentence: ``"0–9: 2; 10–19: 0; …"``."""
    return "; ".join(f"{b.label}: {b.value}" for b in bars)


def bar_chart(*, bars: Sequence[Bar], title: str, chart_id: str) -> SafeString:
    """A vertical bar chart scaled to the largest value (an empty chart shows flat bars)."""
    top_value = max((b.value for b in bars), default=0) or 1
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - 2 * LEFT) / max(len(bars), 1)
    bar_width = slot * (1 - GAP)
    label_y = f"{HEIGHT - BOTTOM + 18:.1f}"
    shapes = []
    for index, bar in enumerate(bars):
        # A zero still draws a hairline so the bar's slot is visible.
        height = max(plot_height * bar.value / top_value, 1)
        x = LEFT + index * slot + (slot - bar_width) / 2
        y = TOP + plot_height - height
        centre = f"{x + bar_width / 2:.1f}"
        shapes.append(
            (
                f"bar {bar.css_class}".strip(),
                f"{x:.1f}",
                f"{y:.1f}",
                f"{bar_width:.1f}",
                f"{height:.1f}",
                centre,
                f"{y - 6:.1f}",
                bar.value,
                centre,
                label_y,
                bar.label,
            )
        )
    body = format_html_join(
        "",
        '<g><rect class="{}" x="{}" y="{}" width="{}" height="{}"></rect>'
        '<text class="value" x="{}" y="{}" text-anchor="middle">{}</text>'
        '<text class="label" x="{}" y="{}" text-anchor="middle">{}</text></g>',
        shapes,
    )
    axis_y = HEIGHT - BOTTOM
    return format_html(
        '<svg class="chart" id="{id}" role="img" viewBox="0 0 {w} {h}" '
        'aria-labelledby="{id}-title {id}-desc" preserveAspectRatio="xMidYMid meet">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<line class="axis" x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}"></line>'
        "{body}</svg>",
        id=chart_id,
        w=WIDTH,
        h=HEIGHT,
        title=title,
        desc=describe(bars),
        left=LEFT,
        right=WIDTH - LEFT,
        axis_y=axis_y,
        body=body,
    )
