"""How a comparison the order data does not cover reads (docs/metrics.md, "Coverage"):
"n/a — data starts <date>" where the figure would be, and one data-quality sentence
naming every comparison left out and why."""

from __future__ import annotations

from kamreport.analytics.coverage import Coverage
from kamreport.views.blocks import Cell
from kamreport.views.display import Display


def not_covered(display: Display, coverage: Coverage) -> str:
    """What a figure comparing with a window the data does not cover shows."""
    return display.t("coverage.na", date=display.date(coverage.data_start))


def not_covered_cell(display: Display, coverage: Coverage) -> Cell:
    """:func:`not_covered` as a table cell."""
    return Cell(not_covered(display, coverage), numeric=True)


def coverage_note(display: Display, coverage: Coverage) -> str:
    """The data-quality sentence: which comparisons are not shown, from which date the data
    starts and the rule; "" when every comparison is covered."""
    if coverage.complete:
        return ""
    t = display.t
    names = t("coverage.sep").join(
        t(f"coverage.comparison.{code}", months=display.number(coverage.recent_months))
        for code in coverage.not_covered
    )
    return t("coverage.note", date=display.date(coverage.data_start), comparisons=names)


__all__ = ["coverage_note", "not_covered", "not_covered_cell"]
