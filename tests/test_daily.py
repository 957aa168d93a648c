"""Order days: the per-account-day sums equal grouping the lines by account id and date."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamreport.analytics.daily import daily_net, daily_sums


def by_pandas(lines: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    kept = lines.loc[(lines["order_date"] <= as_of) & lines["account_id"].notna()]
    return (
        kept.groupby([kept["account_id"], kept["order_date"].dt.normalize()])["net_amount"]
        .sum()
        .reset_index()
        .astype({"order_date": "datetime64[ns]"})
    )


@pytest.mark.parametrize("unit", ["ns", "us", "s"])
@pytest.mark.parametrize("span_days", [40, 30_000])  # one slot per account and day, or not
def test_daily_sums_are_the_lines_summed_per_account_and_day(unit, span_days):
    rng = np.random.default_rng(span_days)
    n = 5_000
    days = rng.integers(-span_days // 2, span_days // 2, n)  # around 1970: before it too
    lines = pd.DataFrame(
        {
            "account_id": pd.Series(rng.choice(["A", "B<", "中", None], n), dtype="str"),
            "order_date": (np.datetime64("1970-01-01", "D") + days).astype(f"datetime64[{unit}]"),
            "net_amount": rng.normal(50, 80, n).round(2),  # credit notes too
        }
    )
    as_of = pd.Timestamp("1970-01-01") + pd.Timedelta(days=span_days // 4)
    got = daily_net(lines, as_of)
    expected = by_pandas(lines, as_of)
    assert got["account_id"].tolist() == expected["account_id"].tolist()
    assert got["order_date"].tolist() == expected["order_date"].tolist()
    np.testing.assert_allclose(got["net_amount"], expected["net_amount"], rtol=0, atol=1e-9)
    sums = daily_sums(lines, as_of)
    days = sums.net[sums.order_days()]
    assert (days > 0).all() and len(days) == int((expected["net_amount"] > 0).sum())


@pytest.mark.parametrize(("n", "span_days"), [(3_000, 40), (1_000, 600)])
def test_lines_taken_a_block_at_a_time_sum_to_the_same_days(monkeypatch, n, span_days):
    """Lines turned into days in blocks of 7, and the slots summed in blocks of keys: the
    same days and the very same sums (each still added in row order)."""
    import kamreport.analytics.daily as daily

    rng = np.random.default_rng(7)
    lines = pd.DataFrame(
        {
            "account_id": pd.Series(rng.choice(["A", "B", "C", None], n), dtype="str"),
            "order_date": np.datetime64("2026-01-01", "D") + rng.integers(0, span_days, n),
            "net_amount": rng.normal(50, 80, n),
        }
    )
    as_of = pd.Timestamp("2026-01-01") + pd.Timedelta(days=span_days - 10)
    whole = daily_sums(lines, as_of)
    monkeypatch.setattr(daily, "_ROWS_AT_A_TIME", 7)
    monkeypatch.setattr(daily, "_MIN_SLOTS", 1)  # blocks of as many slots as lines
    blocks = daily_sums(lines, as_of)
    assert whole.accounts.tolist() == blocks.accounts.tolist() == ["A", "B", "C"]
    assert np.array_equal(whole.account, blocks.account)
    assert np.array_equal(whole.day, blocks.day)
    assert np.array_equal(whole.net, blocks.net)  # exactly: the same additions in order
    expected = by_pandas(lines, as_of)
    np.testing.assert_allclose(blocks.net, expected["net_amount"], rtol=0, atol=1e-9)
    kept = lines.loc[(lines["order_date"] <= as_of) & lines["account_id"].notna()]
    slots = 3 * (kept["order_date"].max() - kept["order_date"].min()).days + 3
    if span_days == 600:  # more slots than lines: summed over several blocks of keys
        assert len(kept) < slots <= 4 * len(kept)


def test_order_rhythm_of_no_order_days_is_labelled_with_text():
    """Accounts with credit notes only: no order day, an empty rhythm whose index is text
    (not the order days' categorical), as the other per-account tables are."""
    from kamreport.analytics.clv import RhythmRule, order_rhythm
    from kamreport.repeated_text import stored_once

    lines = pd.DataFrame(
        {
            "account_id": stored_once(pd.Series(["A", "B"], dtype="str")),
            "order_date": pd.to_datetime(["2026-01-01", "2026-02-01"]),
            "net_amount": [-5.0, -3.0],
        }
    )
    days = daily_sums(lines, pd.Timestamp("2026-09-30")).frame()
    assert isinstance(days["account_id"].dtype, pd.CategoricalDtype)
    rhythm = order_rhythm(days, pd.Timestamp("2026-09-30"), RhythmRule())
    assert rhythm.empty and not isinstance(rhythm.index.dtype, pd.CategoricalDtype)


def test_positions_of_the_order_days_only():
    lines = pd.DataFrame(
        {
            "account_id": pd.Series(["B", "A", "C", "B", "A"], dtype="str"),
            "order_date": pd.to_datetime(["2026-01-02"] * 3 + ["2026-01-05"] * 2),
            "net_amount": [10.0, -4.0, 3.0, -1.0, 6.0],
        }
    )
    sums = daily_sums(lines, pd.Timestamp("2026-09-30"))
    accounts = pd.Index(["C", "A"], dtype="str")
    # rows sorted by account, then day: A 01-02 (-4), A 01-05 (6), B 01-02, B 01-05, C
    assert sums.order_days().tolist() == [False, True, True, False, True]
    assert sums.positions(accounts).tolist() == [1, 1, -1, -1, 0]
    assert sums.positions(accounts, sums.order_days()).tolist() == [1, -1, 0]
