"""Small line charts over time (share of wallet, satisfaction, price realisation…)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator

from kamreport.charts.base import SERIES, Chart, chart_from_figure, money_axis, new_figure
from kamreport.i18n import Formatter


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
    fig, ax = new_figure(9.0, 2.9)
    index = next(iter(series.values())).index
    x = np.arange(len(index))
    for i, (label, values) in enumerate(series.items()):
        ax.plot(
            x, values.to_numpy(float), marker="o", markersize=4, linewidth=2,
            color=SERIES[i % len(SERIES)], label=label,
        )  # fmt: skip
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    if kind == "percent":
        if ylim is not None:
            ax.set_ylim(*ylim)
        # ticks at 1, 2 or 5 × a power of ten, labelled with the digits that step needs,
        # so no tick reads "18%" for 17.5% next to "20%"
        ax.yaxis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 5, 10]))
        ticks = [t for t in ax.get_yticks() if np.isfinite(t)]
        tick_step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 0.01
        digits = 0 if tick_step >= 0.00999 else (1 if tick_step >= 0.000999 else 2)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt.percent(v, digits=digits)))
    elif kind == "money":
        money_axis(ax, fmt)
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt.number(v, digits=0)))
    labels = x_labels if x_labels is not None else [str(i) for i in index]
    step = max(1, int(np.ceil(len(labels) / 12)))
    ax.set_xticks(x[::step], labels[::step], fontsize=8.5)
    ax.set_xlim(-0.4, len(x) - 0.6)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if len(series) > 1:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
    return chart_from_figure(fig, chart_id, alt or title)
