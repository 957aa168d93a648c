"""Shared chart style: colours, the font stack, layout constants, and :class:`Chart`.

SVG keeps its text as ``<text>`` elements in the report's font stack
(:data:`SVG_FONT_FAMILY`): the bundled KAM Sans SC, whose advance widths the layout
measures with (:mod:`kamreport.charts.text`), then the system CJK fonts the page text
uses. Browsers take the first one installed; the PDF engine gets KAM Sans SC from
``kamreport.pdf``.

Every chart is also laid out for phones (:mod:`kamreport.charts.axes`): the same chart at
:data:`NARROW_WIDTH_IN`, drawn about 1:1 at a 390 px screen, with no text under
:data:`NARROW_MIN_PT` and tick labels thinned until they no longer touch. Scaling the
wide SVG down instead would shrink its 8–10 pt labels to 5 px.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kamreport.fonts import FAMILY
from kamreport.i18n import Formatter

# One palette for every report, so a colour means the same thing everywhere.
COLORS = {
    "primary": "#1f4e79",
    "secondary": "#6a9fcb",
    "accent": "#d9822b",
    "positive": "#2e7d32",
    "negative": "#c62828",
    "neutral": "#8c8c8c",
    "grid": "#e3e6ea",
    "text": "#24292f",
}
SERIES = ("#1f4e79", "#d9822b", "#6a9fcb", "#2e7d32", "#8e5ea2", "#c62828", "#8c8c8c", "#b8860b")

# The families of the report's CSS font stack (templates/css/report.css), CJK fonts first:
# KAM Sans SC is a subset of Noto Sans CJK SC (= Source Han Sans SC), so where either is
# installed the text has exactly the widths the layout measured.
SVG_FONT_FAMILY = ", ".join(
    f"'{name}'" if " " in name else name
    for name in (
        FAMILY,
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "PingFang SC",
        "Microsoft YaHei",
        "Inter",
        "Segoe UI",
        "Helvetica Neue",
        "Arial",
        "sans-serif",
    )
)

# Space between the outermost text and the figure's edge, and between a title and a
# legend in the same row (points).
EDGE_PAD_PT = 4.0
GAP_PT = 12.0

# The phone layout: 4.8 in = 345.6 pt, drawn at the 362 px a 390 px screen leaves it.
NARROW_WIDTH_IN = 4.8
NARROW_MIN_PT = 11.5
NARROW_TICK_GAP_PT = 6.0


@dataclass(frozen=True)
class Chart:
    """A rendered chart: an id, its SVG markup and alt text for screen readers, and the
    SVG laid out for phones ("" when the chart is narrow already)."""

    chart_id: str
    svg: str
    alt: str
    png: bytes | None = None
    svg_narrow: str = ""


def money_ticks(fmt: Formatter) -> Callable[[float, float], str]:
    """Tick labels for amounts: compact money figures in the report's locale ("1.2M", "120万")."""
    return lambda value, _step: fmt.number(value, compact=True)
