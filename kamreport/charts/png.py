"""PNG charts for email, drawn with matplotlib.

Mail clients show raster images only, so the email's charts are PNG files; the reports'
charts are SVG written directly (:mod:`kamreport.charts.axes`). This module is the one
place that uses matplotlib: the report style, a figure in it, and the PNG export, whose
layout matplotlib fits around the texts (``constrained`` layout). The monthly trend is
drawn here once, for the email and for :func:`kamreport.charts.revenue_trend`'s
``with_png``.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from kamreport.charts.base import COLORS
from kamreport.fonts import register_matplotlib_fonts
from kamreport.i18n import Formatter

_STYLE: dict[str, object] = {}


def _apply_style() -> None:
    """Set the report style in matplotlib's settings (once: validating them costs time)."""
    families = register_matplotlib_fonts()
    if _STYLE and all(matplotlib.rcParams[k] == v for k, v in _STYLE.items()):
        return
    style = {
        "font.family": "sans-serif",
        "font.sans-serif": list(families),
        "font.size": 10,
        "axes.edgecolor": COLORS["neutral"],
        "axes.labelcolor": COLORS["text"],
        "xtick.color": COLORS["text"],
        "ytick.color": COLORS["text"],
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "axes.axisbelow": True,  # gridlines under bars and lines, never over them
        "grid.color": COLORS["grid"],
        "axes.unicode_minus": False,
    }
    matplotlib.rcParams.update(style)
    _STYLE.clear()
    _STYLE.update({k: matplotlib.rcParams[k] for k in style})


def new_figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure in the report style whose layout fits the texts around the plot area."""
    _apply_style()
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.get_layout_engine().set(w_pad=4 / 72, h_pad=4 / 72)
    return fig, fig.add_subplot()


def money_axis(ax: Axes, fmt: Formatter, axis: str = "y") -> None:
    """Label an axis with compact money figures in the report's locale."""
    formatter = FuncFormatter(lambda value, _pos: fmt.number(value, compact=True))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def figure_to_png(fig: Figure, dpi: int = 144) -> bytes:
    """The figure as PNG bytes, without a creation date (the same bytes every time)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def trend_png(
    monthly: pd.DataFrame,
    fmt: Formatter,
    *,
    width_in: float = 5.6,
    height_in: float = 2.6,
    dpi: int = 200,
    tick_months: tuple[int, ...] = (1, 7),
) -> bytes:
    """Monthly revenue bars and the gross margin line (when costs are known), the legend
    above the plot; ``monthly`` as in :func:`kamreport.charts.revenue_trend`."""
    fig, ax = new_figure(width_in, height_in)
    x = np.arange(len(monthly))
    ax.bar(x, monthly["revenue"], color=COLORS["secondary"], width=0.75,
           label=fmt.t("chart.revenue"))  # fmt: skip
    if monthly["gross_margin"].notna().any():
        ax.plot(x, monthly["gross_margin"], color=COLORS["primary"], linewidth=2,
                label=fmt.t("chart.gross_margin"))  # fmt: skip
    money_axis(ax, fmt)
    months = pd.to_datetime(monthly["month"])
    ticks = [i for i, m in enumerate(months) if m.month in tick_months]
    ax.set_xticks(ticks, [fmt.month(months.iloc[i]) for i in ticks], fontsize=9)
    ax.set_xlim(-0.6, len(monthly) - 0.4)
    ax.axhline(0, color=COLORS["neutral"], linewidth=0.8)
    ax.legend(
        loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, ncols=2, fontsize=9,
        borderaxespad=0.2,
    )  # fmt: skip
    return figure_to_png(fig, dpi=dpi)
