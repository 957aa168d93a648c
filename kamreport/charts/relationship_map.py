"""The relationship map: contacts by attitude (x) and influence (y), coloured by role."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from kamreport.charts.base import COLORS, SERIES, Chart, chart_from_figure, new_figure
from kamreport.i18n import Formatter
from kamreport.schema import CONTACT_ROLES

ROLE_COLORS = dict(zip(CONTACT_ROLES, SERIES, strict=False))


def relationship_map(
    contacts: pd.DataFrame, fmt: Formatter, *, name_column: str = "name", chart_id: str = "relmap"
) -> Chart:
    """Each contact a dot at (sentiment −2…+2, influence 1…5); contacts at the same spot
    are spread around it and every label sits beside its own dot."""
    fig, ax = new_figure(9.0, 4.2)
    ax.axvspan(-2.6, 0, color=COLORS["negative"], alpha=0.04, linewidth=0)
    ax.axvspan(0, 2.6, color=COLORS["positive"], alpha=0.04, linewidth=0)
    ax.axvline(0, color=COLORS["neutral"], linewidth=0.8)
    data = contacts.copy()
    data["x"] = data["sentiment"].astype(float).fillna(0.0)
    data["y"] = data["influence"].astype(float).fillna(1.0)
    seen_roles = []
    for (_x, _y), group in data.groupby(["x", "y"], sort=False):
        n = len(group)
        offsets = (np.arange(n) - (n - 1) / 2) * 0.34
        for offset, row in zip(offsets, group.itertuples(), strict=True):
            px, py = row.x + offset, row.y
            role = row.role
            ax.scatter(
                [px], [py], s=90, color=ROLE_COLORS.get(role, COLORS["neutral"]),
                edgecolor="white", linewidth=1, zorder=3,
            )  # fmt: skip
            if role not in seen_roles:
                seen_roles.append(role)
            name = getattr(row, name_column)
            if name is None or pd.isna(name):
                name = row.name
            ax.annotate(
                str(name), (px, py), xytext=(0, 9 if n == 1 or offset <= 0 else -14),
                textcoords="offset points", ha="center", fontsize=8.5, color=COLORS["text"],
            )  # fmt: skip
    ax.set_xlim(-2.6, 2.6)
    ax.set_ylim(0.4, 5.6)
    ax.set_xticks([-2, -1, 0, 1, 2], [fmt.t(f"review.chart.sentiment_{i}") for i in range(5)])
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_xlabel(fmt.t("review.chart.sentiment_axis"))
    ax.set_ylabel(fmt.t("review.chart.influence_axis"))
    ax.set_title(fmt.t("review.chart.relmap_title"))
    ax.grid(True, axis="both")
    handles = [
        Line2D([], [], linestyle="", marker="o", markersize=8, color=ROLE_COLORS[role],
               label=fmt.value("role", role))
        for role in CONTACT_ROLES
        if role in seen_roles
    ]  # fmt: skip
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9
    )
    alt = fmt.t("review.chart.relmap_alt", contacts=len(data))
    return chart_from_figure(fig, chart_id, alt)
