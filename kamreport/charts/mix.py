"""Revenue by product category per quarter: stacked bars."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.charts.axes import Axis, Key, Plot, amount_axis, render
from kamreport.charts.base import COLORS, SERIES, Chart
from kamreport.charts.marks import Bars, Mark, Rule
from kamreport.i18n import Formatter


def quarter_label(fmt: Formatter, quarter: pd.Timestamp) -> str:
    return fmt.t("review.chart.quarter", year=quarter.year, q=(quarter.month - 1) // 3 + 1)


def mix_chart(quarterly: pd.DataFrame, fmt: Formatter, *, chart_id: str = "mix") -> Chart:
    """Stacked bars: one per quarter (rows of ``quarterly``), one colour per category."""
    x = np.arange(len(quarterly), dtype=float)
    bottom = np.zeros(len(quarterly))
    marks: list[Mark] = []
    keys = []
    for i, category in enumerate(quarterly.columns):
        values = quarterly[category].clip(lower=0).to_numpy(float)
        color = SERIES[i % len(SERIES)]
        marks.append(Bars.at(x, values, 0.7, color, bottoms=bottom.copy()))
        keys.append(Key(fmt.value("category", category), color))
        bottom += np.nan_to_num(values)
    marks.append(Rule(0.0, COLORS["neutral"]))
    labels = [quarter_label(fmt, q) for q in quarterly.index]
    step = 1 if len(labels) <= 12 else 2
    plot = Plot(
        title=fmt.t("review.chart.mix_title"),
        x=Axis(ticks=list(x[::step]), labels=labels[::step], size=8.5),
        y=amount_axis(fmt),
        marks=marks,
        legend=keys,
        legend_at="right",
        height_in=3.4,
    )  # fmt: skip
    alt = fmt.t("review.chart.mix_alt", quarters=len(quarterly), categories=quarterly.shape[1])
    return render(plot, chart_id, alt)
