"""What readers see, pinned: the view models and the rendered HTML of every output on the
sample data, with the generation time fixed and chart pictures left out (they are
looked at, not diffed). After a deliberate change, ``make snapshots`` rewrites the files
in tests/snapshots/; review the diff like code."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from kamreport.batch import index as index_page
from kamreport.figures import compute_figures
from kamreport.i18n import Formatter
from kamreport.loading import load_dataset
from kamreport.mail.charts import email_charts
from kamreport.mail.message import render_email
from kamreport.mail.summary import portfolio_summary
from kamreport.params import DataParams, load_params
from kamreport.provenance import make_provenance
from kamreport.render import render
from kamreport.reports import customer, portfolio, targets
from kamreport.views.blocks import to_plain
from kamreport.views.display import Display
from kamreport.views.index import index_view
from kamreport.views.portfolio import portfolio_display, portfolio_view
from kamreport.views.targets import targets_view

pytestmark = pytest.mark.slow
SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("KAMREPORT_UPDATE_SNAPSHOTS") == "1"
GENERATED = dt.datetime(2026, 10, 5, 8, 0, tzinfo=dt.UTC)
CHART_SVG = re.compile(r"<svg class=\"chart\".*?</svg>", re.S)
CID = re.compile(r"cid:[\w.]+@kamreport")
STYLE = re.compile(r"(<style[^>]*>).*?(</style>)", re.S)


def test_numpy_runs_the_common_code_paths():
    """The snapshots hold figures of fitted models: see NUMPY_PINNED_PATHS in conftest."""
    from numpy._core._multiarray_umath import __cpu_features__ as features

    from tests.conftest import NUMPY_PINNED_PATHS

    assert not any(features.get(path) for path in NUMPY_PINNED_PATHS.split()), (
        "numpy was loaded before tests/conftest.py chose its code paths"
    )


def check(name: str, text: str) -> None:
    """Compare ``text`` with the snapshot ``name``; KAMREPORT_UPDATE_SNAPSHOTS=1 writes it."""
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"no snapshot {path}; run `make snapshots` and review it"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), text.splitlines(), f"{name} (snapshot)", f"{name} (now)", n=1
        )
        shown = "\n".join(list(diff)[:80])
        pytest.fail(
            f"{name} differs from its snapshot. After a deliberate change run `make snapshots` "
            f"and review the diff.\n{shown}"
        )


def view_json(view) -> str:
    return json.dumps(to_plain(view), ensure_ascii=False, indent=1) + "\n"


def page_text(html: str) -> str:
    """The HTML with each chart picture and the style sheets replaced by placeholders
    (both are looked at in the browser and the PDF, not diffed)."""
    html = STYLE.sub(r"\1/* styles */\2", html)
    return CID.sub("cid:<chart>", CHART_SVG.sub('<svg class="chart"><!-- chart --></svg>', html))


class Sample:
    """The sample data with the default parameters, in one language; nothing written."""

    def __init__(self, sample_dir: Path, locale: str) -> None:
        self.params = load_params(None, {"report": {"locale": locale}})
        self.dataset = load_dataset(DataParams(source=str(sample_dir)))
        self.as_of = dt.date(2026, 9, 30)
        self.figures = compute_figures(self.dataset, self.as_of, self.params)
        self.fmt = Formatter(locale, self.dataset.currency)
        self.provenance = make_provenance(
            self.params, self.dataset, self.as_of, data_hash=self.dataset.content_hash(),
            now=GENERATED,
        )  # fmt: skip

    def run(self) -> SimpleNamespace:
        """What reports.targets.analyse reads of a run context."""
        return SimpleNamespace(
            params=self.params, as_of=self.as_of, dataset=self.dataset, figures=lambda: self.figures
        )


@pytest.fixture(scope="module")
def english(sample_dir) -> Sample:
    return Sample(sample_dir, "en")


@pytest.fixture(scope="module")
def chinese(sample_dir) -> Sample:
    return Sample(sample_dir, "zh-CN")


@pytest.mark.parametrize(("account_id", "locale"), [("KA0001", "en"), ("KA0008", "zh-CN")])
def test_customer_review(account_id, locale, request):
    s: Sample = request.getfixturevalue("english" if locale == "en" else "chinese")
    review = customer.analyse(s.dataset, account_id, s.as_of, s.params, s.figures)
    charts = customer.charts(review, s.fmt)
    view = customer.view(review, charts, s.fmt, s.provenance, s.params, accounts=s.dataset.accounts)
    check(f"customer-{account_id}-{locale}.json", view_json(view))
    html = render("customer.html.j2", s.fmt, page=view.page, view=view)
    check(f"customer-{account_id}-{locale}.html", page_text(html))


def test_portfolio(english):
    s = english
    review = portfolio.analyse(s.dataset, s.as_of, s.params, s.figures)
    charts = portfolio.charts(review, s.fmt)
    view = portfolio_view(review, charts, portfolio_display(s.fmt, review), s.provenance,
                          s.params, {"KA0001": "../customers/KA0001/report.html"})  # fmt: skip
    check("portfolio-en.json", view_json(view))
    html = render("portfolio.html.j2", s.fmt, page=view.page, view=view)
    check("portfolio-en.html", page_text(html))


def test_targets_page(chinese):
    s = chinese
    setting = targets.analyse(s.run(), 2027)
    view = targets_view(
        setting,
        Display.for_accounts(s.fmt, setting.accounts),
        s.provenance,
        targets.workbook_name(2027),
    )
    check("targets-2027-zh-CN.json", view_json(view))
    html = render("targets.html.j2", s.fmt, page=view.page, view=view)
    check("targets-2027-zh-CN.html", page_text(html))


def test_batch_index(english, tmp_path):
    s = english
    ids = [str(a) for a in s.dataset.accounts["account_id"].head(12)]
    status = {a: "rendered" for a in ids[:9]} | {ids[9]: "skipped", ids[10]: "failed"}
    errors = {ids[10]: ("NotebookExecutionError: customer_report.ipynb failed in cell 3", "")}
    folders = {a: tmp_path / "customers" / a for a in ids}
    table = index_page.rows(ids, s.dataset.accounts, s.figures.metrics, status, errors, folders,
                            tmp_path, "en")  # fmt: skip
    view = index_view(table, Display(s.fmt), s.provenance, s.as_of)
    check("index-en.json", view_json(view))
    check("index-en.html", page_text(render("index.html.j2", s.fmt, page=view.page, view=view)))


def test_portfolio_email(english):
    s = english
    summary = portfolio_summary(s.dataset, s.as_of, s.params, s.figures)
    email = render_email(
        summary, email_charts(summary, s.fmt), s.fmt, confidentiality="Internal",
        data_hash=s.provenance.data_hash, params_hash=s.provenance.params_hash,
        accounts=s.dataset.accounts,
    )  # fmt: skip
    check("email-portfolio-en.json", view_json(email.view))
    check("email-portfolio-en.txt", email.text)
    check("email-portfolio-en.html", page_text(email.html))
