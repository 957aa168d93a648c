"""Monthly revenue (and margin, and target) over the last few years."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.charts.axes import Axis, Key, Plot, amount_axis, render
from kamreport.charts.base import COLORS, Chart
from kamreport.charts.marks import Bars, Line, Mark, Rule
from kamreport.i18n import Formatter


def revenue_trend(
    monthly: pd.DataFrame,
    fmt: Formatter,
    *,
    targets: pd.Series | None = None,
    chart_id: str = "revenue-trend",
    with_png: bool = False,
) -> Chart:
    """Bars of monthly revenue, a line of gross margin, and the target line when known.

    ``monthly`` has columns month, revenue, gross_margin (see analytics.sales.monthly);
    ``targets`` is indexed like ``monthly`` (monthly revenue targets). ``with_png`` adds
    a PNG of the revenue and margin (:func:`kamreport.charts.png.trend_png`, drawn by
    matplotlib: the raster picture an email needs).
    """
    x = np.arange(len(monthly), dtype=float)
    revenue = monthly["revenue"].to_numpy(float)
    marks: list[Mark] = [Bars.at(x, revenue, 0.75, COLORS["secondary"])]
    keys: list[Key] = []
    has_margin = bool(monthly["gross_margin"].notna().any())
    if has_margin:
        marks.append(Line(x, monthly["gross_margin"].to_numpy(float), COLORS["primary"], 2.0))
        keys.append(Key(fmt.t("chart.gross_margin"), COLORS["primary"], "line"))
    if targets is not None and targets.notna().any():
        marks.append(Line(x, targets.to_numpy(dtype=float), COLORS["accent"], 1.8, "--", step=True))
        keys.append(Key(fmt.t("chart.target"), COLORS["accent"], "line", "--", 1.8))
    keys.append(Key(fmt.t("chart.revenue"), COLORS["secondary"]))
    marks.append(Rule(0.0, COLORS["neutral"]))
    key = "chart.revenue_trend_title" if has_margin else "chart.revenue_only_trend_title"
    months = pd.to_datetime(monthly["month"])
    ticks = [i for i, m in enumerate(months) if m.month in (1, 4, 7, 10)]
    plot = Plot(
        title=fmt.t(key, months=len(monthly)),
        x=Axis(lo=-0.6, hi=len(monthly) - 0.4, ticks=ticks, size=8.5,
               labels=[fmt.month(months.iloc[i]) for i in ticks]),
        y=amount_axis(fmt),
        marks=marks,
        # above the plot area, right-aligned, so it never covers a bar or the target line
        legend=keys,
        legend_at="above",
        height_in=3.6,
    )  # fmt: skip
    alt = fmt.t(
        "chart.revenue_trend_alt",
        months=len(monthly),
        total=fmt.money(float(monthly["revenue"].sum()), compact=True),
    )
    chart = render(plot, chart_id, alt)
    if with_png:
        from dataclasses import replace

        from kamreport.charts.png import trend_png

        chart = replace(chart, png=trend_png(monthly, fmt))
    return chart
