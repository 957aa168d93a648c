"""An SVG canvas: shapes and texts in points, written as markup to inline in HTML.

One user unit is one point (the ``viewBox`` is the chart's size in points), so text sizes
and line widths read as in print. Texts stay ``<text>`` elements in the report's font
stack (set once, on the root element). Everything that comes from data (names, labels)
is escaped; numbers are written with two decimals at most, so the same chart is the same
bytes every time.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from kamreport.charts.text import ASCENT, DESCENT, LINE_SPACING, text_width


def num(value: float) -> str:
    """``value`` with at most two decimals and no trailing zeros ("12.5", "3", "-0.25")."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def attr(value: str) -> str:
    """``value`` escaped for a double-quoted attribute."""
    return html.escape(value, quote=True)


@dataclass(frozen=True)
class Box:
    """A rectangle in points, y downwards."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, gap: float = 0.0) -> bool:
        """Whether the two boxes come closer than ``gap`` in both directions."""
        return (
            self.x0 < other.x1 + gap
            and other.x0 < self.x1 + gap
            and self.y0 < other.y1 + gap
            and other.y0 < self.y1 + gap
        )

    def moved(self, dx: float = 0.0, dy: float = 0.0) -> Box:
        return Box(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)


def text_box(
    x: float, y: float, text: str, size: float, anchor: str = "start", bold: bool = False
) -> Box:
    """The glyph box of a one-line text drawn at baseline ``(x, y)``."""
    width = text_width(text, size, bold)
    x0 = x - {"start": 0.0, "middle": width / 2, "end": width}[anchor]
    return Box(x0, y - ASCENT * size, x0 + width, y + DESCENT * size)


@dataclass
class Canvas:
    """Shapes and texts of one chart, in drawing order; :meth:`svg` writes them."""

    width: float
    height: float
    parts: list[str] = field(default_factory=list)
    texts: list[Box] = field(default_factory=list)

    def rect(
        self, x: float, y: float, w: float, h: float, fill: str, *, stroke: str = "",
        stroke_width: float = 0.0, opacity: float = 1.0,
    ) -> None:  # fmt: skip
        extra = f' stroke="{stroke}" stroke-width="{num(stroke_width)}"' if stroke else ""
        if opacity < 1:
            extra += f' fill-opacity="{num(opacity)}"'
        self.parts.append(
            f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" '
            f'fill="{fill}"{extra}/>'
        )

    def line(
        self, points: Sequence[tuple[float, float]], color: str, width: float,
        dash: Sequence[float] = (),
    ) -> None:  # fmt: skip
        """A polyline through ``points``."""
        if len(points) < 2:
            return
        d = "M" + " L".join(f"{num(x)} {num(y)}" for x, y in points)
        dashes = f' stroke-dasharray="{",".join(num(d) for d in dash)}"' if dash else ""
        self.parts.append(
            f'<path d="{d}" fill="none" stroke="{color}" stroke-width="{num(width)}"'
            f' stroke-linejoin="round"{dashes}/>'
        )

    def circle(
        self, x: float, y: float, r: float, fill: str, *, stroke: str = "", stroke_width: float = 0
    ) -> None:
        edge = f' stroke="{stroke}" stroke-width="{num(stroke_width)}"' if stroke else ""
        self.parts.append(f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(r)}" fill="{fill}"{edge}/>')

    def text(
        self, x: float, y: float, text: str, size: float, *, anchor: str = "start",
        bold: bool = False, color: str = "", rotate: bool = False,
    ) -> list[Box]:  # fmt: skip
        """``text`` with its first baseline at ``(x, y)``, one ``<text>`` per line, lines
        :data:`LINE_SPACING` apart. ``rotate`` turns it a quarter left about ``(x, y)``,
        reading upwards (an axis title beside a vertical axis). Returns the glyph boxes."""
        boxes = []
        for i, line in enumerate(text.split("\n")):
            if not line:
                continue
            by = y + i * LINE_SPACING * size
            attrs = f'x="{num(x)}" y="{num(by)}" font-size="{num(size)}"'
            if anchor != "start":
                attrs += f' text-anchor="{anchor}"'
            if bold:
                attrs += ' font-weight="700"'
            if color:
                attrs += f' fill="{color}"'
            if rotate:
                attrs += f' transform="rotate(-90 {num(x)} {num(y)})"'
            self.parts.append(f"<text {attrs}>{html.escape(line, quote=False)}</text>")
            box = text_box(x, by, line, size, anchor, bold)
            if rotate:  # the box turned about (x, y)
                box = Box(x + (box.y0 - y), y - (box.x1 - x), x + (box.y1 - y), y - (box.x0 - x))
            boxes.append(box)
        self.texts.extend(boxes)
        return boxes

    def open_group(self, attributes: str) -> None:
        self.parts.append(f"<g {attributes}>")

    def close_group(self) -> None:
        self.parts.append("</g>")

    def clip(self, clip_id: str, x: float, y: float, w: float, h: float) -> None:
        """A clip path the marks of the plot area refer to (``clip-path="url(#id)"``)."""
        self.parts.append(
            f'<clipPath id="{attr(clip_id)}"><rect x="{num(x)}" y="{num(y)}" '
            f'width="{num(w)}" height="{num(h)}"/></clipPath>'
        )

    def svg(self, font_family: str) -> str:
        """The markup: no XML prolog, no fixed size (it scales to its box), hidden from
        screen readers (the figure around it carries the alt text)."""
        head = (
            f'<svg class="chart" aria-hidden="true" font-family="{attr(font_family)}" '
            f'viewBox="0 0 {num(self.width)} {num(self.height)}" '
            'xmlns="http://www.w3.org/2000/svg" version="1.1">'
        )
        return "\n".join([head, *self.parts, "</svg>"]) + "\n"
