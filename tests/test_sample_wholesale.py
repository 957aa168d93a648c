"""The wholesale sample profile: a distributor's minimal export, and the bundled sample
left exactly as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamreport.cli import main
from kamreport.errors import ParamsError
from kamreport.sample import export_sample
from kamreport.sample.wholesale import LINE_COLUMNS, generate_wholesale

SMALL = {"seed": 7, "n_accounts": 300}
# SHA-256 over the bundled sample's CSV files (name, then bytes, in name order), as
# written before the wholesale profile existed: the default profile must not change.
BUNDLED_SAMPLE_SHA256 = "3fe71f0ebb88202d3c3cd2ce83b5878999f290dd0f6cabff98d611da9f76f8fe"


@pytest.fixture(scope="module")
def wholesale() -> dict[str, pd.DataFrame]:
    return generate_wholesale(**SMALL)


def test_the_bundled_sample_is_unchanged(sample_dir: Path) -> None:
    digest = hashlib.sha256()
    for path in sorted(sample_dir.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    assert digest.hexdigest() == BUNDLED_SAMPLE_SHA256


def test_only_accounts_and_order_lines_with_minimal_columns(
    wholesale: dict[str, pd.DataFrame],
) -> None:
    assert list(wholesale) == ["accounts", "order_lines"]
    accounts, lines = wholesale["accounts"], wholesale["order_lines"]
    assert list(accounts.columns) == ["account_id", "country"]
    assert list(lines.columns) == list(LINE_COLUMNS)
    assert "cost_amount" not in lines and "name" not in accounts
    assert len(accounts) == 300 and accounts["account_id"].is_unique
    assert (accounts["country"] == "United Kingdom").mean() > 0.7


def test_thirteen_months_ending_at_a_month_end(wholesale: dict[str, pd.DataFrame]) -> None:
    dates = wholesale["order_lines"]["order_date"]
    assert dates.min() == pd.Timestamp("2025-09-01")
    assert dates.max() == pd.Timestamp("2026-09-30")
    assert dates.dt.to_period("M").nunique() == 13


def test_credit_notes_and_lines_without_account(wholesale: dict[str, pd.DataFrame]) -> None:
    lines = wholesale["order_lines"]
    without = lines["account_id"] == ""
    assert 0.17 < without.mean() < 0.23
    credit = lines["order_id"].str.startswith("C")
    assert credit.any()
    assert (lines.loc[credit, "net_amount"] < 0).all() and (lines.loc[credit, "quantity"] < 0).all()
    assert (lines.loc[~credit, "net_amount"] > 0).all()
    known = set(wholesale["accounts"]["account_id"])
    assert set(lines.loc[~without, "account_id"]) <= known
    assert not lines.loc[credit, "account_id"].eq("").any()  # returns come from customers


def test_many_small_accounts(wholesale: dict[str, pd.DataFrame]) -> None:
    lines = wholesale["order_lines"]
    orders = lines.loc[lines["account_id"] != ""].groupby("account_id")["order_id"].nunique()
    assert len(orders) == 300  # every account buys
    assert (orders <= 2).mean() > 0.2  # a long tail of one- and two-time buyers
    assert 60 <= len(lines) / 300 <= 200  # about 120 lines per account


def test_deterministic_and_seeded(wholesale: dict[str, pd.DataFrame]) -> None:
    again = generate_wholesale(**SMALL)
    for name, frame in wholesale.items():
        pd.testing.assert_frame_equal(frame, again[name])
    other = generate_wholesale(seed=8, n_accounts=300)["order_lines"]
    assert not np.array_equal(
        other["net_amount"].to_numpy()[:50], wholesale["order_lines"]["net_amount"].to_numpy()[:50]
    )


def test_too_few_accounts_is_explained() -> None:
    with pytest.raises(ParamsError, match="at least 20 accounts"):
        generate_wholesale(seed=1, n_accounts=5)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_command_writes_the_profile(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "ws"
    assert main(["sample", "--profile", "wholesale", "--accounts", "40", "--seed", "3",
                 "--out", str(out), "--format", fmt]) == 0  # fmt: skip
    names = sorted(p.name for p in out.iterdir())
    assert names == [".complete", "README.txt", f"accounts.{fmt}", f"order_lines.{fmt}"]
    readme = (out / "README.txt").read_text("utf-8")
    assert "--profile wholesale" in readme and "--accounts 40" in readme and "GBP" in readme
    expected = generate_wholesale(seed=3, n_accounts=40)["order_lines"]
    if fmt == "csv":
        back = pd.read_csv(out / "order_lines.csv", dtype=str, keep_default_na=False)
    else:
        back = pd.read_parquet(out / "order_lines.parquet")
    assert len(back) == len(expected)
    assert (back["account_id"] == "").sum() == (expected["account_id"] == "").sum()


def test_unknown_profile_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="Expected one of: kam, wholesale"):
        export_sample(tmp_path / "x", "csv", profile="retail")


def test_target_lines_sets_the_size() -> None:
    lines = generate_wholesale(seed=4, n_accounts=100, target_lines=50_000)["order_lines"]
    assert 45_000 <= len(lines) <= 55_000
    assert 0.17 < (lines["account_id"] == "").mean() < 0.23
    with pytest.raises(ParamsError, match="target_lines must be at least 1000"):
        generate_wholesale(seed=4, n_accounts=100, target_lines=10)


def test_order_ids_count_up_in_date_order(wholesale: dict[str, pd.DataFrame]) -> None:
    lines = wholesale["order_lines"]
    numbers = lines["order_id"].str.lstrip("C").astype(int)
    assert numbers.is_monotonic_increasing
    assert lines["order_date"].is_monotonic_increasing
    per_order = lines.groupby("order_id")["order_date"].nunique()
    assert (per_order == 1).all()  # one date per order
