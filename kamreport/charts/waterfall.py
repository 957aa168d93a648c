"""A waterfall (bridge) chart: a start total, signed steps, an end total."""

from __future__ import annotations

import textwrap

from kamreport.charts.base import COLORS, Chart, chart_from_figure, money_axis, new_figure
from kamreport.i18n import Formatter


def waterfall_chart(
    start: tuple[str, float],
    steps: list[tuple[str, float]],
    end: tuple[str, float],
    fmt: Formatter,
    *,
    title: str,
    alt: str,
    chart_id: str = "bridge",
) -> Chart:
    """Bars for ``start`` and ``end`` and floating bars for each step, labelled with
    compact amounts."""
    fig, ax = new_figure(width=9.0, height=3.8)
    labels = [start[0], *(s[0] for s in steps), end[0]]
    level = start[1]
    bottoms, heights, colors = [0.0], [start[1]], [COLORS["primary"]]
    for _label, value in steps:
        bottoms.append(level if value >= 0 else level + value)
        heights.append(abs(value))
        colors.append(COLORS["positive"] if value >= 0 else COLORS["negative"])
        level += value
    bottoms.append(0.0)
    heights.append(end[1])
    colors.append(COLORS["primary"])
    x = range(len(labels))
    ax.bar(x, heights, bottom=bottoms, color=colors, width=0.62)
    values = [start[1], *(s[1] for s in steps), end[1]]
    for i, (b, h, v) in enumerate(zip(bottoms, heights, values, strict=True)):
        text = fmt.money(v, compact=True)
        if 0 < i < len(labels) - 1 and v > 0:
            text = "+" + text
        ax.annotate(text, (i, b + h), xytext=(0, 3), textcoords="offset points",
                    ha="center", fontsize=8.5, color=COLORS["text"])  # fmt: skip
    ax.set_xticks(list(x), [textwrap.fill(label, 16) for label in labels], fontsize=9)
    low = min([*bottoms[1:-1], start[1], end[1]])
    ax.set_ylim(bottom=max(0.0, low * 0.85))
    money_axis(ax, fmt)
    ax.set_title(title)
    return chart_from_figure(fig, chart_id, alt)
