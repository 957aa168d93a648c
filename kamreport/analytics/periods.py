"""Reporting windows relative to an as-of date.

A window holds the dates d with ``start < d <= end`` (start exclusive, end
inclusive), so twelve months back from 2026-09-30 is (2025-09-30, 2026-09-30].
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Window:
    """Dates d with start < d <= end."""

    start: pd.Timestamp
    end: pd.Timestamp

    def mask(self, dates: pd.Series) -> pd.Series:
        return (dates > self.start) & (dates <= self.end)

    def shifted_years(self, years: int) -> Window:
        return Window(
            self.start - pd.DateOffset(years=years), self.end - pd.DateOffset(years=years)
        )


def as_timestamp(value: dt.date | pd.Timestamp | str) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def up_to(lines: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """``lines`` dated ``end`` or earlier: the frame itself when none is later (the usual
    case, as-of at the data's end), so ten million lines are not copied for nothing."""
    later = (lines["order_date"] > end).to_numpy()
    return lines.loc[~later] if later.any() else lines


def first_date_up_to(dates: pd.Series, end: pd.Timestamp) -> pd.Timestamp:
    """The earliest of ``dates`` that is ≤ ``end`` (NaT when there is none): where the
    order data starts for figures as of ``end``, found without copying the lines."""
    return dates.loc[(dates <= end).to_numpy()].min()


def ltm(as_of: dt.date | pd.Timestamp) -> Window:
    """Last twelve months: as_of − 12 months < d ≤ as_of."""
    end = as_timestamp(as_of)
    return Window(end - pd.DateOffset(months=12), end)


def prior_ltm(as_of: dt.date | pd.Timestamp) -> Window:
    """The twelve months before the LTM window."""
    end = as_timestamp(as_of) - pd.DateOffset(months=12)
    return Window(end - pd.DateOffset(months=12), end)


def ytd(as_of: dt.date | pd.Timestamp) -> Window:
    """Year to date: 1 January of the as-of year ≤ d ≤ as_of."""
    end = as_timestamp(as_of)
    return Window(pd.Timestamp(year=end.year, month=1, day=1) - pd.Timedelta(days=1), end)


def prior_ytd(as_of: dt.date | pd.Timestamp) -> Window:
    """The same stretch of the previous year."""
    return ytd(as_of).shifted_years(1)


def last_months(as_of: dt.date | pd.Timestamp, months: int) -> Window:
    """The ``months`` months up to the as-of date: as_of − months < d ≤ as_of (the recent
    window of discount depth, products bought and lapsed categories)."""
    end = as_timestamp(as_of)
    return Window(end - pd.DateOffset(months=months), end)


def recent_and_year_earlier(as_of: dt.date | pd.Timestamp, months: int) -> tuple[Window, Window]:
    """:func:`last_months` and the same months a year earlier (seasons compared alike)."""
    now = last_months(as_of, months)
    return now, now.shifted_years(1)


def months_back(as_of: dt.date | pd.Timestamp, months: int) -> Window:
    """The ``months`` whole calendar months ending with the as-of month."""
    end = as_timestamp(as_of)
    first_of_month = end.to_period("M").to_timestamp()
    return Window(first_of_month - pd.DateOffset(months=months - 1) - pd.Timedelta(days=1), end)


def year_elapsed(as_of: dt.date | pd.Timestamp) -> tuple[int, int]:
    """(days from 1 January to as_of inclusive, days in that year): the basis of every
    run-rate, annualised figure = year-to-date / elapsed × days."""
    end = as_timestamp(as_of)
    start = pd.Timestamp(year=end.year, month=1, day=1)
    return (end - start).days + 1, 366 if start.is_leap_year else 365


def default_as_of(last_order_date: dt.date | pd.Timestamp) -> dt.date:
    """The end of the last complete month in the data.

    If the data ends on the last day of a month, that month is complete;
    otherwise the as-of date is the last day of the month before.
    """
    last = as_timestamp(last_order_date)
    if last.is_month_end:
        return last.date()
    return (last.to_period("M").to_timestamp() - pd.Timedelta(days=1)).date()
