"""No arithmetic leaks into what a reader sees or a program reads.

Renders, in both languages, every planted story account's report, the portfolio,
the targets page and workbook, the leadership email, the metrics JSON and
accounts.csv from the sample, and scans them for float dust (six or more
decimals, ``5.7e-14``), a negative zero (``-0``, ``−£0``, ``-0.0%``), a
hyphen-minus used as a number's sign beside the true minus the reports use, and
doubled punctuation (``Co., Ltd..``).
"""

from __future__ import annotations

import html as html_lib
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kamreport import metrics
from kamreport.mail.charts import email_charts
from kamreport.mail.message import render_email
from kamreport.mail.summary import portfolio_summary
from kamreport.render import render
from kamreport.reports import customer, portfolio, targets
from kamreport.sample import PLANTED
from kamreport.views.display import Display
from kamreport.views.portfolio import portfolio_display, portfolio_view
from kamreport.views.targets import targets_view
from tests.test_snapshots import Sample

STORY_ACCOUNTS = sorted({a for ids in PLANTED.values() for a in ids} | {"KA0001"})
LEAKS = {
    "float dust": re.compile(r"\d[.,]\d{6,}|\d[eE][-+]\d"),
    "negative zero": re.compile(
        r"(?<![\w.,])[-−]\s?(?:CN¥|US\$|£|\$|€|¥)?\s?0(?:[.,]0+)?(?![\d.,])"
    ),
    "hyphen as minus": re.compile(r"(?<![\w\-–/:.])-(?:CN¥|US\$|£|\$|€|¥)?\d"),
    "doubled punctuation": re.compile(r"(?<!\.)\.\.(?!\.)|[。，、；：]{2}|,,|。\.|\.。"),
}
MACHINE_LEAKS = {  # in CSV and JSON a comma separates values, so only "." is a decimal point
    "float dust": re.compile(r"\d\.\d{6,}|\d[eE][-+]\d"),
    "negative zero": re.compile(r"(?<![\w.])-0(?:\.0+)?(?![\d.])"),
}


def visible_text(page: str) -> str:
    """What a reader sees of a page: text nodes (chart text included), no style sheets."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", page))


def leaks(text: str, patterns: dict[str, re.Pattern[str]] = LEAKS) -> list[str]:
    found = []
    for name, pattern in patterns.items():
        for m in pattern.finditer(text):
            found.append(f"{name}: …{text[max(0, m.start() - 40) : m.end() + 20]!r}…")
    return found


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def outputs(request, sample_dir) -> dict[str, str]:
    """Every output of the sample in one language, as text, by name."""
    s = Sample(sample_dir, request.param)
    out: dict[str, str] = {}
    for account_id in STORY_ACCOUNTS:
        review = customer.analyse(s.dataset, account_id, s.as_of, s.params, s.figures)
        view = customer.view(review, customer.charts(review, s.fmt), s.fmt, s.provenance,
                             s.params, accounts=s.dataset.accounts)  # fmt: skip
        page = render("customer.html.j2", s.fmt, page=view.page, view=view)
        out[f"customer {account_id}"] = visible_text(page)
    review = portfolio.analyse(s.dataset, s.as_of, s.params, s.figures)
    view = portfolio_view(review, portfolio.charts(review, s.fmt), portfolio_display(s.fmt, review),
                          s.provenance, s.params, {})  # fmt: skip
    out["portfolio"] = visible_text(render("portfolio.html.j2", s.fmt, page=view.page, view=view))
    setting = targets.analyse(s.run(), 2027)
    tview = targets_view(setting, Display(s.fmt), s.provenance, targets.workbook_name(2027))
    out["targets page"] = visible_text(
        render("targets.html.j2", s.fmt, page=tview.page, view=tview)
    )
    book = load_workbook(io.BytesIO(targets.workbook(setting, s.run(), "2026-10-05 08:00")))
    visible = [sheet for sheet in book.worksheets if sheet.sheet_state == "visible"]
    cells = [c.value for sheet in visible for row in sheet.iter_rows() for c in row]
    out["targets workbook text"] = "\n".join(str(v) for v in cells if isinstance(v, str))
    out["targets workbook numbers"] = "\n".join(repr(v) for v in cells if isinstance(v, float))
    summary = portfolio_summary(s.dataset, s.as_of, s.params, s.figures)
    email = render_email(summary, email_charts(summary, s.fmt), s.fmt, confidentiality="Internal",
                         data_hash="d", params_hash="p", accounts=s.dataset.accounts)  # fmt: skip
    out["email text"] = email.text
    out["email html"] = visible_text(email.html)
    out["email subject"] = email.subject
    if request.param == "en":
        out["metrics json"] = metrics.to_json(metrics.records(s.figures.metrics))
        table = portfolio.accounts_table(review, s.dataset, s.params, s.figures)
        staging = Path(request.getfixturevalue("tmp_path_factory").mktemp("portfolio"))
        portfolio.write(staging, "<html></html>", table, s.provenance)
        out["accounts csv"] = (staging / "accounts.csv").read_text(encoding="utf-8-sig")
    return out


READER_OUTPUTS = ("customer", "portfolio", "targets page", "targets workbook text", "email")


def test_what_a_reader_sees_has_no_arithmetic_in_it(outputs):
    found = {
        name: leaks(text)[:5]
        for name, text in outputs.items()
        if name.startswith(READER_OUTPUTS) and leaks(text)
    }
    assert found == {}


def test_machine_readable_outputs_hold_tidy_numbers(outputs):
    machine = [
        n for n in outputs if n in ("metrics json", "accounts csv", "targets workbook numbers")
    ]
    assert machine, "nothing machine-readable was rendered"
    found = {
        n: leaks(outputs[n], MACHINE_LEAKS)[:5] for n in machine if leaks(outputs[n], MACHINE_LEAKS)
    }
    assert found == {}


def test_the_scan_finds_each_kind_of_leak():
    """The patterns catch what they are for (a scan that cannot fail proves nothing)."""
    for text in ("4887323.700000001,", "5.7e-14", "-0.0,", "[-0]"):
        assert leaks(text, MACHINE_LEAKS), text
    for text in ("87511358.32,90887073.44,-0.0371", "0.0", "2026-09-30"):
        assert not leaks(text, MACHINE_LEAKS), text
    for text in ("-£102.58000000000003", "5.7e-14", "−£0", "-0.0%", "-CN¥0", "Co., Ltd..", "。。"):
        assert leaks(text), text
    for text in ("£102.58", "−£12.1M", "+1.2 pp", "2026-09-30", "0–100", "wait...", "−0.1%"):
        assert not leaks(text), text
