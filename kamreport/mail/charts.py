"""Charts for the email: PNG sized for a 600 px column, with alt text.

Mail clients drop SVG and ``data:`` images, so the email gets PNG files sent as
inline attachments. They are drawn at twice their display width (crisp on
high-density screens) with fonts large enough to read at 560 px.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.charts.base import COLORS
from kamreport.charts.png import figure_to_png, money_axis, new_figure, trend_png
from kamreport.i18n import Formatter
from kamreport.mail.summary import EmailSummary, TierLine

DISPLAY_WIDTH = 560  # px inside the 600 px layout
_WIDTH_IN = 5.6
_DPI = 200


@dataclass(frozen=True)
class EmailChart:
    """One PNG for the email: its Content-ID stem, bytes, alt text and display size."""

    name: str
    png: bytes
    alt: str
    width: int
    height: int


def _export(png: bytes, name: str, alt: str, height_in: float) -> EmailChart:
    height = round(DISPLAY_WIDTH * height_in / _WIDTH_IN)
    return EmailChart(name=name, png=png, alt=alt, width=DISPLAY_WIDTH, height=height)


def trend_chart(frame: pd.DataFrame, fmt: Formatter) -> EmailChart | None:
    """Monthly revenue bars (and gross margin line when costs are known); None without sales."""
    if not len(frame) or not frame["revenue"].abs().sum():
        return None
    height_in = 2.6
    png = trend_png(frame, fmt, width_in=_WIDTH_IN, height_in=height_in, dpi=_DPI)
    months = pd.to_datetime(frame["month"])
    alt = fmt.t(
        "email.chart.trend_alt",
        months=len(frame),
        first=fmt.month(months.iloc[0]),
        last=fmt.month(months.iloc[-1]),
        total=fmt.money(float(frame["revenue"].sum()), compact=True),
    )
    return _export(png, "trend", alt, height_in)


def tier_chart(tiers: tuple[TierLine, ...], fmt: Formatter) -> EmailChart | None:
    """LTM revenue per tier as horizontal bars; None without any revenue."""
    if not tiers or not any(t.revenue_ltm for t in tiers):
        return None
    height_in = 1.9
    fig, ax = new_figure(_WIDTH_IN, height_in)
    labels = [fmt.t(f"email.tier.{t.tier}") for t in tiers]
    y = np.arange(len(tiers))[::-1]
    colors = [COLORS["primary"], COLORS["accent"], COLORS["secondary"], COLORS["neutral"]]
    ax.barh(y, [t.revenue_ltm for t in tiers], color=colors[: len(tiers)], height=0.6)
    ax.set_yticks(y, labels, fontsize=9)
    ax.grid(axis="x", color=COLORS["grid"])
    ax.grid(axis="y", visible=False)
    money_axis(ax, fmt, axis="x")
    parts = fmt.t("email.list_separator").join(
        fmt.t("common.label_value", label=label, value=fmt.money(t.revenue_ltm, compact=True))
        for label, t in zip(labels, tiers, strict=True)
    )
    alt = fmt.t("email.chart.tiers_alt", parts=parts)
    return _export(figure_to_png(fig, dpi=_DPI), "tiers", alt, height_in)


def email_charts(summary: EmailSummary, fmt: Formatter) -> tuple[EmailChart, ...]:
    """The charts of an email, in the order they appear."""
    charts = [trend_chart(summary.monthly, fmt)]
    if summary.report == "portfolio":
        charts.append(tier_chart(summary.tiers, fmt))
    return tuple(c for c in charts if c is not None)
