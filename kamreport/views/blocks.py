"""Display-ready building blocks that every view model is made of.

A view model holds only text: every number is already formatted, every label
translated, every link resolved. Templates lay these blocks out and do nothing
else, so what a reader sees is decided (and tested) in Python, and the same
block renders the same way in every report.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from kamreport.exact import tidy

Attrs = tuple[tuple[str, str], ...]


def attrs(**values: object) -> Attrs:
    """``data-*`` attributes from keyword arguments (``account="KA1"`` → ``data-account``);
    numbers tidied as in the metrics JSON (no float dust in the page)."""
    return tuple((f"data-{k.replace('_', '-')}", _attr(v)) for k, v in values.items())


def _attr(value: object) -> str:
    if isinstance(value, float | np.floating):
        return str(tidy(float(value)))
    return str(value)


@dataclass(frozen=True)
class Change:
    """A change shown as a coloured badge: ``▲ +12.3%`` (up), ``▼ −1.2 pp`` (down)."""

    text: str
    direction: str = "neutral"  # up | down | neutral


@dataclass(frozen=True)
class Cell:
    """One table cell. ``text`` is shown as it is; the other fields are optional decorations."""

    text: str = ""
    numeric: bool = False  # right-aligned figure
    header: bool = False  # the row's label (<th scope="row">)
    link: str = ""  # href of the text
    note: str = ""  # small secondary text after the main text (an id, an English name)
    badge: str = ""  # the text is a badge of this kind (high, medium, overdue, done, …)
    change: Change | None = None  # a growth badge instead of plain text
    bar: float | None = None  # a bar of this width in px after the text
    strong: bool = False
    items: tuple[str, ...] = ()  # a short list inside the cell
    links: tuple[tuple[str, str], ...] = ()  # further (label, href) links after the text
    attrs: Attrs = ()


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = False


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    attrs: Attrs = ()
    css: str = ""  # total | sub | failed | state-…


@dataclass(frozen=True)
class Table:
    """A table with its header, rows and the notes under it."""

    table_id: str  # data-table, how tests and readers find it
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    caption: str = ""
    more: str = ""  # "top 20 of 312" when the rows are capped
    css: str = ""  # extra classes: compact, matrix, breadth, risks

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class Kpi:
    """A key-figure card: label, value, a comparison line and an optional change badge."""

    label: str
    value: str
    note: str = ""
    change: Change | None = None
    warn: bool = False
    metric: str = ""  # data-metric, the key of the metrics output


@dataclass(frozen=True)
class Fact:
    """A label and its value in a definition list (the profile card)."""

    label: str
    value: str


@dataclass(frozen=True)
class Line:
    """A sentence in a list: highlights, headlines, notes, warnings."""

    text: str
    tone: str = ""  # positive | negative | neutral | warning | error
    note: str = ""  # a second line (the suggested action)
    link: str = ""  # where the sentence comes from (#section)
    link_text: str = ""
    attrs: Attrs = ()


@dataclass(frozen=True)
class ChartView:
    """A chart as the template embeds it: an id, SVG markup we generated, alt text, and the
    SVG laid out for phones ("" when there is none)."""

    chart_id: str
    svg: str
    alt: str
    svg_narrow: str = ""

    @classmethod
    def of(cls, chart: Any) -> ChartView | None:
        """The view of a :class:`kamreport.charts.Chart` (None stays None)."""
        if chart is None:
            return None
        return cls(chart.chart_id, chart.svg, chart.alt, getattr(chart, "svg_narrow", ""))


@dataclass(frozen=True)
class Page:
    """What every report page carries around its content: title, header, provenance lines."""

    lang: str  # the html lang attribute
    title: str  # <title> and the running header of printed pages
    eyebrow: str  # the small line above the heading
    heading: str
    subtitle: str
    period: str  # "as of 30 Sep 2026", in the running header
    confidentiality: str
    generated: str  # "Generated … by kamreport …"
    provenance: str  # "Data as of … · data hash … · parameters …"
    version: str
    heading_note: str = ""  # the name in the other language, under the heading
    nav: tuple[tuple[str, str], ...] = ()  # (anchor, label) of a table of contents


def to_plain(value: Any) -> Any:
    """A view model as plain JSON-ready data (dicts, lists, strings), for snapshots.

    Chart SVG is replaced by its id: the pictures are checked by looking at them,
    the numbers and words around them by the snapshot.
    """
    if isinstance(value, ChartView):
        return {"chart": value.chart_id, "alt": value.alt}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not _empty(getattr(value, f.name))
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


def _empty(value: Any) -> bool:
    """Defaults left out of snapshots, so they show what a view actually says."""
    return value is None or value == "" or value == () or value is False


__all__ = [
    "Attrs",
    "Cell",
    "Change",
    "ChartView",
    "Column",
    "Fact",
    "Kpi",
    "Line",
    "Page",
    "Row",
    "Table",
    "attrs",
    "to_plain",
]
