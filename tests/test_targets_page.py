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
    # the chosen method of each tier in scope is marked, and each attainment table has a total
    assert html.count('<tr class="chosen"') == len(setting.proposals.methods)
    assert html.count('<tr class="total" data-tier="all">') == 2


def test_target_year_must_be_after_the_as_of_year():
    with pytest.raises(KamReportError, match="The target year 2026 is not after"):
        report.resolve_year(2026, AS_OF)
    assert report.resolve_year(None, AS_OF) == 2027
