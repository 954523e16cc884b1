"""Small server-side SVG charts (bar and line), inline in the page: no script, no CDN, and the
same drawing prints. Text is escaped; colours come from a fixed palette."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ["#2e7d32", "#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#c62828", "#5d4037", "#546e7a"]


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]


def _nice_step(span: float, ticks: int = 5) -> float:
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _axis(low: float, high: float, integer: bool) -> tuple[float, float, list[float]]:
    low, high = min(0.0, low), max(0.0, high)
    if low == high:
        high = low + 1
    step = _nice_step(high - low)
    if integer:
        step = max(1.0, round(step))
    bottom = math.floor(low / step) * step
    top = math.ceil(high / step) * step
    count = round((top - bottom) / step)
    return bottom, top, [bottom + i * step for i in range(count + 1)]


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_chart(
    *,
    kind: str,
    categories: Sequence[str],
    series: Sequence[Series],
    format_value: Callable[[float], str] = lambda v: f"{v:g}",
    integer: bool = False,
    title: str = "",
    width: int = 860,
    height: int = 360,
) -> str:
    """An ``<svg>`` document of a bar chart (grouped bars, one group per category) or a line
    chart (one line per series). Values may be negative (refunds); ``integer`` keeps the axis
    on whole numbers (counts)."""
    if kind not in ("bar", "line"):
        raise ValueError(f"unknown chart kind {kind!r}")
    left, right, top, bottom = 90, 20, 30, 90
    legend = len(series) > 1
    if legend:
        right = 170
    plot_w = width - left - right
    plot_h = height - top - bottom
    values = [v for s in series for v in s.values]
    low, high, ticks = _axis(min(values, default=0.0), max(values, default=0.0), integer)

    def y_of(value: float) -> float:
        return top + plot_h - (value - low) / (high - low) * plot_h

    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" class="chart" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>" if title else "",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{"#9e9e9e" if tick == 0 else "#e0e0e0"}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#424242">'
            f"{escape(format_value(tick))}</text>"
        )
    n = max(len(categories), 1)
    slot = plot_w / n
    label_every = max(1, math.ceil(n / 24))
    for i, name in enumerate(categories):
        if i % label_every:
            continue
        x = left + slot * (i + 0.5)
        y = top + plot_h + 14
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="end" fill="#424242" '
            f'transform="rotate(-35 {x:.1f} {y:.1f})">{escape(_short(name, 22))}</text>'
        )
    zero = y_of(0.0)
    if kind == "bar":
        group = slot * 0.8
        bar = group / max(len(series), 1)
        for s_index, s in enumerate(series):
            colour = PALETTE[s_index % len(PALETTE)]
            for i, value in enumerate(s.values):
                x = left + slot * i + slot * 0.1 + bar * s_index
                y = y_of(value)
                parts.append(
                    f'<rect x="{x:.1f}" y="{min(y, zero):.1f}" width="{max(bar - 1, 1):.1f}" '
                    f'height="{abs(zero - y):.1f}" fill="{colour}">'
                    f"<title>{escape(categories[i] if i < len(categories) else '')}"
                    f"{' · ' + escape(s.name) if legend else ''} : "
                    f"{escape(format_value(value))}</title></rect>"
                )
    else:
        for s_index, s in enumerate(series):
            colour = PALETTE[s_index % len(PALETTE)]
            points = " ".join(
                f"{left + slot * (i + 0.5):.1f},{y_of(v):.1f}" for i, v in enumerate(s.values)
            )
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
            )
            for i, value in enumerate(s.values):
                parts.append(
                    f'<circle cx="{left + slot * (i + 0.5):.1f}" cy="{y_of(value):.1f}" r="3.5" '
                    f'fill="{colour}"><title>'
                    f"{escape(categories[i] if i < len(categories) else '')}"
                    f"{' · ' + escape(s.name) if legend else ''} : "
                    f"{escape(format_value(value))}</title></circle>"
                )
    if legend:
        for s_index, s in enumerate(series[:12]):
            colour = PALETTE[s_index % len(PALETTE)]
            y = top + 18 * s_index
            x = width - right + 14
            parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
            parts.append(
                f'<text x="{x + 18}" y="{y + 10}" fill="#212121">'
                f"{escape(_short(s.name, 20))}</text>"
            )
    parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#9e9e9e"/>')
    parts.append("</svg>")
    return "".join(p for p in parts if p)
