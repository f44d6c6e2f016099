"""The insights report's charts, drawn with matplotlib and returned as inline SVG (no JavaScript)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

CATEGORY_COLOURS = {"bug": "#c62828", "infrastructure": "#1565c0", "consulting": "#2e7d32"}
OTHER_COLOUR = "#757575"
FUNNEL_COLOUR = "#00796b"
_SVG_START = re.compile(r"<svg\b")


def _svg(fig: Figure, name: str) -> str:
    """Return the figure as an <svg> element to put into HTML (no XML prolog, ids unique per chart)."""
    buffer = io.StringIO()
    # Text as <text> (small, selectable); a salt per chart keeps clip-path ids apart in one page.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": name, "svg.id": f"chart-{name}"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    start = _SVG_START.search(text)
    return text[start.start() :] if start else text


def _figure(width: float, height: float) -> Figure:
    # A Figure without pyplot: no global state, safe in a web worker's threads.
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def funnel_chart(stages: Sequence[tuple[str, int]]) -> str:
    """Draw the deflection funnel as horizontal bars, each labelled with its count and share of the first."""
    fig = _figure(7.5, 0.55 * len(stages) + 0.8)
    ax = fig.add_subplot()
    labels = [label for label, _ in stages]
    counts = [count for _, count in stages]
    positions = list(range(len(stages)))[::-1]
    ax.barh(positions, counts, color=FUNNEL_COLOUR)
    ax.set_yticks(positions, labels)
    top = max(counts[0], 1)
    for position, count in zip(positions, counts, strict=True):
        ax.annotate(
            f"{count} ({count / top:.0%})", (count, position), xytext=(4, 0), textcoords="offset points", va="center"
        )
    ax.set_xlim(0, max(max(counts), 1) * 1.25)
    ax.set_xlabel("events")
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "funnel")


def category_mix_chart(buckets: Sequence[str], mix: dict[str, Sequence[int]]) -> str:
    """Draw the triage categories per day or week as stacked bars."""
    fig = _figure(7.5, 3.2)
    ax = fig.add_subplot()
    positions = list(range(len(buckets)))
    bottom = [0] * len(buckets)
    for category, counts in mix.items():
        ax.bar(
            positions,
            counts,
            bottom=bottom,
            label=category,
            color=CATEGORY_COLOURS.get(category, OTHER_COLOUR),
            width=0.8,
        )
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    _date_ticks(ax, buckets)
    ax.set_ylabel("answers")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1), frameon=False, ncols=max(len(mix), 1))
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "category-mix")


def needs_human_chart(buckets: Sequence[str], shares: Sequence[float | None]) -> str:
    """Draw the share of answers flagged `needs_human` per day or week (gaps where there were none)."""
    fig = _figure(7.5, 2.6)
    ax = fig.add_subplot()
    values = [float("nan") if share is None else share * 100 for share in shares]
    ax.plot(list(range(len(buckets))), values, marker="o", color="#ef6c00")
    _date_ticks(ax, buckets)
    ax.set_ylim(0, 100)
    ax.set_ylabel("needs a human (%)")
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, "needs-human")


def _date_ticks(ax: Axes, buckets: Sequence[str]) -> None:
    """Label at most about ten buckets, so dates stay readable."""
    step = max(1, (len(buckets) + 9) // 10)
    ticks = list(range(0, len(buckets), step))
    ax.set_xticks(ticks, [buckets[i] for i in ticks], rotation=30, ha="right")
