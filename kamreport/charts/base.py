"""Shared chart style, colours, layout and export.

SVG keeps its text as ``<text>`` elements in the report's font stack
(:data:`SVG_FONT_FAMILY`): the bundled KAM Sans SC, whose metrics matplotlib
measures with, then the system CJK fonts the page text uses. Browsers take the
first one installed; the PDF engine gets KAM Sans SC from ``kamreport.pdf``.

Margins are measured once per figure, from its own texts, just before the
first export (:func:`fit_margins`): the plot area is as large as the titles,
labels, tick labels and legends around it allow.

Every chart is also laid out for phones (:func:`narrow_figure`): the same figure at
:data:`NARROW_WIDTH_IN`, drawn about 1:1 at a 390 px screen, with no text under
:data:`NARROW_MIN_PT` and tick labels thinned until they no longer touch. Scaling the
wide SVG down instead would shrink its 8–10 pt labels to 5 px.
"""

from __future__ import annotations

import io
import itertools
import re
import unicodedata
import weakref
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import Bbox, ScaledTranslation

from kamreport.fonts import FAMILY, register_matplotlib_fonts
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
# installed the text has exactly the widths matplotlib laid it out with.
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

_FITTED: weakref.WeakSet[Figure] = weakref.WeakSet()


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


_STYLE: dict[str, object] = {}


def _apply_style() -> None:
    """Set the report style in matplotlib's settings (validating them costs a few
    milliseconds a chart, so only when they differ)."""
    families = register_matplotlib_fonts()
    if _STYLE and all(matplotlib.rcParams[k] == v for k, v in _STYLE.items()):
        return
    style = {
        "font.family": "sans-serif",
        "font.sans-serif": list(families),
        "font.size": 10,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.titley": 1.0,  # above the plot area: no axis is drawn on top
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
        "svg.fonttype": "none",
        "svg.hashsalt": "kamreport",
    }
    matplotlib.rcParams.update(style)
    _STYLE.clear()
    _STYLE.update({k: matplotlib.rcParams[k] for k in style if k != "svg.hashsalt"})


def new_figure(width: float = 9.0, height: float = 3.6) -> tuple[Figure, Axes]:
    """A figure in the report style (fonts, grid, spines)."""
    _apply_style()
    fig = Figure(figsize=(width, height), layout="none")
    ax = fig.add_subplot()
    return fig, ax


def money_axis(ax: Axes, fmt: Formatter, axis: str = "y") -> None:
    """Label an axis with compact money figures in the report's locale."""
    formatter = FuncFormatter(lambda value, _pos: fmt.number(value, compact=True))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


# --- layout ------------------------------------------------------------------------------

_NO_LINE_START = set("，。、；：？！）」』》〉】〕”’,.;:?!)%")
_NO_LINE_END = set("（「『《〈【〔“‘([")


def _wide(char: str) -> bool:
    """Whether ``char`` is a CJK character: lines may break before and after it."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def _tokens(text: str) -> list[str]:
    """``text`` cut where a line may break: after spaces and around CJK characters, never
    before closing or after opening punctuation."""
    tokens: list[str] = []
    for char in text:
        if tokens:
            last = tokens[-1][-1]
            after_space = last.isspace() and not char.isspace()
            cjk = _wide(char) or _wide(last)
            if char.isspace() or char in _NO_LINE_START or last in _NO_LINE_END:
                tokens[-1] += char
                continue
            if not (after_space or cjk):
                tokens[-1] += char
                continue
        tokens.append(char)
    return tokens


def wrap_text(text: Text, renderer, max_width: float) -> bool:
    """Break ``text`` into lines no wider than ``max_width`` pixels; True when it changed."""
    prop = text.get_fontproperties()

    def width(s: str) -> float:
        return renderer.get_text_width_height_descent(s, prop, ismath=False)[0]

    original = text.get_text()
    lines: list[str] = []
    for paragraph in original.split("\n"):
        line = ""
        for token in _tokens(paragraph):
            if line and width((line + token).rstrip()) > max_width:
                lines.append(line.rstrip())
                line = token.lstrip()
            else:
                line += token
        lines.append(line.rstrip())
    wrapped = "\n".join(lines)
    if wrapped == original:
        return False
    text.set_text(wrapped)
    return True


def _titles(ax: Axes) -> list[Text]:
    return [t for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]


def _outer(ax: Axes) -> list:
    """The artists of ``ax`` that can reach outside its plot area: legends and texts.
    Bars, lines and patches are clipped to it, so measuring them (every bar of a
    stacked chart) would only cost time."""
    return [*ax.texts, *([ax.get_legend()] if ax.get_legend() else [])]


def _margins(fig: Figure, axes: list[Axes], renderer) -> tuple[float, float, float, float]:
    """The room (pixels) the texts need left, right, below and above the plot area, with
    titles wider than their room broken into lines first."""
    width = fig.bbox.width
    pad = EDGE_PAD_PT * fig.dpi / 72
    gap = GAP_PT * fig.dpi / 72
    frame = Bbox.union([ax.bbox for ax in axes])
    titles = [(ax, title) for ax in axes for title in _titles(ax)]
    for _ax, title in titles:  # measured on their own, after wrapping
        title.set_visible(False)
    try:
        tight = Bbox.union(
            [ax.get_tightbbox(renderer, bbox_extra_artists=_outer(ax)) for ax in axes]
        )
    finally:
        for _ax, title in titles:
            title.set_visible(True)
    left = frame.x0 - tight.x0 + pad
    right = tight.x1 - frame.x1 + pad
    bottom = frame.y0 - tight.y0 + pad
    top = tight.y1 - frame.y1 + pad
    # Titles start at the plot area's left edge and must end before the figure's edge
    # or a legend beside them (legends above the plot area hang from its right edge).
    new_x0, new_x1 = left, width - right
    for ax, title in titles:
        box = title.get_window_extent(renderer)
        start = new_x0 + box.x0 - frame.x0
        limit = width - pad
        for legend in [ax.get_legend()] if ax.get_legend() else []:
            lg = legend.get_window_extent(renderer)
            if lg.y0 < box.y1 and box.y0 < lg.y1 and lg.x0 > box.x0:
                limit = min(limit, new_x1 - (frame.x1 - lg.x0) - gap)
        if box.width > limit - start and wrap_text(title, renderer, max(limit - start, 1)):
            box = title.get_window_extent(renderer)
        top = max(top, box.y1 - frame.y1 + pad)
    return left, right, bottom, top


def _tick_locations(axes: list[Axes]) -> list[tuple[float, ...]]:
    return [tuple(axis.get_majorticklocs()) for ax in axes for axis in (ax.xaxis, ax.yaxis)]


def _adjust(fig: Figure, margins: tuple[float, float, float, float]) -> None:
    left, right, bottom, top = margins
    width, height = fig.bbox.width, fig.bbox.height
    fig.subplots_adjust(
        left=min(left / width, 0.45),
        right=max(1 - right / width, 0.55),
        bottom=min(bottom / height, 0.45),
        top=max(1 - top / height, 0.55),
    )


def _renderer(fig: Figure):
    """The figure's Agg renderer for measuring texts: one per figure and size, so a text
    measured once (matplotlib keeps its size per renderer) is not measured again."""
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    return fig.canvas.get_renderer()


def fit_margins(fig: Figure) -> None:
    """Place the plot area so every text around it lies inside the figure, once.

    One measuring pass: the room each side needs beyond the plot area (tick labels,
    axis labels, titles, legends outside the axes) is set with ``subplots_adjust``. A
    title wider than the room it has (up to the figure's edge, or to a legend in its
    row) is first broken into lines. Only when the new size of the plot area moves the
    automatic ticks (other labels, maybe wider) is it measured a second time, keeping the
    larger room of each side.
    """
    if fig in _FITTED:
        return
    _FITTED.add(fig)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    if not axes:
        return
    renderer = _renderer(fig)
    ticks = _tick_locations(axes)
    margins = _margins(fig, axes, renderer)
    _adjust(fig, margins)
    if _tick_locations(axes) != ticks:
        again = _margins(fig, axes, renderer)
        _adjust(fig, tuple(max(a, b) for a, b in zip(margins, again, strict=True)))


# --- export ------------------------------------------------------------------------------

_FONT_FAMILY_DECL = re.compile(r"font-family: [^;\"]*(?:; )?")
_EMPTY_STYLE = re.compile(r' style="\s*;?\s*"')
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_INDENT = re.compile(r"\n[ \t]+<")
_NO_ROTATION = re.compile(r' transform="rotate\(-?0 [^)"]*\)"')
_GROUP_TAG = re.compile(r"[ \t]*<(/?)g\b([^>]*?)(/?)>\n?")
_PLAIN_GROUP = re.compile(r'\s*(?:id="[^"]*")?\s*')


def _unwrap_plain_groups(svg: str) -> str:
    """``svg`` without the ``<g>`` elements that only carry an id (one per artist):
    they change nothing drawn, and the ids would repeat in every chart of a page."""
    parts, stack, pos = [], [], 0
    for match in _GROUP_TAG.finditer(svg):
        closing, attributes, empty = match.groups()
        if closing:
            drop = stack.pop()
        else:
            drop = _PLAIN_GROUP.fullmatch(attributes) is not None
            if not empty:
                stack.append(drop)
        parts.append(svg[pos : match.start()])
        if not drop:
            parts.append(match.group(0))
        pos = match.end()
    parts.append(svg[pos:])
    return "".join(parts)


def _thin_ticks(fig: Figure, renderer) -> bool:
    """Hide tick labels so the shown ones keep a gap: every 2nd, 3rd, … of an axis whose
    neighbouring labels touch. True when any label was hidden."""
    gap = NARROW_TICK_GAP_PT * fig.dpi / 72
    changed = False
    for ax in fig.axes:
        for axis, horizontal in ((ax.xaxis, True), (ax.yaxis, False)):
            labels = [
                t.label1
                for t in axis.get_major_ticks()
                if t.label1.get_visible() and t.label1.get_text()
            ]
            boxes = [label.get_window_extent(renderer) for label in labels]
            spans = sorted((b.x0, b.x1) if horizontal else (b.y0, b.y1) for b in boxes)

            def clear(step: int, spans: list[tuple[float, float]] = spans) -> bool:
                kept = spans[::step]
                return all(b[0] - a[1] >= gap for a, b in itertools.pairwise(kept))

            step = 1
            while step < len(spans) and not clear(step):
                step += 1
            if step > 1:
                order = sorted(range(len(labels)), key=lambda i: (boxes[i].x0, boxes[i].y0))
                for rank, i in enumerate(order):
                    labels[i].set_visible(rank % step == 0)
                changed = True
    return changed


def _lift(text: Text, inches: float) -> None:
    """Move ``text`` up by ``inches`` (an annotation: its offset from the point it labels)."""
    if isinstance(text, Annotation) and text.anncoords == "offset points":
        x, y = text.xyann
        text.xyann = (x, y + inches * 72)
    else:
        offset = ScaledTranslation(0, inches, text.figure.dpi_scale_trans)
        text.set_transform(text.get_transform() + offset)


def _separate_texts(fig: Figure, renderer) -> bool:
    """Lift each label of a plot (a value over a bar, a name beside a point) that touches one
    to its left above it. True when any label moved."""
    gap = 2.0 * fig.dpi / 72
    moved = False
    for ax in fig.axes:
        texts = [t for t in ax.texts if t.get_visible() and t.get_text()]
        placed: list[Bbox] = []
        for text in sorted(texts, key=lambda t: t.get_window_extent(renderer).x0):
            box = text.get_window_extent(renderer)
            for _ in range(len(placed)):
                hit = [p for p in placed if p.padded(gap / 2).overlaps(box.padded(gap / 2))]
                if not hit:
                    break
                lift = max(p.y1 for p in hit) - box.y0 + gap
                _lift(text, lift / fig.dpi)
                box = text.get_window_extent(renderer)
                moved = True
            placed.append(box)
    return moved


def _stack_legend(ax: Axes) -> None:
    """A legend in one row above the plot area becomes one column there: a phone has no room
    for a row of entries beside the title (which then wraps before the column)."""
    legend = ax.get_legend()
    if legend is None or legend._ncols == 1:
        return
    anchor = getattr(legend._bbox_to_anchor, "_bbox", None)  # in axes coordinates
    if anchor is None or anchor.y0 < 0.99:
        return
    size = max([t.get_fontsize() for t in legend.get_texts()] or [NARROW_MIN_PT])
    ax.legend(
        handles=legend.legend_handles,
        labels=[t.get_text() for t in legend.get_texts()],
        loc=legend._loc,
        bbox_to_anchor=tuple(anchor.bounds),
        bbox_transform=ax.transAxes,
        frameon=legend.get_frame_on(),
        ncols=1,
        fontsize=max(size, NARROW_MIN_PT),
    )


def narrow_figure(fig: Figure) -> bool:
    """Lay ``fig`` out for phones, in place; False (and nothing changed) when it is that
    narrow already. Called after the wide exports: it starts from the figure as it was
    drawn (:func:`chart_from_figure` puts the titles and plot area back first)."""
    width, height = fig.get_size_inches()
    if width <= NARROW_WIDTH_IN:
        return False
    fig.set_size_inches(NARROW_WIDTH_IN, max(height, NARROW_WIDTH_IN * 0.7))
    for ax in fig.axes:
        for axis in ("x", "y"):
            ticks = getattr(ax, f"get_{axis}ticklabels")()
            size = max([t.get_fontsize() for t in ticks] or [0.0])
            ax.tick_params(axis=axis, labelsize=max(size, NARROW_MIN_PT))
    for ax in fig.axes:
        _stack_legend(ax)
    for text in fig.findobj(Text):
        if text.get_fontsize() < NARROW_MIN_PT:
            text.set_fontsize(NARROW_MIN_PT)
    _FITTED.discard(fig)
    fit_margins(fig)
    renderer = _renderer(fig)
    _thin_ticks(fig, renderer)
    if _separate_texts(fig, renderer):  # lifted labels may need more room above
        axes = [ax for ax in fig.axes if ax.get_visible()]
        _adjust(fig, _margins(fig, axes, renderer))
    return True


@dataclass(frozen=True)
class _DrawnLayout:
    """What fitting the wide layout changes: the plot area and the titles (wrapped)."""

    subplotpars: tuple[float, float, float, float]
    titles: tuple[tuple[Text, str], ...]

    @classmethod
    def of(cls, fig: Figure) -> _DrawnLayout:
        p = fig.subplotpars
        titles = tuple((t, t.get_text()) for ax in fig.axes for t in _titles(ax))
        return cls((p.left, p.right, p.bottom, p.top), titles)

    def restore(self, fig: Figure) -> None:
        left, right, bottom, top = self.subplotpars
        fig.subplots_adjust(left=left, right=right, bottom=bottom, top=top)
        for title, text in self.titles:
            title.set_text(text)


def figure_to_svg(fig: Figure, chart_id: str) -> str:
    """SVG markup to inline in HTML: no XML prolog, scalable, ids unique per chart, text
    as ``<text>`` in the report's font stack (set once, on the root element)."""
    return _svg(fig, chart_id)


def chart_from_figure(fig: Figure, chart_id: str, alt: str, with_png: bool = False) -> Chart:
    """The :class:`Chart` of ``fig``: the wide SVG and the PNG when asked for, then the
    phone layout (:func:`narrow_figure`), laid out again from the figure as it was drawn.
    ``fig`` is changed on the way (one figure, not a copy: copying cost as much as drawing)."""
    drawn = None if fig in _FITTED else _DrawnLayout.of(fig)
    svg = figure_to_svg(fig, chart_id)
    png = figure_to_png(fig) if with_png else None
    narrow = ""
    if drawn is not None:
        drawn.restore(fig)
        if narrow_figure(fig):
            narrow = _svg(fig, f"{chart_id}-narrow")
    return Chart(chart_id=chart_id, svg=svg, alt=alt, png=png, svg_narrow=narrow)


def _svg(fig: Figure, chart_id: str) -> str:
    fit_margins(fig)
    matplotlib.rcParams["svg.hashsalt"] = chart_id
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'(<svg[^>]*?) width="[^"]+" height="[^"]+"', r"\1", svg, count=1)
    svg = _METADATA.sub("", svg, count=1)
    svg = _EMPTY_STYLE.sub("", _FONT_FAMILY_DECL.sub("", svg))
    svg = _NO_ROTATION.sub("", svg)
    svg = _INDENT.sub("\n<", _unwrap_plain_groups(svg))
    svg = svg.replace(
        "<svg ", f'<svg class="chart" aria-hidden="true" font-family="{SVG_FONT_FAMILY}" ', 1
    )
    return svg


def figure_to_png(fig: Figure, dpi: int = 144) -> bytes:
    fit_margins(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()
