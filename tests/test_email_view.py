"""The email's view and both its renderings: names by language, signs, escaping, styles."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from kamreport.i18n import Formatter
from kamreport.mail.message import page_html, render_email
from kamreport.mail.summary import (
    AccountLine,
    AttentionLine,
    EmailSummary,
    KpiLine,
    TierLine,
)
from kamreport.views.email import email_display, email_view

AS_OF = dt.date(2026, 9, 30)
MINUS = "\u2212"
ACCOUNTS = pd.DataFrame(
    {
        "account_id": ["KA1", "KA2", "KA3"],
        "name": ["华新化工有限公司", "<b>Bold</b> & Sons", "广州美妆集团"],
        "name_en": ["Huaxin Chemical Co., Ltd.", None, "Guangzhou Beauty Group"],
    }
)
KPIS = (
    KpiLine("revenue", "money", 12_345_678.0, 11_000_000.0, 0.1223),
    KpiLine("margin_pct", "percent", 0.28, 0.30, -0.02),
    KpiLine("orders", "number", 812.0, 790.0, -0.0278),
)


def monthly() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": pd.date_range("2025-10-01", periods=12, freq="MS"),
            "revenue": [100_000.0] * 12,
            "gross_margin": [30_000.0] * 12,
        }
    )


def portfolio() -> EmailSummary:
    """Names as the data spells them (the summary does not know the English ones)."""
    top = (
        AccountLine("KA1", "华新化工有限公司", "key", 81.0, 5_000_000.0, 0.05),
        AccountLine("KA3", "广州美妆集团", "growth", 60.0, 2_000_000.0, -0.125),
        AccountLine("KA2", "<b>Bold</b> & Sons", None, None, 1_000_000.0, None),
    )
    return EmailSummary(
        report="portfolio",
        as_of=AS_OF,
        account_id=None,
        name=None,
        kpis=KPIS,
        monthly=monthly(),
        tiers=(
            TierLine("key", 1, 5_000_000.0, 0.625),
            TierLine("growth", 1, 2_000_000.0, 0.25),
            TierLine("maintain", 0, 0.0, 0.0),
            TierLine("ordinary", 1, 1_000_000.0, 0.125),
        ),
        top_accounts=top,
        attention=(
            AttentionLine("KA3", "广州美妆集团", "growth", "high", 2e6, ("REVENUE_DECLINE",)),
            AttentionLine(
                "KA2",
                "<b>Bold</b> & Sons",
                None,
                "medium",
                1_000_000.0,
                ("ORDER_GAP", "OVERDUE_RECEIVABLES"),
            ),
        ),
        attention_more=4,
        accounts_total=3,
        accounts_active=3,
    )


def customer() -> EmailSummary:
    return EmailSummary(
        report="customer",
        as_of=AS_OF,
        account_id="KA1",
        name="华新化工有限公司",
        kpis=KPIS,
        monthly=monthly(),
        value=AccountLine("KA1", "华新化工有限公司", "key", 81.4, 5_000_000.0, 0.05),
    )


def build(summary: EmailSummary, locale: str = "en", accounts=ACCOUNTS):
    fmt = Formatter(locale, "CNY")
    return email_view(
        summary,
        email_display(fmt, summary, accounts),
        confidentiality="Internal",
        data_hash="d" * 64,
        params_hash="p" * 64,
        version="0.1.0",
        attachment_note="attached",
    )


def render(summary: EmailSummary, locale: str = "en", accounts=ACCOUNTS):
    return render_email(
        summary,
        (),
        Formatter(locale, "CNY"),
        confidentiality="Internal",
        data_hash="d" * 64,
        params_hash="p" * 64,
        accounts=accounts,
    )


def section(view, section_id: str):
    return next(s for s in view.sections if s.section_id == section_id)


def first_column(view, section_id: str) -> list[str]:
    return [row.cells[0].text for row in section(view, section_id).table.rows]


@pytest.mark.parametrize(
    ("locale", "names"),
    [
        ("en", ["Huaxin Chemical Co., Ltd.", "Guangzhou Beauty Group", "<b>Bold</b> & Sons"]),
        ("zh-CN", ["华新化工有限公司", "广州美妆集团", "<b>Bold</b> & Sons"]),
    ],
)
def test_top_accounts_and_risks_are_named_in_the_email_language(locale, names):
    view = build(portfolio(), locale)
    assert first_column(view, "top") == names
    assert first_column(view, "attention") == [names[1], names[2]]
    email = render(portfolio(), locale)
    for name in names[:2]:
        assert name in email.text and name in email.html
    other = ["华新化工有限公司", "广州美妆集团"] if locale == "en" else ["Huaxin Chemical"]
    for name in other:
        assert name not in email.text and name not in email.html


def test_without_the_accounts_table_names_come_from_the_summary():
    view = build(portfolio(), accounts=None)
    assert first_column(view, "top")[0] == "华新化工有限公司"
    assert render(customer(), accounts=None).subject == (
        "Account review: 华新化工有限公司 (KA1) · 12 months to Sep 30, 2026 · English"
    )


def test_customer_email_names_the_account_and_its_other_name():
    email = render(customer())
    assert email.subject == (
        "Account review: Huaxin Chemical Co., Ltd. (KA1) · 12 months to Sep 30, 2026 · English"
    )
    assert "<h1" in email.html and "Huaxin Chemical Co., Ltd.</h1>" in email.html
    assert "华新化工有限公司" in email.html  # under the heading
    assert "KA1 · Key · score 81/100" in email.text
    zh = render(customer(), "zh-CN")
    assert zh.subject.startswith("客户分析报告：华新化工有限公司（KA1）")
    assert "KA1 · 重点客户 · 评分 81/100" in zh.text


def test_negative_changes_show_a_true_minus_sign():
    view = build(portfolio())
    kpis = section(view, "kpis").table.rows
    assert [r.cells[3].change.text for r in kpis] == ["▲ +12.2%", f"▼ {MINUS}2.0 pp", "▼ −2.8%"]
    assert [r.cells[3].change.direction for r in kpis] == ["up", "down", "down"]
    growth = [r.cells[3].change.text for r in section(view, "top").table.rows]
    assert growth == ["▲ +5.0%", f"▼ {MINUS}12.5%", "n/a"]
    email = render(portfolio())
    assert f"{MINUS}12.5%" in email.text and f"{MINUS}12.5%" in email.html
    assert not re.search(r"-\d", email.text)


def test_figures_tiers_and_risk_wording():
    view = build(portfolio())
    kpis = section(view, "kpis").table.rows
    assert [c.text for c in kpis[0].cells[:3]] == ["Revenue", "CN¥12,345,678", "CN¥11,000,000"]
    assert [c.text for c in kpis[1].cells[:3]] == ["Margin %", "28.0%", "30.0%"]
    assert [c.text for c in kpis[2].cells[:3]] == ["Orders", "812", "790"]
    tiers = section(view, "tiers").table.rows
    summary = portfolio()
    assert len(tiers) == len(summary.tiers)
    assert [r.cells[1].text for r in tiers] == [str(t.accounts) for t in summary.tiers]
    assert [r.cells[0].text for r in tiers] == ["Key", "Growth", "Maintain", "Ordinary"]
    assert [r.cells[1].text for r in section(view, "top").table.rows] == ["Key", "Growth", "n/a"]
    attention = section(view, "attention")
    assert [tuple(c.text for c in r.cells[1:]) for r in attention.table.rows] == [
        ("High", "CN¥2M", "Revenue falling"),
        ("Medium", "CN¥1M", "No order for much longer than usual; Overdue receivables"),
    ]
    assert [r.cells[0].note for r in attention.table.rows] == ["KA3 · Growth", "KA2"]
    assert attention.notes[0].startswith("Every account with a risk flag, of every tier")
    assert attention.notes[1] == "4 more flagged account(s) in the full report."
    assert section(view, "top").title == "Top 3 accounts by revenue"
    zh = build(portfolio(), "zh-CN")
    zh_rows = section(zh, "attention").table.rows
    assert [r.cells[1].text for r in zh_rows] == ["高", "中"]
    assert zh_rows[1].cells[3].text == "下单间隔远超平常；应收账款逾期"


def test_no_risks_says_so():
    view = build(customer())
    risks = section(view, "risks")
    assert risks.table is None and risks.notes == ("No risk flags raised.",)
    assert [s.section_id for s in view.sections] == ["kpis", "risks"]  # no chart, no trend


def test_account_names_are_escaped_in_html_and_as_they_are_in_text():
    email = render(portfolio())
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Sons" in email.html
    assert "<b>Bold</b>" not in email.html
    assert "3. <b>Bold</b> & Sons (KA2): n/a" in email.text
    assert "- <b>Bold</b> & Sons (KA2): Medium · CN¥1M · No order for much" in email.text


def test_plain_text_and_html_say_the_same():
    email = render(portfolio())
    for line in (
        "Key figures (Last 12 months · Prior 12 months · Growth)",
        "- Revenue: CN¥12,345,678 · CN¥11,000,000 · ▲ +12.2%",
        "- Key: 1 · CN¥5,000,000 · 62.5%",
        "1. Huaxin Chemical Co., Ltd. (KA1): Key · CN¥5,000,000 · ▲ +5.0%",
        "Data as of Sep 30, 2026 · data hash dddddddddddd · parameters pppppppppppp · "
        "kamreport 0.1.0",
    ):
        assert line in email.text
    for text in ("CN¥12,345,678", "62.5%", "Huaxin Chemical Co., Ltd.", "dddddddddddd"):
        assert text in email.html
    assert 'data-table="top"' in email.html and 'data-account="KA2"' in email.html


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_stylesheet_is_not_html_escaped(locale):
    """The font list keeps its quotes in <style> (before the styles are inlined)."""
    html = page_html(build(portfolio(), locale))
    [style] = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    assert "&#34;" not in style and "&quot;" not in style
    assert 'font-family: Arial, "Helvetica Neue", "PingFang SC"' in style
    # inlined on every cell; Chinese takes its CJK fonts first
    first = "'PingFang SC', 'Microsoft YaHei'" if locale == "zh-CN" else "Arial, 'Helvetica Neue'"
    assert f"font-family: {first}" in render(portfolio(), locale).html


def test_chinese_plain_text_takes_full_width_brackets_and_colons():
    text = render(portfolio(), "zh-CN").text
    assert "- 广州美妆集团（KA3 · 潜在客户）：高 · ¥200万 · 销售额下滑" in text
    assert "关键指标（近12个月 · 前12个月 · 增长率）" in text
    assert "(KA3" not in text and "): " not in text
    assert "- Guangzhou Beauty Group (KA3 · Growth): High" in render(portfolio()).text
