"""A plot laid out and drawn: plot area, axes, ticks, grid, title, legend, value labels.

A chart describes itself as a :class:`Plot` (its marks, axes, title and legend) and
:func:`render` draws it twice: at its own size, and for phones at :data:`NARROW_WIDTH_IN`
with no text under :data:`NARROW_MIN_PT`, tick labels thinned until they keep
:data:`NARROW_TICK_GAP_PT` apart and a legend above the plot in one column.

The plot area is as large as the texts around it allow: the room each side needs (tick
labels, axis titles, the title, legends outside the plot area, value labels above it) is
measured with the font's advance widths, and measured again while the plot area's new
size changes the automatic ticks, the room only growing, so it settles. A title wider
than its room (up to the chart's edge, or a legend in its row) is broken into lines
(:func:`kamreport.charts.text.wrap`, CJK rules included).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from kamreport.charts.base import (
    COLORS,
    EDGE_PAD_PT,
    GAP_PT,
    NARROW_MIN_PT,
    NARROW_TICK_GAP_PT,
    NARROW_WIDTH_IN,
    SVG_FONT_FAMILY,
    Chart,
    money_ticks,
)
from kamreport.charts.marks import Label, Mark, dashes
from kamreport.charts.scale import NICE_STEPS, Scale, nice_ticks, padded
from kamreport.charts.svg import Box, Canvas, text_box
from kamreport.charts.text import ASCENT, DESCENT, LINE_SPACING, block_width, wrap
from kamreport.i18n import Formatter

TITLE_PT = 12.0
AXIS_TITLE_PT = 10.0
TICK_LENGTH_PT = 3.5
TICK_PAD_PT = 3.5  # between a tick and its label
LABEL_PAD_PT = 4.0  # between tick labels and the axis title
TITLE_PAD_PT = 6.0  # between the title's last baseline and the plot area
WIDE_TICK_GAP_PT = 2.0
LABEL_GAP_PT = 2.0  # between value labels lifted apart
LINE_WIDTH_PT = 0.8


@dataclass(frozen=True)
class Axis:
    """One axis: its limits (from the data, widened by ``margin``, where not given), its
    ticks (nice ticks where not given, labelled by ``format(value, step)``; or ``ticks``
    with their ``labels``; of ``steps`` × 10ⁿ, whole ones only when ``integer``), its
    title, tick label size, gridlines, scale and minor ticks."""

    title: str = ""
    lo: float | None = None
    hi: float | None = None
    ticks: Sequence[float] | None = None
    labels: Sequence[str] | None = None
    format: Callable[[float, float], str] | None = None
    size: float = 10.0
    grid: bool = False
    log: bool = False
    minor: Sequence[float] = ()
    margin: float = 0.05
    integer: bool = False
    steps: tuple[float, ...] = NICE_STEPS


def amount_axis(fmt: Formatter) -> Axis:
    """The y axis of amounts: titled with the currency, compact money ticks, grid lines."""
    title = fmt.t("chart.amount_axis", currency=fmt.currency_symbol())
    return Axis(title=title, format=money_ticks(fmt), grid=True)


@dataclass(frozen=True)
class Key:
    """A legend entry: a label and how its mark looks ("bar", "line", "dot", "line-dot")."""

    label: str
    color: str
    kind: str = "bar"
    style: str = ""
    width: float = 2.0
    radius: float = 3.0


@dataclass(frozen=True)
class Plot:
    """Everything a chart shows. ``legend_at``: "above" (right-aligned above the plot area,
    in a row), "right" (a column beside the plot area's top) or "inside" (its lower right
    corner)."""

    title: str
    x: Axis
    y: Axis
    marks: Sequence[Mark]
    labels: Sequence[Label] = ()
    y2: Axis | None = None
    legend: Sequence[Key] = ()
    legend_at: str = "above"
    legend_size: float = 9.0
    width_in: float = 9.0
    height_in: float = 3.6


# --- limits and ticks --------------------------------------------------------------------


def _limits(plot: Plot, which: str) -> tuple[float, float]:
    """The data limits of axis ``which`` ("x", "y", "y2"): as given, else the marks' range
    widened by the axis's margin, but not past a bar's base."""
    axis = _axis(plot, which)
    if axis.lo is not None and axis.hi is not None:
        return axis.lo, axis.hi
    marks = [m for m in plot.marks if which == "x" or m.axis == which]
    ranges = [m.x_range() if which == "x" else m.y_range() for m in marks]
    ranges = [r for r in ranges if r is not None]
    if not ranges:
        lo, hi = 0.0, 1.0
    else:
        lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
    data_lo, data_hi = lo, hi
    lo, hi = padded(lo, hi, axis.margin, axis.log)
    if which != "x":
        for sticky in {s for m in marks for s in m.sticky_y()}:
            if data_lo >= sticky > lo:
                lo = sticky
            if data_hi <= sticky < hi:
                hi = sticky
    return (axis.lo if axis.lo is not None else lo), (axis.hi if axis.hi is not None else hi)


def _axis(plot: Plot, which: str) -> Axis:
    found = {"x": plot.x, "y": plot.y, "y2": plot.y2}[which]
    assert found is not None
    return found


@dataclass(frozen=True)
class _Ticks:
    values: list[float]
    labels: list[str]


def _ticks(axis: Axis, scale: Scale, length: float, size: float, vertical: bool) -> _Ticks:
    """The axis's ticks inside its scale's limits; automatic ones as many as ``length``
    points hold (a tick per two label heights vertically, three horizontally, at most ten)."""
    if axis.ticks is not None:
        labels = list(axis.labels) if axis.labels is not None else None
        values, shown = [], []
        for i, value in enumerate(axis.ticks):
            if scale.contains(value):
                values.append(float(value))
                if labels is not None:
                    shown.append(labels[i])
                elif axis.format is not None:
                    shown.append(axis.format(value, 0.0))
                else:
                    shown.append(str(value))
        return _Ticks(values, shown)
    room = int(length // (size * (2 if vertical else 3)))
    low, high = sorted((scale.lo, scale.hi))
    values, step = nice_ticks(
        low, high, min(max(room, 1), 9) + 1, axis.format, axis.integer, axis.steps
    )
    fmt = axis.format or (lambda v, _s: f"{v:g}")
    return _Ticks(values, [fmt(v, step) for v in values])


# --- the layout --------------------------------------------------------------------------


@dataclass
class _Sizes:
    """Font sizes of one layout (the phone layout has none under NARROW_MIN_PT)."""

    narrow: bool

    def __call__(self, size: float) -> float:
        return max(size, NARROW_MIN_PT) if self.narrow else size


@dataclass
class _Placed:
    """Texts placed for one plot area: what the margins are measured from."""

    x_ticks: _Ticks
    y_ticks: _Ticks
    y2_ticks: _Ticks | None
    x_shown: list[bool]
    y_shown: list[bool]
    y2_shown: list[bool]
    boxes: list[Box] = field(default_factory=list)  # every text but the title


@dataclass
class _Layout:
    plot: Plot
    narrow: bool
    width: float
    height: float
    size: _Sizes
    left: float = EDGE_PAD_PT
    right: float = EDGE_PAD_PT
    top: float = EDGE_PAD_PT
    bottom: float = EDGE_PAD_PT
    title: str = ""
    ytitle: str = ""
    y2title: str = ""

    @property
    def box(self) -> Box:
        return Box(self.left, self.top, self.width - self.right, self.height - self.bottom)

    def scales(self) -> tuple[Scale, Scale, Scale | None]:
        box, plot = self.box, self.plot
        sx = Scale(*_limits(plot, "x"), box.x0, box.x1, plot.x.log)
        sy = Scale(*_limits(plot, "y"), box.y1, box.y0, plot.y.log)
        sy2 = None
        if plot.y2 is not None:
            sy2 = Scale(*_limits(plot, "y2"), box.y1, box.y0, plot.y2.log)
        return sx, sy, sy2


def _legend_size(layout: _Layout) -> float:
    return layout.size(layout.plot.legend_size)


def _legend_in_column(layout: _Layout) -> bool:
    return layout.plot.legend_at != "above" or layout.narrow


def _legend_extent(layout: _Layout) -> tuple[float, float]:
    """Width and height (pt) of the legend's entries, without the space around them."""
    keys = layout.plot.legend
    if not keys:
        return 0.0, 0.0
    fs = _legend_size(layout)
    entries = [fs * 2.8 + block_width(k.label, fs) for k in keys]
    if _legend_in_column(layout):
        return max(entries), fs * len(keys) + fs * 0.5 * (len(keys) - 1)
    return sum(entries) + fs * 2.0 * (len(keys) - 1), fs


def _legend_origin(layout: _Layout) -> tuple[float, float]:
    """The top left corner of the legend's entries."""
    fs = _legend_size(layout)
    width, height = _legend_extent(layout)
    box = layout.box
    if layout.plot.legend_at == "right":
        return box.x1 + fs * 0.9, box.y0 + fs * 0.4
    if layout.plot.legend_at == "inside":
        return box.x1 - fs * 0.9 - width, box.y1 - fs * 0.9 - height
    return box.x1 - fs * 0.5 - width, box.y0 - fs * 0.5 - height


def _title_room(layout: _Layout) -> float:
    """How wide the title may be: to the chart's edge, or to a legend above the plot."""
    limit = layout.width - EDGE_PAD_PT
    if layout.plot.legend and layout.plot.legend_at == "above":
        limit = _legend_origin(layout)[0] - GAP_PT
    return max(limit - layout.left, TITLE_PT * 4)


def _thin(boxes: list[Box], horizontal: bool, gap: float) -> list[bool]:
    """Which labels to show: every one, or every 2nd, 3rd, … from the first, the smallest
    step that keeps ``gap`` points between shown neighbours."""
    if not boxes:
        return []
    order = sorted(range(len(boxes)), key=lambda i: boxes[i].x0 if horizontal else -boxes[i].y1)
    spans = [(boxes[i].x0, boxes[i].x1) if horizontal else (-boxes[i].y1, -boxes[i].y0)
             for i in order]  # fmt: skip
    step = 1
    while step < len(spans):
        kept = spans[::step]
        if all(b[0] - a[1] >= gap for a, b in itertools.pairwise(kept)):
            break
        step += 1
    shown = [False] * len(boxes)
    for rank, i in enumerate(order):
        shown[i] = rank % step == 0
    return shown


def _x_label_boxes(layout: _Layout, ticks: _Ticks, sx: Scale) -> list[Box]:
    size = layout.size(layout.plot.x.size)
    top = layout.box.y1 + TICK_LENGTH_PT + TICK_PAD_PT
    boxes = []
    for value, label in zip(ticks.values, ticks.labels, strict=True):
        x, width = sx(value), block_width(label, size)
        lines = label.count("\n")
        bottom = top + (ASCENT + DESCENT + lines * LINE_SPACING) * size
        boxes.append(Box(x - width / 2, top, x + width / 2, bottom))
    return boxes


def _y_label_boxes(layout: _Layout, axis: Axis, ticks: _Ticks, sy: Scale, right: bool) -> list[Box]:
    size = layout.size(axis.size)
    boxes = []
    for value, label in zip(ticks.values, ticks.labels, strict=True):
        y, width = sy(value), block_width(label, size)
        if right:
            x0 = layout.box.x1 + TICK_LENGTH_PT + TICK_PAD_PT
        else:
            x0 = layout.box.x0 - TICK_LENGTH_PT - TICK_PAD_PT - width
        half = (ASCENT + DESCENT) * size / 2
        boxes.append(Box(x0, y - half, x0 + width, y + half))
    return boxes


def _value_labels(
    layout: _Layout, sx: Scale, sy: Scale, sy2: Scale | None
) -> list[tuple[Label, float, float]]:
    """Each value label with its baseline point, lifted above any label to its left it
    would touch."""
    placed: list[tuple[Label, float, float]] = []
    boxes: list[Box] = []
    items = []
    for label in layout.plot.labels:
        scale = sy2 if label.axis == "y2" and sy2 is not None else sy
        x, y = sx(label.x), scale(label.y) - label.offset
        items.append((label, x, y))
    items.sort(
        key=lambda item: (
            text_box(item[1], item[2], item[0].text, layout.size(item[0].size), "middle").x0
        )
    )
    for label, x, y in items:
        size = layout.size(label.size)
        box = text_box(x, y, label.text, size, "middle")
        for _ in range(len(boxes)):
            hit = [b for b in boxes if b.overlaps(box, LABEL_GAP_PT)]
            if not hit:
                break
            lift = box.y1 - min(b.y0 for b in hit) + LABEL_GAP_PT
            y -= lift
            box = box.moved(dy=-lift)
        boxes.append(box)
        placed.append((label, x, y))
    return placed


def _place(layout: _Layout) -> _Placed:
    """Ticks and labels for the current plot area, thinned where they would touch."""
    plot, box = layout.plot, layout.box
    sx, sy, sy2 = layout.scales()
    gap = NARROW_TICK_GAP_PT if layout.narrow else WIDE_TICK_GAP_PT
    size = layout.size
    xt = _ticks(plot.x, sx, box.x1 - box.x0, size(plot.x.size), vertical=False)
    yt = _ticks(plot.y, sy, box.y1 - box.y0, size(plot.y.size), vertical=True)
    y2t = None
    if plot.y2 is not None and sy2 is not None:
        y2t = _ticks(plot.y2, sy2, box.y1 - box.y0, size(plot.y2.size), vertical=True)
    xb = _x_label_boxes(layout, xt, sx)
    yb = _y_label_boxes(layout, plot.y, yt, sy, right=False)
    y2b = _y_label_boxes(layout, plot.y2, y2t, sy2, right=True) if y2t and sy2 and plot.y2 else []
    placed = _Placed(
        xt, yt, y2t, _thin(xb, True, gap), _thin(yb, False, gap), _thin(y2b, False, gap)
    )
    for boxes, shown in ((xb, placed.x_shown), (yb, placed.y_shown), (y2b, placed.y2_shown)):
        placed.boxes += [b for b, s in zip(boxes, shown, strict=True) if s]
    placed.boxes += [
        text_box(x, y, label.text, size(label.size), "middle")
        for label, x, y in _value_labels(layout, sx, sy, sy2)
    ]
    return placed


def _tick_room(placed: _Placed, box: Box) -> tuple[float, float, float]:
    """How far the ticks and their labels reach left of, right of and below the plot area."""
    texts = placed.boxes
    return (
        max([box.x0 - b.x0 for b in texts if b.x1 <= box.x0 + 0.01] + [TICK_LENGTH_PT]),
        max([b.x1 - box.x1 for b in texts if b.x0 >= box.x1 - 0.01] + [TICK_LENGTH_PT]),
        max([b.y1 - box.y1 for b in texts if b.y0 >= box.y1 - 0.01] + [TICK_LENGTH_PT]),
    )


def _needed(layout: _Layout, placed: _Placed) -> tuple[float, float, float, float]:
    """The margins (left, right, top, bottom) the texts need around the current plot area."""
    plot, box, size = layout.plot, layout.box, layout.size
    pad = EDGE_PAD_PT
    texts = placed.boxes
    left = max([box.x0 - b.x0 for b in texts] + [0.0]) + pad
    right = max([b.x1 - box.x1 for b in texts] + [0.0]) + pad
    top = max([box.y0 - b.y0 for b in texts] + [0.0]) + pad
    bottom = max([b.y1 - box.y1 for b in texts] + [0.0]) + pad
    axis_pt = size(AXIS_TITLE_PT)
    ticks_left, ticks_right, ticks_h = _tick_room(placed, box)
    if layout.ytitle:
        lines = layout.ytitle.count("\n") + 1
        left = max(left, ticks_left + LABEL_PAD_PT + _block(axis_pt, lines) + pad)
    if layout.y2title:
        lines = layout.y2title.count("\n") + 1
        right = max(right, ticks_right + LABEL_PAD_PT + _block(axis_pt, lines) + pad)
    if plot.x.title:
        bottom = max(
            bottom, ticks_h + LABEL_PAD_PT + _block(axis_pt, plot.x.title.count("\n") + 1) + pad
        )
    if layout.title:
        lines = layout.title.count("\n") + 1
        top = max(
            top, TITLE_PAD_PT + ASCENT * TITLE_PT + (lines - 1) * LINE_SPACING * TITLE_PT + pad
        )
    if plot.legend:
        fs = _legend_size(layout)
        width, height = _legend_extent(layout)
        if plot.legend_at == "above":
            top = max(top, fs * 0.5 + height + pad)
        elif plot.legend_at == "right":
            right = max(right, fs * 0.9 + width + pad)
    return left, right, top, bottom


def _block(size: float, lines: int) -> float:
    return (ASCENT + DESCENT + (lines - 1) * LINE_SPACING) * size


def _settle(layout: _Layout) -> _Placed:
    """Grow the margins until every text fits (the margins only grow, so this ends)."""
    plot = layout.plot
    wrapped: dict[tuple[str, float, float, bool], str] = {}

    def fit(text: str, width: float, size: float, bold: bool = False) -> str:
        """``text`` wrapped to ``width``, once per width while this layout settles."""
        if not text:
            return ""
        key = (text, round(width, 2), size, bold)
        if key not in wrapped:
            wrapped[key] = wrap(text, width, size, bold)
        return wrapped[key]

    placed = _place(layout)
    for _ in range(8):
        box = layout.box
        room_y = max(box.y1 - box.y0, 1.0)
        axis_pt = layout.size(AXIS_TITLE_PT)
        layout.ytitle = fit(plot.y.title, room_y, axis_pt)
        layout.y2title = fit(plot.y2.title, room_y, axis_pt) if plot.y2 else ""
        layout.title = fit(plot.title, _title_room(layout), TITLE_PT, bold=True)
        left, right, top, bottom = _needed(layout, placed)
        grown = (
            max(left, layout.left), max(right, layout.right),
            max(top, layout.top), max(bottom, layout.bottom),
        )  # fmt: skip
        if grown == (layout.left, layout.right, layout.top, layout.bottom):
            break
        layout.left, layout.right, layout.top, layout.bottom = grown
        placed = _place(layout)
    return placed


# --- drawing -----------------------------------------------------------------------------


def _draw_legend(canvas: Canvas, layout: _Layout) -> None:
    keys = layout.plot.legend
    if not keys:
        return
    fs = _legend_size(layout)
    x, y = _legend_origin(layout)
    column = _legend_in_column(layout)
    for key in keys:
        middle = y + fs / 2
        baseline = middle + (ASCENT - DESCENT) * fs / 2
        if key.kind == "bar":
            canvas.rect(x, middle - 0.35 * fs, 2 * fs, 0.7 * fs, key.color)
        if "line" in key.kind:
            canvas.line([(x, middle), (x + 2 * fs, middle)], key.color, key.width,
                        dashes(key.style, key.width))  # fmt: skip
        if "dot" in key.kind:
            canvas.circle(x + fs, middle, key.radius, key.color)
        canvas.text(x + 2.8 * fs, baseline, key.label, fs, color=COLORS["text"])
        if column:
            y += fs * 1.5
        else:
            x += fs * 2.8 + block_width(key.label, fs) + fs * 2.0


def _draw(layout: _Layout, placed: _Placed, clip_id: str) -> Canvas:
    plot, box, size = layout.plot, layout.box, layout.size
    sx, sy, sy2 = layout.scales()
    canvas = Canvas(layout.width, layout.height)
    canvas.rect(0, 0, layout.width, layout.height, "#ffffff")
    grid = COLORS["grid"]
    axes = [(plot.y, placed.y_ticks, placed.y_shown, sy, False)]
    if plot.y2 is not None and placed.y2_ticks is not None and sy2 is not None:
        axes.append((plot.y2, placed.y2_ticks, placed.y2_shown, sy2, True))
    # gridlines first: under bars and lines
    if plot.x.grid:
        for v in placed.x_ticks.values:
            canvas.line([(sx(v), box.y0), (sx(v), box.y1)], grid, LINE_WIDTH_PT)
    for axis, ticks, _shown, scale, _right in axes:
        if axis.grid:
            for v in ticks.values:
                canvas.line([(box.x0, scale(v)), (box.x1, scale(v))], grid, LINE_WIDTH_PT)
    canvas.clip(clip_id, box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0)
    canvas.open_group(f'clip-path="url(#{clip_id})"')
    for mark in plot.marks:
        scale = sy2 if mark.axis == "y2" and sy2 is not None else sy
        mark.draw(canvas, sx, scale)
    canvas.close_group()
    # spines and ticks
    edge, ink = COLORS["neutral"], COLORS["text"]
    canvas.line([(box.x0, box.y0), (box.x0, box.y1), (box.x1, box.y1)], edge, LINE_WIDTH_PT)
    if plot.y2 is not None:
        canvas.line([(box.x1, box.y0), (box.x1, box.y1)], edge, LINE_WIDTH_PT)
    xs = size(plot.x.size)
    for v, label, shown in zip(
        placed.x_ticks.values, placed.x_ticks.labels, placed.x_shown, strict=True
    ):
        x = sx(v)
        canvas.line([(x, box.y1), (x, box.y1 + TICK_LENGTH_PT)], ink, LINE_WIDTH_PT)
        if shown:
            top = box.y1 + TICK_LENGTH_PT + TICK_PAD_PT
            canvas.text(x, top + ASCENT * xs, label, xs, anchor="middle", color=ink)
    for v in plot.x.minor:
        if sx.contains(v):
            canvas.line([(sx(v), box.y1), (sx(v), box.y1 + 2.0)], ink, 0.6)
    for axis, ticks, shown_list, scale, right in axes:
        ys = size(axis.size)
        x_edge = box.x1 if right else box.x0
        sign = 1 if right else -1
        for v, label, shown in zip(ticks.values, ticks.labels, shown_list, strict=True):
            y = scale(v)
            canvas.line([(x_edge, y), (x_edge + sign * TICK_LENGTH_PT, y)], ink, LINE_WIDTH_PT)
            if shown:
                tx = x_edge + sign * (TICK_LENGTH_PT + TICK_PAD_PT)
                canvas.text(tx, y + (ASCENT - DESCENT) * ys / 2, label, ys,
                            anchor="start" if right else "end", color=ink)  # fmt: skip
    # axis titles
    axis_pt = size(AXIS_TITLE_PT)
    middle_y = (box.y0 + box.y1) / 2
    ticks_left, ticks_right, ticks_below = _tick_room(placed, box)
    if layout.ytitle:  # beside the tick labels, as far out as its lines need
        lines = layout.ytitle.count("\n")
        x = box.x0 - ticks_left - LABEL_PAD_PT - (DESCENT + lines * LINE_SPACING) * axis_pt
        _rotated(canvas, x, middle_y, layout.ytitle, axis_pt)
    if layout.y2title:
        x = box.x1 + ticks_right + LABEL_PAD_PT + ASCENT * axis_pt
        _rotated(canvas, x, middle_y, layout.y2title, axis_pt)
    if plot.x.title:
        y = box.y1 + ticks_below + LABEL_PAD_PT + ASCENT * axis_pt
        canvas.text((box.x0 + box.x1) / 2, y, plot.x.title, axis_pt, anchor="middle", color=ink)
    for label, x, y in _value_labels(layout, sx, sy, sy2):
        canvas.text(x, y, label.text, size(label.size), anchor="middle",
                    color=label.color or ink)  # fmt: skip
    _draw_legend(canvas, layout)
    if layout.title:
        lines = layout.title.count("\n")
        y = box.y0 - TITLE_PAD_PT - lines * LINE_SPACING * TITLE_PT
        canvas.text(box.x0, y, layout.title, TITLE_PT, bold=True, color=ink)
    return canvas


def _rotated(canvas: Canvas, x: float, middle_y: float, text: str, size: float) -> None:
    """An axis title reading upwards, centred on ``middle_y``, its first line's baseline at
    ``x`` (its next lines to the right)."""
    for i, line in enumerate(text.split("\n")):
        canvas.text(x + i * LINE_SPACING * size, middle_y, line, size, anchor="middle",
                    color=COLORS["text"], rotate=True)  # fmt: skip


def draw(plot: Plot, *, narrow: bool = False, clip_id: str = "plot") -> Canvas:
    """``plot`` laid out and drawn at its size, or in its phone layout (``narrow``); the
    marks are clipped to the plot area by the clip path ``clip_id``."""
    width, height = plot.width_in * 72, plot.height_in * 72
    if narrow:
        width = NARROW_WIDTH_IN * 72
        height = max(height, width * 0.7)
    layout = _Layout(plot, narrow, width, height, _Sizes(narrow))
    placed = _settle(layout)
    return _draw(layout, placed, clip_id)


def render(plot: Plot, chart_id: str, alt: str) -> Chart:
    """The :class:`Chart` of ``plot``: its SVG, and its phone layout when it is wider.
    Ids are the chart's own (``<chart_id>-plot``), so charts share a page safely."""
    plot = _remembering_labels(plot)
    svg = draw(plot, clip_id=f"{chart_id}-plot").svg(SVG_FONT_FAMILY)
    narrow = ""
    if plot.width_in > NARROW_WIDTH_IN:
        canvas = draw(plot, narrow=True, clip_id=f"{chart_id}-narrow-plot")
        narrow = canvas.svg(SVG_FONT_FAMILY)
    return Chart(chart_id=chart_id, svg=svg, alt=alt, svg_narrow=narrow)


def _remembering_labels(plot: Plot) -> Plot:
    """``plot`` with tick labels formatted once per value and step: the layout asks again
    for every size of plot area it tries, in both layouts (locale formatting is slow)."""

    def remember(axis: Axis | None) -> Axis | None:
        if axis is None or axis.format is None:
            return axis
        labels: dict[tuple[float, float], str] = {}
        format_ = axis.format

        def label(value: float, step: float) -> str:
            key = (value, step)
            if key not in labels:
                labels[key] = format_(value, step)
            return labels[key]

        return dataclasses.replace(axis, format=label)

    return dataclasses.replace(plot, x=remember(plot.x), y=remember(plot.y), y2=remember(plot.y2))
