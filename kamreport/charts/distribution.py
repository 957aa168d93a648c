"""A histogram of an amount per account (e.g. customer lifetime value)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from kamreport.charts.base import COLORS, Chart, chart_from_figure, money_axis, new_figure
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
    fig, ax = new_figure(width=9.0, height=3.4)
    if len(data):
        low, high = float(data.min()), float(data.max())
        if high / low > 100:
            # log-spaced bands; values below 1/10,000 of the largest go in the first band
            low = max(low, high / 10_000)
            edges = np.logspace(np.log10(low), np.log10(high), bins + 1)
            ax.hist(data.clip(lower=low), bins=edges, color=COLORS["secondary"], edgecolor="white")
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())
            decades = 10.0 ** np.arange(np.ceil(np.log10(low)), np.floor(np.log10(high)) + 1)
            ax.set_xticks(decades)
        else:
            edges = np.linspace(low, high, bins + 1)
            ax.hist(data, bins=edges, color=COLORS["secondary"], edgecolor="white")
    money_axis(ax, fmt, axis="x")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(fmt.t("portfolio.chart.accounts_axis"))
    ax.set_title(title)
    return chart_from_figure(fig, chart_id, alt)
