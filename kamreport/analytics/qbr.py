"""The quarterly business review (QBR) of one account: the quarter's figures.

Definitions (docs/metrics.md, "Quarterly business review"), for quarter Q and as-of A:

- the window: the first day of Q ≤ d ≤ min(last day of Q, A); "to date" when Q is not
  over at A;
- revenue and orders: :func:`kamreport.analytics.sales.sales_figures` of the window (the
  account review's definitions, so Q1 + Q2 + Q3 of a year is the review's YTD revenue);
- same quarter last year: the window one year earlier, n/a when the data does not cover
  it (:func:`kamreport.analytics.coverage.covers`, "data starts <date>");
- target: Σ ``revenue_target`` of Q's months whose first day is ≤ the window's end (the
  rule of the YTD target); attainment: revenue / target, None when the target is not
  positive;
- by product category: revenue of the window per ``products.category``
  (:func:`kamreport.analytics.mix.with_category`);
- complaints: opened in the window; "resolved" when closed by its end, else "open";
- agreed actions: account-plan items due in Q, in the plan's state as of A
  (:func:`kamreport.analytics.plan.account_plan`); activities done in the window by type;
- next quarter: its full target, the open or overdue plan items due by its end, and the
  activities planned in it.

The internal figures (:class:`QbrInternal`: gross margin, the score, tier and rank of the
value layer, the risk flags) are kept apart so a customer-facing deck never holds them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.coverage import covers
from kamreport.analytics.mix import has_categories, with_category
from kamreport.analytics.periods import Window, as_timestamp
from kamreport.analytics.plan import account_plan
from kamreport.analytics.relationships import done_activities
from kamreport.analytics.sales import SalesFigures, growth, sales_figures
from kamreport.analytics.satisfaction import open_at
from kamreport.errors import ParamsError

QUARTER_FORM = "YYYYQn with n from 1 to 4, e.g. 2026Q3"
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]\s*(\d+)\s*$")
PLAN_COLUMNS = ["kind", "title", "owner", "due_date", "state"]
COMPLAINT_COLUMNS = ["complaint_id", "opened_date", "closed_date", "category", "severity", "status"]


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: ``year`` and ``number`` (1–4)."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> pd.Timestamp:
        return pd.Timestamp(year=self.year, month=3 * self.number - 2, day=1)

    @property
    def last_day(self) -> pd.Timestamp:
        return self.first_day + pd.offsets.QuarterEnd(0)

    @property
    def months(self) -> list[pd.Timestamp]:
        """The first days of its three months."""
        return [self.first_day + pd.DateOffset(months=i) for i in range(3)]

    def shifted(self, quarters: int) -> Quarter:
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)

    def window(self, as_of: dt.date | pd.Timestamp | None = None) -> Window:
        """Its days up to ``as_of`` (all of them without one), as a :class:`Window`."""
        end = self.last_day if as_of is None else min(self.last_day, as_timestamp(as_of))
        return Window(self.first_day - pd.Timedelta(days=1), end)


def parse_quarter(text: str) -> Quarter:
    """``2026Q3`` (also ``2026-Q3``, ``2026q3``) as a :class:`Quarter`; a ParamsError naming
    the accepted form otherwise."""
    match = _QUARTER.match(str(text))
    if not match:
        raise ParamsError(f"QUARTER {text!r} is not a quarter; write it as {QUARTER_FORM}.")
    year, number = int(match.group(1)), int(match.group(2))
    if not 1 <= number <= 4:
        raise ParamsError(
            f"QUARTER {text!r}: a year has quarters 1 to 4, found {number}; write it as "
            f"{QUARTER_FORM}."
        )
    return Quarter(year, number)


def quarter_of(day: dt.date | pd.Timestamp) -> Quarter:
    """The quarter holding ``day``."""
    stamp = as_timestamp(day)
    return Quarter(stamp.year, (stamp.month - 1) // 3 + 1)


def check_quarter(quarter: Quarter, as_of: dt.date | pd.Timestamp, data_start: object) -> None:
    """Refuse a quarter that starts after the as-of date or ends before the data starts."""
    end = as_timestamp(as_of)
    if quarter.first_day > end:
        raise ParamsError(
            f"QUARTER {quarter.label} starts after the as-of date {end.date()}; choose "
            f"{quarter_of(end).label} or an earlier quarter, or a later AS_OF."
        )
    if data_start is not None and not pd.isna(data_start):
        start = as_timestamp(data_start)  # type: ignore[arg-type]
        if quarter.last_day < start:
            raise ParamsError(
                f"QUARTER {quarter.label} ends before the data starts ({start.date()}); "
                f"choose {quarter_of(start).label} or a later quarter."
            )


@dataclass(frozen=True)
class QbrFigures:
    """What a QBR deck shows the customer about one quarter (see the module doc)."""

    account_id: str
    as_of: dt.date
    quarter: Quarter
    start: dt.date
    end: dt.date  # the window's last day: the quarter's, or the as-of date when earlier
    current: SalesFigures
    prior: SalesFigures | None  # same stretch of the quarter a year earlier; None: not covered
    data_start: dt.date | None  # where the order data starts (the reason of a missing prior)
    target: float | None  # target of the quarter's months begun by ``end``
    monthly: pd.DataFrame  # month, revenue, prior_revenue (NaN: not covered), target
    by_category: pd.DataFrame  # category, revenue, prior_revenue, share; largest first
    has_categories: bool
    complaints: pd.DataFrame  # COMPLAINT_COLUMNS, opened in the window, oldest first
    complaints_open_at_end: int | None  # every complaint open at ``end`` (None: no table)
    resolution_days: float | None  # median days to close, complaints closed in the window
    has_complaints_table: bool
    actions: pd.DataFrame  # PLAN_COLUMNS, due in the quarter
    activities: pd.Series  # done in the window, count per type
    next_quarter: Quarter
    next_target: float | None
    next_actions: pd.DataFrame  # PLAN_COLUMNS: open or overdue, due by the next quarter's end
    next_activities: pd.DataFrame  # date, type: planned in the next quarter
    has_plan_table: bool
    has_delivery_data: bool = False  # the data model records no delivery dates

    @property
    def to_date(self) -> bool:
        """Whether the quarter is not over at the as-of date."""
        return pd.Timestamp(self.end) < self.quarter.last_day

    @property
    def revenue_growth(self) -> float | None:
        return growth(self.current.revenue, self.prior.revenue) if self.prior else None

    @property
    def orders_growth(self) -> float | None:
        return growth(self.current.orders, self.prior.orders) if self.prior else None

    @property
    def attainment(self) -> float | None:
        if self.target is None or self.target <= 0:
            return None
        return self.current.revenue / self.target


def _target(
    targets: pd.DataFrame | None, account_id: str, months: list[pd.Timestamp]
) -> float | None:
    """Σ revenue_target of ``months`` for the account; None when it has no target row there."""
    if targets is None or not months:
        return None
    own = targets.loc[(targets["account_id"] == account_id) & targets["month"].isin(months)]
    if own.empty:
        return None
    return float(own["revenue_target"].sum())


def _monthly(
    lines: pd.DataFrame,
    targets: pd.DataFrame | None,
    account_id: str,
    quarter: Quarter,
    window: Window,
    prior: Window | None,
) -> pd.DataFrame:
    rows = []
    for month in quarter.months:
        if month > window.end:
            break
        last = min(month + pd.offsets.MonthEnd(0), window.end)
        now = Window(month - pd.Timedelta(days=1), last)
        revenue = float(lines.loc[now.mask(lines["order_date"]), "net_amount"].sum())
        before = float("nan")
        if prior is not None:
            then = now.shifted_years(1)
            before = float(lines.loc[then.mask(lines["order_date"]), "net_amount"].sum())
        target = _target(targets, account_id, [month])
        rows.append(
            {
                "month": month,
                "revenue": revenue,
                "prior_revenue": before,
                "target": float("nan") if target is None else target,
            }
        )
    return pd.DataFrame(rows, columns=["month", "revenue", "prior_revenue", "target"])


def _by_category(
    lines: pd.DataFrame, products: pd.DataFrame | None, window: Window, prior: Window | None
) -> pd.DataFrame:
    categorised = with_category(lines[["product_id", "order_date", "net_amount"]], products)

    def revenue(part: Window) -> pd.Series:
        inside = categorised.loc[part.mask(categorised["order_date"])]
        return inside.groupby("category")["net_amount"].sum().astype(float)

    now = revenue(window)
    before = revenue(prior) if prior is not None else pd.Series(dtype=float)
    names = now.index.union(before.index)
    out = pd.DataFrame(
        {
            "category": names.astype(str),
            "revenue": now.reindex(names, fill_value=0.0).to_numpy(float),
            "prior_revenue": before.reindex(names, fill_value=0.0).to_numpy(float)
            if prior is not None
            else float("nan"),
        }
    )
    total = out["revenue"].sum()
    out["share"] = out["revenue"] / total if total > 0 else float("nan")
    out = out.loc[(out["revenue"] != 0) | (out["prior_revenue"].fillna(0) != 0)]
    return out.sort_values(["revenue", "category"], ascending=[False, True]).reset_index(drop=True)


def _complaints(
    complaints: pd.DataFrame | None, account_id: str, window: Window
) -> tuple[pd.DataFrame, int | None, float | None]:
    if complaints is None:
        return pd.DataFrame(columns=COMPLAINT_COLUMNS), None, None
    own = complaints.loc[complaints["account_id"] == account_id].copy()
    for column in ("closed_date", "category", "severity"):
        if column not in own:
            own[column] = pd.NaT if column == "closed_date" else None
    still_open = open_at(own, window.end)
    opened = own.loc[window.mask(own["opened_date"])].copy()
    opened["status"] = still_open.loc[opened.index].map({True: "open", False: "resolved"})
    opened = opened.sort_values(["opened_date", "complaint_id"])[COMPLAINT_COLUMNS]
    closed = own.loc[window.mask(own["closed_date"])]
    resolution = None
    if len(closed):
        resolution = float((closed["closed_date"] - closed["opened_date"]).dt.days.median())
    return opened.reset_index(drop=True), int(still_open.sum()), resolution


def _plan_items(
    plans: pd.DataFrame | None, account_id: str, as_of: pd.Timestamp, quarter: Quarter
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(items due in ``quarter``, items for the next quarter), in the plan's state at A."""
    plan = account_plan(plans, account_id, as_of)
    if plan is None:
        empty = pd.DataFrame(columns=PLAN_COLUMNS)
        return empty, empty
    items = plan.items
    due = items["due_date"]
    this = items.loc[quarter.window().mask(due)].sort_values("due_date", kind="stable")
    pending = items["state"].isin(["open", "overdue"])
    nxt = items.loc[pending & (due <= quarter.shifted(1).last_day)]
    nxt = nxt.sort_values("due_date", kind="stable")
    return this.reset_index(drop=True), nxt.reset_index(drop=True)


def _activities(
    activities: pd.DataFrame | None, account_id: str, window: Window, following: Quarter
) -> tuple[pd.Series, pd.DataFrame]:
    if activities is None:
        return pd.Series(dtype=int), pd.DataFrame(columns=["date", "type"])
    own = activities.loc[activities["account_id"] == account_id]
    done = done_activities(own, window.end)
    done = done.loc[window.mask(done["date"])]
    # as text: a categorical column would count its unused categories too
    counts = done["type"].astype(str).value_counts().sort_index()
    counts = counts.sort_values(ascending=False, kind="stable")
    planned = own.loc[following.window().mask(own["date"])]
    planned = planned.loc[planned["status"] == "planned"] if "status" in own else planned.iloc[:0]
    planned = planned.sort_values("date")[["date", "type"]].reset_index(drop=True)
    planned["type"] = planned["type"].astype(str)
    return counts.astype(int), planned


def qbr_figures(
    order_lines: pd.DataFrame,
    account_id: str,
    quarter: Quarter,
    as_of: dt.date,
    *,
    data_start: dt.date | pd.Timestamp | None,
    products: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    complaints: pd.DataFrame | None = None,
    plans: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
) -> QbrFigures:
    """The QBR figures of ``account_id`` for ``quarter`` as of ``as_of``.

    ``order_lines`` may hold every account's lines; ``data_start`` is the first order date
    of the whole data (the coverage rule looks at the data, not at the account).
    """
    end = as_timestamp(as_of)
    check_quarter(quarter, end, data_start)
    lines = order_lines.loc[(order_lines["account_id"] == account_id).to_numpy()]
    lines = lines.loc[(lines["order_date"] <= end).to_numpy()]
    window = quarter.window(end)
    prior_window = window.shifted_years(1)
    covered = covers(data_start, prior_window)
    prior = prior_window if covered else None
    begun = [m for m in quarter.months if m <= window.end]
    following = quarter.shifted(1)
    actions, next_actions = _plan_items(plans, account_id, end, quarter)
    done, planned = _activities(activities, account_id, window, following)
    opened, open_at_end, resolution = _complaints(complaints, account_id, window)
    start = None if data_start is None or pd.isna(data_start) else as_timestamp(data_start).date()
    return QbrFigures(
        account_id=account_id,
        as_of=end.date(),
        quarter=quarter,
        start=quarter.first_day.date(),
        end=window.end.date(),
        current=sales_figures(lines, window),
        prior=sales_figures(lines, prior_window) if covered else None,
        data_start=start,
        target=_target(targets, account_id, begun),
        monthly=_monthly(lines, targets, account_id, quarter, window, prior),
        by_category=_by_category(lines, products, window, prior),
        has_categories=has_categories(products),
        complaints=opened,
        complaints_open_at_end=open_at_end,
        resolution_days=resolution,
        has_complaints_table=complaints is not None,
        actions=actions,
        activities=done,
        next_quarter=following,
        next_target=_target(targets, account_id, following.months),
        next_actions=next_actions,
        next_activities=planned,
        has_plan_table=plans is not None,
    )


@dataclass(frozen=True)
class QbrInternal:
    """Figures for our own preparation meeting only: never in a customer-facing deck."""

    gross_margin: float | None
    margin_pct: float | None
    prior_margin_pct: float | None
    score: float | None
    rank: int | None
    accounts: int
    tier: str | None
    flags: pd.DataFrame  # code, severity, value, unit: the account's risk flags at A


def qbr_internal(
    figures: QbrFigures, values: pd.DataFrame | None, flags: pd.DataFrame | None
) -> QbrInternal:
    """The internal figures of a QBR: the quarter's gross margin, and the account's row of
    the value layer (``values``, indexed by account id) and risk flags as of A — the same
    tables the account review reads."""
    row = None
    if values is not None and figures.account_id in values.index:
        row = values.loc[figures.account_id]

    def field(name: str) -> object:
        if row is None or name not in row or pd.isna(row[name]):
            return None
        return row[name]

    own = pd.DataFrame(columns=["code", "severity", "value", "unit"])
    if flags is not None:
        own = flags.loc[flags["account_id"] == figures.account_id, list(own.columns)]
        order = {"high": 0, "medium": 1, "low": 2}
        own = own.sort_values("severity", key=lambda s: s.map(order), kind="stable")
    score, rank, tier = field("score"), field("rank"), field("tier")
    return QbrInternal(
        gross_margin=figures.current.gross_margin,
        margin_pct=figures.current.margin_pct,
        prior_margin_pct=figures.prior.margin_pct if figures.prior else None,
        score=None if score is None else float(score),  # type: ignore[arg-type]
        rank=None if rank is None else int(rank),  # type: ignore[call-overload]
        accounts=0 if values is None else len(values),
        tier=None if tier is None else str(tier),
        flags=own.reset_index(drop=True),
    )


__all__ = [
    "QUARTER_FORM",
    "QbrFigures",
    "QbrInternal",
    "Quarter",
    "check_quarter",
    "parse_quarter",
    "qbr_figures",
    "qbr_internal",
    "quarter_of",
]
