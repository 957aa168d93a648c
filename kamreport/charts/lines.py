"""Small line charts over time (share of wallet, satisfaction, price realisation…)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from kamreport.charts.axes import Axis, Key, Plot, render
from kamreport.charts.base import SERIES, Chart, money_ticks
from kamreport.charts.marks import Line
from kamreport.charts.scale import NICE_STEPS
from kamreport.i18n import Formatter


def _percent(fmt: Formatter) -> Callable[[float, float], str]:
    """Percent tick labels with the digits their step needs (0.5% steps: one), so every
    tick reads as the value it marks: no "18%" for 17.5% next to "20%". Percent axes
    step by 1, 2 or 5 × 10ⁿ (no 2.5, whose ticks would need a digit more)."""

    def label(value: float, step: float) -> str:
        points = step * 100
        digits = next((d for d in range(4) if abs(round(points, d) - points) < 1e-9), 3)
        return fmt.percent(value, digits=digits)

    return label


def line_chart(
    series: Mapping[str, pd.Series],
    fmt: Formatter,
    *,
    chart_id: str,
    title: str,
    ylabel: str,
    kind: str = "number",
    x_labels: list[str] | None = None,
    ylim: tuple[float, float] | None = None,
    alt: str = "",
) -> Chart:
    """One line per entry of ``series`` (all on the same index), markers at the points.

    ``kind`` formats the y axis: "percent" (fractions), "money" or "number".
    ``x_labels`` label the index positions (default: the index as text).
    """
    index = next(iter(series.values())).index
    x = np.arange(len(index), dtype=float)
    marks = []
    keys = []
    for i, (label, values) in enumerate(series.items()):
        color = SERIES[i % len(SERIES)]
        marks.append(Line(x, values.to_numpy(float), color, 2.0, marker=2.0))
        keys.append(Key(label, color, "line-dot", radius=2.0))
    if kind == "percent":
        ticks = _percent(fmt)
    elif kind == "money":
        ticks = money_ticks(fmt)
    else:
        ticks = lambda v, _s: fmt.number(v, digits=0)  # noqa: E731
    labels = x_labels if x_labels is not None else [str(i) for i in index]
    step = max(1, int(np.ceil(len(labels) / 12)))
    lo, hi = ylim if ylim is not None else (None, None)
    plot = Plot(
        title=title,
        x=Axis(lo=-0.4, hi=len(x) - 0.6, ticks=list(x[::step]), labels=labels[::step], size=8.5),
        y=Axis(
            title=ylabel,
            lo=lo,
            hi=hi,
            format=ticks,
            grid=True,
            integer=kind == "number",
            steps=(1.0, 2.0, 5.0, 10.0) if kind == "percent" else NICE_STEPS,
        ),
        marks=marks,
        legend=keys if len(series) > 1 else (),
        legend_at="right",
        height_in=2.9,
    )
    return render(plot, chart_id, alt or title)
