"""Signals with dates: survey figures carry their date, an old survey is marked stale and
a fall in satisfaction raises SATISFACTION_FALL (hand-made cases and the sample)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kamreport.analytics.risk import risk_flags
from kamreport.analytics.satisfaction import account_satisfaction, survey_summary
from kamreport.dataset import Dataset
from kamreport.i18n import Formatter
from kamreport.params import Params, RiskParams
from kamreport.provenance import make_provenance
from kamreport.reports import customer as report
from kamreport.sample.stories import PLANTED

AS_OF = dt.date(2026, 9, 30)


def _surveys(rows: list[tuple[str, str, float | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["account_id", "survey_date", "score"])
    frame["survey_date"] = pd.to_datetime(frame["survey_date"])
    return frame


SURVEYS = _surveys(
    [
        ("F", "2024-06-01", 9.0),  # 24 months before the latest: in the baseline
        ("F", "2024-05-31", 1.0),  # one day earlier: out
        ("F", "2025-06-01", 8.0),
        ("F", "2025-06-01", 7.0),  # two respondents on one date: mean 7.5
        ("F", "2026-06-01", 6.0),
        ("F", "2026-06-01", None),  # no score: ignored
        ("F", "2026-10-01", 1.0),  # after the as-of date: ignored
        ("S", "2025-09-30", 4.0),  # exactly 12 months before A: stale
        ("S", "2024-09-30", 9.0),
        ("N", "2026-03-01", 7.0),  # one survey: no baseline, no change
    ]
)


def test_survey_summary_by_hand():
    out = survey_summary(SURVEYS, AS_OF, RiskParams())
    f = out.loc["F"]
    assert f["latest_date"] == pd.Timestamp("2026-06-01") and f["latest_score"] == 6.0
    assert f["previous_date"] == pd.Timestamp("2025-06-01") and f["previous_score"] == 7.5
    assert f["baseline_from"] == pd.Timestamp("2024-06-01")
    assert f["baseline_score"] == pytest.approx((9.0 + 7.5) / 2) and f["baseline_surveys"] == 2
    assert not f["stale"]
    assert out.loc["S", "stale"] and out.loc["S", "baseline_score"] == 9.0
    assert pd.isna(out.loc["N", "baseline_score"]) and out.loc["N", "baseline_surveys"] == 0
    assert not out.loc["N", "stale"]
    shorter = survey_summary(SURVEYS, AS_OF, RiskParams(satisfaction_baseline_months=12))
    assert shorter.loc["F", "baseline_score"] == 7.5


def test_satisfaction_fall_flag_by_hand():
    accounts = pd.DataFrame({"account_id": ["F", "S", "N"], "name": ["f", "s", "n"]})
    lines = pd.DataFrame(
        {
            "order_id": ["o"], "line_no": [1], "account_id": ["N"], "product_id": ["P"],
            "order_date": [pd.Timestamp("2026-09-01")], "quantity": [1.0], "net_amount": [1.0],
        }
    )  # fmt: skip
    data = Dataset({"accounts": accounts, "order_lines": lines, "surveys": SURVEYS})
    flags = risk_flags(data, AS_OF, RiskParams())
    fall = flags.loc[flags["code"] == "SATISFACTION_FALL"]
    # F: 8.25 → 6.0 is a fall of 2.25 ≥ 1.5, medium (high from 3.0); S fell 5 but is stale
    assert fall["account_id"].tolist() == ["F"]
    row = fall.iloc[0]
    assert (row["value"], row["threshold"], row["severity"]) == (6.0, 1.5, "medium")
    assert row["baseline"] == pytest.approx(8.25)
    strict = risk_flags(data, AS_OF, RiskParams(satisfaction_fall=1.1))
    assert strict.loc[strict["code"] == "SATISFACTION_FALL", "severity"].tolist() == ["high"]
    loose = risk_flags(data, AS_OF, RiskParams(survey_stale_months=13))
    assert set(loose.loc[loose["code"] == "SATISFACTION_FALL", "account_id"]) == {"F", "S"}


def test_account_satisfaction_carries_the_dates():
    sf = account_satisfaction(SURVEYS, None, "F", AS_OF, RiskParams())
    assert sf is not None
    assert sf.latest_date == dt.date(2026, 6, 1) and sf.previous_date == dt.date(2025, 6, 1)
    assert sf.score_change == pytest.approx(-1.5) and sf.fall == pytest.approx(2.25)
    assert not sf.stale
    stale = account_satisfaction(SURVEYS, None, "S", AS_OF, RiskParams())
    assert stale is not None and stale.stale and stale.stale_months == 12


@pytest.fixture(scope="module")
def sample(sample_tables) -> Dataset:
    return Dataset(tables=sample_tables, currency="CNY")


@pytest.fixture(scope="module")
def sample_flags(sample) -> pd.DataFrame:
    return risk_flags(sample, AS_OF, RiskParams())


@pytest.mark.parametrize("account_id", PLANTED["churning"])
def test_churning_accounts_raise_satisfaction_fall(sample_flags, account_id):
    own = sample_flags.loc[
        (sample_flags["account_id"] == account_id) & (sample_flags["code"] == "SATISFACTION_FALL")
    ]
    assert len(own) == 1
    assert own.iloc[0]["value"] == pytest.approx(5.8)
    assert own.iloc[0]["baseline"] - own.iloc[0]["value"] >= 1.5


def test_only_the_churning_accounts_fall_in_the_sample(sample_flags):
    raised = set(sample_flags.loc[sample_flags["code"] == "SATISFACTION_FALL", "account_id"])
    assert raised == set(PLANTED["churning"])


def _view(dataset: Dataset, account_id: str, locale: str):
    params = Params()
    review = report.analyse(dataset, account_id, AS_OF, params)
    charts = dict.fromkeys(report.CHART_KEYS)
    provenance = make_provenance(params, dataset, AS_OF)
    return report.view(review, charts, Formatter(locale, "CNY"), provenance, params)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_an_old_survey_is_shown_with_its_date_and_marked_stale(sample, locale):
    fmt = Formatter(locale, "CNY")
    card = _view(sample, "KA0001", locale).satisfaction.cards[0]
    assert card.value == fmt.number(8.1, digits=1)
    assert fmt.date(dt.date(2024, 12, 18)) in card.label
    assert card.warn
    assert fmt.t("review.satisfaction.stale", months=fmt.number(12)) in card.note


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_recent_survey_shows_its_date_and_the_one_it_is_compared_with(sample, locale):
    fmt = Formatter(locale, "CNY")
    shown = _view(sample, "KA0008", locale)
    card = shown.satisfaction.cards[0]
    assert fmt.date(dt.date(2026, 6, 21)) in card.label and not card.warn
    assert fmt.date(dt.date(2025, 12, 21)) in card.note
    assert "SATISFACTION_FALL" in [f.code for f in shown.risks.flags]
    visits = shown.relationships.cards[0]
    assert fmt.date(AS_OF) in visits.label
