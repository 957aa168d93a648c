"""The batch's planning, progress bar and index page, without running any notebook."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from kamreport.analytics.attention import AttentionItem, by_account
from kamreport.batch import index as index_page
from kamreport.batch.plan import HASH_KEY, account_hashes, in_scope, is_current
from kamreport.batch.progress import ProgressBar, duration
from kamreport.i18n import Formatter
from kamreport.provenance import Provenance


def tables() -> dict[str, pd.DataFrame]:
    return {
        "accounts": pd.DataFrame({"account_id": ["A", "B"], "name": ["Alpha", "Beta"]}),
        "order_lines": pd.DataFrame(
            {"account_id": ["A", "A", "B"], "order_id": ["1", "2", "3"], "net_amount": [1.0, 2, 3]}
        ),
        "contacts": pd.DataFrame({"account_id": ["A", "B"], "name": ["Ann", "Bob"]}),
        "products": pd.DataFrame({"product_id": ["P1"], "category": ["x"]}),
    }


def context(scores=(50.0, 60.0)) -> SimpleNamespace:
    values = pd.DataFrame({"score": list(scores), "tier": ["key", "growth"]}, index=["A", "B"])
    values.index.name = "account_id"
    flags = pd.DataFrame({"account_id": ["B"], "code": ["ORDER_GAP"]})
    metrics = pd.DataFrame({"account_id": ["A", "B"], "score": list(scores)})
    valuation = SimpleNamespace(
        accounts=values, clv=SimpleNamespace(message=None), margin_rate_portfolio=0.3
    )
    return SimpleNamespace(valuation=valuation, flags=flags, metrics=metrics)


def test_hash_changes_only_for_the_account_whose_rows_changed():
    before = account_hashes(tables(), context(), "base")
    changed = tables()
    changed["contacts"].loc[0, "name"] = "Anna"
    after = account_hashes(changed, context(), "base")
    assert before["A"] != after["A"]
    assert before["B"] == after["B"]


def test_hash_ignores_row_order_but_not_portfolio_figures_code_or_shared_tables():
    base = account_hashes(tables(), context(), "base")
    shuffled = tables()
    shuffled["order_lines"] = shuffled["order_lines"].iloc[::-1]
    assert account_hashes(shuffled, context(), "base").equals(base)
    rescored = account_hashes(tables(), context(scores=(50.0, 61.0)), "base")
    assert rescored["A"] == base["A"] and rescored["B"] != base["B"]
    assert (account_hashes(tables(), context(), "other code") != base).all()
    renamed = tables()
    renamed["products"].loc[0, "category"] = "y"
    assert (account_hashes(renamed, context(), "base") != base).all()


def test_hash_follows_the_category_revenue_every_whitespace_compares_with():
    figures = context()
    figures.by_category = pd.DataFrame({"x": [1.0, 2.0]}, index=["A", "B"])
    base = account_hashes(tables(), figures, "base")
    figures.by_category = pd.DataFrame({"x": [1.0, 3.0]}, index=["A", "B"])
    assert (account_hashes(tables(), figures, "base") != base).all()


def test_is_current_needs_the_same_hash_and_every_listed_output(tmp_path: Path):
    (tmp_path / "report.html").write_text("x")
    manifest = {HASH_KEY: "h1", "outputs": ["report.html", "manifest.json"]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert is_current(tmp_path, "h1")
    assert not is_current(tmp_path, "h2")
    (tmp_path / "report.html").unlink()
    assert not is_current(tmp_path, "h1")
    assert not is_current(tmp_path / "missing", "h1")


def test_scope_by_tier_keeps_data_order():
    values = context().valuation.accounts
    assert in_scope(values, pd.Series(["B", "A"]), None) == ["B", "A"]
    assert in_scope(values, pd.Series(["B", "A"]), "growth") == ["B"]


def test_progress_bar_counts_rate_and_time_left():
    now = [0.0]
    out = io.StringIO()
    bar = ProgressBar(4, stream=out, interval=0, clock=lambda: now[0])
    now[0] = 10.0
    bar.update(True)
    now[0] = 20.0
    bar.update(False)
    line = bar.line()
    # 2 of 4 finished in 20 s: 0.10/s, 2 left -> 20 s left.
    assert "2/4 accounts, 1 failed, 0.10/s, 20s left" in line
    assert line.startswith("[" + "#" * 14 + "." * 14 + "]")
    bar.update(True)
    bar.update(True)
    bar.close()
    assert out.getvalue().rstrip().endswith("4/4 accounts, 1 failed, 0.20/s, in 20s")
    assert duration(185) == "3m05s" and duration(3720) == "1h02m"


def provenance() -> Provenance:
    return Provenance(
        version="0.1.0",
        as_of="2026-09-30",
        data_hash="d" * 64,
        params={},
        params_hash="p" * 64,
        source="test",
        generated_at="2026-10-01T08:00:00+00:00",
        confidentiality="Internal",
        locale="en",
        python="3.11",
    )


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_index_lists_accounts_links_reports_and_escapes_failures(tmp_path: Path, locale: str):
    root = tmp_path / "2026-09-30"
    ok_dir = root / "customers" / "A"
    ok_dir.mkdir(parents=True)
    (ok_dir / "report.html").write_text("r")
    accounts = pd.DataFrame(
        {
            "account_id": ["A", "B"],
            "name": ["甲公司", "<b>Beta & Co</b>"],
            "name_en": ["Alpha <Ltd>", None],
            "ka_manager": ["王磊", "Li"],
        }
    )
    metrics = pd.DataFrame(
        {
            "account_id": ["A", "B"],
            "tier": ["key", "ordinary"],
            "revenue_ltm": [1_250_000.0, 0.0],
            "revenue_growth": [0.081, math.nan],
            "margin_pct_ltm": [0.3, math.nan],
            "score": [77.5, 12.0],
            "rank": [2, 1],
            "clv": [3.8e6, 0.0],
            "risk_flags": ["ORDER_GAP;REVENUE_DECLINE", ""],
        }
    )
    table = index_page.rows(
        ["A", "B"],
        accounts,
        metrics,
        {"A": "rendered", "B": "failed"},
        {"B": ("ValueError: <script>alert(1)</script>", str(root / "customers/B/x.ipynb"))},
        {"A": ok_dir, "B": root / "customers" / "B"},
        root,
        locale,
        by_account(
            (
                AttentionItem("A", "ORDER_GAP", "high", 1.4e6, 150.0, 64.0, 32.0, "王磊"),
                AttentionItem("A", "REVENUE_DECLINE", "high", 2e5, -0.2, -0.15, 1.45e6, "王磊"),
            )
        ),
    )
    fmt = Formatter(locale, "CNY")
    html = index_page.render_index(table, fmt, provenance(), dt.date(2026, 9, 30))
    assert 'href="customers/A/report.html"' in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Beta" not in html and "&lt;b&gt;Beta &amp; Co&lt;/b&gt;" in html
    assert 'href="customers/B/x.ipynb"' in html
    assert f'<span class="badge tier-key">{fmt.t("tier.key")}</span>' in html
    assert fmt.t("batch.status.failed") in html
    assert fmt.money(1_250_000.0, compact=True) in html
    name_a = "Alpha &lt;Ltd&gt;" if locale == "en" else "甲公司"
    assert name_a in html
    # What needs attention first: A (an issue) before B (none, though ranked first by score).
    assert html.index('data-account="A"') < html.index('data-account="B"')
    # issues by name with their severity in words, never by code
    first = re.search(r'<td data-severity="high" data-kind="ORDER_GAP">(.*?)</td>', html)
    assert first and fmt.t("flag.severity.high") in first.group(1)
    assert fmt.t("flag.title.ORDER_GAP") in first.group(1)
    other = re.search(r'<td data-flags="ORDER_GAP REVENUE_DECLINE">(.*?)</td>', html)
    assert other and other.group(1) == fmt.t("flag.title.REVENUE_DECLINE")
    assert ">ORDER_GAP<" not in html and ">REVENUE_DECLINE<" not in html


def test_cli_passes_its_options_on_and_exits_1_naming_the_failures(monkeypatch, capsys):
    import kamreport.batch
    from kamreport.batch.run import BatchResult
    from kamreport.batch.worker import Outcome
    from kamreport.cli import main

    calls = []

    def fake_run_batch(**kwargs):
        calls.append(kwargs)
        failed = (Outcome("KA0007", False, 1.0, error="ValueError: boom"),)
        return BatchResult(Path("/x/index.html"), ("KA0001",), ("KA0002",), failed, 3.0)

    monkeypatch.setattr(kamreport.batch, "run_batch", fake_run_batch)
    argv = ["reports", "--tier", "key", "--jobs", "3", "--executor", "dask://h:8786", "--force"]
    assert main([*argv, "--locale", "zh-CN"]) == 1
    (kwargs,) = calls
    assert kwargs["tier"] == "key" and kwargs["jobs"] == 3 and kwargs["force"] is True
    assert kwargs["executor"] == "dask://h:8786"
    assert kwargs["overrides"] == {"report": {"locale": "zh-CN"}}
    out, err = capsys.readouterr()
    assert "1 rendered, 1 unchanged, 1 failed" in out and "/x/index.html" in out
    assert "KA0007: ValueError: boom" in err and "1 report(s) failed: KA0007" in err
