"""Charts drawn as inline SVG on the server: no script, readable by screen readers (a title and a
text description), and the same numbers as the table next to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

# Colour-blind-safe series colours (Okabe-Ito), each at least 3:1 against white.
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")


def _nice_max(value: float, ticks: int = 4) -> int:
    """A round axis maximum at or above `value` whose `ticks` steps are whole numbers of 1, 2 or 5
    times a power of ten (counts never get a 1.25 gridline)."""
    step_needed = max(value, 1) / ticks
    magnitude = 1
    while magnitude * 10 <= step_needed:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= step_needed:
            return step * magnitude * ticks
    return 10 * magnitude * ticks


def weekly_bars(weeks: Sequence[date], series: dict[str, Sequence[int | None]], *, title: str) -> Markup:
    """Grouped bars, one group per week, one bar per series, with a y axis and a legend."""
    width, height, left, bottom, top = 640, 260, 44, 34, 16
    plot_w, plot_h = width - left - 10, height - bottom - top
    shown = {name: values for name, values in series.items() if any(v is not None for v in values)}
    peak = _nice_max(max((v or 0 for values in shown.values() for v in values), default=0))
    group_w = plot_w / max(1, len(weeks))
    bar_w = max(2.0, (group_w * 0.8) / max(1, len(shown)))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title chart-desc" '
        f'preserveAspectRatio="xMidYMid meet"><title id="chart-title">{escape(title)}</title>'
    ]
    description = "; ".join(
        f"week of {w:%b %d}: " + ", ".join(f"{name} {values[i] or 0}" for name, values in shown.items())
        for i, w in enumerate(weeks)
    )
    parts.append(f'<desc id="chart-desc">{escape(description)}</desc>')
    for tick in range(5):
        value = peak * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" class="axis" text-anchor="end">{value:g}</text>')
    for i, week in enumerate(weeks):
        x0 = left + i * group_w + group_w * 0.1
        for j, (name, values) in enumerate(shown.items()):
            value = values[i] or 0
            h = plot_h * value / peak
            colour = SERIES_COLOURS[j % len(SERIES_COLOURS)]
            parts.append(
                f'<rect x="{x0 + j * bar_w:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(name)}, week of {week:%b %d}: {value}</title></rect>'
            )
        if len(weeks) <= 14 or i % 2 == 0:
            parts.append(f'<text x="{left + (i + 0.5) * group_w:.1f}" y="{height - bottom + 16}" class="axis" '
                         f'text-anchor="middle">{week:%b %d}</text>')
    x = left
    for j, name in enumerate(shown):
        colour = SERIES_COLOURS[j % len(SERIES_COLOURS)]
        parts.append(f'<rect x="{x}" y="{height - 12}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="{height - 3}" class="legend">{escape(name)}</text>')
        x += 24 + 8 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def sparkline(values: Sequence[int], *, label: str) -> Markup:
    """A small line of weekly values for a table cell."""
    width, height = 96, 28
    peak = max(values, default=0) or 1
    step = width / max(1, len(values) - 1)
    points = " ".join(f"{i * step:.1f},{height - 2 - (height - 4) * v / peak:.1f}" for i, v in enumerate(values))
    return Markup(  # noqa: S704 - the label went through escape()
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(label)}"><polyline points="{points}" fill="none" stroke="{SERIES_COLOURS[0]}" '
        'stroke-width="2" stroke-linejoin="round"/></svg>'
    )
