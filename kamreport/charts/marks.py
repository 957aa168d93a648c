"""What a plot area shows: bars, lines, points, bands, reference lines and value labels.

Each mark knows the data range it covers (for the axes' limits) and draws itself on a
:class:`~kamreport.charts.svg.Canvas` through the plot's two scales. Missing values
(NaN) are left out: a line breaks there, a bar is not drawn.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from kamreport.charts.scale import Scale
from kamreport.charts.svg import Canvas


class Mark(Protocol):
    """What a plot area draws: its data range on each axis (None: any), the values its
    y axis must not be widened past (a bar's base), and itself through two scales."""

    axis: str  # "y", or "y2" for the right-hand axis

    def x_range(self) -> tuple[float, float] | None: ...

    def y_range(self) -> tuple[float, float] | None: ...

    def sticky_y(self) -> list[float]: ...

    def draw(self, canvas: Canvas, sx: Scale, sy: Scale) -> None: ...


def _finite(values: Sequence[float]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def _range(values: Sequence[float]) -> tuple[float, float] | None:
    found = _finite(values)
    return (min(found), max(found)) if found else None


def dashes(style: str, width: float) -> tuple[float, ...]:
    """The dash pattern of ``style`` ("--" dashed, ":" dotted, "" solid), scaled with the
    line's width as matplotlib drew it."""
    pattern = {"--": (3.7, 1.6), ":": (1.0, 1.65)}.get(style, ())
    return tuple(p * width for p in pattern)


@dataclass(frozen=True)
class Bars:
    """Rectangles from ``x0`` to ``x1`` and from ``y0`` to ``y1`` (data units), one colour
    each or one for all. Bars stand on their base: the axis limit stops there (no margin
    below a bar starting at zero)."""

    x0: Sequence[float]
    x1: Sequence[float]
    y0: Sequence[float]
    y1: Sequence[float]
    color: str | Sequence[str]
    edge: str = ""
    axis: str = "y"

    @classmethod
    def at(
        cls, x: Sequence[float], heights: Sequence[float], width: float, color: str | Sequence[str],
        bottoms: Sequence[float] | None = None, axis: str = "y",
    ) -> Bars:  # fmt: skip
        """Bars centred on ``x``, ``width`` wide, ``heights`` tall from ``bottoms`` (0)."""
        base = [0.0] * len(x) if bottoms is None else [float(b) for b in bottoms]
        tops = [b + float(h) for b, h in zip(base, heights, strict=True)]
        return cls(
            [float(v) - width / 2 for v in x], [float(v) + width / 2 for v in x],
            base, tops, color, axis=axis,
        )  # fmt: skip

    def x_range(self) -> tuple[float, float] | None:
        return _range([*self.x0, *self.x1])

    def y_range(self) -> tuple[float, float] | None:
        return _range([*self.y0, *self.y1])

    def sticky_y(self) -> list[float]:
        return sorted(set(_finite(self.y0)))

    def draw(self, canvas: Canvas, sx: Scale, sy: Scale) -> None:
        for i, (x0, x1, y0, y1) in enumerate(zip(self.x0, self.x1, self.y0, self.y1, strict=True)):
            if not all(math.isfinite(v) for v in (x0, x1, y0, y1)) or y0 == y1:
                continue
            color = self.color if isinstance(self.color, str) else self.color[i]
            left, right = sorted((sx(x0), sx(x1)))
            top, bottom = sorted((sy(y0), sy(y1)))
            canvas.rect(
                left, top, right - left, bottom - top, color,
                stroke=self.edge, stroke_width=0.8 if self.edge else 0.0,
            )  # fmt: skip


class _AtPoints:
    """Marks drawn at their ``x`` and ``y`` values: the axes span exactly those."""

    x: Sequence[float]
    y: Sequence[float]

    def x_range(self) -> tuple[float, float] | None:
        return _range(self.x)

    def y_range(self) -> tuple[float, float] | None:
        return _range(self.y)

    def sticky_y(self) -> list[float]:
        return []


@dataclass(frozen=True)
class Line(_AtPoints):
    """A line through ``(x, y)``; ``marker`` is the radius (pt) of a dot at each point;
    ``step`` draws steps that change halfway between points (a monthly target)."""

    x: Sequence[float]
    y: Sequence[float]
    color: str
    width: float = 2.0
    style: str = ""
    marker: float = 0.0
    step: bool = False
    axis: str = "y"

    def _runs(self) -> list[list[tuple[float, float]]]:
        """The points, split where a value is missing."""
        runs: list[list[tuple[float, float]]] = [[]]
        for x, y in zip(self.x, self.y, strict=True):
            if y is None or not math.isfinite(float(y)):
                if runs[-1]:
                    runs.append([])
                continue
            runs[-1].append((float(x), float(y)))
        return [r for r in runs if r]

    def draw(self, canvas: Canvas, sx: Scale, sy: Scale) -> None:
        for run in self._runs():
            points = run
            if self.step:
                points = [run[0]]
                for (x0, y0), (x1, y1) in itertools.pairwise(run):
                    mid = (x0 + x1) / 2
                    points += [(mid, y0), (mid, y1)]
                points.append(run[-1])
            canvas.line(
                [(sx(x), sy(y)) for x, y in points], self.color, self.width,
                dashes(self.style, self.width),
            )  # fmt: skip
            if self.marker:
                for x, y in run:
                    canvas.circle(sx(x), sy(y), self.marker, self.color)


@dataclass(frozen=True)
class Points(_AtPoints):
    """Dots of ``radius`` points at ``(x, y)``, one colour each, with a white rim."""

    x: Sequence[float]
    y: Sequence[float]
    colors: Sequence[str]
    radius: float = 4.75
    axis: str = "y"

    def draw(self, canvas: Canvas, sx: Scale, sy: Scale) -> None:
        for x, y, color in zip(self.x, self.y, self.colors, strict=True):
            canvas.circle(sx(x), sy(y), self.radius, color, stroke="#ffffff", stroke_width=1.0)


class _Unbounded:
    """A mark spanning the whole plot area: no data range on either axis, no base."""

    def x_range(self) -> tuple[float, float] | None:
        return None

    def y_range(self) -> tuple[float, float] | None:
        return None

    def sticky_y(self) -> list[float]:
        return []


@dataclass(frozen=True)
class Band(_Unbounded):
    """A tinted band across the whole plot height, from ``x0`` to ``x1``."""

    x0: float
    x1: float
    color: str
    opacity: float = 0.04
    axis: str = "y"

    def draw(self, canvas: Canvas, sx: Scale, sy: Scale) -> None:
        left, right = sorted((sx(self.x0), sx(self.x1)))
        top, bottom = sorted((sy.start, sy.end))
        canvas.rect(left, top, right - left, bottom - top, self.color, opacity=self.opacity)


@dataclass(frozen=True)
class Rule(_Unbounded):
    """A reference line across the plot area at ``value``: horizontal (a y value) or
    ``vertical`` (an x value)."""

    value: float
    color: str
    width: float = 0.8
    style: str = ""
    vertical: bool = False
    axis: str = "y"

    def draw(self, canvas: Canvas, sx: Scale, sy: Scale) -> None:
        if self.vertical:
            x = sx(self.value)
            points = [(x, sy.start), (x, sy.end)]
        else:
            y = sy(self.value)
            points = [(sx.start, y), (sx.end, y)]
        canvas.line(points, self.color, self.width, dashes(self.style, self.width))


@dataclass(frozen=True)
class Label:
    """A short text centred on a data point, its baseline ``offset`` points above it
    (below it when negative). The plot's layout lifts labels that would touch apart."""

    x: float
    y: float
    text: str
    size: float = 8.5
    offset: float = 3.0
    color: str = ""
    axis: str = "y"
