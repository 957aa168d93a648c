"""The email itself: MIME structure, inlined CSS, Content-IDs, alt text, size, privacy."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import functools
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from kamreport.dataset import Dataset
from kamreport.i18n import Formatter
from kamreport.mail import message as message_module
from kamreport.mail.charts import email_charts
from kamreport.mail.message import (
    Attachment,
    EmailBuildError,
    build_message,
    check_privacy,
    render_email,
)
from kamreport.mail.privacy import find_personal_details, personal_details
from kamreport.mail.summary import AccountLine, EmailSummary, KpiLine, RiskLine, TierLine

AS_OF = dt.date(2026, 9, 30)
LONG = "Very Long Holding Group Name International Trading & Manufacturing <Asia> Co., Ltd. "


def monthly(months: int = 36) -> pd.DataFrame:
    start = pd.Timestamp("2023-10-01")
    return pd.DataFrame(
        {
            "month": pd.date_range(start, periods=months, freq="MS"),
            "revenue": [100_000.0 + 5_000 * (i % 7) for i in range(months)],
            "gross_margin": [30_000.0 + 1_000 * (i % 5) for i in range(months)],
        }
    )


def portfolio(top: int = 10, risks: int = 12, name: str = LONG) -> EmailSummary:
    kpis = (
        KpiLine("revenue", "money", 12_345_678.0, 11_000_000.0, 0.1223),
        KpiLine("margin_pct", "percent", 0.28, 0.30, -0.02),
        KpiLine("orders", "number", 812.0, 790.0, 0.0278),
    )
    accounts = tuple(
        AccountLine(f"KA{i:04d}", f"{name}{i}", "key", 80.0, 1e6 - i, 0.05) for i in range(top)
    )
    return EmailSummary(
        report="portfolio",
        as_of=AS_OF,
        account_id=None,
        name=None,
        kpis=kpis,
        monthly=monthly(),
        tiers=tuple(TierLine(t, 3, 1e6, 0.25) for t in ("key", "growth", "maintain", "ordinary")),
        top_accounts=accounts,
        risks=tuple(
            RiskLine(f"KA{i:04d}", f"{name}{i}", "ORDER_GAP", "high") for i in range(risks)
        ),
        risks_more=3,
        accounts_total=120,
        accounts_active=97,
    )


@functools.cache
def charts(report: str, locale: str):
    """Charts drawn once per report kind and language (every summary here has the same
    monthly figures and tiers)."""
    return email_charts(dataclasses.replace(portfolio(), report=report), Formatter(locale, "CNY"))


def render(summary: EmailSummary, locale: str = "en", attachment: Attachment | None = None):
    fmt = Formatter(locale, "CNY")
    return render_email(
        summary,
        charts(summary.report, locale),
        fmt,
        confidentiality="Internal",
        data_hash="d" * 64,
        params_hash="p" * 64,
        attachment=attachment,
    )


@pytest.fixture(scope="module")
def rendered():
    return render(
        portfolio(), attachment=Attachment("portfolio.pdf", b"%PDF-1.7", "application", "pdf")
    )


def test_html_is_email_safe(rendered):
    html = rendered.html
    assert "<link" not in html
    # Only the narrow-screen rules stay in a <style> block; every other style is inlined.
    (block,) = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    assert re.fullmatch(r"(\s*@media[^{]*\{(\s*[^{}]+\{[^{}]*\})*\s*\})+\s*", block), block
    assert "data:" not in html and "<svg" not in html
    # Fluid: 100% up to 600 px; Outlook on Windows (no max-width) gets a 600 px table.
    container = re.search(r'<table[^>]*class="container"[^>]*>', html).group()
    assert 'width="100%"' in container and "max-width: 600px" in container
    assert re.search(r'<!--\[if mso\]><table[^>]*width="600"', html)
    assert 'style="' in container  # inlined by css-inline
    h1 = re.search(r"<h1[^>]*>", html).group()
    assert "color: #1f4e79" in h1
    images = re.findall(r"<img\b[^>]*>", html)
    assert len(images) == 2
    for tag in images:
        assert re.search(r'src="cid:[^"]+@kamreport"', tag)
        assert re.search(r'alt="Bar chart of [^"]+"', tag)
        assert 'width="560"' in tag


class _Styles(HTMLParser):
    """The style attribute of every tag, as a mail client reads it (entities decoded)."""

    def __init__(self) -> None:
        super().__init__()
        self.styles: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        style = dict(attrs).get("style")
        if style:
            self.styles.setdefault(tag, []).append(style)


def test_inlined_styles_keep_the_font_list_and_text_colour(rendered):
    assert "&#34;" not in rendered.html and "&quot;" not in rendered.html
    parser = _Styles()
    parser.feed(rendered.html)
    (body,) = parser.styles["body"]
    fonts = re.search(r"font-family:([^;]*)", body).group(1)
    assert re.search(r"""(["'])PingFang SC\1""", fonts), fonts
    assert re.search(r"""(["'])Microsoft YaHei\1, sans-serif""", fonts), fonts
    assert "color: #24292f" in body


def test_html_stays_under_gmails_clipping_limit_in_the_worst_case(rendered):
    assert rendered.html_bytes < 100_000
    zh = render(portfolio(name="非常长的集团名称国际贸易与制造有限公司" * 3), "zh-CN")
    assert zh.html_bytes < 100_000


def test_oversized_html_is_refused(monkeypatch):
    monkeypatch.setattr(message_module, "HTML_LIMIT_BYTES", 5_000)
    with pytest.raises(EmailBuildError, match=r"Gmail clips messages past about 5,000 bytes"):
        render(portfolio())


def test_data_is_escaped_in_html_and_plain_in_text(rendered):
    assert "&amp; Manufacturing &lt;Asia&gt;" in rendered.html
    assert "<Asia>" not in rendered.html
    assert "& Manufacturing <Asia> Co., Ltd. 0" in rendered.text


def test_mime_structure_and_content_ids(rendered):
    msg = build_message(rendered, "KAM <kam@example.com>", "Boss <boss@example.com>")
    parsed = email.message_from_bytes(bytes(msg), policy=email.policy.default)
    tree = [(p.get_content_type(), p.get_content_disposition()) for p in parsed.walk()]
    assert tree == [
        ("multipart/mixed", None),
        ("multipart/alternative", None),
        ("text/plain", None),
        ("multipart/related", None),
        ("text/html", None),
        ("image/png", "inline"),
        ("image/png", "inline"),
        ("application/pdf", "attachment"),
    ]
    html = next(p for p in parsed.walk() if p.get_content_type() == "text/html").get_content()
    cids = [p["Content-ID"] for p in parsed.walk() if p.get_content_type() == "image/png"]
    assert [f"<{c}>" for c in re.findall(r'src="cid:([^"]+)"', html)] == cids
    assert parsed["To"] == "Boss <boss@example.com>"
    assert parsed["Subject"] == (
        "Portfolio report, Sep 30, 2026: revenue CN¥12.3M in 12 months, up 12.2% year on year"
    )


def test_subject_names_report_period_and_language():
    customer = EmailSummary("customer", AS_OF, "KA0001", "华新化工", portfolio().kpis, monthly())
    assert render(customer, "zh-CN").subject == (
        "客户分析报告：华新化工（KA0001）· 截至2026年9月30日的12个月 · 中文"
    )
    assert render(customer).subject == (
        "Account review: 华新化工 (KA0001) · 12 months to Sep 30, 2026 · English"
    )


def test_content_hash_ignores_recipient_and_follows_content(rendered):
    a = build_message(rendered, "k@example.com", "a@example.com")
    b = build_message(rendered, "k@example.com", "b@example.com")
    assert a["X-Kamreport-Content"] == b["X-Kamreport-Content"] == rendered.content_hash
    assert render(portfolio(top=9)).content_hash != rendered.content_hash
    assert render(portfolio()).content_hash == render(portfolio()).content_hash


def test_personal_details_found_and_refused():
    contacts = pd.DataFrame(
        {
            "contact_id": ["C1", "C2", "C3"],
            "account_id": ["KA0001", "KA0002", "KA0003"],
            "name": ["王小明", "Li Li", "张伟"],
            "name_en": ["Wang Xiaoming", None, "Zhang Wei"],
            "email": ["xm.wang@customer.example", None, None],
            "phone": ["+86 (21) 5555-0199", None, None],
        }
    )
    accounts = pd.DataFrame({"account_id": ["KA0001"], "ka_manager": ["张伟"]})
    dataset = Dataset({"accounts": accounts, "order_lines": pd.DataFrame(),
                       "contacts": contacts})  # fmt: skip
    details = personal_details(dataset)
    # 张伟 is also one of our KA managers: indistinguishable, so not searched for
    assert details == {"王小明", "Wang Xiaoming", "xm.wang@customer.example",
                       "+86 (21) 5555-0199", "Li Li", "Zhang Wei"}  # fmt: skip
    found = find_personal_details
    assert found("call 021-5555-0199", details) == ["+86 (21) 5555-0199"]
    assert found("call +86 21 5555 0199", details) == ["+86 (21) 5555-0199"]
    assert found('<a href="mailto:XM.WANG@customer.example">mail</a>', details) == [
        "xm.wang@customer.example"
    ]
    assert found("<p>Decision maker: wang  xiaoming.</p>", details) == ["Wang Xiaoming"]
    assert found("<td>王小明</td>", details) == ["王小明"]
    # no false alarms: numbers, words inside other words, HTML tags, chart markup
    assert found("revenue 12,345,678 on 2026-09-30, 139 orders", details) == []
    assert found("Zhejiang Lishui Wangxiaoming Co.", details) == []
    assert found("<ul><li>a</li><li>b</li></ul>", details) == []
    assert found('<svg><path d="M 5555 0199 L 021"/><text>Li Li</text></svg>', details) == []
    leaky = render(portfolio(name="Wang Xiaoming Trading "))
    with pytest.raises(EmailBuildError, match="personal detail"):
        check_privacy(leaky, details)
    check_privacy(render(portfolio()), details)
