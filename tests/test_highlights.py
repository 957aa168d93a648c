"""Highlights: 3–7 sentences, each traceable to a metric, with actions for the flags."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd
import pytest

from kamreport.analytics.highlights import MAX_HIGHLIGHTS, build_highlights
from kamreport.dataset import Dataset
from kamreport.i18n import Formatter
from kamreport.metrics import KEYS
from kamreport.params import Params
from kamreport.provenance import make_provenance
from kamreport.reports import customer as report
from kamreport.views import customer as customer_view
from kamreport.views.display import Display

AS_OF = dt.date(2026, 9, 30)


def metrics(**values) -> pd.Series:
    base = dict.fromkeys(KEYS, float("nan"))
    base.update(values)
    return pd.Series(base)


NO_FLAGS = pd.DataFrame(columns=["code", "severity", "value", "threshold", "baseline", "unit"])


def test_revenue_direction_and_attainment():
    got = build_highlights(
        metrics(revenue_ltm=80.0, revenue_prior_ltm=100.0, revenue_growth=-0.2,
                attainment_ytd=0.8, revenue_ytd=40.0, target_ytd=50.0),
        NO_FLAGS,
    )  # fmt: skip
    assert [h.message for h in got] == ["review.hl.revenue_down", "review.hl.attainment"]
    assert got[0].values["growth"] == ("percent", pytest.approx(0.2))
    assert got[1].action == "review.action.attainment"
    flat = build_highlights(metrics(revenue_ltm=101.0, revenue_growth=0.01), NO_FLAGS)
    assert flat[0].message == "review.hl.revenue_flat"


def test_flags_high_first_and_capped():
    flags = pd.DataFrame(
        {
            "code": ["ORDER_GAP", "NO_SENIOR_VISIT", "COMPLAINT_SPIKE"] * 3,
            "severity": ["medium", "high", "medium"] * 3,
            "value": 1.0, "threshold": 1.0, "baseline": 1.0, "unit": "days",
        }
    )  # fmt: skip
    got = build_highlights(metrics(revenue_ltm=1.0, revenue_growth=0.5), flags)
    assert len(got) == MAX_HIGHLIGHTS
    # the six flags chosen after the revenue sentence, high first; the good news last
    assert [h.metric for h in got[:3]] == ["NO_SENIOR_VISIT"] * 3
    assert all(h.action and h.tone == "negative" for h in got[:-1])
    assert (got[-1].metric, got[-1].tone) == ("revenue_growth", "positive")


def test_problems_first_then_neutral_then_positive():
    flags = pd.DataFrame(
        {"code": ["ORDER_GAP"], "severity": ["high"], "value": [135.0], "threshold": [64.0],
         "baseline": [32.0], "unit": ["days"]}
    )  # fmt: skip
    row = metrics(revenue_ltm=110.0, revenue_prior_ltm=100.0, revenue_growth=0.1,
                  attainment_ytd=0.95, revenue_ytd=95.0, target_ytd=100.0)  # fmt: skip
    got = build_highlights(row, flags, margin_pct=0.30, margin_pct_prior=0.283)
    assert [(h.metric, h.tone) for h in got] == [
        ("ORDER_GAP", "negative"), ("attainment_ytd", "neutral"),
        ("revenue_growth", "positive"), ("gross_margin_ltm", "positive"),
    ]  # fmt: skip


def test_issues_of_the_attention_block_are_not_told_twice():
    flags = pd.DataFrame(
        {"code": ["ORDER_GAP", "COMPLAINT_SPIKE"], "severity": ["high", "medium"],
         "value": [135.0, 6.0], "threshold": [64.0, 3.0], "baseline": [32.0, 0.5],
         "unit": ["days", "count"]}
    )  # fmt: skip
    row = metrics(revenue_ltm=90.0, revenue_prior_ltm=100.0, revenue_growth=-0.1)
    got = build_highlights(
        row, flags, margin_pct=0.2, margin_pct_prior=0.3, leave_out={"ORDER_GAP", "MARGIN_FALL"}
    )
    assert [h.metric for h in got] == ["revenue_growth", "COMPLAINT_SPIKE"]


@pytest.mark.parametrize("account_id", ["KA0013", "KA0022", "KA0003", "KA0008"])
def test_story_accounts_get_3_to_7_traceable_sentences(sample_tables, account_id):
    dataset = Dataset(tables=sample_tables, currency="CNY")
    context = report.portfolio(dataset, AS_OF, Params())
    review = report.analyse(dataset, account_id, AS_OF, Params(), context)
    assert 3 <= len(review.highlights) <= 7
    known = set(KEYS) | set(context.flags["code"]) | {"whitespace", "pipeline_weighted"}
    assert {h.metric for h in review.highlights} <= known
    fmt = Formatter("zh-CN")
    provenance = make_provenance(Params(), dataset, AS_OF)
    shown = report.view(review, dict.fromkeys(report.CHART_KEYS), fmt, provenance).highlights
    assert [h.metric for h in shown.items] == [h.metric for h in review.highlights]
    assert all("{" not in h.text and "flag." not in h.action for h in shown.items)
    # every flag of the account is among its highlights unless the list is full
    own = set(context.flags.loc[context.flags["account_id"] == account_id, "code"])
    told = {h.metric for h in review.highlights} | {i.kind for i in review.attention[:3]}
    if "revenue_growth" in told:
        told.add("REVENUE_DECLINE")  # told by the revenue sentence, with the flag's action
    assert own <= told or len(review.highlights) == 7


def test_revenue_decline_is_told_once_with_its_action():
    flags = pd.DataFrame(
        {"code": ["REVENUE_DECLINE"], "severity": ["high"], "value": [-0.5],
         "threshold": [-0.15], "baseline": [100.0], "unit": ["growth"]}
    )  # fmt: skip
    got = build_highlights(metrics(revenue_ltm=50.0, revenue_prior_ltm=100.0, revenue_growth=-0.5),
                           flags)  # fmt: skip
    assert [h.metric for h in got] == ["revenue_growth"]
    assert got[0].action == "flag.action.REVENUE_DECLINE"


def test_flag_highlights_use_the_flag_sentences():
    flags = pd.DataFrame(
        {"code": ["ORDER_GAP"], "severity": ["medium"], "value": [90.0], "threshold": [60.0],
         "baseline": [20.0], "unit": ["days"]}
    )  # fmt: skip
    (got,) = build_highlights(metrics(), flags)
    assert (got.message, got.action) == ("flag.reason.ORDER_GAP", "flag.action.ORDER_GAP")
    display = Display(Formatter("en"))
    numbers = {k: display.text(kind, v) for k, (kind, v) in got.values.items()}
    assert display.t(got.message, **numbers) == display.flag_reason("ORDER_GAP", 90.0, 60.0, 20.0)


def test_threshold_in_points_is_unsigned():
    display = Display(Formatter("en"))
    assert display.text("pp", 0.05) == "5.0 pp"
    assert display.text("points", 0.05) == "+5.0 pp"
    assert display.text("days_ago", float("nan")) == "never"
    assert Display(Formatter("zh-CN")).text("growth", -0.2) == "−20.0%"


def test_windowed_flags_and_wallet_name_their_window():
    flags = pd.DataFrame(
        {
            "code": ["DISCOUNT_PRESSURE", "NARROWING_BREADTH"], "severity": ["high", "medium"],
            "value": [0.16, 5.0], "threshold": [0.03, 5.0], "baseline": [0.07, 8.0],
            "unit": ["fraction", "count"],
        }
    )  # fmt: skip
    row = metrics(share_of_wallet=0.45, wallet_change=0.01, wallet_year=2026.0,
                  wallet_prior_year=2025.0)  # fmt: skip
    got = build_highlights(row, flags, recent_months=4)
    assert [h.message for h in got] == [
        "review.hl.flag.DISCOUNT_PRESSURE", "review.hl.flag.NARROWING_BREADTH", "review.hl.wallet",
    ]  # fmt: skip
    assert got[0].values["months"] == ("count", 4) and got[1].values["months"] == ("count", 4)
    assert got[2].values["year"] == ("year", 2026) and got[2].values["prior_year"][1] == 2025
    display = Display(Formatter("en", "CNY"))
    review = SimpleNamespace(as_of=AS_OF, highlights=got)
    texts = [h.text for h in customer_view._highlights(review, display).items]
    assert texts[0].startswith("Discount depth of the last 4 months rose to 16.0% from 7.0%")
    assert "in 2026 (YTD, annualised) is 45.0%, +1.0 pp against 2025" in texts[2]
    zh = customer_view._highlights(review, Display(Formatter("zh-CN", "CNY"))).items
    assert zh[0].text.startswith("近4个月折扣深度升至16.0%，一年前同期为7.0%")


def test_lapsed_categories_unless_the_breadth_flag_tells_it():
    lapsed = pd.DataFrame(
        {"category": ["food grade", "premix"], "revenue_year_earlier": [300.0, 200.0],
         "last_order": pd.to_datetime(["2026-03-01", "2026-02-01"])}
    )  # fmt: skip
    got = build_highlights(metrics(), NO_FLAGS, lapsed=lapsed, recent_months=6)
    assert [h.message for h in got] == ["review.hl.lapsed"]
    assert got[0].values["count"] == ("count", 2) and got[0].values["revenue"] == ("money", 500)
    assert got[0].values["category"] == ("category", "food grade")
    breadth = pd.DataFrame(
        {"code": ["NARROWING_BREADTH"], "severity": ["medium"], "value": [1.0],
         "threshold": [2.0], "baseline": [4.0], "unit": ["count"]}
    )  # fmt: skip
    told = build_highlights(metrics(), breadth, lapsed=lapsed)
    assert [h.message for h in told] == ["review.hl.flag.NARROWING_BREADTH_lapsed"]
    assert told[0].values["count"] == ("count", 2)
    assert told[0].values["category"] == ("category", "food grade")
