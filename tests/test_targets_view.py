"""The companion page's view: every figure as text, from a target setting built by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from kamreport.analytics.target_proposals import Proposals
from kamreport.i18n import Formatter
from kamreport.provenance import Provenance
from kamreport.reports.targets import TargetSetting, render_html
from kamreport.views.blocks import to_plain
from kamreport.views.display import Display
from kamreport.views.targets import targets_view

AS_OF = dt.date(2026, 9, 30)
MINUS = "\u2212"


def provenance() -> Provenance:
    return Provenance(
        version="0.1.0",
        as_of=AS_OF.isoformat(),
        data_hash="d" * 64,
        params={},
        params_hash="p" * 64,
        source="test",
        generated_at="2026-10-01T08:00:00+00:00",
        confidentiality="Internal",
        locale="en",
        python="3.11",
    )


def attainment(rows: list[tuple[str, int, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["tier", "accounts", "target", "actual"])
    frame["attainment"] = frame["actual"] / frame["target"]
    return frame


def setting(**changes) -> TargetSetting:
    accounts = pd.DataFrame(
        {
            "tier": ["key", "key", "growth"],
            "method": ["ltm_seasonal", "ltm_seasonal", "run_rate"],
            "forecast": [1_000_000.0, 500_000.0, 0.0],
            "proposal": [900_000.0, 550_000.0, 100_000.0],
            "proposal_low": [800_000.0, 500_000.0, np.nan],
            "proposal_high": [1_000_000.0, 820_000.0, np.nan],
            "inactive": [False, True, False],
            "days_since_order": [np.nan, 140.0, np.nan],
            "usual_interval": [np.nan, 30.0, np.nan],
            "run_rate_fy": [1_000_000.0, 800_000.0, 0.0],
            "proposal_unadjusted": [900_000.0, 820_000.0, 100_000.0],
        },
        index=pd.Index(["A1", "A2", "A3"], name="account_id"),
    )
    summary = pd.DataFrame(
        {
            "tier": ["key", "key", "growth", "growth", "all"],
            "method": ["run_rate", "ltm_seasonal", "run_rate", "ltm_seasonal", "run_rate"],
            "accounts": [2, 2, 1, 1, 0],
            "mape": [0.2, 0.1, 0.3, 0.4, np.nan],
            "total_error": [-0.053, 0.021, -0.161, 0.0, np.nan],
        }
    )
    proposals = Proposals(
        accounts=accounts,
        backtest=pd.DataFrame(),
        summary=summary,
        methods={"key": "ltm_seasonal", "growth": "run_rate"},
        as_of=AS_OF,
        year=2027,
    )
    bands = [-np.inf, -0.2, 0.0, 0.2, np.inf]
    distribution = pd.DataFrame(
        {
            "lower": [*bands[:-1], np.nan],
            "upper": [*bands[1:], np.nan],
            "accounts": [0, 1, 1, 0, 1],
        }
    )
    base = TargetSetting(
        proposals=proposals,
        goal=1_600_000.0,
        last_year=attainment(
            [("key", 2, 2_000_000.0, 1_900_000.0), ("all", 2, 2_000_000.0, 1_900_000.0)]
        ),
        current_year=attainment(
            [
                ("key", 2, 1_000_000.0, 1_100_000.0),
                ("growth", 1, 200_000.0, 150_000.0),
                ("all", 3, 1_200_000.0, 1_250_000.0),
            ]
        ),
        distribution=distribution,
        cutoffs=(dt.date(2024, 9, 30),),
        backtest_years=(2025,),
        set_by_params=("growth",),
    )
    return dataclasses.replace(base, **changes)


def view(locale: str = "en", **changes):
    display = Display(Formatter(locale, "CNY"))
    return targets_view(setting(**changes), display, provenance(), "targets-2027.xlsx")


def texts(table) -> list[list[str]]:
    return [[c.change.text if c.change else c.text for c in row.cells] for row in table.rows]


def test_page_frame_names_the_year_date_and_workbook():
    page = view().page
    assert page.title == page.heading == "Target setting 2027"
    assert page.subtitle == "as of Sep 30, 2026 · Workbook: targets-2027.xlsx"
    assert view("zh-CN").page.heading == "2027年度目标制定"


def test_attainment_tables_show_each_tier_and_the_total_last():
    v = view()
    assert v.last_year.title == "Last year's targets against actuals (2025)"
    assert texts(v.last_year.table) == [
        ["Key", "2", "CN¥2,000,000", "CN¥1,900,000", "95.0%"],
        ["All tiers in scope", "2", "CN¥2,000,000", "CN¥1,900,000", "95.0%"],
    ]
    rows = v.current_year.table.rows
    assert [r.css for r in rows] == ["", "", "total"]
    assert texts(v.current_year.table)[1] == ["Growth", "1", "CN¥200,000", "CN¥150,000", "75.0%"]
    assert rows[0].cells[0].header and rows[0].attrs == (("data-tier", "key"),)
    zh = view("zh-CN")
    assert [row.cells[0].text for row in zh.current_year.table.rows] == [
        "重点客户",
        "潜在客户",
        "范围内全部级别",
    ]


def test_no_targets_says_so_instead_of_a_table():
    empty = attainment([("all", 0, 0.0, 0.0)])
    v = view(last_year=empty)
    assert v.last_year.table is None
    assert v.last_year.no_data == "No targets in the data for 2025."
    html = render_html(setting(last_year=empty), Formatter("en", "CNY"), provenance())
    assert "No targets in the data for 2025." in html
    assert 'data-table="last-year"' not in html and 'data-table="current-year"' in html


def test_distribution_bands_totals_and_bars():
    v = view()
    total, status, intro = v.distribution.intro
    assert intro == "Proposed baseline against this year's forecast, number of accounts per band."
    # Σ proposal 1,550,000 against Σ forecast 1,500,000: +3.3%; the ranges of A1 and A2 add up
    assert total == (
        "Σ proposals CN¥1,550,000 (range CN¥1,300,000 … CN¥1,820,000) against Σ forecast "
        "CN¥1,500,000 (+3.3%); goal CN¥1,600,000."
    )
    # 1,550,000 against the goal 1,600,000: 50,000 short, −3.1%
    assert status == (
        f"The proposals fall short of the goal by CN¥50,000 ({MINUS}3.1%): the workshop has to "
        "find it bottom-up or spread it top-down."
    )
    labels = [row.cells[0].text for row in v.distribution.table.rows]
    assert labels == [
        f"< {MINUS}20%",
        f"{MINUS}20% … 0%",
        "0% … +20%",
        "≥ +20%",
        "No forecast",
    ]
    counts = [row.cells[1].text for row in v.distribution.table.rows]
    assert counts == ["0", "1", "1", "0", "1"]
    bars = [row.cells[2].bar for row in v.distribution.table.rows]
    assert bars[0] == 0 and bars[1] == bars[2] == bars[4] == max(bars) > 0


def test_default_goal_is_named_with_its_growth():
    v = view(default_growth=0.05, goal=1_575_000.0)
    assert v.distribution.intro[1] == (
        "The goal is this year's forecast of these accounts plus 5.0% (targets.default_growth)."
    )
    assert v.distribution.intro[2].startswith("The proposals fall short of the goal by CN¥25,000")
    zh = view("zh-CN", default_growth=0.05).distribution.intro[1]
    assert zh == "公司目标 = 这些客户今年的预测再增长5.0%（targets.default_growth）。"


def test_inactive_accounts_show_run_rate_forecast_and_baseline_with_and_without():
    v = view()
    assert v.inactive.intro[0].startswith("Accounts with no order for far longer than their usual")
    assert texts(v.inactive.table) == [
        [
            "A2",
            "Key",
            "140",
            "30",
            "CN¥800,000",
            "CN¥500,000",
            "CN¥820,000",
            "CN¥550,000",
            "CN¥500,000 … CN¥820,000",
        ]
    ]
    none = view(
        proposals=dataclasses.replace(
            setting().proposals,
            accounts=setting().proposals.accounts.assign(inactive=False),
        )
    )
    assert none.inactive.table is None
    assert none.inactive.no_data == "No account in the workbook has a high order-gap flag."
    assert view("zh-CN").inactive.title == "因停止下单而调整"


def test_methods_used_count_the_accounts_per_tier_and_method():
    rows = texts(view().methods.table)
    assert rows == [["Key", "LTM + seasonality", "2"], ["Growth", "Run-rate", "1"]]


def test_backtest_marks_the_chosen_method_and_signs_errors_with_a_true_minus():
    v = view()
    assert v.backtest.intro == (
        "Each method proposed 2025 from the data up to Sep 30, 2024 and is compared with what "
        "happened. MAPE: mean absolute percentage error (lower is better); total error: "
        "Σ proposals / Σ actual − 1.",
    )
    rows = v.backtest.table.rows
    chosen = [(r.cells[0].text, r.cells[1].text, r.cells[1].note) for r in rows if r.css]
    assert chosen == [
        ("Key", "LTM + seasonality", "✓ chosen"),
        ("Growth", "Run-rate", "✓ set in params"),
    ]
    errors = [r.cells[4].text for r in rows]
    assert errors == [f"{MINUS}5.3%", "+2.1%", f"{MINUS}16.1%", "0.0%", "n/a"]
    assert rows[-1].cells[3].text == "n/a"  # no accounts: no error to show
    assert all("-" not in e for e in errors)


def test_no_backtest_names_the_fallback_method():
    v = view(cutoffs=(), backtest_years=())
    assert v.backtest.table is None
    assert v.backtest.no_data == (
        "Not enough history for a back-test; every tier uses LTM + seasonality."
    )


def test_view_is_plain_text_all_the_way_down():
    encoded = json.dumps(to_plain(view()), ensure_ascii=False)
    assert "NaN" not in encoded and "Infinity" not in encoded


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_rendered_page_lays_out_the_view(locale):
    fmt = Formatter(locale, "CNY")
    html = render_html(setting(), fmt, provenance())
    v = view(locale)
    for table in ("last-year", "current-year", "distribution", "inactive", "methods", "backtest"):
        assert f'data-table="{table}"' in html
    assert v.distribution.intro[0] in html
    assert f"{MINUS}16.1%" in html
    assert html.count('<tr class="chosen"') == 2


def spread_of(gap_rule: str = "headroom"):
    from kamreport.analytics.target_gap import spread_gap

    frame = pd.DataFrame(
        {
            "baseline": [900_000.0, 550_000.0, 100_000.0],
            "bottom_up": [np.nan, np.nan, np.nan],
            "headroom": [300_000.0, np.nan, 100_000.0],
            "tier": ["key", "key", "growth"],
        },
        index=pd.Index(["A1", "A2", "A3"], name="account_id"),
    )
    return spread_gap(frame, 1_600_000.0, gap_rule)


def test_gap_spread_lists_the_largest_parts_with_the_rule():
    block = view(spread=spread_of()).spread
    # 1,600,000 − 1,550,000 = 50,000 by headroom 300,000 : 100,000 → 37,500 and 12,500
    assert block.intro[0] == (
        "Σ bottom-up (or baselines where none is entered) CN¥1,550,000 against the goal "
        "CN¥1,600,000: a gap of CN¥50,000. Rule: in proportion to wallet headroom."
    )
    assert texts(block.table) == [
        ["A1", "Key", "CN¥900,000", "+CN¥37,500", "CN¥937,500"],
        ["A3", "Growth", "CN¥100,000", "+CN¥12,500", "CN¥112,500"],
        ["A2", "Key", "CN¥550,000", "CN¥0", "CN¥550,000"],
    ]
    pro_rata = view(spread=spread_of("pro_rata")).spread
    assert "in proportion to bottom-up" in pro_rata.intro[0]


def test_service_plan_by_tier_and_the_levels_used():
    service = pd.DataFrame(
        {
            "visits_ltm": [10, 14, 3],
            "visits_proposed": [12, 14, 6],
            "senior_visits_ltm": [0, 1, 0],
            "senior_visits_proposed": [4, 4, 2],
            "training_ltm": [0, 0, 0],
            "training_proposed": [2, 2, 1],
        },
        index=pd.Index(["A1", "A2", "A3"], name="account_id"),
    )
    levels = {
        "growth": {"visits": 6, "senior_visits": 2, "training": 1},
        "key": {"visits": 12, "senior_visits": 4, "training": 2},
    }
    block = view(service=service, service_levels=levels).service
    assert texts(block.table) == [
        ["Key", "2", "24 → 26", "1 → 8", "0 → 4"],
        ["Growth", "1", "3 → 6", "0 → 2", "0 → 1"],
        ["All tiers in scope", "3", "27 → 32", "1 → 10", "0 → 5"],
    ]
    assert "Key: visits 12, senior visits 4, trainings 2; Growth: visits 6" in block.intro[0]


def test_last_years_loop_or_why_there_is_none():
    from kamreport.analytics.target_loop import LoopReview

    by_source = pd.DataFrame(
        [["bottom_up", 2, 2, 0.2, 0.1, -0.05, 0.02], ["unknown", 1, 1, 0.3, 0.3, 0.1, 0.1]],
        columns=["source", "accounts", "accounts_all", "mape_proposal", "mape_agreed",
                 "total_error_proposal", "total_error_agreed"],
    )  # fmt: skip
    group = ["accounts", "target", "actual", "attainment", "mape_agreed"]
    by_tier = pd.DataFrame([["key", 3, 2_000_000.0, 1_900_000.0, 0.95, 0.15]],
                           columns=["tier", *group])  # fmt: skip
    by_manager = pd.DataFrame([["Wang <b>", 3, 2_000_000.0, 1_900_000.0, 0.95, 0.15]],
                              columns=["ka_manager", *group])  # fmt: skip
    by_method = pd.DataFrame(
        [["all", "run_rate", 3, 0.2, -0.05, False], ["key", "run_rate", 3, 0.2, -0.05, True]],
        columns=["tier", "method", "accounts", "mape", "total_error", "chosen"],
    )
    loop = LoopReview(
        year=2025,
        accounts=pd.DataFrame(),
        by_method=by_method,
        by_source=by_source,
        by_tier=by_tier,
        by_manager=by_manager,
        notes=("sources_unknown",),
    )
    blocks = view(loop=loop, loop_year=2025).loop
    assert [b.title for b in blocks] == [
        "Last year's loop (2025): proposal, agreed target and what happened",
        "By tier",
        "By KA manager",
        "The model's methods on 2025",
    ]
    assert blocks[0].intro[1].startswith("Who set the target was not recorded")
    assert texts(blocks[0].table) == [
        ["KA manager (bottom-up)", "2", "20.0%", "10.0%", f"{MINUS}5.0%", "+2.0%"],
        ["Not recorded", "1", "30.0%", "30.0%", "+10.0%", "+10.0%"],
    ]
    assert texts(blocks[2].table) == [
        ["Wang <b>", "3", "CN¥2,000,000", "CN¥1,900,000", "95.0%", "15.0%"]
    ]
    assert texts(blocks[3].table) == [["Run-rate", "3", "20.0%", f"{MINUS}5.0%"]]
    none = view(loop=None, loop_year=2025, loop_unavailable="data_not_covered").loop
    assert none[0].table is None
    assert none[0].no_data == ("Last year's loop: n/a — the order data starts after January 2025")
    html = render_html(setting(loop=loop, loop_year=2025), Formatter("en", "CNY"), provenance())
    assert "Wang &lt;b&gt;" in html and "Wang <b>" not in html
