"""Monthly revenue (and margin, and target) over the last few years."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.charts.base import COLORS, Chart, chart_from_figure, money_axis, new_figure
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
    ``targets`` is indexed like ``monthly`` (monthly revenue targets).
    """

    fig, ax = new_figure()
    x = np.arange(len(monthly))
    ax.bar(
        x, monthly["revenue"], color=COLORS["secondary"], width=0.75, label=fmt.t("chart.revenue")
    )
    has_margin = bool(monthly["gross_margin"].notna().any())
    if has_margin:
        ax.plot(
            x,
            monthly["gross_margin"],
            color=COLORS["primary"],
            linewidth=2,
            label=fmt.t("chart.gross_margin"),
        )
    if targets is not None and targets.notna().any():
        ax.step(
            x,
            targets.to_numpy(dtype=float),
            where="mid",
            color=COLORS["accent"],
            linewidth=1.8,
            linestyle="--",
            label=fmt.t("chart.target"),
        )
    key = "chart.revenue_trend_title" if has_margin else "chart.revenue_only_trend_title"
    title = fmt.t(key, months=len(monthly))
    ax.set_title(title)
    ax.set_ylabel(fmt.t("chart.amount_axis", currency=fmt.currency_symbol()))
    money_axis(ax, fmt)
    months = pd.to_datetime(monthly["month"])
    ticks = [i for i, m in enumerate(months) if m.month in (1, 4, 7, 10)]
    ax.set_xticks(ticks, [fmt.month(months.iloc[i]) for i in ticks], rotation=0, fontsize=8.5)
    ax.set_xlim(-0.6, len(monthly) - 0.4)
    ax.axhline(0, color=COLORS["neutral"], linewidth=0.8)
    # Above the plot area, right-aligned, so it never covers a bar or the target line.
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, ncols=3, fontsize=9)
    alt = fmt.t(
        "chart.revenue_trend_alt",
        months=len(monthly),
        total=fmt.money(float(monthly["revenue"].sum()), compact=True),
    )
    return chart_from_figure(fig, chart_id, alt, with_png)
