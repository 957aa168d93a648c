"""Charts: SVG written directly with real text in the report's font stack, nice ticks, every
text inside the chart and clear of the others (English and Chinese, wide and phone
layouts), data escaped, and the same bytes on every render."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamreport.charts import base, line_chart, revenue_trend
from kamreport.charts.scale import nice_ticks
from kamreport.charts.svg import Box, text_box
from kamreport.charts.text import _tokens, text_width, wrap
from kamreport.dataset import Dataset
from kamreport.fonts import FAMILY
from kamreport.i18n import Formatter
from kamreport.params import Params
from kamreport.reports import customer as report

AS_OF = dt.date(2026, 9, 30)
LOCALES = ("en", "zh-CN")
REPORT_CSS = Path(__file__).parents[1] / "templates" / "css" / "report.css"
NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def dataset(sample_tables) -> Dataset:
    return Dataset(tables=sample_tables, currency="CNY")


@pytest.fixture(scope="module")
def reviews(dataset):
    params = Params()
    context = report.portfolio(dataset, AS_OF, params)
    return {
        account: report.analyse(dataset, account, AS_OF, params, context)
        for account in ("KA0001", "KA0084")
    }


@pytest.fixture(scope="module")
def ka0001_charts(reviews):
    return {loc: report.charts(reviews["KA0001"], Formatter(loc, "CNY")) for loc in LOCALES}


@pytest.fixture(scope="module")
def portfolio_charts(dataset):
    from kamreport.reports import portfolio

    review = portfolio.analyse(dataset, AS_OF, Params())
    return {loc: portfolio.charts(review, Formatter(loc, "CNY")) for loc in LOCALES}


def every_svg(charts) -> list[tuple[str, str]]:
    """(name, svg) of each chart's wide and phone layout."""
    found = []
    for chart in charts.values():
        if chart is not None:
            found.append((chart.chart_id, chart.svg))
            if chart.svg_narrow:
                found.append((f"{chart.chart_id} (phone)", chart.svg_narrow))
    return found


def svg_texts(svg: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(svg).iter(f"{NS}text")]


def view_box(svg: str) -> tuple[float, float]:
    _x, _y, width, height = map(float, ET.fromstring(svg).get("viewBox").split())
    return width, height


def text_boxes(svg: str) -> list[tuple[str, Box, float]]:
    """Each text of ``svg`` with its glyph box, recomputed from its attributes (position,
    anchor, size, weight, rotation), and its size."""
    found = []
    for t in ET.fromstring(svg).iter(f"{NS}text"):
        x, y, size = float(t.get("x")), float(t.get("y")), float(t.get("font-size"))
        box = text_box(x, y, t.text or "", size, t.get("text-anchor", "start"),
                       t.get("font-weight") == "700")  # fmt: skip
        if t.get("transform"):  # rotate(-90 x y): reads upwards
            assert t.get("transform").startswith("rotate(-90 ")
            box = Box(x + box.y0 - y, y - (box.x1 - x), x + box.y1 - y, y - (box.x0 - x))
        found.append((t.text or "", box, size))
    return found


def plot_area(svg: str) -> Box:
    rect = ET.fromstring(svg).find(f"{NS}clipPath/{NS}rect")
    x, y = float(rect.get("x")), float(rect.get("y"))
    return Box(x, y, x + float(rect.get("width")), y + float(rect.get("height")))


def outside(svg: str) -> list[str]:
    width, height = view_box(svg)
    return [
        f"{text!r} at {[round(v, 1) for v in (b.x0, b.y0, b.x1, b.y1)]}"
        for text, b, _size in text_boxes(svg)
        if b.x0 < -0.01 or b.y0 < -0.01 or b.x1 > width + 0.01 or b.y1 > height + 0.01
    ]


def overlapping(svg: str) -> list[tuple[str, str]]:
    boxes = text_boxes(svg)
    return [(a[0], b[0]) for a, b in itertools.combinations(boxes, 2) if a[1].overlaps(b[1])]


# --- the writer's parts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lo", "hi", "most", "ticks", "step"),
    [
        (0, 840_000, 10, [0, 100_000, 200_000, 300_000, 400_000, 500_000, 600_000, 700_000,
                          800_000], 100_000),  # 840K / 9 = 93.3K: 100K
        (0, 840_000, 9, [0, 200_000, 400_000, 600_000, 800_000], 200_000),  # 105K: 200K
        (0, 840_000, 5, [0, 250_000, 500_000, 750_000], 250_000),  # 210K: 250K
        (0, 10, 5, [0, 2.5, 5, 7.5, 10], 2.5),
        (0, 1.02, 7, [0, 0.2, 0.4, 0.6, 0.8, 1.0], 0.2),  # 0.17: 0.2
        (0.5, 3.2, 7, [0.5, 1.0, 1.5, 2.0, 2.5, 3.0], 0.5),  # 0.45: 0.5
        (-35, 12, 6, [-30, -20, -10, 0, 10], 10),  # 9.4: 10
        (0.081, 0.083, 5, [0.081, 0.0815, 0.082, 0.0825, 0.083], 0.0005),
    ],
)  # fmt: skip
def test_nice_ticks_are_1_2_2_5_or_5_times_a_power_of_ten(lo, hi, most, ticks, step):
    found, found_step = nice_ticks(lo, hi, most)
    assert found == pytest.approx(ticks) and found_step == pytest.approx(step)


def test_nice_ticks_for_counts_are_whole_and_labels_are_distinct():
    assert nice_ticks(0, 10, 5, integer=True) == ([0, 5, 10], 5)
    assert nice_ticks(0, 3, 10, integer=True)[1] == 1
    whole = lambda v, _s: f"{v:.0f}"  # noqa: E731
    assert nice_ticks(0, 1, 6, whole) == ([0, 1], 1)  # not 0, 0.2, … read as 0, 0, 0, 1, …
    assert nice_ticks(0, 0.2, 9, steps=(1, 2, 5, 10)) == ([0, 0.05, 0.1, 0.15, 0.2], 0.05)


def test_text_is_measured_with_the_bundled_fonts_advance_widths():
    # KAM Sans SC: "0" 555, "K" 646, "中" 1000 units of an em of 1000
    assert text_width("0K", 10) == pytest.approx(12.01)
    assert text_width("中中", 12) == pytest.approx(24)
    assert text_width("0K", 10, bold=True) != text_width("0K", 10)
    assert text_width("\U0002a6a5", 10) == 10  # not in the font: a wide fallback glyph, 1 em


def test_lines_break_between_hanzi_and_at_spaces_never_before_closing_punctuation():
    assert _tokens("Share of wallet") == ["Share ", "of ", "wallet"]
    assert _tokens("毛利、成本（元）") == ["毛", "利、", "成", "本", "（元）"]
    assert _tokens("近36个月") == ["近", "36", "个", "月"]
    lines = wrap("销售额、毛利和服务成本（含税）", 40, 10).split("\n")
    assert len(lines) > 2 and "".join(lines) == "销售额、毛利和服务成本（含税）"
    assert all(text_width(line, 10) <= 40 for line in lines)
    assert not any(line[0] in "、，。）" for line in lines[1:])
    assert not any(line[-1] in "（" for line in lines)


def test_data_is_escaped_and_the_svg_is_well_formed():
    fmt = Formatter("en")
    name = "<b>R&D</b> \"Lab\" 'A'"
    chart = line_chart({name: pd.Series([1.0, 2.0]), "x": pd.Series([2.0, 1.0])}, fmt,
                       chart_id="esc", title=f"{name} & <script>", ylabel="a<b")  # fmt: skip
    for svg in (chart.svg, chart.svg_narrow):
        assert "<b>" not in svg and "<script>" not in svg
        assert "&lt;b&gt;R&amp;D&lt;/b&gt;" in svg
        texts = svg_texts(svg)  # parses: well-formed XML
        assert name in texts and "a<b" in texts


# --- every chart of the reports ---------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_every_chart_of_an_account_renders(ka0001_charts, locale):
    charts = ka0001_charts[locale]
    assert list(charts) == list(report.CHART_KEYS)
    assert all(charts.values()), [k for k, c in charts.items() if c is None]
    ids = [c.chart_id for c in charts.values()]
    assert ids == ["revenue-trend", "mix", "wallet-share", "contribution", "discount-depth",
                   "relmap", "satisfaction"]  # fmt: skip
    for chart in charts.values():
        for svg in (chart.svg, chart.svg_narrow):
            root = svg[: svg.index(">") + 1]
            assert root.startswith('<svg class="chart" aria-hidden="true" '), root
            assert "viewBox=" in root and " width=" not in root and " height=" not in root
            assert svg.rstrip().endswith("</svg>") and chart.alt
        assert view_box(chart.svg_narrow)[0] == pytest.approx(base.NARROW_WIDTH_IN * 72)


@pytest.mark.parametrize("locale", LOCALES)
def test_text_stays_text_in_the_pages_fonts(ka0001_charts, locale):
    fmt = Formatter(locale, "CNY")
    for chart in ka0001_charts[locale].values():
        svg = chart.svg
        assert svg.startswith('<svg class="chart" aria-hidden="true" font-family="')
        assert len(svg_texts(svg)) >= 8, chart.chart_id  # title, axis and tick labels
        assert "font-family" not in svg[svg.index(">") :]  # once, on the root element
        if locale == "zh-CN":
            assert any(re.search(r"[\u4e00-\u9fff]", t) for t in svg_texts(svg)), chart.chart_id
    trend = ka0001_charts[locale]["trend"].svg
    assert fmt.t("chart.revenue_trend_title", months=36) in svg_texts(trend)
    title = next(t for t in ET.fromstring(trend).iter(f"{NS}text") if t.get("font-weight"))
    assert title.get("font-size") == "12" and title.get("font-weight") == "700"


def test_charts_are_light(ka0001_charts):
    both = [c.svg + c.svg_narrow for c in ka0001_charts["en"].values()]
    assert sum(len(s) for s in both) < 120_000  # was ~150 KB per layout from matplotlib


def test_svg_font_stack_is_the_pages_with_the_bundled_font_first(ka0001_charts):
    css = REPORT_CSS.read_text(encoding="utf-8")
    body = re.search(r"body\s*\{[^}]*?font-family:\s*([^;]+);", css, re.S).group(1)

    def families(stack: str) -> list[str]:
        return [f.strip().strip("'\"") for f in stack.replace("\n", " ").split(",")]

    svg_stack = ET.fromstring(ka0001_charts["zh-CN"]["mix"].svg).get("font-family")
    assert svg_stack == base.SVG_FONT_FAMILY
    ours = families(base.SVG_FONT_FAMILY)
    assert ours[0] == FAMILY
    assert sorted(ours) == sorted(families(body))  # every font the page text may use


def test_same_input_same_svg(reviews, ka0001_charts):
    again = report.charts(reviews["KA0001"], Formatter("zh-CN", "CNY"))
    for key, chart in ka0001_charts["zh-CN"].items():
        assert again[key].svg == chart.svg, key
        assert again[key].svg_narrow == chart.svg_narrow, key


def test_ids_are_unique_on_a_page(ka0001_charts):
    svgs = [svg for _name, svg in every_svg(ka0001_charts["en"])]
    ids = [i for svg in svgs for i in re.findall(r' id="([^"]+)"', svg)]
    assert ids and len(ids) == len(set(ids))
    for svg in svgs:  # every reference points into its own chart
        for target in re.findall(r"url\(#([^)]+)\)", svg):
            assert f'id="{target}"' in svg, target


# --- layout -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("account", ["KA0001", "KA0084"])
def test_every_text_lies_inside_its_chart_and_clear_of_the_others(reviews, locale, account):
    charts = report.charts(reviews[account], Formatter(locale, "CNY"))
    svgs = every_svg(charts)
    assert len(svgs) >= 10
    for name, svg in svgs:
        assert outside(svg) == [], name
        assert overlapping(svg) == [], name


@pytest.mark.parametrize("locale", LOCALES)
def test_portfolio_charts_keep_their_texts_inside_and_apart(portfolio_charts, locale):
    svgs = every_svg(portfolio_charts[locale])
    assert len(svgs) == 8
    for name, svg in svgs:
        assert outside(svg) == [], name
        assert overlapping(svg) == [], name


def test_the_phone_layout_has_no_text_under_the_minimum(ka0001_charts, portfolio_charts):
    for charts in (*ka0001_charts.values(), *portfolio_charts.values()):
        for chart in charts.values():
            sizes = [size for _t, _b, size in text_boxes(chart.svg_narrow)]
            assert sizes and min(sizes) >= base.NARROW_MIN_PT, chart.chart_id
            wide = [size for _t, _b, size in text_boxes(chart.svg)]
            assert min(wide) < base.NARROW_MIN_PT, chart.chart_id  # the wide one has smaller


def test_phone_tick_labels_are_thinned_until_they_keep_apart(reviews):
    fmt = Formatter("zh-CN", "CNY")
    chart = report.charts(reviews["KA0001"], fmt)["mix"]

    def x_labels(svg: str) -> list[Box]:
        area = plot_area(svg)
        below = [b for _t, b, _s in text_boxes(svg) if area.y1 < b.y0 < area.y1 + 12]
        return sorted(below, key=lambda b: b.x0)

    wide, narrow = x_labels(chart.svg), x_labels(chart.svg_narrow)
    assert len(narrow) < len(wide)
    gaps = [b.x0 - a.x1 for a, b in itertools.pairwise(narrow)]
    assert gaps and min(gaps) >= base.NARROW_TICK_GAP_PT


LONG_ZH = (
    "各季度按产品品类、区域和销售渠道划分的销售额、毛利、服务成本与贡献利润"
    "（含税，单位：元），与上年同期及年度目标的对比分析"
)
LONG_EN = (
    "Revenue, gross margin, cost-to-serve and contribution per quarter, by product category, "
    "region and sales channel, compared with the same quarter of the previous year"
)


def title_lines(svg: str) -> list[tuple[str, Box]]:
    return [(t, b) for t, b, s in text_boxes(svg) if s == 12]


@pytest.mark.parametrize(("locale", "title"), [("zh-CN", LONG_ZH), ("en", LONG_EN)])
def test_a_long_title_wraps_inside_the_chart(locale, title):
    fmt = Formatter(locale, "CNY")
    index = pd.RangeIndex(8)
    series = {"甲": pd.Series(np.linspace(1e5, 9e5, 8), index=index),
              "乙": pd.Series(np.linspace(9e5, 1e5, 8), index=index)}  # fmt: skip
    chart = line_chart(series, fmt, chart_id="long", title=title, ylabel="金额", kind="money")
    short = line_chart(series, fmt, chart_id="short", title="短", ylabel="金额", kind="money")
    for svg, other in ((chart.svg, short.svg), (chart.svg_narrow, short.svg_narrow)):
        assert outside(svg) == [] and overlapping(svg) == []
        lines = [t for t, _b in title_lines(svg)]
        assert len(lines) >= 2
        assert "".join(lines).replace(" ", "") == title.replace(" ", "")  # nothing lost
        if locale == "en":
            assert all(word in title.split() for line in lines for word in line.split())
        else:
            assert not any(line[0] in "，、：）" for line in lines[1:])
        area, short_area = plot_area(svg), plot_area(other)
        assert (area.x0, area.x1) == (short_area.x0, short_area.x1)  # only taller above


@pytest.mark.parametrize("locale", LOCALES)
def test_a_title_wraps_before_the_legend_in_its_row(reviews, locale):
    fmt = Formatter(locale, "CNY")
    review = reviews["KA0001"]
    chart = revenue_trend(review.monthly, fmt, targets=review.monthly_target)
    keys = {fmt.t("chart.gross_margin"), fmt.t("chart.target"), fmt.t("chart.revenue")}
    for svg in (chart.svg, chart.svg_narrow):
        titles = title_lines(svg)
        legend = [b for t, b, _s in text_boxes(svg) if t in keys]
        assert len(legend) == 3
        for _text, box in titles:
            for other in legend:
                if box.y0 < other.y1 and other.y0 < box.y1:  # in the same row
                    assert box.x1 + base.GAP_PT <= other.x0 + 0.01
    if locale == "en":  # on a phone the legend is a column the title wraps before
        assert len(title_lines(chart.svg)) == 1 and len(title_lines(chart.svg_narrow)) >= 2


@pytest.mark.parametrize(
    ("values", "ylim"),
    [([0.08, 0.081, 0.083, 0.16], (0.0, 0.2)), ([0.081, 0.0815, 0.083], None), ([0.1, 0.6], None)],
)
def test_percent_ticks_read_as_the_values_they_mark(values, ylim):
    """Tick labels show their value exactly (no "18%" for 17.5% beside "20%")."""
    fmt = Formatter("en")
    chart = line_chart({"s": pd.Series(values)}, fmt, chart_id="pct", title="t", ylabel="y",
                       kind="percent", ylim=ylim)  # fmt: skip
    for svg in (chart.svg, chart.svg_narrow):
        labels = [t for t in svg_texts(svg) if t.endswith("%")]
        numbers = [float(t.rstrip("%")) for t in labels]
        assert len(numbers) >= 3
        steps = {round(b - a, 6) for a, b in itertools.pairwise(numbers)}
        assert len(steps) == 1, labels  # evenly spaced as shown


# --- what covers what -------------------------------------------------------------------


def test_legends_and_titles_above_the_plot_cover_no_data(ka0001_charts, portfolio_charts):
    """Only value labels and the pareto's inner legend may lie inside the plot area."""
    charts = [*ka0001_charts["en"].values(), portfolio_charts["en"]["dso"]]
    for chart in charts:
        if chart.chart_id == "relmap":
            continue  # names beside their dots
        for svg in (chart.svg, chart.svg_narrow):
            area = plot_area(svg)
            inside = [t for t, b, _s in text_boxes(svg) if b.overlaps(area)]
            assert inside == [], chart.chart_id


def test_gridlines_lie_below_bars(ka0001_charts, portfolio_charts):
    grid = base.COLORS["grid"]
    for chart in [*ka0001_charts["en"].values(), *portfolio_charts["en"].values()]:
        for svg in (chart.svg, chart.svg_narrow):
            gridlines = [m.start() for m in re.finditer(f'<path [^>]*stroke="{grid}"', svg)]
            first_mark = svg.index("<g clip-path=")
            if gridlines:
                assert max(gridlines) < first_mark, chart.chart_id


@pytest.mark.parametrize("locale", LOCALES)
def test_the_dso_chart_names_the_currency_on_the_overdue_axis(portfolio_charts, locale):
    fmt = Formatter(locale, "CNY")
    svg = portfolio_charts[locale]["dso"].svg
    label = fmt.t("portfolio.chart.overdue_axis", currency=fmt.currency_symbol())
    assert fmt.currency_symbol() in label and label in svg_texts(svg)
    rotated = [t for t in ET.fromstring(svg).iter(f"{NS}text") if t.get("transform")]
    assert [t.text for t in rotated] == [fmt.t("portfolio.chart.days_axis"), label]


def test_a_log_histogram_labels_decades(dataset):
    from kamreport.charts import histogram_chart

    fmt = Formatter("en", "CNY")
    chart = histogram_chart(pd.Series(np.geomspace(1e4, 1e8, 40)), fmt, title="CLV",
                            xlabel="CLV", alt="", chart_id="clv")  # fmt: skip
    texts = svg_texts(chart.svg)
    assert {"10K", "100K", "1M", "10M", "100M"} <= set(texts)
    assert outside(chart.svg) == [] and overlapping(chart.svg_narrow) == []


def test_the_trend_png_for_email_is_a_png(reviews):
    chart = revenue_trend(reviews["KA0001"].monthly, Formatter("zh-CN", "CNY"), with_png=True)
    assert chart.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert revenue_trend(reviews["KA0001"].monthly, Formatter("en")).png is None
