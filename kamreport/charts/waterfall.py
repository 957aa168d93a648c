"""A waterfall (bridge) chart: a start total, signed steps, an end total."""

from __future__ import annotations

import textwrap

from kamreport.charts.axes import Axis, Plot, render
from kamreport.charts.base import COLORS, Chart, money_ticks
from kamreport.charts.marks import Bars, Label
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
    names = [start[0], *(s[0] for s in steps), end[0]]
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
    x = [float(i) for i in range(len(names))]
    values = [start[1], *(s[1] for s in steps), end[1]]
    labels = []
    for i, (b, h, v) in enumerate(zip(bottoms, heights, values, strict=True)):
        text = fmt.money(v, compact=True)
        if 0 < i < len(names) - 1 and v > 0:
            text = "+" + text
        labels.append(Label(x[i], b + h, text, 8.5, 3.0))
    low = min([*bottoms[1:-1], start[1], end[1]])
    plot = Plot(
        title=title,
        x=Axis(ticks=x, labels=[textwrap.fill(n, 16) for n in names], size=9.0),
        y=Axis(lo=max(0.0, low * 0.85), format=money_ticks(fmt), grid=True),
        marks=[Bars.at(x, heights, 0.62, colors, bottoms=bottoms)],
        labels=labels,
        height_in=3.8,
    )  # fmt: skip
    return render(plot, chart_id, alt)
