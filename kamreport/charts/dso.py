"""Days sales outstanding by month end, with the overdue amount as bars."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.charts.axes import Axis, Key, Plot, render
from kamreport.charts.base import COLORS, Chart, money_ticks
from kamreport.charts.marks import Bars, Line
from kamreport.i18n import Formatter


def dso_chart(trend: pd.DataFrame, fmt: Formatter, *, chart_id: str = "dso-trend") -> Chart:
    """``trend`` from ``collections.dso_trend``: DSO line (left axis) and overdue bars
    (right axis, in the report's currency); the legend above the plot area. The gridlines
    follow the bars' axis and lie under the bars."""
    x = np.arange(len(trend), dtype=float)
    top = float(trend["dso"].max()) if trend["dso"].notna().any() else 1.0
    months = pd.to_datetime(trend["month_end"])
    step = 2 if len(trend) > 8 else 1  # every second month, ending with the as-of month
    ticks = list(x[::-1][::step][::-1])
    plot = Plot(
        title=fmt.t("portfolio.chart.dso_title"),
        x=Axis(ticks=ticks, labels=[fmt.month(months.iloc[int(i)]) for i in ticks], size=8.5),
        y=Axis(title=fmt.t("portfolio.chart.days_axis"), lo=0.0, hi=top * 1.2,
               format=lambda v, _s: fmt.number(v, digits=0)),
        y2=Axis(title=fmt.t("portfolio.chart.overdue_axis", currency=fmt.currency_symbol()),
                format=money_ticks(fmt), grid=True),
        marks=[
            Bars.at(x, trend["overdue"].to_numpy(float), 0.7, COLORS["grid"], axis="y2"),
            Line(x, trend["dso"].to_numpy(float), COLORS["primary"], 2.2, marker=3.0),
        ],
        # above the plot area, right-aligned: it never covers a bar or the line
        legend=[
            Key(fmt.t("portfolio.chart.dso"), COLORS["primary"], "line-dot", width=2.2),
            Key(fmt.t("portfolio.chart.overdue"), COLORS["grid"]),
        ],
        legend_at="above",
        height_in=3.4,
    )  # fmt: skip
    last = trend["dso"].iloc[-1] if len(trend) else None
    alt = fmt.t("portfolio.chart.dso_alt", months=len(trend), dso=fmt.number(last))
    return render(plot, chart_id, alt)
