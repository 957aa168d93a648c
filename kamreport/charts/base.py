"""Shared chart style, colours and export.

Text is exported as paths in SVG, so Chinese labels render in any browser or
PDF engine without fonts; the bundled CJK font supplies the glyphs.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from kamreport.fonts import register_matplotlib_fonts
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


@dataclass(frozen=True)
class Chart:
    """A rendered chart: an id, its SVG markup and alt text for screen readers."""

    chart_id: str
    svg: str
    alt: str
    png: bytes | None = None


def new_figure(width: float = 9.0, height: float = 3.6) -> tuple[Figure, plt.Axes]:
    """A figure in the report style (fonts, grid, spines)."""
    families = register_matplotlib_fonts()
    plt.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": list(families),
            "font.size": 10,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.edgecolor": COLORS["neutral"],
            "axes.labelcolor": COLORS["text"],
            "xtick.color": COLORS["text"],
            "ytick.color": COLORS["text"],
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "axes.grid.axis": "y",
            "grid.color": COLORS["grid"],
            "axes.unicode_minus": False,
            "svg.fonttype": "path",
            "svg.hashsalt": "kamreport",
        }
    )
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.add_subplot()
    return fig, ax


def money_axis(ax: plt.Axes, fmt: Formatter, axis: str = "y") -> None:
    """Label an axis with compact money figures in the report's locale."""
    formatter = FuncFormatter(lambda value, _pos: fmt.number(value, compact=True))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def figure_to_svg(fig: Figure, chart_id: str) -> str:
    """SVG markup to inline in HTML: no XML prolog, scalable, ids unique per chart."""
    plt.rcParams["svg.hashsalt"] = chart_id
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'(<svg[^>]*?) width="[^"]+" height="[^"]+"', r"\1", svg, count=1)
    svg = svg.replace("<svg ", '<svg class="chart" aria-hidden="true" ', 1)
    return svg


def figure_to_png(fig: Figure, dpi: int = 144) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()
