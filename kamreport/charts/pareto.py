"""The Pareto curve (二八法则): cumulative share of value against share of accounts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.charts.axes import Axis, Key, Plot, render
from kamreport.charts.base import COLORS, Chart
from kamreport.charts.marks import Line, Mark, Rule
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
    colors = (COLORS["primary"], COLORS["accent"])
    marks: list[Mark] = []
    keys = []
    for (label, curve), color in zip(curves.items(), colors, strict=False):
        x = np.concatenate([[0.0], curve["account_share"].to_numpy(float)])
        y = np.concatenate([[0.0], curve["value_share"].to_numpy(float)])
        marks.append(Line(x, y, color, 2.2))
        keys.append(Key(label, color, "line", width=2.2))
    marks += [
        Line([0.0, 1.0], [0.0, 1.0], COLORS["neutral"], 1.0, ":"),
        Rule(a_threshold, COLORS["negative"], 1.0, "--"),
        Rule(0.2, COLORS["neutral"], 1.0, "--", vertical=True),
    ]
    with_margin = len(curves) > 1  # revenue, then gross margin where the data has costs
    percent = lambda v, _s: fmt.percent(v, digits=0)  # noqa: E731
    plot = Plot(
        title=fmt.t(
            "portfolio.chart.pareto_title"
            if with_margin
            else "portfolio.chart.pareto_title_revenue"
        ),
        x=Axis(title=fmt.t("portfolio.chart.pareto_x"), lo=0.0, hi=1.0, format=percent, grid=True),
        y=Axis(title=fmt.t("portfolio.chart.pareto_y"), lo=0.0, hi=1.02, format=percent, grid=True),
        marks=marks,
        legend=keys,
        legend_at="inside",
        height_in=3.8,
    )
    first = next(iter(curves.values()))
    top = first.loc[first["account_share"] <= 0.2 + 1e-9, "value_share"]
    alt = fmt.t(
        "portfolio.chart.pareto_alt",
        accounts=fmt.number(len(first)),
        share=fmt.percent(float(top.iloc[-1]) if len(top) else None),
    )
    return render(plot, chart_id, alt)
