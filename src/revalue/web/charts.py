"""Charts drawn on the server as inline SVG: columns over months, horizontal bars, one bar
split into shares, and objectives against their targets.

No chart library and no script: the page stays readable without JavaScript and under the
Content-Security-Policy (presentation attributes such as ``fill`` are not inline style). Each
chart is an ``<svg role="img">`` with an ``aria-label`` and a ``<title>`` saying what it shows,
followed by a visually hidden table of the same figures for screen readers; no data at all is
said in words ("No data yet") rather than drawn as an empty frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# On white, each at least 4.5:1 (text-grade, more than the 3:1 graphics need), and told apart
# by more than hue: shares also carry their labels and figures.
PALETTE = ("#1f5fa8", "#a34a12", "#2c6e49", "#6f3fa0", "#9b1d48", "#4f5b66")
INK = "#1a1a1a"
GRID = "#c4c9d0"
WIDTH = 360  # viewBox units; the SVG scales to its box (width="100%"), so text stays legible
FONT = 12
CHAR = 7  # about the width of a character at FONT, for laying out labels
EMPTY = "No data yet"


@dataclass(frozen=True, slots=True)
class Point:
    """One figure: ``label`` in full words (table, screen readers), ``value`` for the drawing,
    ``shown`` as people read it ("1,204", "12.50 USD"), ``short`` where room is tight."""

    label: str
    value: float
    shown: str = ""
    short: str = ""

    @property
    def text(self) -> str:
        return self.shown or f"{self.value:,g}"

    @property
    def tick(self) -> str:
        return self.short or self.label


@dataclass(frozen=True, slots=True)
class Target:
    """An objective: where it stands against the target it should reach."""

    label: str
    actual: float
    target: float
    shown_actual: str
    shown_target: str

    @property
    def met(self) -> bool:
        return self.actual >= self.target


def columns(title: str, points: Sequence[Point], *, unit: str) -> Markup:
    """Vertical columns, one a point (months left to right); heights proportional to values."""
    if not _any(points):
        return _empty(title)
    top, plot, base = 18, 150, 24
    height = top + plot + base
    step = WIDTH / len(points)
    bar = min(step * 0.7, 48)
    peak = max(max(p.value for p in points), 0) or 1
    marks = [f'<line x1="0" y1="{top + plot}" x2="{WIDTH}" y2="{top + plot}" stroke="{GRID}"/>']
    # Figures above the columns where they fit; else they are in the table only.
    labelled = max(len(p.text) for p in points) * CHAR * 0.8 <= step
    # Every k-th axis label, so that neighbours do not overlap.
    every = math.ceil(max(len(p.tick) for p in points) * CHAR * 0.9 / step)
    for i, p in enumerate(points):
        h = _scale(p.value, peak, plot)
        x = i * step + (step - bar) / 2
        y = top + plot - h
        marks.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
            f'fill="{PALETTE[0]}" data-value="{p.value}"/>'
        )
        mid = x + bar / 2
        if labelled:
            marks.append(_text(mid, y - 4, p.text, size=11))
        if i % every == 0:
            marks.append(_text(mid, top + plot + 16, p.tick, size=11))
    return _figure(title, points, unit, height, marks)


def hbars(title: str, points: Sequence[Point], *, unit: str) -> Markup:
    """Horizontal bars, one a row, for categories with long names (stages, methods)."""
    if not _any(points):
        return _empty(title)
    row, gap = 18, 8
    # Room for the longest label and figure, at about 0.6 em a character.
    left = min(max(len(p.tick) for p in points) * CHAR + 8, WIDTH // 2)
    right = max(len(p.text) for p in points) * CHAR + 8
    height = len(points) * (row + gap) + gap
    room = WIDTH - left - right
    peak = max(max(p.value for p in points), 0) or 1
    marks = []
    for i, p in enumerate(points):
        y = gap + i * (row + gap)
        w = _scale(p.value, peak, room)
        marks.append(_text(left - 6, y + 13, p.tick, anchor="end"))
        marks.append(
            f'<rect class="bar" x="{left}" y="{y}" width="{w:.1f}" height="{row}" '
            f'fill="{PALETTE[0]}" data-value="{p.value}"/>'
        )
        marks.append(_text(left + w + 4, y + 13, p.text, anchor="start"))
    return _figure(title, points, unit, height, marks)


def shares(title: str, points: Sequence[Point], *, unit: str) -> Markup:
    """One bar split into the parts of a whole, each part's width its share, with a legend."""
    if not _any(points):
        return _empty(title)
    whole = sum(max(p.value, 0) for p in points)
    bar_h, legend_row = 28, 20
    marks, x = [], 0.0
    for i, p in enumerate(points):
        w = _scale(p.value, whole, WIDTH)
        marks.append(
            f'<rect class="bar" x="{x:.1f}" y="0" width="{w:.1f}" height="{bar_h}" '
            f'fill="{PALETTE[i % len(PALETTE)]}" data-value="{p.value}"/>'
        )
        x += w
    for i, p in enumerate(points):
        y = bar_h + 10 + i * legend_row
        marks.append(
            f'<rect x="0" y="{y}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        share = round(100 * max(p.value, 0) / whole)
        marks.append(_text(18, y + 11, f"{p.label}: {p.text} ({share} %)", anchor="start"))
    height = bar_h + 10 + len(points) * legend_row
    return _figure(title, points, unit, height, marks)


def targets(title: str, rows: Sequence[Target]) -> Markup:
    """Each objective as a bar of its actual value with a mark at its target (the scale is
    per row: objectives are measured in different units)."""
    if not rows:
        return _empty(title)
    row, gap, label_h = 16, 10, 16
    room = WIDTH - 10
    marks = []
    each = label_h + row + gap
    for i, r in enumerate(rows):
        y = i * each
        scale = max(r.actual, r.target, 0) or 1
        w = _scale(r.actual, scale, room)
        goal = _scale(r.target, scale, room)
        verdict = "met" if r.met else "not met"
        marks.append(
            _text(0, y + 12, f"{r.label}: {r.shown_actual} of {r.shown_target} ({verdict})",
                  anchor="start")
        )  # fmt: skip
        colour = PALETTE[2] if r.met else PALETTE[1]
        marks.append(
            f'<rect x="0" y="{y + label_h}" width="{room}" height="{row}" fill="#e8ebef"/>'
            f'<rect class="bar" x="0" y="{y + label_h}" width="{w:.1f}" height="{row}" '
            f'fill="{colour}" data-value="{r.actual}"/>'
            f'<line class="target" x1="{goal:.1f}" y1="{y + label_h - 3}" x2="{goal:.1f}" '
            f'y2="{y + label_h + row + 3}" stroke="{INK}" stroke-width="2"/>'
        )
    table = _table(
        title,
        ("Objective", "Actual", "Target", "Met"),
        [(r.label, r.shown_actual, r.shown_target, "yes" if r.met else "no") for r in rows],
    )
    said = "; ".join(f"{r.label} {r.shown_actual}, target {r.shown_target}" for r in rows)
    return _svg(title, said, len(rows) * each, marks, table)


def _any(points: Sequence[Point]) -> bool:
    return any(p.value for p in points)


def _scale(value: float, peak: float, length: float) -> float:
    return max(value, 0) / peak * length


def _text(x: float, y: float, words: str, *, anchor: str = "middle", size: int = FONT) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{INK}">{escape(words)}</text>'
    )


def _figure(
    title: str, points: Sequence[Point], unit: str, height: int, marks: list[str]
) -> Markup:
    said = "; ".join(f"{p.label} {p.text}" for p in points)
    table = _table(title, ("", unit), [(p.label, p.text) for p in points])
    return _svg(title, said, height, marks, table)


def _svg(title: str, said: str, height: int, marks: list[str], table: str) -> Markup:
    label = escape(f"{title}: {said}")
    body = "".join(marks)
    return Markup(
        f'<figure class="chart">'
        f'<svg role="img" aria-label="{label}" viewBox="0 -4 {WIDTH} {height + 8}" '
        f'width="100%" font-family="system-ui, sans-serif">'
        f"<title>{escape(title)}</title>{body}</svg>{table}</figure>"
    )


def _table(title: str, heads: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in heads)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{escape(r[0])}</th>'
        + "".join(f'<td class="num">{escape(c)}</td>' for c in r[1:])
        + "</tr>"
        for r in rows
    )
    # Wrapped: a table does not shrink to the hidden box, a div does (no sideways scroll).
    return (
        f'<div class="visually-hidden"><table><caption>{escape(title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _empty(title: str) -> Markup:
    return Markup(
        f'<figure class="chart chart-empty"><p class="muted">{EMPTY}</p>'
        f'<figcaption class="visually-hidden">{escape(title)}</figcaption></figure>'
    )
