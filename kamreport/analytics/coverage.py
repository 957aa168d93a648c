"""Which comparisons the order data covers: the one coverage rule (docs/metrics.md,
"Coverage").

A comparison with an earlier window is only as good as the data inside that window.
An export of thirteen months compared with "the prior twelve months" compares with
a few days and reports growth of thousands of percent. The rule, used by every
figure that compares two windows:

    a window is covered when the data's first order line is dated no later than
    :data:`COVER_SLACK` (one month) after the window starts.

A comparison whose earlier window is not covered is n/a ("data starts <date>"),
never 0 or +∞. :func:`coverage` lists, for one as-of date, the comparisons of the
reports and whether the data covers each, so the data-quality section can say once
which are not shown and why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.periods import (
    Window,
    as_timestamp,
    months_back,
    prior_ltm,
    prior_ytd,
    recent_and_year_earlier,
)

COVER_SLACK = pd.DateOffset(months=1)  # the data may start this long after a covered window

# The comparisons of the reports, in the order the data-quality note lists them:
# - ltm: LTM against the prior LTM (growth of accounts, segments, categories and the
#   portfolio; the revenue bridge; REVENUE_DECLINE; the growth criterion of the score);
# - ytd: year to date against the same stretch of the year before;
# - tiers_then: the tier migration and the score back-test (the scores of a year ago
#   need the twelve months before that date);
# - clv_backtest: the lifetime-value back-test (the twelve months before its cut-off);
# - recent: the recent months against the same months a year earlier (discount depth,
#   products bought, lapsed categories, DISCOUNT_PRESSURE, NARROWING_BREADTH).
COMPARISONS = ("ltm", "ytd", "tiers_then", "clv_backtest", "recent")


def data_start(lines: pd.DataFrame) -> pd.Timestamp | None:
    """The date of the first order line (None without order lines)."""
    if lines.empty:
        return None
    first = lines["order_date"].min()
    return None if pd.isna(first) else as_timestamp(first)


def covers(start: dt.date | pd.Timestamp | None, window: Window) -> bool:
    """Whether order data starting on ``start`` covers ``window``: it starts no later
    than :data:`COVER_SLACK` after the window does. Unknown start (no data): covered —
    there is nothing to compare, and the figures say so themselves."""
    if start is None or pd.isna(start):
        return True
    return as_timestamp(start) <= window.start + COVER_SLACK


def covered_months(
    start: dt.date | pd.Timestamp | None, as_of: dt.date | pd.Timestamp, months: int
) -> int:
    """How many of the ``months`` calendar months up to the as-of month the data starting on
    ``start`` covers (at least 1): a trend begins with the data instead of showing the
    months before it as zero."""
    shown = months
    while shown > 1 and not covers(start, months_back(as_of, shown)):
        shown -= 1
    return shown


def trend_window(
    start: dt.date | pd.Timestamp | None, as_of: dt.date | pd.Timestamp, months: int
) -> Window:
    """The last ``months`` calendar months up to the as-of date, from the data's ``start``
    when it starts later (:func:`covered_months`): no months of zeros before the data."""
    return months_back(as_of, covered_months(start, as_of, months))


def comparison_windows(as_of: dt.date | pd.Timestamp, recent_months: int) -> dict[str, Window]:
    """The earlier window of each of :data:`COMPARISONS` as of ``as_of``."""
    return {
        "ltm": prior_ltm(as_of),
        "ytd": prior_ytd(as_of),
        "tiers_then": prior_ltm(as_of),
        "clv_backtest": prior_ltm(as_of),
        "recent": recent_and_year_earlier(as_of, recent_months)[1],
    }


@dataclass(frozen=True)
class Coverage:
    """Where the data starts and which comparisons it does not cover as of one date."""

    data_start: dt.date | None
    not_covered: tuple[str, ...]  # codes of COMPARISONS, in that order
    recent_months: int = 6  # the window of the "recent" comparison

    def covered(self, comparison: str) -> bool:
        """Whether the comparison ``comparison`` (one of :data:`COMPARISONS`) is shown."""
        if comparison not in COMPARISONS:
            raise ValueError(f"unknown comparison {comparison!r}; one of {COMPARISONS}")
        return comparison not in self.not_covered

    @property
    def complete(self) -> bool:
        return not self.not_covered


def coverage(lines: pd.DataFrame, as_of: dt.date | pd.Timestamp, recent_months: int) -> Coverage:
    """:class:`Coverage` of the order ``lines`` as of ``as_of`` (``recent_months``: the
    window of the recent-against-year-earlier comparisons, ``risk.discount_window_months``)."""
    start = data_start(lines)
    windows = comparison_windows(as_of, recent_months)
    missing = tuple(c for c in COMPARISONS if not covers(start, windows[c]))
    return Coverage(start.date() if start is not None else None, missing, recent_months)


__all__ = [
    "COMPARISONS",
    "COVER_SLACK",
    "Coverage",
    "comparison_windows",
    "coverage",
    "covered_months",
    "covers",
    "data_start",
    "trend_window",
]
