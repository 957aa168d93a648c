"""A histogram of an amount per account (e.g. customer lifetime value)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.charts.axes import Axis, Plot, render
from kamreport.charts.base import COLORS, Chart, money_ticks
from kamreport.charts.marks import Bars
from kamreport.i18n import Formatter


def histogram_chart(
    values: pd.Series,
    fmt: Formatter,
    *,
    title: str,
    xlabel: str,
    alt: str,
    bins: int = 20,
    chart_id: str = "histogram",
) -> Chart:
    """Accounts per band of the positive ``values`` (log-spaced bands when they span more
    than two decades)."""
    data = values.astype(float).dropna()
    data = data[data > 0]
    x = Axis(title=xlabel, format=money_ticks(fmt))
    marks = []
    if len(data):
        low, high = float(data.min()), float(data.max())
        if high / low > 100:
            # log-spaced bands; values below 1/10,000 of the largest go in the first band
            low = max(low, high / 10_000)
            edges = np.logspace(np.log10(low), np.log10(high), bins + 1)
            counts, _ = np.histogram(data.clip(lower=low), bins=edges)
            decades = 10.0 ** np.arange(np.ceil(np.log10(low)), np.floor(np.log10(high)) + 1)
            first = np.floor(np.log10(low))
            minor = [
                m * 10.0**d for d in np.arange(first - 1, np.log10(high) + 1) for m in range(2, 10)
            ]
            x = Axis(title=xlabel, log=True, ticks=list(decades), minor=minor,
                     labels=[fmt.number(v, compact=True) for v in decades])  # fmt: skip
        else:
            edges = np.linspace(low, high, bins + 1)
            counts, _ = np.histogram(data, bins=edges)
        marks.append(
            Bars(
                edges[:-1],
                edges[1:],
                [0.0] * bins,
                counts.astype(float),
                COLORS["secondary"],
                edge="#ffffff",
            )
        )
    plot = Plot(
        title=title,
        x=x,
        y=Axis(title=fmt.t("portfolio.chart.accounts_axis"),
               format=lambda v, _s: fmt.number(v, digits=0), grid=True, integer=True),
        marks=marks,
        height_in=3.4,
    )  # fmt: skip
    return render(plot, chart_id, alt)
