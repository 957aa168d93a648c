"""The relationship map: contacts by attitude (x) and influence (y), coloured by role."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.charts.axes import Axis, Key, Plot, render
from kamreport.charts.base import COLORS, SERIES, Chart
from kamreport.charts.marks import Band, Label, Points, Rule
from kamreport.i18n import Formatter
from kamreport.schema import CONTACT_ROLES

ROLE_COLORS = dict(zip(CONTACT_ROLES, SERIES, strict=False))


def relationship_map(
    contacts: pd.DataFrame, fmt: Formatter, *, name_column: str = "name", chart_id: str = "relmap"
) -> Chart:
    """Each contact a dot at (sentiment −2…+2, influence 1…5); contacts at the same spot
    are spread around it and every label sits beside its own dot."""
    data = contacts.copy()
    data["x"] = data["sentiment"].astype(float).fillna(0.0)
    data["y"] = data["influence"].astype(float).fillna(1.0)
    xs, ys, colors, labels = [], [], [], []
    seen_roles = []
    for (_x, _y), group in data.groupby(["x", "y"], sort=False):
        n = len(group)
        offsets = (np.arange(n) - (n - 1) / 2) * 0.34
        for offset, row in zip(offsets, group.itertuples(), strict=True):
            px, py = row.x + offset, row.y
            xs.append(px)
            ys.append(py)
            colors.append(ROLE_COLORS.get(row.role, COLORS["neutral"]))
            if row.role not in seen_roles:
                seen_roles.append(row.role)
            name = getattr(row, name_column)
            if name is None or pd.isna(name):
                name = row.name
            labels.append(Label(px, py, str(name), 8.5, 9.0 if n == 1 or offset <= 0 else -14.0))
    keys = [
        Key(fmt.value("role", role), ROLE_COLORS[role], "dot", radius=4.0)
        for role in CONTACT_ROLES
        if role in seen_roles
    ]
    plot = Plot(
        title=fmt.t("review.chart.relmap_title"),
        x=Axis(title=fmt.t("review.chart.sentiment_axis"), lo=-2.6, hi=2.6,
               ticks=[-2, -1, 0, 1, 2], grid=True,
               labels=[fmt.t(f"review.chart.sentiment_{i}") for i in range(5)]),
        y=Axis(title=fmt.t("review.chart.influence_axis"), lo=0.4, hi=5.6,
               ticks=[1, 2, 3, 4, 5], labels=["1", "2", "3", "4", "5"], grid=True),
        marks=[
            Band(-2.6, 0.0, COLORS["negative"]),
            Band(0.0, 2.6, COLORS["positive"]),
            Rule(0.0, COLORS["neutral"], vertical=True),
            Points(xs, ys, colors),
        ],
        labels=labels,
        legend=keys,
        legend_at="right",
        height_in=4.2,
    )  # fmt: skip
    alt = fmt.t("review.chart.relmap_alt", contacts=len(data))
    return render(plot, chart_id, alt)
