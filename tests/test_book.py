"""A KA manager's monthly book (述职): one concept, one number with the account review,
the visit-next rule, the month, the error for an unknown manager, both languages."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from kamreport.analytics.book import VALUE_UNIT, VISIT_DAYS_CAP, visit_priority
from kamreport.dataset import Dataset
from kamreport.errors import KamReportError
from kamreport.figures import compute_figures
from kamreport.i18n import Formatter
from kamreport.layout import Layout, book_html
from kamreport.params import Params
from kamreport.provenance import make_provenance
from kamreport.reports import book as report
from kamreport.reports import customer

AS_OF = dt.date(2026, 9, 30)
MANAGER = "杨帆"


@pytest.fixture(scope="module")
def dataset(sample_tables) -> Dataset:
    return Dataset(sample_tables, currency="CNY")


@pytest.fixture(scope="module")
def figures(dataset):
    return compute_figures(dataset, AS_OF, Params())


@pytest.fixture(scope="module")
def book(dataset, figures):
    return report.analyse(dataset, AS_OF, MANAGER, figures)


def test_the_books_figures_are_the_reviews(dataset, figures, book):
    accounts = book[0].accounts
    assert len(accounts) == (dataset.accounts["ka_manager"] == MANAGER).sum()
    for account_id in [*accounts.index[:5], "KA0042"]:
        review = customer.analyse(dataset, account_id, AS_OF, Params(), figures)
        row = accounts.loc[account_id]
        assert row["revenue_ltm"] == pytest.approx(review.ltm.revenue.current)
        assert row["revenue_ytd"] == pytest.approx(review.targets.revenue_ytd)
        assert row["target_ytd"] == pytest.approx(review.targets.target_ytd)
        assert row["attainment_ytd"] == pytest.approx(review.targets.attainment_ytd)
        assert row["overdue_amount"] == pytest.approx(review.receivables.summary["overdue_amount"])


def test_the_month_and_collection_by_hand(dataset, book):
    accounts = book[0].accounts
    ol = dataset.order_lines
    month = ol.loc[(ol["order_date"] >= "2026-09-01") & (ol["order_date"] <= "2026-09-30")]
    hand = month.groupby("account_id")["net_amount"].sum()
    assert accounts["revenue_month"].to_numpy() == pytest.approx(
        hand.reindex(accounts.index, fill_value=0).to_numpy()
    )
    inv = dataset.get("invoices")
    due = inv.loc[(inv["due_date"] >= "2026-09-01") & (inv["due_date"] <= "2026-09-30")]
    assert accounts["due"].sum() == pytest.approx(
        due.loc[due["account_id"].isin(accounts.index), "amount"].sum()
    )


def test_the_scorecard_is_the_portfolios_with_growth_and_satisfaction(dataset, book):
    from kamreport.analytics.periods import months_back
    from kamreport.analytics.team import scorecards

    card = book[0].scorecard
    month = scorecards(dataset, months_back(pd.Timestamp(AS_OF), 1), AS_OF).loc[MANAGER]
    for column in ("revenue", "target", "attainment", "visits", "collection_rate"):
        assert card.at["month", column] == pytest.approx(month[column])
    a = book[0].accounts
    assert card.at["ytd", "growth_ltm"] == pytest.approx(
        a["revenue_ltm"].sum() / a["revenue_prior_ltm"].sum() - 1
    )
    assert 0 < card.at["ytd", "satisfaction"] <= 10


def test_visit_priority_rule():
    end = pd.Timestamp(AS_OF)
    accounts = pd.DataFrame(
        {
            "last_visit": pd.to_datetime(["2026-09-20", None, "2025-01-01", "2026-08-31"]),
            "revenue_ltm": [1_000_000.0, 50_000.0, 100_000.0, 1_000_000.0],
            "flags": [0, 0, 1, 2],
        },
        index=pd.Index(["A", "B", "C", "D"], name="account_id"),
    )
    ranked = visit_priority(accounts, end)
    assert list(ranked.index) == ["D", "C", "B", "A"]  # 9000, 7300, 1825, 1000
    assert ranked.at["D", "priority"] == 30 * 1_000_000 / VALUE_UNIT * 3
    assert ranked.at["B", "days"] == VISIT_DAYS_CAP  # never visited
    assert ranked.at["C", "days"] == VISIT_DAYS_CAP  # capped


def test_unknown_manager_lists_the_known_ones(dataset):
    with pytest.raises(KamReportError, match=r"Known managers: .*杨帆"):
        report.manager_accounts(dataset, "Nobody")


def test_month():
    assert report.month_end("2026-02") == dt.date(2026, 2, 28)
    with pytest.raises(KamReportError, match="YYYY-MM"):
        report.month_end("2026-13")


def test_the_file_name_has_month_manager_and_language(tmp_path):
    assert book_html("2026-09", MANAGER, "zh-CN") == "book-2026-09-杨帆-zh-CN.html"
    assert "/" not in book_html("2026-09", "../x y", "en")
    folder = Layout.of(tmp_path, AS_OF, "en").book_dir("../../etc")
    assert tmp_path.resolve() in folder.resolve().parents


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_page_in_both_languages(dataset, book, locale):
    fmt = Formatter(locale, "CNY")
    provenance = make_provenance(Params(), dataset, AS_OF)
    html = report.render_html(*book, fmt, provenance, dataset.accounts)
    ids = re.findall(r'<section id="([^"]+)"', html)
    assert ids == ["summary", "accounts", "collection", "actions", "scorecard", "visit-next"]
    text = re.sub(r"<[^>]+>", "", html)
    assert "book." not in text
    assert fmt.t("book.sections.scorecard") in html
    assert 'data-table="book-visit-next"' in html


def test_names_are_escaped(dataset, figures):
    from kamreport.sample.stories import ESCAPING_ACCOUNT

    manager = str(dataset.accounts.set_index("account_id").at[ESCAPING_ACCOUNT, "ka_manager"])
    made = report.analyse(dataset, AS_OF, manager, figures)
    html = report.render_html(
        *made, Formatter("en", "CNY"), make_provenance(Params(), dataset, AS_OF), dataset.accounts
    )
    assert "R&amp;D &lt;Labs&gt;" in html and "<Labs>" not in html


def test_make_book_writes_html_and_pdf_in_one_move(pdf_engine, sample_dir, tmp_path):
    import json

    out = tmp_path / "out"
    overrides = {"data": {"source": str(sample_dir)}, "report": {"output_dir": str(out)}}
    said: list[str] = []
    result = report.run_book(MANAGER, "2026-08", overrides=overrides, progress=said.append)
    assert result.html.name == "book-2026-08-杨帆-en.html"
    assert result.html.parent == out.resolve() / "2026-08-31" / "en" / "books" / MANAGER
    assert result.pdf is not None and result.pdf.read_bytes().startswith(b"%PDF")
    manifest = json.loads((result.directory / "manifest.json").read_text("utf-8"))
    assert sorted(manifest["outputs"]) == sorted(
        [result.html.name, result.pdf.name, "manifest.json"]
    )
    left = [p.name for p in result.directory.parent.iterdir()]
    assert MANAGER in left and not [n for n in left if "staging" in n]
