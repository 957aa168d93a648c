"""The email summary: its figures against plain loops over the input files."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from mail_support import open_session, write_dataset

from kamreport.mail.summary import (
    customer_summary,
    portfolio_summary,
    risk_lines,
    tier_lines,
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("mailsum") / "data")


@pytest.fixture(scope="module")
def session(data_dir, tmp_path_factory):
    return open_session(data_dir, tmp_path_factory.mktemp("mailsum-out"))


def ltm_by_account(data_dir: Path, end: dt.date) -> dict[str, tuple[float, float]]:
    """(revenue, cost) per account over (end − 12 months, end], by a plain loop."""
    start = end.replace(year=end.year - 1)
    out: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    with (data_dir / "order_lines.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            day = dt.date.fromisoformat(row["order_date"])
            if start < day <= end:
                out[row["account_id"]][0] += float(row["net_amount"])
                out[row["account_id"]][1] += float(row["cost_amount"])
    return {k: (v[0], v[1]) for k, v in out.items()}


def test_customer_figures_match_a_plain_loop(session, data_dir):
    s = customer_summary(
        session.dataset, "KA0001", session.as_of, session.params, session.figures()
    )
    now = ltm_by_account(data_dir, dt.date(2026, 9, 30))["KA0001"]
    before = ltm_by_account(data_dir, dt.date(2025, 9, 30))["KA0001"]
    kpis = {k.key: k for k in s.kpis}
    assert kpis["revenue"].current == pytest.approx(now[0])
    assert kpis["revenue"].prior == pytest.approx(before[0])
    assert kpis["revenue"].growth == pytest.approx(now[0] / before[0] - 1)
    assert kpis["gross_margin"].current == pytest.approx(now[0] - now[1])
    margin_now, margin_before = 1 - now[1] / now[0], 1 - before[1] / before[0]
    assert kpis["margin_pct"].growth == pytest.approx(margin_now - margin_before)
    assert kpis["orders"].current == 12
    assert s.name == "上海华新化工有限公司" and s.report == "customer"
    assert len(s.monthly) == 36 and s.monthly["revenue"].sum() > now[0]
    assert s.value is not None and s.value.revenue_ltm == pytest.approx(now[0])


def test_portfolio_totals_top_accounts_and_tiers(session, data_dir):
    s = portfolio_summary(
        session.dataset, session.as_of, session.params, session.figures(), top_n=4
    )
    ltm = ltm_by_account(data_dir, dt.date(2026, 9, 30))
    kpis = {k.key: k for k in s.kpis}
    assert kpis["revenue"].current == pytest.approx(sum(r for r, _ in ltm.values()))
    expected_top = sorted(ltm, key=lambda a: -ltm[a][0])[:4]
    assert [a.account_id for a in s.top_accounts] == expected_top
    assert [a.revenue_ltm for a in s.top_accounts] == pytest.approx(
        [ltm[a][0] for a in expected_top]
    )
    assert s.accounts_total == 6 and s.accounts_active == 6
    assert [t.tier for t in s.tiers] == ["key", "growth", "maintain", "ordinary"]
    assert sum(t.accounts for t in s.tiers) == 6
    assert sum(t.revenue_ltm for t in s.tiers) == pytest.approx(kpis["revenue"].current)
    assert sum(t.share for t in s.tiers) == pytest.approx(1.0)


def test_tier_lines_by_hand():
    values = pd.DataFrame(
        {"revenue_ltm": [100.0, 50.0, -10.0, 60.0], "tier": ["key", "ordinary", "ordinary", "key"]}
    )
    lines = {t.tier: t for t in tier_lines(values)}
    assert (lines["key"].accounts, lines["key"].revenue_ltm) == (2, 160.0)
    assert lines["ordinary"].revenue_ltm == 40.0
    assert lines["key"].share == pytest.approx(160 / 210)  # share of the positive total
    assert lines["growth"].accounts == 0 and lines["growth"].share == 0.0


def test_risk_lines_put_high_severity_and_large_accounts_first(session):
    flags = pd.DataFrame(
        {
            "account_id": ["KA0006", "KA0001", "KA0002", "KA0001", "KA0005"],
            "code": ["ORDER_GAP", "REVENUE_DECLINE", "ORDER_GAP", "NO_SENIOR_VISIT", "LOW_P_ALIVE"],
            "severity": ["medium", "medium", "high", "high", "high"],
        }
    )
    values = pd.DataFrame(
        {"revenue_ltm": [500.0, 300.0, 10.0, 5.0]}, index=["KA0001", "KA0002", "KA0005", "KA0006"]
    )
    figures = SimpleNamespace(values=values, flags=flags)
    watched = ["KA0001", "KA0002", "KA0006"]
    lines, more = risk_lines(session.dataset, figures, watched, 3)
    assert [(r.account_id, r.flag) for r in lines] == [
        ("KA0001", "NO_SENIOR_VISIT"),
        ("KA0002", "ORDER_GAP"),
        ("KA0001", "REVENUE_DECLINE"),
    ]
    assert more == 1  # KA0006's flag; KA0005 is not watched
    assert lines[0].name == "上海华新化工有限公司"
