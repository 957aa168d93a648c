"""The companion page targets-<year>.html and the workshop analysis behind it."""

from __future__ import annotations

import pandas as pd
import pytest

from kamreport.context import RunContext, open_context
from kamreport.errors import KamReportError
from kamreport.i18n import Formatter
from kamreport.provenance import make_provenance
from kamreport.reports import targets as report
from tests.test_targets_proposals import AS_OF, order_rows, tables


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> RunContext:
    """The tiny dataset as CSV files, with monthly targets for A1 and A2 and a zero-amount
    order on the as-of date (a run's data reaches its as-of date)."""
    data = tables()
    months = pd.date_range("2025-01-01", "2026-12-01", freq="MS")
    data["targets"] = pd.DataFrame(
        [
            {"account_id": a, "month": m, "revenue_target": 100_000.0, "visits_target": 1.0}
            for a in ("A1", "A2")
            for m in months
        ]
    )
    lines = data["order_lines"]
    closing = {**lines.iloc[-1].to_dict(), "order_id": "O-ASOF", "account_id": "A1"}
    closing.update(order_date=pd.Timestamp(AS_OF), net_amount=0.0)
    data["order_lines"] = pd.concat([lines, pd.DataFrame([closing])], ignore_index=True)
    root = tmp_path_factory.mktemp("targets-page")
    (root / "data").mkdir()
    for name, frame in data.items():
        frame.to_csv(root / "data" / f"{name}.csv", index=False)
    overrides = {
        "data": {"source": str(root / "data")},
        "report": {"output_dir": str(root / "out"), "as_of": AS_OF.isoformat()},
        "targets": {"tiers": ["key", "growth", "maintain", "ordinary"]},
    }
    return open_context(None, overrides, say=lambda _: None)


@pytest.fixture(scope="module")
def setting(session):
    return report.analyse(session, None, 5_000_000.0)


def test_analysis_year_goal_and_last_year_attainment(setting):
    assert setting.year == 2027 and setting.goal == 5_000_000.0
    assert setting.backtest_years == (2025,)
    assert [c.isoformat() for c in setting.cutoffs] == ["2024-09-30"]
    total = setting.last_year.set_index("tier").loc["all"]
    assert total["accounts"] == 2 and total["target"] == 2_400_000.0
    actual_2025 = sum(
        amount
        for account, day, amount in order_rows()
        if account in ("A1", "A2") and day.year == 2025
    )
    assert total["actual"] == pytest.approx(actual_2025)
    assert total["attainment"] == pytest.approx(actual_2025 / 2_400_000.0)
    ytd = setting.current_year.set_index("tier").loc["all"]
    assert ytd["target"] == 2 * 9 * 100_000.0
    assert setting.distribution["accounts"].sum() == len(setting.proposals.accounts)


def test_last_years_loop_agrees_with_last_years_attainment(setting):
    """One concept, one number: the loop's attainment of a tier is the attainment above."""
    loop = setting.loop
    assert loop is not None and loop.year == 2025
    attained = setting.last_year.set_index("tier")
    for row in loop.by_tier.itertuples(index=False):
        same = attained.loc[row.tier]
        assert (row.accounts, row.target) == (same["accounts"], same["target"])
        assert row.actual == pytest.approx(same["actual"])
        assert row.attainment == pytest.approx(same["attainment"])
    # the loop's proposals come from the back-test of 2025, the tier's method
    chosen = setting.proposals.backtest.set_index(["year", "account_id", "method"])["proposal"]
    for account_id, row in loop.accounts.iterrows():
        assert not row["proposal_recorded"]
        assert row["proposal"] == pytest.approx(chosen[(2025, account_id, row["method"])])
    # and the service plan: at least each tier's level
    levels = setting.service_levels
    tiers = setting.proposals.accounts["tier"]
    for account_id, row in setting.service.iterrows():
        assert row["visits_proposed"] >= levels[tiers[account_id]]["visits"]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "en",
            ["Target setting 2027", "Back-test: how each method would have done", "Sep 30, 2024"],
        ),
        ("zh-CN", ["2027年度目标制定", "回测：各方法的表现", "2024年9月30日"]),
    ],
)
def test_page_renders_in_both_languages(setting, session, locale, expected):
    fmt = Formatter(locale, "CNY")
    html = report.render_html(setting, fmt, make_provenance(session.params, session.dataset, AS_OF))
    for text in expected:
        assert text in html
    assert "targets-2027.xlsx" in html
    # the chosen method of each tier in scope is marked; each attainment table and the
    # service plan have a total
    assert html.count('<tr class="chosen"') == len(setting.proposals.methods)
    assert html.count('<tr class="total" data-tier="all">') == 3


def test_target_year_must_be_after_the_as_of_year():
    with pytest.raises(KamReportError, match="The target year 2026 is not after"):
        report.resolve_year(2026, AS_OF)
    assert report.resolve_year(None, AS_OF) == 2027


# --- the bundled sample: planted churners against healthy accounts ----------------

CHURNING, HEALTHY = ("KA0008", "KA0042"), ("KA0003", "KA0011", "KA0026")


@pytest.fixture(scope="module")
def sample_run(sample_dir, tmp_path_factory) -> RunContext:
    out = tmp_path_factory.mktemp("targets-sample")
    overrides = {"data": {"source": str(sample_dir)}, "report": {"output_dir": str(out)}}
    return open_context(None, overrides, say=lambda _: None)


@pytest.fixture(scope="module")
def sample_setting(sample_run):
    return report.analyse(sample_run)


def test_churning_accounts_forecast_and_baseline_fall_below_the_run_rate(sample_setting):
    accounts = sample_setting.proposals.accounts
    for account in CHURNING:
        row = accounts.loc[account]
        naive = row[f"naive_{row['method']}"]
        assert bool(row["inactive"]) and row["days_since_order"] > 120
        # nothing ordered in the last 3 months: the forecast is what is already booked
        assert row["forecast"] == pytest.approx(row["revenue_ytd"])
        assert row["forecast"] < 0.8 * row["run_rate_fy"]
        assert row["proposal"] < 0.1 * naive
        assert row["proposal_low"] <= row["proposal"] <= row["proposal_high"]
        assert row["proposal_high"] == row["proposal_unadjusted"] == round(naive, -3)
    for account in HEALTHY:
        row = accounts.loc[account]
        assert not bool(row["inactive"])
        assert row["forecast"] == row["forecast_unadjusted"]
        assert row["proposal"] == pytest.approx(round(row[f"naive_{row['method']}"], -3), abs=1)
        assert row["proposal_low"] < row["proposal"] < row["proposal_high"]
        assert row["proposal_high"] < 1.5 * row["proposal"]


def test_sample_default_goal_is_growth_over_the_forecast_and_the_proposals_fall_short(
    sample_setting, sample_run
):
    accounts = sample_setting.proposals.accounts
    growth = sample_run.params.targets.default_growth
    assert growth == 0.05 and sample_setting.default_growth == growth
    expected = round((1 + growth) * accounts["forecast"].sum(), -3)
    assert sample_setting.goal == pytest.approx(expected)
    assert accounts["proposal"].sum() < sample_setting.goal
    html = report.render_html(
        sample_setting,
        Formatter("en", "CNY"),
        make_provenance(sample_run.params, sample_run.dataset, sample_run.as_of),
    )
    assert "The proposals fall short of the goal by" in html
    assert 'data-table="inactive"' in html and 'data-account="KA0008"' in html


def test_sample_workbook_shows_the_range_and_why_a_baseline_was_adjusted(
    sample_setting, sample_run, tmp_path
):
    from openpyxl import load_workbook

    from kamreport.workbook.layout import letter

    path = tmp_path / "targets-2027.xlsx"
    path.write_bytes(report.workbook(sample_setting, sample_run, "2026-10-01 09:00"))
    sheet = load_workbook(path)["Accounts"]
    rows = {sheet[f"A{r}"].value: r for r in range(2, sheet.max_row + 1)}
    accounts = sample_setting.proposals.accounts
    row = accounts.loc["KA0008"]
    reason = sheet[f"{letter('reason')}{rows['KA0008']}"].value
    assert reason.startswith("No order for 135 days (usual interval 32 days)")
    assert "已135天未下单" in reason
    naive = row["proposal_unadjusted"]
    assert f"without this adjustment the baseline would be {naive:,.0f}." in reason
    assert sheet[f"{letter('reason')}{rows['KA0003']}"].value is None
    for account in ("KA0008", "KA0003"):
        r = rows[account]
        assert sheet[f"{letter('proposal_low')}{r}"].value == accounts.at[account, "proposal_low"]
        assert sheet[f"{letter('proposal_high')}{r}"].value == accounts.at[account, "proposal_high"]
    summary = load_workbook(path)["Summary"]
    assert summary["B3"].value == sample_setting.goal
    assert summary["B13"].value == "=B5-B3"
    assert "Baselines short of the goal by" in summary["B14"].value


def test_portfolio_attainment_uses_the_same_forecast(sample_run):
    from kamreport.analytics.team import attainment

    figures = sample_run.figures()
    adjusted = attainment(sample_run.dataset, sample_run.as_of, figures.flags)
    plain = attainment(sample_run.dataset, sample_run.as_of)
    for account in CHURNING:
        if account in adjusted.index:
            assert adjusted.at[account, "forecast_fy"] < 0.8 * plain.at[account, "forecast_fy"]
    for account in HEALTHY:
        if account in adjusted.index:
            assert adjusted.at[account, "forecast_fy"] == plain.at[account, "forecast_fy"]
    # the metrics (report, JSON) carry the same forecast as the workshop's F
    metrics = figures.metrics.set_index("account_id")
    for account in (*CHURNING, *HEALTHY):
        if account in adjusted.index:
            assert metrics.at[account, "forecast_fy"] == adjusted.at[account, "forecast_fy"]
    for account in CHURNING:
        assert metrics.at[account, "forecast_fy"] == pytest.approx(
            metrics.at[account, "revenue_ytd"]
        )
