"""The QBR deck end to end: the command, the PowerPoint file, its PDF, and nothing internal
in the customer's deck."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from kamreport import cli
from kamreport.analytics.qbr import parse_quarter, qbr_internal
from kamreport.context import open_context
from kamreport.i18n import Formatter, catalog
from kamreport.reports.qbr import figures_of, render_html, run_qbr
from kamreport.views.qbr import qbr_view
from tests.conftest import missing_system_part, require_pdf_engine, require_tool

LOCALES = ("en", "zh-CN")
ACCOUNTS = ("KA0001", "KA0008")  # KA0008 carries high risk flags
CUSTOMER_SLIDES = 7
TITLES = {
    "en": ["Quarterly business review", "The quarter at a glance", "Revenue by month",
           "Orders by product category", "Service levels", "Agreed actions",
           "Next quarter: Q4 2026"],
    "zh-CN": ["季度业务回顾", "本季度概览", "月度销售额", "按产品类别的订单", "服务水平",
              "已商定的行动", "下季度计划：2026年第4季度"],
}  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory, sample_dir, pdf_engine) -> dict[tuple[str, str, str], Path]:
    """(account, locale, variant) → the deck, all made into one output folder."""
    out = tmp_path_factory.mktemp("qbr-out")
    made = {}
    wanted = [(a, loc, "customer") for a in ACCOUNTS for loc in LOCALES]
    wanted += [("KA0008", loc, "internal") for loc in LOCALES]
    for account, locale, variant in wanted:
        overrides = {
            "data": {"source": str(sample_dir)},
            "report": {"output_dir": str(out), "locale": locale},
        }
        result = run_qbr(account, "2026Q3", variant, overrides=overrides)
        made[(account, locale, variant)] = result.pptx
        assert result.pdf == result.pptx.with_suffix(".pdf") and result.pdf.is_file()
    return made


@pytest.fixture(scope="module")
def context(runs, sample_dir):
    """The run context the decks were made from (its figures cached by the internal runs)."""
    root = runs[("KA0001", "en", "customer")].parents[4]
    overrides = {"data": {"source": str(sample_dir)}, "report": {"output_dir": str(root)}}
    return open_context(overrides=overrides, say=lambda _m: None)


def pptx_text(path: Path) -> str:
    """Every text of the deck: shapes, table cells, chart titles, categories, series names
    and values."""
    parts: list[str] = []
    for slide in Presentation(str(path)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
            if shape.has_chart:
                chart = shape.chart
                if chart.has_title:
                    parts.append(chart.chart_title.text_frame.text)
                for plot in chart.plots:
                    parts += [str(c) for c in plot.categories]
                    for series in plot.series:
                        parts.append(series.name)
                        parts += [repr(v) for v in series.values]
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    tool = require_tool("pdftotext")
    return subprocess.run(
        [tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_file_names_hold_quarter_language_and_variant(runs):
    names = {key: path.name for key, path in runs.items()}
    assert names[("KA0001", "en", "customer")] == "qbr-KA0001-2026Q3-en.pptx"
    assert names[("KA0001", "zh-CN", "customer")] == "qbr-KA0001-2026Q3-zh-CN.pptx"
    assert names[("KA0008", "en", "internal")] == "qbr-KA0008-2026Q3-en-internal.pptx"
    assert len({str(p) for p in runs.values()}) == len(runs)
    assert (
        runs[("KA0001", "en", "customer")].parent.parts[-4:] == ("en", "qbr", "KA0001")[-3:] or True
    )
    assert runs[("KA0001", "en", "customer")].parent.parts[-3:] == ("en", "qbr", "KA0001")
    leftovers = [
        p for p in runs[("KA0001", "en", "customer")].parent.iterdir() if p.name.startswith(".")
    ]
    assert leftovers == []  # no temporary file or HTML left behind


@pytest.mark.parametrize("locale", LOCALES)
def test_the_deck_has_its_slides_native_charts_and_tables(runs, locale):
    prs = Presentation(str(runs[("KA0001", locale, "customer")]))
    slides = list(prs.slides)
    assert len(slides) == CUSTOMER_SLIDES
    firsts = [
        next(
            s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text
        ).split("\n")[0]
        for slide in slides
    ]
    assert firsts == TITLES[locale]
    shapes = [shape for slide in slides for shape in slide.shapes]
    assert not [s for s in shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    charts = [s.chart for s in shapes if s.has_chart]
    assert len(charts) == 2
    for chart in charts:  # editable: the data is in a workbook inside the chart
        assert chart.part.chart_workbook.xlsx_part is not None
    assert len([s for s in shapes if s.has_table]) >= 5


def test_chart_data_are_the_figures(runs, context):
    figures = figures_of(context.dataset, "KA0001", parse_quarter("2026Q3"), context.as_of)
    prs = Presentation(str(runs[("KA0001", "en", "customer")]))
    monthly = next(s.chart for s in prs.slides[2].shapes if s.has_chart)
    series = {s.name: list(s.values) for s in monthly.plots[0].series}
    assert series["This year"] == pytest.approx(list(figures.monthly["revenue"]))
    assert series["Last year"] == pytest.approx(list(figures.monthly["prior_revenue"]))
    assert series["Target"] == pytest.approx(list(figures.monthly["target"]))
    categories = next(s.chart for s in prs.slides[3].shapes if s.has_chart)
    assert list(categories.plots[0].categories) == [
        c.capitalize() for c in figures.by_category["category"]
    ]
    assert list(categories.plots[0].series[0].values) == pytest.approx(
        list(figures.by_category["revenue"])
    )


def test_text_is_set_in_the_bundled_font_with_an_east_asian_fallback(runs):
    prs = Presentation(str(runs[("KA0001", "zh-CN", "customer")]))
    xml = prs.slides[1].shapes._spTree.xml
    assert 'latin typeface="KAM Sans SC"' in xml
    assert 'ea typeface="Microsoft YaHei"' in xml


def internal_labels() -> list[str]:
    """Every label of an internal figure, in both languages."""
    keys = [
        "g.metric.gross_margin", "g.metric.margin_pct", "g.metric.cost_to_serve",
        "g.metric.contribution", "g.metric.clv", "g.metric.share_of_wallet",
        "g.metric.profitability", "g.tier.label", "g.tier.tiering", "g.tier.key",
        "g.tier.maintain", "g.tier.ordinary", "g.flag.label", "g.flag.severity",
        "qbr.kpi.score", "qbr.slide.internal", "qbr.note.internal",
        "review.chart.sentiment_axis",
    ]  # fmt: skip
    flags = [k for k in Formatter("en").t.__self__.__class__.__dict__ if False]  # noqa: F841
    from kamreport.i18n import catalog

    labels = []
    for locale in LOCALES:
        messages = catalog(locale)
        labels += [messages[k] for k in keys]
        labels += [
            v
            for k, v in messages.items()
            if k.startswith("g.flag.") and k.isupper() is False and k.split(".")[-1].isupper()
        ]
    return sorted(set(labels))


def present(needle: str, text: str) -> bool:
    """Whether ``needle`` is in ``text`` as a whole word (Latin) or at all (Chinese)."""
    if re.search(r"[A-Za-z]", needle):
        return re.search(rf"(?<![\w]){re.escape(needle)}(?![\w])", text, re.IGNORECASE) is not None
    return needle.replace(" ", "") in text.replace(" ", "")


def internal_numbers(context, account: str) -> list[str]:
    """The account's internal figures as any deck would show them, in both languages."""
    portfolio = context.figures()
    figures = figures_of(context.dataset, account, parse_quarter("2026Q3"), context.as_of)
    internal = qbr_internal(figures, portfolio.valuation.accounts, portfolio.flags)
    row = portfolio.valuation.accounts.loc[account]
    numbers = []
    for locale in LOCALES:
        fmt = Formatter(locale, context.dataset.currency)
        for money in (internal.gross_margin, row["clv"], row["cost_to_serve_ltm"],
                      row["gross_margin_ltm"]):  # fmt: skip
            if money is not None and money == money and abs(money) >= 1000:
                numbers += [fmt.money(money), fmt.money(money, compact=True)]
        if internal.margin_pct is not None:
            numbers.append(fmt.percent(internal.margin_pct))
        numbers.append(fmt.number(internal.score, digits=1))
    return sorted(set(numbers))


def assert_nothing_internal(text: str, numbers: list[str], what: str) -> None:
    leaked = [label for label in internal_labels() if present(label, text)]
    assert leaked == [], f"{what} shows internal labels"
    shown = [n for n in numbers if re.search(rf"(?<![\d.,]){re.escape(n)}(?![\d%])", text)]
    assert shown == [], f"{what} shows internal figures"


@pytest.mark.parametrize("account", ACCOUNTS)
@pytest.mark.parametrize("locale", LOCALES)
def test_the_customer_deck_holds_nothing_internal(runs, context, account, locale):
    deck = runs[(account, locale, "customer")]
    assert_nothing_internal(pptx_text(deck), internal_numbers(context, account), deck.name)


@pytest.mark.system
@pytest.mark.parametrize("account", ACCOUNTS)
@pytest.mark.parametrize("locale", LOCALES)
def test_the_customer_pdf_holds_nothing_internal(runs, context, account, locale):
    pdf = runs[(account, locale, "customer")].with_suffix(".pdf")
    assert_nothing_internal(pdf_text(pdf), internal_numbers(context, account), pdf.name)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_internal_deck_adds_margin_score_and_flags(runs, context, locale):
    """And the check of the customer's deck finds them there: it is not blind."""
    deck = runs[("KA0008", locale, "internal")]
    text = pptx_text(deck)
    assert [label for label in internal_labels() if present(label, text)]
    numbers = internal_numbers(context, "KA0008")
    assert [n for n in numbers if re.search(rf"(?<![\d.,]){re.escape(n)}(?![\d%])", text)]
    assert len(Presentation(str(deck)).slides) == CUSTOMER_SLIDES + 1
    messages = catalog(locale)
    for key in ("g.metric.gross_margin", "qbr.kpi.score", "g.flag.ORDER_GAP"):
        assert messages[key] in text


@pytest.mark.system
def test_the_internal_pdf_has_the_internal_page(runs):
    pdf = pdf_text(runs[("KA0008", "zh-CN", "internal")].with_suffix(".pdf")).replace(" ", "")
    assert catalog("zh-CN")["qbr.slide.internal"] in pdf
    assert catalog("zh-CN")["qbr.kpi.score"] in pdf


def test_data_is_escaped_in_the_pdfs_html(context):
    figures = figures_of(context.dataset, "KA0001", parse_quarter("2026Q3"), context.as_of)
    fmt = Formatter("en", context.dataset.currency)
    html = render_html(qbr_view(figures, "<b>A&B</b>", fmt), fmt)
    assert "<b>A&B</b>" not in html and "&lt;b&gt;A&amp;B&lt;/b&gt;" in html


@pytest.mark.system
@pytest.mark.parametrize("locale", LOCALES)
def test_the_pdf_is_a_landscape_page_per_slide(runs, locale):
    tool = require_tool("pdfinfo")
    pdf = runs[("KA0001", locale, "customer")].with_suffix(".pdf")
    info = subprocess.run([tool, str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages:\s+7$", info, re.M)
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert (round(width), round(height)) == (842, 595)  # A4 landscape
    text = pdf_text(pdf).replace(" ", "")
    assert all(title.replace(" ", "") in text for title in TITLES[locale])


@pytest.mark.slow
@pytest.mark.system
def test_libreoffice_opens_the_deck(runs, tmp_path):
    """The deck opens in another office suite, every slide a page."""
    soffice = require_tool("soffice", "libreoffice")
    deck = runs[("KA0001", "zh-CN", "customer")]
    done = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(deck)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    converted = tmp_path / deck.with_suffix(".pdf").name
    if not converted.is_file() and "could not be loaded" in done.stdout + done.stderr:
        missing_system_part(
            "needs LibreOffice Impress to open .pptx files; install it with "
            "`sudo apt-get install libreoffice-impress` (Debian, Ubuntu)"
        )
    assert converted.is_file(), done.stdout + done.stderr
    tool = require_tool("pdfinfo")
    info = subprocess.run([tool, str(converted)], capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+7$", info, re.M)


def test_the_command_says_where_the_outputs_are(sample_dir, tmp_path, capsys, pdf_engine):
    args = ["qbr", "--customer", "KA0001", "--quarter", "2026Q2", "--source", str(sample_dir),
            "--output-dir", str(tmp_path), "--locale", "zh-CN"]  # fmt: skip
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "2026-09-30" / "zh-CN" / "qbr" / "KA0001"
    assert f"Deck written to {folder / 'qbr-KA0001-2026Q2-zh-CN.pptx'}" in out
    assert f"PDF written to {folder / 'qbr-KA0001-2026Q2-zh-CN.pdf'}" in out


@pytest.mark.parametrize(
    ("args", "code", "message", "read_data"),
    [
        (["--customer", "KA0001", "--quarter", "2026Q5"], 2,
         "QUARTER '2026Q5': a year has quarters 1 to 4, found 5; write it as YYYYQn with n "
         "from 1 to 4, e.g. 2026Q3.", False),
        (["--customer", "KA0001", "--quarter", "Q3"], 2, "write it as YYYYQn", False),
        (["--customer", "KA0001", "--quarter", "2027Q1"], 2, "starts after the as-of date", True),
        (["--customer", "NOPE"], 1, "Unknown customer 'NOPE'", True),
    ],
)  # fmt: skip
def test_errors_go_to_stderr_with_a_nonzero_exit(
    sample_dir, tmp_path, capsys, args, code, message, read_data
):
    if read_data:  # found once the data is read, after the PDF engine is checked
        require_pdf_engine()
    common = ["--source", str(sample_dir), "--output-dir", str(tmp_path)]
    assert cli.main(["qbr", *args, *common]) == code
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert not (tmp_path / "2026-09-30" / "en" / "qbr").exists()
