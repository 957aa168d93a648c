"""The calendar of the sample: day indices, months, order seasonality, id formatting.

Days are integer offsets from the first day of the sample; they become
``datetime64[ns]`` only when the tables are assembled. The daily weight says
how busy a day is for ordering: weekends and public holidays are quiet, orders
dip around Chinese New Year (after a rush to stock up before it) and there is
a fourth-quarter bump.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

# Chinese New Year (Spring Festival) dates; other years fall back to 5 February.
_CNY = {
    2018: "2018-02-16",
    2019: "2019-02-05",
    2020: "2020-01-25",
    2021: "2021-02-12",
    2022: "2022-02-01",
    2023: "2023-01-22",
    2024: "2024-02-10",
    2025: "2025-01-29",
    2026: "2026-02-17",
    2027: "2027-02-06",
    2028: "2028-01-26",
    2029: "2029-02-13",
    2030: "2030-02-03",
    2031: "2031-01-23",
    2032: "2032-02-11",
}
# Month-of-year factor (January … December); CNY is handled by day.
_MONTH_FACTOR = np.array([1.0, 1.0, 1.05, 1.0, 1.0, 0.95, 0.92, 0.95, 1.08, 1.05, 1.18, 1.22])
_WEEKDAY_FACTOR = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.35, 0.1])  # Monday … Sunday


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the end of the target month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_first = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (next_first - dt.timedelta(days=1)).day))


@dataclass(frozen=True)
class Timeline:
    """Every day from ``start`` to ``end`` (inclusive) with its month, year and weight."""

    start: dt.date
    end: dt.date
    n_days: int
    weight: np.ndarray  # order intensity per day, mean 1
    cum: np.ndarray  # cumulative weight, length n_days + 1 (cum[d] = weight before day d)
    month: np.ndarray  # month index (0 = the month of start) per day
    year: np.ndarray  # calendar year per day
    weekday: np.ndarray  # 0 = Monday per day
    month_first: np.ndarray  # first day index of every month
    month_last: np.ndarray  # last day index of every month

    @property
    def n_months(self) -> int:
        return len(self.month_first)

    @property
    def first_year(self) -> int:
        return self.start.year

    @property
    def n_years(self) -> int:
        return self.end.year - self.start.year + 1

    def month_bounds(self, extra: int) -> tuple[np.ndarray, np.ndarray]:
        """First and last day index of every month, plus ``extra`` months after the end."""
        base = np.datetime64(self.start, "M")
        months = base + np.arange(self.n_months + extra + 1).astype("timedelta64[M]")
        firsts = (months.astype("datetime64[D]") - np.datetime64(self.start, "D")).astype(int)
        firsts[0] = 0
        return firsts[:-1], firsts[1:] - 1

    def year_of(self, days: np.ndarray) -> np.ndarray:
        """Calendar year of day indices, also outside the sample."""
        dates = np.datetime64(self.start, "D") + np.asarray(days).astype("timedelta64[D]")
        return dates.astype("datetime64[Y]").astype(np.int64) + 1970

    def weekday_of(self, days: np.ndarray) -> np.ndarray:
        """Weekday (0 = Monday) of day indices, also past the end."""
        return (self.weekday[0] + np.asarray(days)) % 7

    def day(self, day: dt.date) -> int:
        """Day index of a date (may be negative or past the end)."""
        return (day - self.start).days

    def dates(self, days: np.ndarray) -> np.ndarray:
        """Day indices as ``datetime64[ns]``."""
        base = np.datetime64(self.start, "D")
        return (base + np.asarray(days).astype("timedelta64[D]")).astype("datetime64[ns]")

    def month_dates(self, months: np.ndarray) -> np.ndarray:
        """Month indices (0 = the month of start) as ``datetime64[ns]`` first days."""
        base = np.datetime64(self.start, "M")
        firsts = base + np.asarray(months).astype("timedelta64[M]")
        return firsts.astype("datetime64[D]").astype("datetime64[ns]")


def build_timeline(start: dt.date, end: dt.date) -> Timeline:
    """The calendar and daily order weights between ``start`` and ``end``."""
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    n_days = len(days)
    as_int = days.astype(np.int64)
    weekday = (as_int + 3) % 7  # 1970-01-01 was a Thursday
    months = days.astype("datetime64[M]").astype(np.int64)
    month_of_year = months % 12
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    weight = _WEEKDAY_FACTOR[weekday] * _MONTH_FACTOR[month_of_year]
    for y in range(start.year, end.year + 1):
        cny = np.datetime64(_CNY.get(y, f"{y}-02-05"), "D").astype(np.int64)
        weight[(as_int >= cny - 21) & (as_int < cny - 7)] *= 1.3
        weight[(as_int >= cny - 7) & (as_int <= cny + 10)] *= 0.15
        national_day = np.datetime64(f"{y}-10-01", "D").astype(np.int64)
        weight[(as_int >= national_day) & (as_int < national_day + 7)] *= 0.15
        labour_day = np.datetime64(f"{y}-05-01", "D").astype(np.int64)
        weight[(as_int >= labour_day) & (as_int < labour_day + 5)] *= 0.4
    weight = weight / weight.mean()
    cum = np.concatenate([[0.0], np.cumsum(weight)])
    month = months - months[0]
    change = np.flatnonzero(np.diff(month)) + 1
    month_first = np.concatenate([[0], change])
    month_last = np.concatenate([change - 1, [n_days - 1]])
    return Timeline(start, end, n_days, weight, cum, month, year, weekday, month_first, month_last)


def format_ids(
    prefix: str, numbers: np.ndarray, width: int, years: np.ndarray | None = None
) -> np.ndarray:
    """Ids like ``KA0001`` or, with ``years``, ``SO2024-000123``, as an object array.

    Vectorised (no per-id Python formatting) so that millions of order ids stay
    cheap. When a number needs more than ``width`` digits, every id of the call
    gets that many digits, so the ids still sort in number order.
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    if len(numbers) == 0:
        return np.array([], dtype=object)
    width = max(width, len(str(int(numbers.max()))))
    year_width = 5 if years is not None else 0
    size = len(prefix) + year_width + width
    # One UCS-4 code point per character, viewed as a fixed-width unicode array.
    chars = np.empty((len(numbers), size), dtype=np.uint32)
    chars[:, : len(prefix)] = [ord(c) for c in prefix]
    if years is not None:
        years = np.asarray(years, dtype=np.int64)
        for k in range(4):
            chars[:, len(prefix) + k] = 48 + (years // 10 ** (3 - k)) % 10
        chars[:, len(prefix) + 4] = ord("-")
    rest = numbers.copy()
    for k in range(size - 1, size - width - 1, -1):
        rest, digit = np.divmod(rest, 10)
        chars[:, k] = 48 + digit
    return chars.view(f"U{size}").ravel().astype(object)
