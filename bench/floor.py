"""An independent floor for the scale benchmark: the core job written directly in Polars.

Reads the order lines and accounts from Parquet, checks them the basic way
(required columns, no empty ids, dates or amounts, every line's account known,
no repeated order line) and computes the core per-account metrics of
docs/metrics.md, "Sales": LTM revenue, prior LTM revenue, growth, LTM orders,
the last order date and the LTM gross margin (null where a line lacks its cost).

It shares no code with kamreport on purpose: ``bench/scale.py`` times it in its
own process as the yardstick for kamreport's run, and ``tests/test_scale_floor.py``
checks that both compute the same numbers.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import polars as pl

REQUIRED = ("order_id", "line_no", "account_id", "order_date", "net_amount")


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier, clamped to the month's last day."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def check(lines: pl.DataFrame, accounts: pl.DataFrame) -> list[str]:
    """Basic validation: the problems found (empty when the data is usable)."""
    problems = [f"order_lines lacks {c}" for c in REQUIRED if c not in lines.columns]
    if problems:
        return problems
    nulls = lines.select(pl.col(c).null_count() for c in REQUIRED).row(0)
    problems += [f"{n} empty {c}" for c, n in zip(REQUIRED, nulls, strict=True) if n]
    unknown = lines.select(
        (~pl.col("account_id").is_in(accounts["account_id"].implode())).sum()
    ).item()
    if unknown:
        problems.append(f"{unknown} lines of unknown accounts")
    repeated = lines.select(pl.struct("order_id", "line_no").is_duplicated().sum()).item()
    if repeated:
        problems.append(f"{repeated} repeated order lines")
    if accounts["account_id"].is_duplicated().any():
        problems.append("repeated account ids")
    return problems


def core_metrics(lines: pl.DataFrame, accounts: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """One row per account: revenue_ltm, revenue_prior_ltm, revenue_growth, orders_ltm,
    last_order_date and gross_margin_ltm (windows: as_of − 12 months < d ≤ as_of and
    the twelve months before)."""
    start = months_before(as_of, 12)
    prior_start = months_before(start, 12)
    date = pl.col("order_date").cast(pl.Date)
    in_ltm = (date > start) & (date <= as_of)
    in_prior = (date > prior_start) & (date <= start)
    has_cost = "cost_amount" in lines.columns
    cost = pl.col("cost_amount") if has_cost else pl.lit(None, dtype=pl.Float64)
    per_account = lines.group_by("account_id").agg(
        pl.col("net_amount").filter(in_ltm).sum().alias("revenue_ltm"),
        pl.col("net_amount").filter(in_prior).sum().alias("revenue_prior_ltm"),
        date.filter(date <= as_of).max().alias("last_order_date"),
        (pl.col("net_amount") - cost).filter(in_ltm).sum().alias("_margin"),
        cost.filter(in_ltm).null_count().alias("_no_cost"),
    )
    orders = (
        lines.filter(in_ltm)
        .group_by("account_id", "order_id")
        .agg(pl.col("net_amount").sum())
        .filter(pl.col("net_amount") > 0)
        .group_by("account_id")
        .len("orders_ltm")
    )
    prior = pl.col("revenue_prior_ltm")
    return (
        accounts.select("account_id")
        .join(per_account, on="account_id", how="left")
        .join(orders, on="account_id", how="left")
        .with_columns(
            pl.col("revenue_ltm", "revenue_prior_ltm").fill_null(0.0),
            pl.col("orders_ltm").fill_null(0),
        )
        .with_columns(
            pl.when(prior > 0).then(pl.col("revenue_ltm") / prior - 1).alias("revenue_growth"),
            pl.when(pl.lit(has_cost) & (pl.col("_no_cost") == 0))
            .then(pl.col("_margin").fill_null(0.0))
            .alias("gross_margin_ltm"),
        )
        .select(
            "account_id",
            "revenue_ltm",
            "revenue_prior_ltm",
            "revenue_growth",
            "orders_ltm",
            "last_order_date",
            "gross_margin_ltm",
        )
    )


def run(folder: Path, as_of: dt.date | None = None) -> pl.DataFrame:
    """Read ``folder``'s order_lines.parquet and accounts.parquet, check them and compute
    the core metrics as of ``as_of`` (default: the end of the last complete month)."""
    lines = pl.read_parquet(folder / "order_lines.parquet")
    accounts = pl.read_parquet(folder / "accounts.parquet")
    problems = check(lines, accounts)
    if problems:
        raise ValueError("; ".join(problems))
    if as_of is None:
        last = lines["order_date"].max().date()
        month_end = (last + dt.timedelta(days=1)).month != last.month
        as_of = last if month_end else last.replace(day=1) - dt.timedelta(days=1)
    return core_metrics(lines, accounts, as_of)
