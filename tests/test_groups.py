"""Group accounts (集团客户): the tree, cycles, and a group's figures summed from its
members' figures, each computed here by hand from the raw tables."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kamreport.analytics import groups
from kamreport.analytics.coverage import data_start, trend_window
from kamreport.dataset import Dataset
from kamreport.figures import compute_figures
from kamreport.params import Params
from tests.raw_tables import table
from tests.test_validation import errors, lines

AS_OF = dt.date(2026, 9, 30)
END = pd.Timestamp(AS_OF)
GROUP = "KA0002"
MEMBERS = ["KA0002", "KA0033", "KA0061", "KA0088"]


def tree(pairs: dict[str, str | None]) -> pd.DataFrame:
    return pd.DataFrame({"account_id": list(pairs), "parent_id": list(pairs.values())})


def test_members_at_every_level_and_the_group_of_each():
    accounts = tree({"G": None, "S1": "G", "S2": "G", "S11": "S1", "S111": "S11", "X": None})
    assert list(groups.members(accounts, "G")["account_id"]) == ["G", "S1", "S11", "S111", "S2"]
    assert list(groups.members(accounts, "G")["depth"]) == [0, 1, 2, 3, 1]
    assert list(groups.members(accounts, "S1")["account_id"]) == ["S1", "S11", "S111"]
    assert groups.group_ids(accounts).to_dict() == {
        "G": "G", "S1": "G", "S2": "G", "S11": "G", "S111": "G", "X": "X",
    }  # fmt: skip
    assert groups.ancestors(accounts, "S111") == ("S11", "S1", "G")
    assert groups.ancestors(accounts, "X") == ()


def test_unknown_parent_is_no_group():
    accounts = tree({"A": "NOPE", "B": None})
    assert groups.group_ids(accounts).to_dict() == {"A": "A", "B": "B"}


def test_cycles_are_found_once_each():
    accounts = tree({"A": "B", "B": "C", "C": "A", "D": "D", "E": "A", "F": None})
    assert groups.parent_cycles(accounts) == [("A", "B", "C"), ("D",)]
    with pytest.raises(ValueError, match="A → B → C → A"):
        groups.group_ids(accounts)


def test_a_cycle_is_a_validation_error_naming_file_rows_and_fix():
    accounts = table(
        "accounts",
        {"account_id": ["A1", "A2", "A3"], "name": ["a", "b", "c"], "parent_id": ["A2", "A1", ""]},
    )
    found = [e for e in errors(accounts, lines()) if e.startswith("[parent_cycle]")]
    assert found == [
        "[parent_cycle] export/accounts.csv, column 'parent_id': parent_id goes round in a "
        "circle (A1 → A2 → A1) in rows 2 and 3. Expected a group company at the top of every "
        "chain of parent_id, found 'A2', 'A1'. Fix: Leave parent_id empty for the group "
        "company at the top (the account that belongs to no other), so every chain of "
        "parent_id ends there."
    ]


# --- the roll-up against hand-computed figures --------------------------------------------


@pytest.fixture(scope="module")
def dataset(sample_tables) -> Dataset:
    return Dataset(tables=sample_tables, currency="CNY")


@pytest.fixture(scope="module")
def rollup(dataset) -> groups.GroupRollup:
    metrics = compute_figures(dataset, AS_OF, Params()).metrics
    window = trend_window(data_start(dataset.order_lines), AS_OF, 36)
    lines_ = dataset.order_lines.loc[dataset.order_lines["order_date"] <= END]
    made = groups.group_rollup(
        dataset.accounts, metrics, dataset.get("contacts"), lines_, window, GROUP
    )
    assert made is not None
    return made


def by_hand(dataset: Dataset) -> pd.DataFrame:
    """Each member's figures from the raw tables, with plain pandas."""
    ol = dataset.order_lines
    d = ol["order_date"]

    def revenue(start, end) -> pd.Series:
        inside = ol.loc[(d > start) & (d <= end)]
        return inside.groupby("account_id")["net_amount"].sum().reindex(MEMBERS, fill_value=0.0)

    year = pd.DateOffset(months=12)
    out = pd.DataFrame(index=MEMBERS)
    out["revenue_ltm"] = revenue(END - year, END)
    out["revenue_prior_ltm"] = revenue(END - 2 * year, END - year)
    out["revenue_ytd"] = revenue(pd.Timestamp("2025-12-31"), END)
    tg = dataset.get("targets")
    tg = tg.loc[tg["month"].dt.year == 2026]
    out["target_fy"] = tg.groupby("account_id")["revenue_target"].sum().reindex(MEMBERS)
    to_date = tg.loc[tg["month"] <= END]
    out["target_ytd"] = to_date.groupby("account_id")["revenue_target"].sum().reindex(MEMBERS)
    inv = dataset.get("invoices")
    inv = inv.loc[inv["invoice_date"] <= END]
    paid = inv["paid_amount"].where(inv["paid_date"] <= END, 0.0).fillna(0.0)
    open_ = (inv["amount"] - paid).clip(lower=0)
    out["open_amount"] = open_.groupby(inv["account_id"]).sum().reindex(MEMBERS, fill_value=0.0)
    late = open_.where(inv["due_date"] < END, 0.0)
    out["overdue_amount"] = late.groupby(inv["account_id"]).sum().reindex(MEMBERS, fill_value=0)
    wallet = dataset.get("wallet")
    latest = wallet.loc[wallet["year"] <= 2026].sort_values("year").groupby("account_id").last()
    out["category_spend"] = latest["category_spend"].reindex(MEMBERS).astype(float)
    contacts = dataset.get("contacts")
    out["contacts"] = contacts["account_id"].value_counts().reindex(MEMBERS, fill_value=0)
    return out


SUMMED = ("revenue_ltm", "revenue_prior_ltm", "revenue_ytd", "target_ytd", "target_fy",
          "open_amount", "overdue_amount", "category_spend", "contacts")  # fmt: skip


def test_members_are_the_sample_group(rollup):
    assert list(rollup.tree["account_id"]) == MEMBERS
    assert list(rollup.figures.index) == MEMBERS


@pytest.mark.parametrize("figure", SUMMED)
def test_group_total_is_the_sum_of_the_members_figures_by_hand(dataset, rollup, figure):
    hand = by_hand(dataset)
    assert rollup.figures[figure].to_numpy() == pytest.approx(hand[figure].to_numpy(), abs=0.01)
    assert rollup.total[figure] == pytest.approx(hand[figure].sum(), abs=0.01)


def test_group_rates_are_rates_of_the_sums(dataset, rollup):
    hand = by_hand(dataset)
    t = rollup.total
    growth = hand["revenue_ltm"].sum() / hand["revenue_prior_ltm"].sum() - 1
    assert t["revenue_growth"] == pytest.approx(growth)
    assert t["attainment_ytd"] == pytest.approx(
        hand["revenue_ytd"].sum() / hand["target_ytd"].sum()
    )
    share = (rollup.figures["share_of_wallet"] * hand["category_spend"]).sum()
    assert t["share_of_wallet"] == pytest.approx(share / hand["category_spend"].sum())
    assert t["forecast_fy"] == pytest.approx(rollup.figures["forecast_fy"].sum())


def test_group_trend_is_the_members_monthly_revenue_summed(dataset, rollup):
    ol = dataset.order_lines
    mine = ol.loc[ol["account_id"].isin(MEMBERS) & (ol["order_date"] <= END)]
    hand = mine.groupby(mine["order_date"].dt.to_period("M"))["net_amount"].sum()
    shown = rollup.monthly.set_index(rollup.monthly["month"].dt.to_period("M"))["revenue"]
    assert shown.to_numpy() == pytest.approx(hand.reindex(shown.index, fill_value=0).to_numpy())
    assert shown.sum() == pytest.approx(hand.loc[shown.index.min() :].sum())


def test_a_member_without_sales_counts_as_zero():
    metrics = pd.DataFrame(
        {
            "account_id": ["G", "S"],
            "revenue_ltm": [100.0, 0.0],
            "revenue_prior_ltm": [80.0, 0.0],
            "revenue_ytd": [60.0, 0.0],
            "target_ytd": [50.0, float("nan")],
            "target_fy": [90.0, float("nan")],
            "forecast_fy": [70.0, 0.0],
            "open_amount": [10.0, 0.0],
            "overdue_amount": [0.0, 0.0],
            "category_spend": [200.0, float("nan")],
            "share_of_wallet": [0.35, float("nan")],
        }
    )
    accounts = tree({"G": None, "S": "G"})
    empty_lines = pd.DataFrame(
        {
            "account_id": pd.Series(dtype=object),
            "order_date": pd.Series(dtype="datetime64[ns]"),
            "net_amount": pd.Series(dtype=float),
        }
    )
    window = trend_window(pd.Timestamp("2026-01-01"), AS_OF, 3)
    made = groups.group_rollup(accounts, metrics, None, empty_lines, window, "G")
    assert made is not None
    t = made.total
    assert t["revenue_ltm"] == 100.0 and t["revenue_growth"] == pytest.approx(0.25)
    assert t["attainment_ytd"] == pytest.approx(60 / 50)  # S has no target: not counted
    assert t["share_of_wallet"] == pytest.approx(0.35)
    assert made.figures.loc["S", "revenue_ltm"] == 0.0
    assert pd.isna(made.figures.loc["S", "revenue_growth"])
    assert t["contacts"] == 0
    assert made.monthly["revenue"].sum() == 0


def test_an_account_without_subsidiaries_has_no_rollup():
    accounts = tree({"G": None, "S": "G"})
    assert groups.group_rollup(accounts, pd.DataFrame(), None, pd.DataFrame(), None, "S") is None


# --- the account review ---------------------------------------------------------------


@pytest.fixture(scope="module")
def reviews(dataset):
    from kamreport.reports import customer as report

    figures = compute_figures(dataset, AS_OF, Params())
    return {a: report.analyse(dataset, a, AS_OF, Params(), figures) for a in MEMBERS}


def test_a_member_row_is_the_members_own_review(reviews):
    figures = reviews[GROUP].group.figures
    for account_id in MEMBERS:
        own = reviews[account_id]
        assert figures.at[account_id, "revenue_ltm"] == pytest.approx(own.ltm.revenue.current)
        assert figures.at[account_id, "revenue_ytd"] == pytest.approx(own.targets.revenue_ytd)
        assert figures.at[account_id, "open_amount"] == pytest.approx(
            own.receivables.summary["open_amount"] if own.receivables else 0.0
        )
    assert reviews["KA0033"].group is None
    assert reviews["KA0033"].belongs_to == (GROUP,)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_reviews_show_the_group_and_link_to_each_other(dataset, reviews, locale, tmp_path):
    import re

    from kamreport.i18n import Formatter
    from kamreport.layout import Layout
    from kamreport.provenance import make_provenance
    from kamreport.reports import customer as report

    fmt = Formatter(locale, "CNY")
    layout = Layout.of(tmp_path, AS_OF, locale)
    provenance = make_provenance(Params(), dataset, AS_OF)
    html = {}
    for account_id in (GROUP, "KA0033"):
        review = reviews[account_id]
        html[account_id] = report.render_html(
            review,
            dict.fromkeys(report.CHART_KEYS),
            fmt,
            provenance,
            Params(),
            accounts=dataset.accounts,
            links=report.group_links(review, layout),
        )
    ids = re.findall(r'<section id="([^"]+)"', html[GROUP])
    assert ids[ids.index("profile") + 1] == report.GROUP_SECTION
    table = html[GROUP].split('data-table="group-members"')[1].split("</table>")[0]
    for member in MEMBERS[1:]:
        assert f'href="../{member}/report.html"' in table
    assert fmt.t("review.group.total") in table
    assert 'href="../KA0002/report.html"' in html["KA0033"]
    assert 'id="group"' in html["KA0033"] and 'data-table="group-members"' not in html["KA0033"]
    assert "review." not in re.sub(r"<[^>]+>", "", html[GROUP])
