"""Revenue by product category per quarter: stacked bars."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.charts.base import COLORS, SERIES, Chart, chart_from_figure, money_axis, new_figure
from kamreport.i18n import Formatter


def quarter_label(fmt: Formatter, quarter: pd.Timestamp) -> str:
    return fmt.t("review.chart.quarter", year=quarter.year, q=(quarter.month - 1) // 3 + 1)


def mix_chart(quarterly: pd.DataFrame, fmt: Formatter, *, chart_id: str = "mix") -> Chart:
    """Stacked bars: one per quarter (rows of ``quarterly``), one colour per category."""
    fig, ax = new_figure(9.0, 3.4)
    x = np.arange(len(quarterly))
    bottom = np.zeros(len(quarterly))
    for i, category in enumerate(quarterly.columns):
        values = quarterly[category].clip(lower=0).to_numpy(float)
        ax.bar(
            x, values, bottom=bottom, width=0.7, color=SERIES[i % len(SERIES)],
            label=fmt.value("category", category),
        )  # fmt: skip
        bottom += values
    ax.set_title(fmt.t("review.chart.mix_title"))
    ax.set_ylabel(fmt.t("chart.amount_axis", currency=fmt.currency_symbol()))
    money_axis(ax, fmt)
    labels = [quarter_label(fmt, q) for q in quarterly.index]
    step = 1 if len(labels) <= 12 else 2
    ax.set_xticks(x[::step], labels[::step], fontsize=8.5)
    ax.axhline(0, color=COLORS["neutral"], linewidth=0.8)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
    alt = fmt.t("review.chart.mix_alt", quarters=len(quarterly), categories=quarterly.shape[1])
    return chart_from_figure(fig, chart_id, alt)
