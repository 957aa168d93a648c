"""The sample data: determinism, the data model, believability and the planted stories.

Every story is checked with its own small pandas computation (windows as in
docs/metrics.md: LTM is as_of − 12 months < d ≤ as_of), on the default sample
and on a smaller sample with another seed, so the stories do not depend on luck.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamreport import schema
from kamreport.dataset import Dataset
from kamreport.errors import KamReportError, ParamsError
from kamreport.sample import PLANTED, STORY_DESCRIPTIONS, export_sample, generate_sample, stories
from kamreport.sample import export as export_module

AS_OF = pd.Timestamp("2026-09-30")
SMALL = {"seed": 7, "n_accounts": 120, "target_lines": 20_000}
TINY = {"seed": 7, "n_accounts": 100, "target_lines": 1_000}  # for export mechanics


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return generate_sample()


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return generate_sample(**SMALL)


@pytest.fixture(scope="module", params=["default", "small"])
def data(request: pytest.FixtureRequest) -> dict[str, pd.DataFrame]:
    """The default sample and a smaller one with another seed: stories must hold in both."""
    return request.getfixturevalue("sample" if request.param == "default" else "small")


def months_before(months: int) -> pd.Timestamp:
    return AS_OF - pd.DateOffset(months=months)


def within(dates: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """start < d ≤ end."""
    return (dates > start) & (dates <= end)


def revenue(lines: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    inside = lines[within(lines["order_date"], start, end)]
    return inside.groupby("account_id")["net_amount"].sum()


# --- determinism and size ---------------------------------------------------------------


def test_same_seed_gives_identical_tables(small: dict[str, pd.DataFrame]) -> None:
    again = generate_sample(**SMALL)
    assert list(again) == list(small)
    for name, frame in small.items():
        pd.testing.assert_frame_equal(again[name], frame, obj=name)


def test_same_seed_across_processes(small: dict[str, pd.DataFrame]) -> None:
    """No dependence on string hashing (set or dict order) between Python processes."""
    code = (
        "from kamreport.dataset import Dataset; from kamreport.sample import generate_sample; "
        f"print(Dataset(generate_sample(**{SMALL!r})).content_hash())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == Dataset(small).content_hash()


def test_another_seed_gives_other_data(small: dict[str, pd.DataFrame]) -> None:
    other = generate_sample(**{**SMALL, "seed": 8})
    assert not other["order_lines"].equals(small["order_lines"])
    assert not other["accounts"]["name"].equals(small["accounts"]["name"])


def test_default_size_and_span(sample: dict[str, pd.DataFrame]) -> None:
    lines = sample["order_lines"]
    assert len(sample["accounts"]) >= 250
    assert len(lines) >= 100_000
    assert lines["order_date"].min() == pd.Timestamp("2023-01-01")
    assert lines["order_date"].max() == AS_OF
    months = lines["order_date"].dt.to_period("M").unique()
    assert len(months) == 45  # every month from 2023-01 to 2026-09 has orders


# --- the data model ----------------------------------------------------------------------

_DTYPES = {
    schema.STR: "str",
    schema.DATE: "datetime64[ns]",
    schema.FLOAT: "float64",
    schema.INT: "int64",
}


def test_every_table_follows_the_data_model(sample: dict[str, pd.DataFrame]) -> None:
    assert set(sample) == {t.name for t in schema.TABLES} - {"fx_rates", "category_targets"}
    for name, frame in sample.items():
        spec = schema.table(name)
        assert set(spec.required_columns) <= set(frame.columns), name
        assert list(frame.columns) == [c for c in spec.column_names if c in frame], name
        assert len(frame) > 0, name
        for column in spec.columns:
            if column.name not in frame:
                continue
            values = frame[column.name]
            where = f"{name}.{column.name}"
            assert str(values.dtype) == _DTYPES[column.dtype], where
            if not column.nullable:
                assert values.notna().all(), where
            present = values.dropna()
            if column.allowed:
                assert set(present) <= set(column.allowed), where
            if column.min_value is not None:
                assert (present >= column.min_value).all(), where
            if column.max_value is not None:
                assert (present <= column.max_value).all(), where


def test_keys_are_unique(sample: dict[str, pd.DataFrame]) -> None:
    for name, frame in sample.items():
        key = list(schema.table(name).key)
        assert not frame.duplicated(key).any(), name


def test_references_resolve(sample: dict[str, pd.DataFrame]) -> None:
    accounts = set(sample["accounts"]["account_id"])
    for name, frame in sample.items():
        for column, table, target in schema.table(name).references:
            assert frame[column].isin(sample[table][target]).all(), f"{name}.{column}"
        if "account_id" in frame:
            assert set(frame["account_id"]) <= accounts, name
    parents = sample["accounts"]["parent_id"].dropna()
    assert parents.isin(sample["accounts"]["account_id"]).all()
    activities = sample["activities"].dropna(subset=["contact_id"])
    owner = sample["contacts"].set_index("contact_id")["account_id"]
    assert (
        owner.reindex(activities["contact_id"]).to_numpy() == activities["account_id"].to_numpy()
    ).all()


def test_every_account_orders(sample: dict[str, pd.DataFrame]) -> None:
    assert set(sample["order_lines"]["account_id"]) == set(sample["accounts"]["account_id"])


# --- believability ----------------------------------------------------------------------


def test_revenue_follows_pareto(sample: dict[str, pd.DataFrame]) -> None:
    totals = sample["order_lines"].groupby("account_id")["net_amount"].sum()
    ranked = np.sort(totals.to_numpy())[::-1]
    top = ranked[: round(0.2 * len(ranked))].sum() / ranked.sum()
    assert 0.70 <= top <= 0.90


def test_order_lines_are_consistent(sample: dict[str, pd.DataFrame]) -> None:
    lines = sample["order_lines"]
    assert (lines["currency"] == "CNY").all()
    sales = lines[lines["quantity"] > 0]
    returns = lines[lines["quantity"] < 0]
    assert sales["order_id"].str.fullmatch(r"SO20\d\d-\d{6}").all()
    assert returns["order_id"].str.fullmatch(r"CN20\d\d-\d{6}").all()
    assert 0.003 <= len(returns) / len(lines) <= 0.008
    assert (returns[["net_amount", "list_amount", "cost_amount"]] < 0).all().all()
    depth = 1 - sales["net_amount"] / sales["list_amount"]
    assert depth.between(0, 0.3).all()
    assert 0.03 <= depth.median() <= 0.15
    assert 0.6 <= (sales["cost_amount"] / sales["net_amount"]).median() <= 0.8
    per_order = sales.groupby("order_id")["line_no"].agg(["min", "max", "count"])
    assert (per_order["min"] == 1).all()
    assert (per_order["max"] == per_order["count"]).all()
    assert per_order["count"].between(1, 4).all()
    assert not sales.duplicated(["order_id", "product_id"]).any()


def test_seasonality_dips_at_chinese_new_year_and_peaks_in_q4(
    sample: dict[str, pd.DataFrame],
) -> None:
    lines = sample["order_lines"]
    full_years = lines[lines["order_date"].dt.year.between(2023, 2025)]
    by_month = full_years.groupby(full_years["order_date"].dt.month)["net_amount"].sum()
    assert by_month[2] < 0.8 * by_month.mean()
    assert by_month[[11, 12]].mean() > by_month[[3, 4, 5, 6, 7, 8]].mean()


def test_invoices_match_orders(sample: dict[str, pd.DataFrame]) -> None:
    lines, invoices = sample["order_lines"], sample["invoices"]
    sales = lines[lines["order_id"].str.startswith("SO")]
    assert len(invoices) == sales["order_id"].nunique()
    assert invoices["amount"].sum() == pytest.approx(sales["net_amount"].sum(), rel=1e-9)
    assert (invoices["paid_amount"] <= invoices["amount"] + 0.005).all()
    paid = invoices.dropna(subset=["paid_date"])
    assert (paid["paid_date"] >= paid["invoice_date"]).all()
    assert (paid["paid_date"] <= AS_OF).all()
    assert invoices["invoice_date"].max() <= AS_OF
    assert set((invoices["due_date"] - invoices["invoice_date"]).dt.days) <= {30, 60, 90}
    unpaid = invoices[invoices["paid_date"].isna()]
    assert (unpaid["paid_amount"] == 0).all()
    assert (unpaid["due_date"] > AS_OF).any()  # recent invoices not yet due


def test_wallet_and_competitor_shares_leave_room(sample: dict[str, pd.DataFrame]) -> None:
    lines, wallet = sample["order_lines"], sample["wallet"]
    yearly = lines.groupby(["account_id", lines["order_date"].dt.year])["net_amount"].sum()
    spend = wallet.set_index(["account_id", "year"])["category_spend"]
    ours = yearly.reindex(spend.index, fill_value=0.0)
    assert (spend >= ours).all()
    annualised = ours * np.where(spend.index.get_level_values("year") == 2026, 12 / 9, 1)
    theirs = sample["competitors"].groupby(["account_id", "year"])["share"].sum()
    total = (annualised / spend).add(theirs, fill_value=0.0)
    assert (total <= 1 + 1e-9).all()
    per_account = sample["competitors"].groupby(["account_id", "year"]).size()
    assert per_account.max() <= 3


def test_targets_cover_every_month_to_year_end(sample: dict[str, pd.DataFrame]) -> None:
    targets = sample["targets"]
    assert (targets["month"].dt.day == 1).all()
    assert targets["month"].min() == pd.Timestamp("2023-01-01")
    assert targets["month"].max() == pd.Timestamp("2026-12-01")
    big = sample["accounts"].loc[sample["accounts"]["size_band"] == "enterprise", "account_id"]
    assert targets.loc[targets["account_id"].isin(big), "visits_target"].between(1, 2).all()


def test_activity_status_follows_the_as_of_date(sample: dict[str, pd.DataFrame]) -> None:
    activities = sample["activities"]
    future = activities["date"] > AS_OF
    assert (activities.loc[future, "status"] != "done").all()
    assert (activities.loc[~future, "status"] != "planned").all()
    assert (activities["status"] == "cancelled").any()
    assert set(activities["owner"]) >= set(sample["accounts"]["ka_manager"])


def test_accounts_look_like_a_customer_base(sample: dict[str, pd.DataFrame]) -> None:
    accounts = sample["accounts"]
    assert set(accounts["industry"]) == {"feed", "pharmaceutical", "food", "cosmetics"}
    assert {"华东", "华南", "华北", "华中", "西南", "东北", "西北"} <= set(accounts["region"])
    assert len(set(accounts["country"]) - {"China"}) >= 3
    assert accounts["ka_manager"].nunique() == 8
    assert accounts["customer_since"].dt.year.between(2005, 2026).all()
    assert (accounts["customer_since"] >= pd.Timestamp("2025-01-01")).sum() >= 5
    assert accounts["account_id"].str.fullmatch(r"KA\d{4}").all()
    assert not accounts["name"].duplicated().any()
    last_order = sample["order_lines"].groupby("account_id")["order_date"].max()
    assert (last_order.dt.year == 2025).sum() >= 3  # lost accounts


def test_contacts_are_plausible_and_fake(sample: dict[str, pd.DataFrame]) -> None:
    contacts, accounts = sample["contacts"], sample["accounts"]
    assert contacts["email"].str.fullmatch(r"[a-z.]+@ka\d{4}\.example\.com(\.cn)?").all()
    assert contacts["phone"].str.contains("0000-").all()
    per_account = contacts.groupby("account_id").size()
    big = accounts.loc[accounts["size_band"].isin(["large", "enterprise"]), "account_id"]
    assert per_account.reindex(big).between(2, 8).all()
    with_dm = contacts.loc[contacts["role"] == "decision_maker", "account_id"]
    assert big.isin(with_dm).mean() >= 0.8


def test_escaping_and_duplicate_accounts(sample: dict[str, pd.DataFrame]) -> None:
    accounts = sample["accounts"].set_index("account_id")
    odd = accounts.loc[stories.ESCAPING_ACCOUNT]
    assert all(c in odd["name_en"] for c in "&<>")
    special = accounts["name"].str.contains("[&<>\"']") | accounts["name_en"].str.contains(
        "[&<>\"']"
    )
    assert list(accounts.index[special]) == [stories.ESCAPING_ACCOUNT]
    assert accounts.loc[stories.ESCAPING_ACCOUNT, "size_band"] == "small"
    first, second = (accounts.loc[a] for a in stories.DUPLICATE_PAIR)
    assert first["name"] != second["name"]
    assert first["name"].replace("股份", "") == second["name"]
    assert first["industry"] == second["industry"]


def test_groups(sample: dict[str, pd.DataFrame]) -> None:
    parent = sample["accounts"].set_index("account_id")["parent_id"].dropna()
    expected = {s: p for p, subs in stories.GROUPS.items() for s in subs}
    assert parent.to_dict() == expected
    assert 2 <= len(stories.GROUPS) <= 4
    assert all(2 <= len(subs) <= 4 for subs in stories.GROUPS.values())


# --- planted stories --------------------------------------------------------------------


def test_story_catalogue() -> None:
    assert (
        set(PLANTED)
        == set(STORY_DESCRIPTIONS)
        == {
            "growing",
            "churning",
            "late_payer",
            "complaint_spike",
            "falling_wallet_share",
            "price_buyer",
            "no_senior_contact",
            "healthy",
        }
    )
    ids = [a for group in PLANTED.values() for a in group]
    assert len(ids) == len(set(ids))
    assert 2 <= len(PLANTED["healthy"]) <= 3
    assert all(1 <= len(group) <= 2 for name, group in PLANTED.items() if name != "healthy")


def test_story_accounts_are_key_accounts(data: dict[str, pd.DataFrame]) -> None:
    totals = data["order_lines"].groupby("account_id")["net_amount"].sum()
    rank = totals.rank(ascending=False) / len(totals)
    mid_size = "KA0074"
    assert all(rank[a] <= 0.2 for group in PLANTED.values() for a in group if a != mid_size)
    assert 0.2 < rank[mid_size] < 0.8


def test_growing(data: dict[str, pd.DataFrame]) -> None:
    lines = data["order_lines"]
    now = revenue(lines, months_before(12), AS_OF)
    before = revenue(lines, months_before(24), months_before(12))
    for account in PLANTED["growing"]:
        assert now[account] / before[account] - 1 >= 0.4, account


def test_churning(data: dict[str, pd.DataFrame]) -> None:
    lines = data["order_lines"]
    for account in PLANTED["churning"]:
        days = (
            lines.loc[(lines["account_id"] == account) & (lines["net_amount"] > 0), "order_date"]
            .drop_duplicates()
            .sort_values()
        )
        gaps = days.diff().dt.days
        usual = gaps[days <= months_before(14)].median()
        recent = gaps[days > months_before(12)]
        assert usual <= 35, account
        assert recent.mean() >= 1.3 * usual, account
        assert 120 <= (AS_OF - days.max()).days <= 200, account


def test_late_payer(data: dict[str, pd.DataFrame]) -> None:
    invoices = data["invoices"]
    for account in PLANTED["late_payer"]:
        own = invoices[invoices["account_id"] == account]
        days_late = (own["paid_date"] - own["due_date"]).dt.days
        by_year = days_late.groupby(own["invoice_date"].dt.year).mean()
        assert by_year.is_monotonic_increasing, account
        assert by_year.iloc[-1] >= by_year.iloc[0] + 30, account
        long_overdue = own["paid_date"].isna() & (own["due_date"] < AS_OF - pd.Timedelta(days=60))
        assert long_overdue.sum() >= 3, account


def test_complaint_spike(data: dict[str, pd.DataFrame]) -> None:
    complaints = data["complaints"]
    for account in PLANTED["complaint_spike"]:
        own = complaints[complaints["account_id"] == account]
        recent = own[within(own["opened_date"], months_before(3), AS_OF)]
        assert len(recent) >= 4
        assert recent["closed_date"].isna().any()
        earlier = own[own["opened_date"] <= months_before(3)]
        assert earlier.groupby(earlier["opened_date"].dt.to_period("Q")).size().max() <= 1


def test_falling_wallet_share(data: dict[str, pd.DataFrame]) -> None:
    lines, wallet = data["order_lines"], data["wallet"]
    for account in PLANTED["falling_wallet_share"]:
        own = lines[lines["account_id"] == account]
        yearly = own.groupby(own["order_date"].dt.year)["net_amount"].sum()
        spend = wallet[wallet["account_id"] == account].set_index("year")["category_spend"]
        share_2024 = yearly[2024] / spend[2024]
        share_2026 = yearly[2026] * 12 / 9 / spend[2026]
        assert share_2024 - share_2026 >= 0.10
        assert spend[2026] > spend[2024]
        now = revenue(own, months_before(12), AS_OF)[account]
        before = revenue(own, months_before(24), months_before(12))[account]
        assert now / before - 1 <= 0.05


def test_price_buyer(data: dict[str, pd.DataFrame]) -> None:
    lines = data["order_lines"].merge(data["products"][["product_id", "category"]])
    for account in PLANTED["price_buyer"]:
        own = lines[(lines["account_id"] == account) & (lines["net_amount"] > 0)]
        quarter = own["order_date"].dt.to_period("Q")
        sums = own.groupby(quarter)[["net_amount", "list_amount"]].sum()
        depth = (1 - sums["net_amount"] / sums["list_amount"]).iloc[-6:]
        assert depth.is_monotonic_increasing
        assert depth.iloc[-1] - depth.iloc[0] >= 0.08
        categories = own.groupby(quarter)["category"].nunique()
        products = own.groupby(quarter)["product_id"].nunique()
        assert categories.iloc[-1] < categories.iloc[-7]
        assert products.iloc[-1] < products.iloc[-7]


def _done_with_roles(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    done = data["activities"][data["activities"]["status"] == "done"]
    roles = data["contacts"][["contact_id", "role"]]
    return done.merge(roles, on="contact_id", how="left")


def test_no_senior_contact(data: dict[str, pd.DataFrame]) -> None:
    done = _done_with_roles(data)
    for account in PLANTED["no_senior_contact"]:
        own = done[done["account_id"] == account]
        assert not (own.loc[own["type"] == "senior_visit", "date"] > months_before(12)).any()
        assert not (own.loc[own["role"] == "decision_maker", "date"] > months_before(6)).any()
        has_dm = data["contacts"].query("account_id == @account and role == 'decision_maker'")
        assert len(has_dm) == 1
        planned = data["activities"].query("account_id == @account and status == 'planned'")
        assert "senior_visit" not in set(planned["type"])


def test_healthy_accounts_raise_no_flag(data: dict[str, pd.DataFrame]) -> None:
    lines, invoices = data["order_lines"], data["invoices"]
    now = revenue(lines, months_before(12), AS_OF)
    before = revenue(lines, months_before(24), months_before(12))
    done = _done_with_roles(data)
    complaints = data["complaints"]
    wallet = data["wallet"].set_index(["account_id", "year"])["category_spend"]
    for account in PLANTED["healthy"]:
        assert now[account] / before[account] - 1 >= 0, account
        own_lines = lines[lines["account_id"] == account]
        assert (AS_OF - own_lines["order_date"].max()).days <= 10
        assert (own_lines["quantity"] > 0).all()  # no returns
        own = invoices[invoices["account_id"] == account]
        assert not (own["paid_date"].isna() & (own["due_date"] < AS_OF)).any()
        assert ((own["paid_date"] - own["due_date"]).dt.days.dropna() <= 0).all()
        own_c = complaints[complaints["account_id"] == account]
        assert within(own_c["opened_date"], months_before(3), AS_OF).sum() <= 1
        assert own_c["closed_date"].notna().all()
        acts = done[done["account_id"] == account]
        assert acts.loc[acts["type"] == "senior_visit", "date"].max() > months_before(6)
        assert acts.loc[acts["role"] == "decision_maker", "date"].max() > months_before(2)
        yearly = own_lines.groupby(own_lines["order_date"].dt.year)["net_amount"].sum()
        share_2024 = yearly[2024] / wallet[(account, 2024)]
        share_2026 = yearly[2026] * 12 / 9 / wallet[(account, 2026)]
        assert abs(share_2026 - share_2024) < 0.03
        plans = data["account_plans"].query("account_id == @account")
        assert not ((plans["due_date"] <= AS_OF) & (plans["status"] == "open")).any()


# --- arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_accounts": 50}, "at least 100 accounts"),
        ({"start": dt.date(2025, 1, 1)}, "must start on or before 2024-01-01"),
        ({"target_lines": 10_000, "lines_per_account_year": 50.0}, "not both"),
        ({"lines_per_account_year": 0.0}, "must be positive"),
    ],
)
def test_bad_arguments_are_explained(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        generate_sample(**kwargs)


# --- export -------------------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


def test_csv_export_round_trips(tmp_path: Path, small: dict[str, pd.DataFrame]) -> None:
    out = tmp_path / "sample"
    files = export_sample(out, "csv", **SMALL)
    assert {f.name for f in files} == {f"{n}.csv" for n in small} | {"README.txt"}
    assert (out / ".complete").is_file()
    readme = (out / "README.txt").read_text("utf-8")
    assert "kamreport sample" in readme
    for name, frame in small.items():
        back = pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)
        assert len(back) == len(frame), name
        assert list(back.columns) == list(frame.columns), name
    text = (out / "order_lines.csv").read_text("utf-8")
    assert not re.search(r"\d[eE][-+]?\d", text)
    first = text.splitlines()[1].split(",")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", first[4])
    accounts = pd.read_csv(out / "accounts.csv")
    assert (
        accounts.loc[accounts["account_id"] == stories.ESCAPING_ACCOUNT, "name_en"].item()
        == (stories.ESCAPING_NAMES[1])
    )
    assert _leftovers(tmp_path) == []


def test_export_replaces_an_earlier_sample_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "sample"
    export_sample(out, "csv", **TINY)
    before = (out / "order_lines.csv").read_bytes()

    def broken(frame: pd.DataFrame, path: Path) -> str:
        if path.name == "invoices.csv":
            raise OSError("disk full")
        return real(frame, path)

    real = export_module._write_csv
    monkeypatch.setattr(export_module, "_write_csv", broken)
    with pytest.raises(OSError, match="disk full"):
        export_sample(out, "csv", **{**TINY, "seed": 8})
    assert (out / "order_lines.csv").read_bytes() == before  # the old sample is untouched
    assert (out / ".complete").is_file()
    assert _leftovers(tmp_path) == []

    monkeypatch.setattr(export_module, "_write_csv", real)
    export_sample(out, "csv", **{**TINY, "seed": 8})
    assert (out / "order_lines.csv").read_bytes() != before
    assert _leftovers(tmp_path) == []


def test_export_refuses_a_folder_with_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.docx").write_text("mine")
    with pytest.raises(KamReportError, match=r"not part of a sample \(notes.docx\)"):
        export_sample(tmp_path, "csv", **TINY)
    assert (tmp_path / "notes.docx").read_text() == "mine"
    assert _leftovers(tmp_path.parent) == []


def test_export_rejects_an_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="Expected one of: csv, xlsx, parquet"):
        export_sample(tmp_path / "x", "json")


def _excerpt(**kwargs: object) -> dict[str, pd.DataFrame]:
    """The small sample cut to 150 rows a table, keeping rows with empty cells and odd names."""
    tables = generate_sample(**kwargs)
    return {name: frame.head(150) for name, frame in tables.items()}


def test_xlsx_export_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, readme, marker_line = export_module.PROFILES["kam"]
    monkeypatch.setitem(export_module.PROFILES, "kam", (_excerpt, readme, marker_line))
    expected = _excerpt(**SMALL)
    files = export_sample(tmp_path / "sample", "xlsx", **SMALL)
    assert [f.name for f in files] == ["sample.xlsx", "README.txt"]
    book = pd.read_excel(files[0], sheet_name=None)
    assert list(book) == list(expected)
    for name, frame in expected.items():
        assert len(book[name]) == len(frame), name
        assert list(book[name].columns) == list(frame.columns), name
    accounts = book["accounts"].set_index("account_id")
    assert accounts.loc[stories.ESCAPING_ACCOUNT, "name_en"] == stories.ESCAPING_NAMES[1]
    assert pd.api.types.is_datetime64_any_dtype(accounts["customer_since"])
    assert accounts["parent_id"].isna().sum() == expected["accounts"]["parent_id"].isna().sum()
    assert _leftovers(tmp_path) == []


def test_xlsx_export_refuses_more_rows_than_a_sheet_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "EXCEL_MAX_ROWS", 1000)
    with pytest.raises(ParamsError, match="Use the csv format"):
        export_sample(tmp_path / "sample", "xlsx", **SMALL)
    assert not (tmp_path / "sample").exists()


# --- scale ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_million_lines_quickly() -> None:
    started = time.perf_counter()
    tables = generate_sample(target_lines=1_000_000)
    seconds = time.perf_counter() - started
    lines = tables["order_lines"]
    assert 950_000 <= len(lines) <= 1_050_000
    assert seconds < 60
    assert lines["order_date"].max() == AS_OF
    assert not lines.duplicated(["order_id", "line_no"]).any()
    now = revenue(lines, months_before(12), AS_OF)
    before = revenue(lines, months_before(24), months_before(12))
    assert all(now[a] / before[a] - 1 >= 0.4 for a in PLANTED["growing"])
