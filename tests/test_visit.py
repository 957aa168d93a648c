"""The visit card: its lists on hand-made frames, cut to fit, escaped, and one A4 page in
both languages, also for an account with far too much to show."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

import pandas as pd
import pytest

from kamreport.analytics.attention import AttentionItem
from kamreport.analytics.visit import (
    contact_recency,
    last_visits,
    open_actions,
    overdue_invoices,
    recent_complaints,
    talking_points,
    visit_card,
)
from kamreport.cli import main
from kamreport.dataset import Dataset
from kamreport.i18n import Formatter
from kamreport.layout import Layout
from kamreport.reports.visit import render_html, write_card
from kamreport.views.display import Display
from kamreport.views.visit import LIMITS, TEXT_LIMITS, shorten, visit_card_view
from tests.conftest import require_pdf_engine, require_tool

AS_OF = dt.date(2026, 9, 30)
END = pd.Timestamp(AS_OF)
D = pd.Timestamp


def contacts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "contact_id": ["c1", "c2", "c3", "c4"],
            "account_id": "A",
            "name": ["Li <b>", "Wang", "Zhao", None],
            "title": ["CEO", "Buyer", "Engineer", "Lab"],
            "role": ["decision_maker", "purchaser", "user", "influencer"],
        }
    )


def activities() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "activity_id": [f"a{i}" for i in range(6)],
            "account_id": "A",
            "date": [D("2026-09-20"), D("2026-08-01"), D("2026-09-25"), D("2026-03-01"),
                     D("2026-10-05"), D("2026-09-28")],
            "type": ["visit", "senior_visit", "email", "meeting", "visit", "visit"],
            "status": ["done", "done", "done", "done", "planned", "cancelled"],
            "contact_id": ["c2", "c1", "c3", "c3", "c1", "c1"],
            "notes": ["price talk", "strategy", "sent COA", "lab tour", "next", "cancelled"],
        }
    )  # fmt: skip


def test_last_visits_are_done_meetings_newest_first_with_whom():
    out = last_visits(activities(), contacts(), END)
    assert list(out["date"]) == [D("2026-09-20"), D("2026-08-01"), D("2026-03-01")]
    assert list(out["contact"]) == ["Wang", "Li <b>", "Zhao"]  # no e-mail, planned, cancelled
    assert list(out["notes"]) == ["price talk", "strategy", "lab tour"]
    assert last_visits(None, None, END).empty


def test_contacts_met_and_not_met_for_long():
    met, gone = contact_recency(activities(), contacts(), END, 90)
    # c3: e-mail 5 days ago counts as contact; c2 10 days ago; c1 60 days ago
    assert list(met["contact"]) == ["Zhao", "Wang", "Li <b>"]
    assert list(met["days_since"]) == [5, 10, 60]
    assert list(gone["contact"]) == ["c4"]  # never met, shown by id without a name
    met, gone = contact_recency(activities(), contacts(), END, 30)
    assert list(gone["contact"]) == ["c4", "Li <b>"]  # never first, then by role
    assert contact_recency(activities(), None, END, 90)[0].empty


def plans() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item_id": ["p1", "p2", "p3", "p4", "p5"],
            "account_id": ["A", "A", "A", "A", "B"],
            "kind": ["action", "action", "objective", "action", "action"],
            "title": ["Call back", "Send samples", "Win premix", "Done thing", "Other account"],
            "owner": ["Ma", "Ma", "Ma", "Ma", "Ma"],
            "due_date": [D("2026-10-15"), D("2026-09-01"), D("2026-12-31"), D("2026-09-01"),
                         D("2026-09-01")],
            "status": ["open", "open", "open", "done", "open"],
        }
    )  # fmt: skip


def test_open_actions_overdue_first():
    out = open_actions(plans(), "A", END)
    assert list(out["title"]) == ["Send samples", "Call back"]
    assert list(out["overdue"]) == [True, False]


def test_overdue_invoices_and_recent_complaints():
    invoices = pd.DataFrame(
        {
            "invoice_id": ["i1", "i2", "i3", "i4"],
            "account_id": "A",
            "invoice_date": [D("2026-05-01"), D("2026-07-01"), D("2026-08-01"), D("2026-09-01")],
            "due_date": [D("2026-06-30"), D("2026-08-31"), D("2026-09-30"), D("2026-08-01")],
            "amount": [100.0, 200.0, 300.0, 50.0],
            "paid_amount": [40.0, 0.0, 0.0, 50.0],
        }
    )
    out = overdue_invoices(invoices, END)
    assert list(out["invoice_id"]) == ["i1", "i2"]  # i3 due today, i4 paid
    assert list(out["days_overdue"]) == [92, 30]
    assert list(out["outstanding"]) == [60.0, 200.0]
    complaints = pd.DataFrame(
        {
            "complaint_id": ["k1", "k2", "k3"],
            "account_id": "A",
            "opened_date": [D("2025-01-01"), D("2026-06-01"), D("2025-12-01")],
            "closed_date": [pd.NaT, D("2026-06-10"), D("2026-01-01")],
            "category": ["quality", "delivery", "quality"],
            "severity": ["high", "low", "low"],
        }
    )
    out = recent_complaints(complaints, END, 180)
    assert list(out["opened_date"]) == [D("2026-06-01"), D("2025-01-01")]  # still open
    assert list(out["open"]) == [False, True]


def issue(kind: str, severity: str = "medium") -> AttentionItem:
    return AttentionItem("A", kind, severity, 1.0, 0.0, 0.0, 0.0)


def test_talking_points_from_issues_and_plan():
    three = [issue("ORDER_GAP", "high"), issue("PRICE_BUYING"), issue("COMPLAINT_SPIKE")]
    points = talking_points(three, plans(), "A", END)
    # two issues, then the overdue action (the plan's first point)
    assert [(p.source, p.kind, p.title) for p in points] == [
        ("issue", "ORDER_GAP", ""), ("issue", "PRICE_BUYING", ""),
        ("plan", "action", "Send samples"),
    ]  # fmt: skip
    assert [p.kind for p in talking_points(three, None, "A", END)] == [i.kind for i in three]
    # one issue: the plan fills the rest (overdue actions, then open objectives)
    points = talking_points(three[:1], plans(), "A", END)
    assert [p.title or p.kind for p in points] == ["ORDER_GAP", "Send samples", "Win premix"]
    assert talking_points([], None, "A", END) == ()


def test_shorten():
    assert shorten("a  b\nc", 10) == "a b c"
    assert shorten("x" * 20, 10) == "x" * 9 + "…"
    assert shorten(None, 10) == ""


# --- a long account: far more than a page ----------------------------------------------


def long_dataset() -> Dataset:
    n_contacts, n_visits = 120, 400
    people = pd.DataFrame(
        {
            "contact_id": [f"c{i}" for i in range(n_contacts)],
            "account_id": "A",
            "name": [f"<i>Very Long Contact Name Number {i} of the Account</i>"
                     for i in range(n_contacts)],
            "title": ["Deputy General Manager of Procurement and Strategic Sourcing"] * n_contacts,
            "role": ["decision_maker", "purchaser", "user"] * (n_contacts // 3),
        }
    )  # fmt: skip
    notes = "Discussed prices, volumes, the new grade, samples & delivery <urgent> " * 8
    acts = pd.DataFrame(
        {
            "activity_id": [f"a{i}" for i in range(n_visits)],
            "account_id": "A",
            "date": [END - pd.Timedelta(days=i) for i in range(n_visits)],
            "type": "visit",
            "status": "done",
            "contact_id": [f"c{i % 60}" for i in range(n_visits)],
            "notes": notes,
        }
    )
    plan = pd.DataFrame(
        {
            "item_id": [f"p{i}" for i in range(60)],
            "account_id": "A",
            "kind": ["action", "objective"] * 30,
            "title": ["Agree the yearly price list, the rebate scheme and the new delivery terms "
                      "with purchasing and logistics"] * 60,
            "owner": "A manager with a rather long name",
            "due_date": [END + pd.Timedelta(days=i - 30) for i in range(60)],
            "status": "open",
        }
    )  # fmt: skip
    invoices = pd.DataFrame(
        {
            "invoice_id": [f"INV-2026-{i:06d}-LONG-REFERENCE" for i in range(50)],
            "account_id": "A",
            "invoice_date": D("2026-01-01"),
            "due_date": [D("2026-02-01") + pd.Timedelta(days=i) for i in range(50)],
            "amount": 123456789.0,
        }
    )
    complaints = pd.DataFrame(
        {
            "complaint_id": [f"k{i}" for i in range(40)],
            "account_id": "A",
            "opened_date": [END - pd.Timedelta(days=i) for i in range(40)],
            "category": "quality",
            "severity": "high",
        }
    )
    accounts = pd.DataFrame(
        {
            "account_id": ["A"],
            "name": ["<script>alert(1)</script> Shandong Extremely Long Name Pharmaceutical "
                     "Group Holding Company Limited & Partners"],
            "ka_manager": ["Manager <Ma>"],
        }
    )  # fmt: skip
    lines = pd.DataFrame(
        {"order_id": ["o1"], "account_id": ["A"], "product_id": ["P"],
         "order_date": [D("2026-01-05")], "quantity": [1.0], "net_amount": [1.0]}
    )  # fmt: skip
    return Dataset(
        tables={
            "accounts": accounts, "order_lines": lines, "contacts": people, "activities": acts,
            "account_plans": plan, "invoices": invoices, "complaints": complaints,
        }
    )  # fmt: skip


ALL_ISSUES = [issue(k, "high") for k in ("ORDER_GAP", "NO_DECISION_MAKER_CONTACT", "PRICE_BUYING")]


def long_html(locale: str) -> str:
    data = long_dataset()
    card = visit_card(data, "A", AS_OF, ALL_ISSUES, contact_days=90, complaint_days=180)
    fmt = Formatter(locale, "CNY")
    view = visit_card_view(
        card, Display.for_accounts(fmt, data.accounts), manager="Manager <Ma>",
        confidentiality="Internal", generated="Generated",
    )  # fmt: skip
    return render_html(view, fmt)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_long_account_is_cut_and_escaped(locale):
    html = long_html(locale)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<i>Very" not in html and "&lt;urgent&gt;" in html
    fmt = Formatter(locale)
    for key, total in (("visits", 400), ("actions", 30), ("invoices", 50), ("complaints", 40)):
        assert fmt.t("visit.more", n=f"{total - LIMITS[key]:,}") in html, key
    section = re.search(r'data-visit="visits">(.*?)</section>', html, re.S).group(1)
    assert section.count("<li") == LIMITS["visits"]
    assert "…" in section  # notes cut to TEXT_LIMITS["notes"]
    notes = re.findall(r'<div class="note">(.*?)</div>', section)
    assert all(len(n.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
               <= TEXT_LIMITS["notes"] for n in notes)  # fmt: skip


def pages(pdf) -> int:
    info = subprocess.run(
        [require_tool("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_long_account_fits_one_a4_page(tmp_path, locale):
    require_pdf_engine()
    html = tmp_path / f"visit-A-{locale}.html"
    pdf = tmp_path / f"visit-A-{locale}.pdf"
    assert write_card(long_html(locale), html, pdf, "A4") == 1
    assert pages(pdf) == 1
    info = subprocess.run([require_tool("pdfinfo"), str(pdf)], capture_output=True, text=True)
    assert "595.276 x 841.89" in info.stdout  # A4


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_make_visit_writes_one_page_in_its_language(sample_dir, tmp_path, capsys, locale):
    require_pdf_engine()
    out = tmp_path / "outputs"
    args = ["visit", "--customer", "KA0013", "--source", str(sample_dir),
            "--output-dir", str(out), "--as-of", "2026-09-30", "--locale", locale]  # fmt: skip
    assert main(args) == 0
    layout = Layout.of(out, AS_OF, locale)
    html, pdf = layout.visit_card("KA0013", "html"), layout.visit_card("KA0013", "pdf")
    assert html.name == f"visit-KA0013-{locale}.html" and pdf.name == f"visit-KA0013-{locale}.pdf"
    printed = capsys.readouterr().out
    assert str(html) in printed and str(pdf) in printed
    assert pages(pdf) == 1
    page = html.read_text(encoding="utf-8")
    fmt = Formatter(locale)
    assert fmt.t("visit.points.title") in page
    assert fmt.t("g.flag.MARGIN_FALL") in page  # KA0013's first issue
    assert not list(html.parent.glob(".*tmp"))  # atomic writes leave nothing behind


def test_an_empty_block_says_none_or_that_the_data_has_no_such_table():
    data = long_dataset()
    bare = Dataset(tables={"accounts": data.accounts, "order_lines": data.order_lines})
    quiet = Dataset(
        tables={name: frame.iloc[0:0] if name not in ("accounts", "order_lines") else frame
                for name, frame in data.tables.items()}
    )  # fmt: skip
    fmt = Formatter("en", "CNY")
    for dataset, text in ((bare, lambda key: fmt.t("visit.no_table")),
                          (quiet, lambda key: fmt.t(f"visit.{key}.none"))):  # fmt: skip
        card = visit_card(dataset, "A", AS_OF, [], contact_days=90, complaint_days=180)
        view = visit_card_view(
            card, Display.for_accounts(fmt, dataset.accounts), manager="",
            confidentiality="", generated="",
        )  # fmt: skip
        assert [b.key for b in view.blocks] == list(LIMITS)
        for block in view.blocks:
            assert not block.items and not block.more
            assert block.empty == text(block.key), block.key
