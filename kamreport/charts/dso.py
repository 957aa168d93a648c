"""Days sales outstanding by month end, with the overdue amount as bars."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.charts.base import COLORS, Chart, chart_from_figure, money_axis, new_figure
from kamreport.i18n import Formatter


def dso_chart(trend: pd.DataFrame, fmt: Formatter, *, chart_id: str = "dso-trend") -> Chart:
    """``trend`` from ``collections.dso_trend``: DSO line (left axis) and overdue bars
    (right axis, in the report's currency); the legend above the plot area."""
    fig, ax = new_figure(width=9.0, height=3.4)
    x = np.arange(len(trend))
    right = ax.twinx()
    right.bar(x, trend["overdue"], color=COLORS["grid"], width=0.7,
              label=fmt.t("portfolio.chart.overdue"))  # fmt: skip
    # the gridlines belong to the bars' axes, below the bars; the line's axes is drawn
    # on top of both and has none
    right.grid(True, axis="y")
    ax.grid(False)
    money_axis(right, fmt)
    right.set_ylabel(fmt.t("portfolio.chart.overdue_axis", currency=fmt.currency_symbol()))
    ax.set_zorder(right.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.plot(x, trend["dso"], color=COLORS["primary"], linewidth=2.2, marker="o",
            label=fmt.t("portfolio.chart.dso"))  # fmt: skip
    ax.set_ylabel(fmt.t("portfolio.chart.days_axis"))
    top = float(trend["dso"].max()) if trend["dso"].notna().any() else 1.0
    ax.set_ylim(0, top * 1.2)
    months = pd.to_datetime(trend["month_end"])
    step = 2 if len(trend) > 8 else 1  # every second month, ending with the as-of month
    ticks = list(x[::-1][::step][::-1])
    ax.set_xticks(ticks, [fmt.month(months.iloc[i]) for i in ticks], fontsize=8.5)
    ax.set_title(fmt.t("portfolio.chart.dso_title"))
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    # above the plot area, right-aligned: it never covers a bar or the line
    ax.legend(
        handles=handles, loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False,
        ncols=2, fontsize=9,
    )  # fmt: skip
    last = trend["dso"].iloc[-1] if len(trend) else None
    alt = fmt.t("portfolio.chart.dso_alt", months=len(trend), dso=fmt.number(last))
    return chart_from_figure(fig, chart_id, alt)
