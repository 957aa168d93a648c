"""Highlights: 3–7 sentences, each traceable to a metric, with actions for the flags."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kamreport.analytics.highlights import MAX_HIGHLIGHTS, build_highlights
from kamreport.dataset import Dataset
from kamreport.i18n import Formatter
from kamreport.metrics import KEYS
from kamreport.params import Params
from kamreport.provenance import make_provenance
from kamreport.reports import customer as report
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
    assert got[1].metric == "NO_SENIOR_VISIT"
    assert all(h.action for h in got[1:])


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
    told = {h.metric for h in review.highlights}
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
