"""Closing last year's loop (目标复盘): the model's proposal, the agreed target and what
happened, for the last complete calendar year before the as-of date.

Definitions (docs/metrics.md, "Target workshop: gap spread and last year's loop"), for
the review year Y (A's year − 1, or A's year when A is 31 December):

- accounts in scope: those with a revenue target in a month of Y;
- agreed = Σ ``revenue_target`` over Y's months; actual = Σ ``net_amount`` of Y's orders;
- proposal = Σ ``proposed_target`` over Y's months when every target month of the account
  has one (recorded), else the back-test's proposal for Y with the account's method
  (recomputed); method = the recorded ``target_method``, else the tier's method;
- source = the recorded ``target_source`` (top_down, bottom_up or override; the most
  frequent over the months, ties in :data:`SOURCES` order), else ``unknown``;
- APE = |x − actual| / actual (n/a where actual ≤ 0), MAPE = the mean of the APEs, total
  error = Σ x / Σ actual − 1, as in the back-test of :mod:`.target_proposals`;
- override effect = agreed APE − proposal APE (negative: the people's change helped).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kamreport.analytics.periods import as_timestamp
from kamreport.analytics.target_proposals import backtest_summary, covered_years
from kamreport.params import TARGET_METHODS, TIERS

SOURCES = ("top_down", "bottom_up", "override", "unknown")
UNASSIGNED = "—"  # the group of accounts without a tier or a KA manager
# Why there is no review (unavailable_reason) ...
NOTE_NOT_COVERED = "data_not_covered"  # the order lines start after 31 January of Y
NOTE_NO_TARGETS = "no_targets"  # no revenue target for a month of Y
# ... and what a review cannot show (LoopReview.notes), in this order.
NOTE_PROPOSALS_RECOMPUTED = "proposals_recomputed"  # some proposals from the back-test
NOTE_PROPOSALS_MISSING = "proposals_missing"  # some accounts without any proposal
NOTE_SOURCES_UNKNOWN = "sources_unknown"  # some targets without a recorded source
NOTE_ACTUALS_NOT_POSITIVE = "actuals_not_positive"  # some actuals ≤ 0: no APE
NOTE_NO_BACKTEST = "no_backtest"  # no back-test for Y: by_method is empty

ACCOUNT_COLUMNS = ("tier", "ka_manager", "method", "proposal", "proposal_recorded", "agreed",
                   "source", "actual", "proposal_ape", "agreed_ape", "override_effect")  # fmt: skip
METHOD_COLUMNS = ("tier", "method", "accounts", "mape", "total_error", "chosen")
SOURCE_COLUMNS = ("source", "accounts", "accounts_all", "mape_proposal", "mape_agreed",
                  "total_error_proposal", "total_error_agreed")  # fmt: skip
GROUP_COLUMNS = ("accounts", "target", "actual", "attainment", "mape_agreed")


@dataclass(frozen=True)
class LoopReview:
    """Last year's targets against the model's proposals and what happened."""

    year: int
    accounts: pd.DataFrame  # index account_id; ACCOUNT_COLUMNS
    by_method: pd.DataFrame  # METHOD_COLUMNS: the back-test of Y, accounts in scope
    by_source: pd.DataFrame  # SOURCE_COLUMNS, one row per source present
    by_tier: pd.DataFrame  # tier, then GROUP_COLUMNS
    by_manager: pd.DataFrame  # ka_manager, then GROUP_COLUMNS
    notes: tuple[str, ...]  # NOTE_* codes
    overall: Mapping[str, float] = field(default_factory=dict)  # GROUP_COLUMNS, all accounts


def review_year(as_of: dt.date | pd.Timestamp) -> int:
    """The last complete calendar year up to ``as_of``."""
    end = as_timestamp(as_of)
    return end.year if (end.month, end.day) == (12, 31) else end.year - 1


def _year_targets(targets: pd.DataFrame | None, year: int) -> pd.DataFrame:
    if targets is None or targets.empty:
        return pd.DataFrame(columns=["account_id", "month", "revenue_target"])
    month = pd.to_datetime(targets["month"])
    rows = targets.loc[(month.dt.year == year).to_numpy() & targets["revenue_target"].notna()]
    return rows


def unavailable_reason(
    targets: pd.DataFrame | None, order_lines: pd.DataFrame, as_of: dt.date | pd.Timestamp
) -> str | None:
    """Why :func:`last_year_loop` has nothing to show (a NOTE_* code), None when it has."""
    year = review_year(as_of)
    if order_lines.empty or not covered_years(order_lines, year, year):
        return NOTE_NOT_COVERED
    if _year_targets(targets, year).empty:
        return NOTE_NO_TARGETS
    return None


def _mode(values: pd.Series, order: tuple[str, ...]) -> str | None:
    """The most frequent value (ties: the earlier in ``order``, then by name); None if none."""
    counts = values.dropna().value_counts()
    counts = counts[counts > 0]  # a categorical column counts its unused categories too
    if counts.empty:
        return None
    top = counts.index[counts == counts.max()]
    return min(top, key=lambda v: (order.index(v) if v in order else len(order), str(v)))


def _clean(values: pd.Series, lower: bool) -> pd.Series:
    text = values.astype("string").str.strip()
    text = text.str.lower() if lower else text
    return text.where(text.notna() & (text != ""))


def _ape(values: pd.Series, actual: pd.Series) -> pd.Series:
    return (values - actual).abs() / actual.where(actual > 0)


def _error_figures(x: pd.Series, actual: pd.Series) -> tuple[float, float]:
    """(MAPE, total error) of ``x`` against ``actual`` over the rows given."""
    if x.empty:
        return np.nan, np.nan
    total = actual.sum()
    mape = float(_ape(x, actual).mean())
    return mape, float(x.sum() / total - 1) if total else np.nan


def _group_order(label: str, order: tuple[str, ...]) -> tuple[int, str]:
    rank = order.index(label) if label in order else len(order) + (label == UNASSIGNED)
    return rank, label


def _groups(accounts: pd.DataFrame, column: str, order: tuple[str, ...]) -> pd.DataFrame:
    """Accounts, Σ target, Σ actual, attainment and agreed MAPE per value of ``column``
    (accounts without one under :data:`UNASSIGNED`)."""
    label = _clean(accounts[column], lower=False).fillna(UNASSIGNED).astype(str)
    records = []
    for name in sorted(label.unique(), key=lambda v: _group_order(v, order)):
        part = accounts.loc[label == name]
        records.append({column: name, **_totals(part)})
    return pd.DataFrame(records, columns=[column, *GROUP_COLUMNS])


def _totals(part: pd.DataFrame) -> dict[str, float]:
    target = float(part["agreed"].sum())
    actual = float(part["actual"].sum())
    return {
        "accounts": len(part),
        "target": target,
        "actual": actual,
        "attainment": actual / target if target > 0 else np.nan,
        "mape_agreed": float(part["agreed_ape"].mean()),  # NaN when no APE
    }


def _by_source(accounts: pd.DataFrame) -> pd.DataFrame:
    records = []
    for source in SOURCES:
        part = accounts.loc[accounts["source"] == source]
        if part.empty:
            continue
        compared = part.loc[(part["actual"] > 0) & part["proposal"].notna()]
        mape_p, total_p = _error_figures(compared["proposal"], compared["actual"])
        mape_a, total_a = _error_figures(compared["agreed"], compared["actual"])
        records.append(
            {
                "source": source,
                "accounts": len(compared),
                "accounts_all": len(part),
                "mape_proposal": mape_p,
                "mape_agreed": mape_a,
                "total_error_proposal": total_p,
                "total_error_agreed": total_a,
            }
        )
    return pd.DataFrame(records, columns=list(SOURCE_COLUMNS))


def _by_method(
    backtest: pd.DataFrame, year: int, scope: pd.Index, methods: Mapping[str, str]
) -> pd.DataFrame:
    if backtest is None or backtest.empty:
        return pd.DataFrame(columns=list(METHOD_COLUMNS))
    detail = backtest.loc[(backtest["year"] == year) & backtest["account_id"].isin(scope)]
    if detail.empty:
        return pd.DataFrame(columns=list(METHOD_COLUMNS))
    present = [str(t) for t in detail["tier"].dropna().unique()]
    tiers = tuple(sorted(present, key=lambda t: _group_order(t, TIERS)))
    summary = backtest_summary(detail, tiers)
    summary["chosen"] = summary["method"].to_numpy() == summary["tier"].map(methods).to_numpy()
    return summary[list(METHOD_COLUMNS)]


def last_year_loop(
    targets: pd.DataFrame | None,
    order_lines: pd.DataFrame,
    backtest: pd.DataFrame,
    methods: Mapping[str, str],
    tiers: pd.Series,
    managers: pd.Series,
    as_of: dt.date | pd.Timestamp,
) -> LoopReview | None:
    """The review of year Y (module doc); None when the data does not cover Y or there is
    no target for it (:func:`unavailable_reason` says which).

    ``targets``: the targets table (account_id, month, revenue_target and optionally
    proposed_target, target_source, target_method); ``backtest``: the rows of
    :func:`~kamreport.analytics.target_proposals.backtest`; ``methods``: the method per
    tier; ``tiers`` and ``managers``: indexed by account_id, as of ``as_of``."""
    if unavailable_reason(targets, order_lines, as_of) is not None:
        return None
    year = review_year(as_of)
    rows = _year_targets(targets, year)
    by_account = rows.groupby("account_id")
    agreed = by_account["revenue_target"].sum().astype(float)
    tier = tiers.reindex(agreed.index)
    order = sorted(agreed.index, key=lambda a: (*_group_order(_label(tier.get(a)), TIERS), a))
    scope = pd.Index(order, name="account_id")
    out = pd.DataFrame(index=scope)
    out["tier"] = tiers.reindex(scope)
    out["ka_manager"] = managers.reindex(scope)

    method = pd.Series(out["tier"].map(lambda t: methods.get(t)), index=scope, dtype=object)
    if "target_method" in rows:
        recorded = _clean(rows["target_method"], lower=False)
        picked = recorded.groupby(rows["account_id"]).agg(lambda s: _mode(s, TARGET_METHODS))
        picked = picked.reindex(scope)
        method = picked.astype(object).where(picked.notna(), method)
    out["method"] = method

    proposal = pd.Series(np.nan, index=scope)
    recorded_mask = pd.Series(False, index=scope)
    if "proposed_target" in rows:
        proposed = pd.to_numeric(rows["proposed_target"], errors="coerce")
        complete = proposed.notna().groupby(rows["account_id"]).all().reindex(scope)
        recorded_mask = complete.fillna(False).astype(bool)
        sums = proposed.groupby(rows["account_id"]).sum().reindex(scope)
        proposal = sums.where(recorded_mask)
    backtested = _backtest_proposals(backtest, year, out["method"])
    out["proposal"] = proposal.where(recorded_mask, backtested).astype(float)
    out["proposal_recorded"] = recorded_mask
    out["agreed"] = agreed.reindex(scope)

    source = pd.Series("unknown", index=scope, dtype=object)
    if "target_source" in rows:
        text = _clean(rows["target_source"], lower=True)
        text = text.where(text.isin(SOURCES[:-1]))
        picked = text.groupby(rows["account_id"]).agg(lambda s: _mode(s, SOURCES))
        picked = picked.reindex(scope)
        source = picked.astype(object).where(picked.notna(), "unknown")
    out["source"] = source

    lines = order_lines.loc[order_lines["order_date"].dt.year == year]
    actual = lines.groupby("account_id")["net_amount"].sum().reindex(scope, fill_value=0.0)
    out["actual"] = actual.astype(float)
    out["proposal_ape"] = _ape(out["proposal"], out["actual"])
    out["agreed_ape"] = _ape(out["agreed"], out["actual"])
    out["override_effect"] = out["agreed_ape"] - out["proposal_ape"]

    by_method = _by_method(backtest, year, scope, methods)
    notes = []
    if not out["proposal_recorded"].all():
        notes.append(NOTE_PROPOSALS_RECOMPUTED)
    if out["proposal"].isna().any():
        notes.append(NOTE_PROPOSALS_MISSING)
    if (out["source"] == "unknown").any():
        notes.append(NOTE_SOURCES_UNKNOWN)
    if (out["actual"] <= 0).any():
        notes.append(NOTE_ACTUALS_NOT_POSITIVE)
    if by_method.empty:
        notes.append(NOTE_NO_BACKTEST)
    return LoopReview(
        year=year,
        accounts=out[list(ACCOUNT_COLUMNS)],
        by_method=by_method,
        by_source=_by_source(out),
        by_tier=_groups(out, "tier", TIERS),
        by_manager=_groups(out, "ka_manager", ()),
        notes=tuple(notes),
        overall=_totals(out),
    )


def _label(value: object) -> str:
    return UNASSIGNED if value is None or pd.isna(value) or str(value).strip() == "" else str(value)


def _backtest_proposals(backtest: pd.DataFrame, year: int, method: pd.Series) -> pd.Series:
    """The back-test's proposal for ``year`` of each account (index of ``method``) with its
    method; NaN where the back-test has none."""
    if backtest is None or backtest.empty:
        return pd.Series(np.nan, index=method.index)
    rows = backtest.loc[backtest["year"] == year].drop_duplicates(["account_id", "method"])
    table = rows.set_index(["account_id", "method"])["proposal"]
    keys = pd.MultiIndex.from_arrays([method.index, method.to_numpy()])
    return pd.Series(table.reindex(keys).to_numpy(dtype=float), index=method.index)


__all__ = [
    "ACCOUNT_COLUMNS",
    "GROUP_COLUMNS",
    "METHOD_COLUMNS",
    "NOTE_ACTUALS_NOT_POSITIVE",
    "NOTE_NOT_COVERED",
    "NOTE_NO_BACKTEST",
    "NOTE_NO_TARGETS",
    "NOTE_PROPOSALS_MISSING",
    "NOTE_PROPOSALS_RECOMPUTED",
    "NOTE_SOURCES_UNKNOWN",
    "SOURCES",
    "SOURCE_COLUMNS",
    "UNASSIGNED",
    "LoopReview",
    "last_year_loop",
    "review_year",
    "unavailable_reason",
]
