"""The Pareto curve (二八法则): cumulative share of value against share of accounts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from kamreport.charts.base import COLORS, Chart, chart_from_figure, new_figure
from kamreport.i18n import Formatter


def pareto_chart(
    curves: dict[str, pd.DataFrame],
    fmt: Formatter,
    *,
    a_threshold: float = 0.8,
    chart_id: str = "pareto",
) -> Chart:
    """One line per curve (label → ``abc.pareto_curve`` frame), the diagonal of equal
    accounts, and the A threshold as a dashed line."""
    fig, ax = new_figure(width=9.0, height=3.8)
    colors = (COLORS["primary"], COLORS["accent"])
    for (label, curve), color in zip(curves.items(), colors, strict=False):
        x = np.concatenate([[0.0], curve["account_share"].to_numpy(float)])
        y = np.concatenate([[0.0], curve["value_share"].to_numpy(float)])
        ax.plot(x, y, color=color, linewidth=2.2, label=label)
    ax.plot([0, 1], [0, 1], color=COLORS["neutral"], linewidth=1, linestyle=":")
    ax.axhline(a_threshold, color=COLORS["negative"], linewidth=1, linestyle="--")
    ax.axvline(0.2, color=COLORS["neutral"], linewidth=1, linestyle="--")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(fmt.t("portfolio.chart.pareto_x"))
    ax.set_ylabel(fmt.t("portfolio.chart.pareto_y"))
    with_margin = len(curves) > 1  # revenue, then gross margin where the data has costs
    ax.set_title(
        fmt.t(
            "portfolio.chart.pareto_title"
            if with_margin
            else "portfolio.chart.pareto_title_revenue"
        )
    )
    ax.grid(True, axis="both")
    ax.legend(loc="lower right", frameon=False, fontsize=9)
    first = next(iter(curves.values()))
    top = first.loc[first["account_share"] <= 0.2 + 1e-9, "value_share"]
    alt = fmt.t(
        "portfolio.chart.pareto_alt",
        accounts=fmt.number(len(first)),
        share=fmt.percent(float(top.iloc[-1]) if len(top) else None),
    )
    return chart_from_figure(fig, chart_id, alt)
