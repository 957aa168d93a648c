"""Charts: SVG with real text in the report's font stack, margins that keep every text
inside the figure (English and Chinese), and the same bytes on every render."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from kamreport.charts import base, line_chart
from kamreport.dataset import Dataset
from kamreport.fonts import FAMILY
from kamreport.i18n import Formatter
from kamreport.params import Params
from kamreport.reports import customer as report

AS_OF = dt.date(2026, 9, 30)
LOCALES = ("en", "zh-CN")
REPORT_CSS = Path(__file__).parents[1] / "templates" / "css" / "report.css"
# how matplotlib names a glyph it exports as an outline: <path id="DejaVuSans-4f" …>
GLYPH_OUTLINE = re.compile(r'<path id="[A-Za-z-]+-[0-9a-f]{2,6}"')
CHART_MODULES = (
    "trend", "mix", "lines", "relationship_map", "pareto", "dso", "waterfall", "distribution",
)  # fmt: skip


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


@pytest.fixture
def figures(monkeypatch):
    """Every figure exported as SVG while the test runs, by chart id, as it was exported
    (a copy: the phone layout is made from the same figure afterwards)."""
    seen: dict[str, Figure] = {}
    export = base.figure_to_svg

    def keep(fig, chart_id):
        svg = export(fig, chart_id)
        seen[chart_id] = copy.deepcopy(fig)
        return svg

    monkeypatch.setattr(base, "figure_to_svg", keep)
    return seen


def drawn_texts(fig: Figure) -> list:
    """The texts a draw puts on the figure: titles, axis and tick labels, notes, legends."""
    texts = []
    for ax in fig.axes:
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        texts += ax.texts
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis._update_ticks():  # only the ticks inside the view limits
                texts += [tick.label1, tick.label2]
        if ax.get_legend():
            texts += ax.get_legend().get_texts()
    return [t for t in texts if t.get_visible() and t.get_text()]


def outside(fig: Figure) -> list[str]:
    """The texts whose box, as matplotlib's renderer measures it, leaves the figure."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    width, height = fig.bbox.width, fig.bbox.height
    found = []
    for text in drawn_texts(fig):
        box = text.get_window_extent(renderer)
        if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > width + 0.5 or box.y1 > height + 0.5:
            found.append(f"{text.get_text()!r} at {[round(v) for v in box.extents]}")
    return found


def svg_texts(svg: str) -> list[str]:
    return re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)


# --- the SVG ----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_every_chart_of_an_account_renders(ka0001_charts, locale):
    charts = ka0001_charts[locale]
    assert list(charts) == list(report.CHART_KEYS)
    assert all(charts.values()), [k for k, c in charts.items() if c is None]
    ids = [c.chart_id for c in charts.values()]
    assert ids == ["revenue-trend", "mix", "wallet-share", "contribution", "discount-depth",
                   "relmap", "satisfaction"]  # fmt: skip
    for chart in charts.values():
        root = chart.svg[: chart.svg.index(">") + 1]
        assert root.startswith('<svg class="chart" aria-hidden="true" '), root
        assert "viewBox=" in root and " width=" not in root and " height=" not in root
        assert chart.svg.rstrip().endswith("</svg>") and chart.alt


@pytest.mark.parametrize("locale", LOCALES)
def test_text_stays_text_without_glyph_outlines(ka0001_charts, locale):
    fmt = Formatter(locale, "CNY")
    for chart in ka0001_charts[locale].values():
        svg = chart.svg
        assert svg.startswith('<svg class="chart" aria-hidden="true" font-family="')
        assert len(svg_texts(svg)) >= 8, chart.chart_id  # title, axis and tick labels
        assert not GLYPH_OUTLINE.search(svg), chart.chart_id  # no letters drawn as paths
        assert "font-family:" not in svg  # once, on the root element, as an attribute
        if locale == "zh-CN":
            assert any(re.search(r"[\u4e00-\u9fff]", t) for t in svg_texts(svg)), chart.chart_id
    trend = ka0001_charts[locale]["trend"].svg
    assert fmt.t("chart.revenue_trend_title", months=36) in svg_texts(trend)


def test_charts_are_light(ka0001_charts):
    svgs = [c.svg for c in ka0001_charts["en"].values()]
    assert sum(len(s) for s in svgs) < 150_000  # text, not glyph paths: was ~330 KB


def test_svg_font_stack_is_the_pages_with_the_bundled_font_first(ka0001_charts):
    css = REPORT_CSS.read_text(encoding="utf-8")
    body = re.search(r"body\s*\{[^}]*?font-family:\s*([^;]+);", css, re.S).group(1)

    def families(stack: str) -> list[str]:
        return [f.strip().strip("'\"") for f in stack.replace("\n", " ").split(",")]

    svg_stack = re.search(r'<svg [^>]*font-family="([^"]+)"', ka0001_charts["zh-CN"]["mix"].svg)
    assert svg_stack.group(1) == base.SVG_FONT_FAMILY
    ours = families(base.SVG_FONT_FAMILY)
    assert ours[0] == FAMILY
    assert sorted(ours) == sorted(families(body))  # every font the page text may use


def test_same_input_same_svg(reviews, ka0001_charts):
    again = report.charts(reviews["KA0001"], Formatter("zh-CN", "CNY"))
    for key, chart in ka0001_charts["zh-CN"].items():
        assert again[key].svg == chart.svg, key
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", chart.svg)  # no creation date


def test_ids_are_unique_on_a_page(ka0001_charts):
    ids = [i for c in ka0001_charts["en"].values() for i in re.findall(r' id="([^"]+)"', c.svg)]
    assert ids and len(ids) == len(set(ids))
    for chart in ka0001_charts["en"].values():  # every reference points into its own chart
        for target in re.findall(r'(?:href|url\()"?#([^")]+)', chart.svg):
            assert f'id="{target}"' in chart.svg, (chart.chart_id, target)


# --- layout -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("account", ["KA0001", "KA0084"])
def test_every_text_lies_inside_its_figure(reviews, figures, locale, account):
    report.charts(reviews[account], Formatter(locale, "CNY"))
    assert len(figures) >= 5
    for chart_id, fig in figures.items():
        assert outside(fig) == [], chart_id


LONG_ZH = (
    "各季度按产品品类、区域和销售渠道划分的销售额、毛利、服务成本与贡献利润"
    "（含税，单位：元），与上年同期及年度目标的对比分析"
)
LONG_EN = (
    "Revenue, gross margin, cost-to-serve and contribution per quarter, by product category, "
    "region and sales channel, compared with the same quarter of the previous year"
)


@pytest.mark.parametrize(("locale", "title"), [("zh-CN", LONG_ZH), ("en", LONG_EN)])
def test_a_long_title_wraps_inside_the_figure(figures, locale, title):
    fmt = Formatter(locale, "CNY")
    index = pd.RangeIndex(8)
    series = {"甲": pd.Series(np.linspace(1e5, 9e5, 8), index=index),
              "乙": pd.Series(np.linspace(9e5, 1e5, 8), index=index)}  # fmt: skip
    chart = line_chart(series, fmt, chart_id="long", title=title, ylabel="金额", kind="money")
    fig = figures["long"]
    assert outside(fig) == []
    lines = fig.axes[0]._left_title.get_text().split("\n")
    assert len(lines) >= 2
    assert "".join(lines).replace(" ", "") == title.replace(" ", "")  # nothing lost
    if locale == "en":
        assert all(word in title.split() for line in lines for word in line.split())
    assert "\n".join(t for t in svg_texts(chart.svg) if t in lines) == "\n".join(lines)
    line_chart(series, fmt, chart_id="short", title="短", ylabel="金额", kind="money")
    short = figures["short"].axes[0].get_position()
    assert fig.axes[0].get_position().x1 == pytest.approx(short.x1, abs=0.005)  # same plot width


def test_a_long_title_wraps_before_a_legend_in_its_row():
    fig, ax = base.new_figure()
    for label in ("毛利", "目标", "销售额"):
        ax.plot([0, 1, 2], [1.0, 2.0, 3.0], label=label)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, ncols=3)
    ax.set_title(LONG_ZH)
    base.fit_margins(fig)
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    title = ax._left_title.get_window_extent(renderer)
    legend = ax.get_legend().get_window_extent(renderer)
    assert "\n" in ax._left_title.get_text()
    assert title.x1 < legend.x0
    assert outside(fig) == []


def test_a_long_title_on_a_plain_figure_is_wrapped_inside_it():
    fig, ax = base.new_figure()
    ax.plot([0, 1, 2], [1.0, 2.0, 3.0])
    ax.set_title("非常长的图表标题，" * 12)
    base.fit_margins(fig)
    renderer = FigureCanvasAgg(fig).get_renderer()
    shown = ax._left_title  # titles are left-aligned in the report style
    box = shown.get_window_extent(renderer)
    assert "\n" in shown.get_text()
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width and box.y1 <= fig.bbox.height


def test_lines_break_between_hanzi_and_at_spaces_never_before_closing_punctuation():
    assert base._tokens("Share of wallet") == ["Share ", "of ", "wallet"]
    assert base._tokens("毛利、成本（元）") == ["毛", "利、", "成", "本", "（元）"]
    assert base._tokens("近36个月") == ["近", "36", "个", "月"]


def test_png_export_uses_the_same_margins(figures, reviews):
    chart = report.revenue_trend(
        reviews["KA0001"].monthly, Formatter("zh-CN", "CNY"), with_png=True
    )
    assert chart.png.startswith(b"\x89PNG\r\n\x1a\n")
    fig = figures["revenue-trend"]
    position = fig.axes[0].get_position().bounds
    base.figure_to_png(fig)  # measured once: exporting again changes nothing
    assert fig.axes[0].get_position().bounds == position
    assert outside(fig) == []


@pytest.mark.parametrize(
    ("values", "ylim"),
    [([0.08, 0.081, 0.083, 0.16], (0.0, 0.2)), ([0.081, 0.0815, 0.083], None), ([0.1, 0.6], None)],
)
def test_percent_ticks_read_as_the_values_they_mark(values, ylim):
    """Tick labels show their value exactly (no "18%" for 17.5% beside "20%")."""
    fmt = Formatter("en")
    chart = line_chart({"s": pd.Series(values)}, fmt, chart_id="pct", title="t", ylabel="y",
                       kind="percent", ylim=ylim)  # fmt: skip
    labels = [t for t in svg_texts(chart.svg) if t.endswith("%")]
    numbers = [float(t.rstrip("%")) for t in labels]
    assert len(numbers) >= 3
    steps = {round(b - a, 6) for a, b in itertools.pairwise(numbers)}
    assert len(steps) == 1, labels  # evenly spaced as shown


# --- what covers what -------------------------------------------------------------------


def bars(ax) -> list:
    return [p for c in ax.containers if isinstance(c, BarContainer) for p in c if p.get_height()]


def covered(fig: Figure) -> list[str]:
    """Bars and data points under a legend, and bars under a gridline (a gridline is drawn
    with its axis: over the bars of its own axes drawn before it, and over every bar of an
    axes drawn before its own)."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    found = []
    order = sorted(fig.axes, key=lambda a: a.get_zorder())  # the figure's drawing order
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent(renderer)
        for other in fig.axes:
            for bar in bars(other):
                if box.overlaps(bar.get_window_extent(renderer)):
                    found.append(f"legend over the bar at x={bar.get_x():.1f}")
            for line in other.lines:
                points = line.get_transform().transform(line.get_xydata())
                inside = [p for p in points if box.contains(*p)]
                if inside and line.get_marker() not in (None, "", "None"):
                    found.append(f"legend over a point of {line.get_label()!r}")
    for position, ax in enumerate(order):
        for axis in (ax.xaxis, ax.yaxis):
            if not any(g.get_visible() for g in axis.get_gridlines()):
                continue
            below = [b for a in order[:position] for b in bars(a)]
            below += [b for b in bars(ax) if b.get_zorder() < axis.get_zorder()]
            if below:
                found.append(f"{axis.axis_name} gridlines over {len(below)} bars")
    return found


def dso_trend_frame() -> pd.DataFrame:
    """Twelve month ends, the largest overdue amount first (where a legend at the lower
    left would sit)."""
    months = pd.date_range("2025-10-31", periods=12, freq="ME")
    overdue = np.linspace(900_000, 200_000, 12)
    return pd.DataFrame({"month_end": months, "dso": np.linspace(40, 70, 12), "overdue": overdue})


@pytest.mark.parametrize("locale", LOCALES)
def test_the_dso_legend_covers_no_bar_and_the_overdue_axis_names_the_currency(
    figures, sample_tables, locale
):
    from kamreport.analytics.collections import dso_trend
    from kamreport.charts import dso_chart

    fmt = Formatter(locale, "CNY")
    for trend in (dso_trend_frame(), dso_trend(sample_tables["invoices"], AS_OF)):
        dso_chart(trend, fmt)
        fig = figures["dso-trend"]
        assert covered(fig) == []
        assert outside(fig) == []
        overdue_axis = next(ax for ax in fig.axes if bars(ax))
        label = overdue_axis.get_ylabel()
        assert fmt.currency_symbol() in label and label.startswith(fmt.t("portfolio.chart.overdue"))


@pytest.mark.parametrize("account", ["KA0001", "KA0084"])
def test_gridlines_lie_below_bars_and_legends_cover_no_data(reviews, figures, account):
    from kamreport.charts import histogram_chart, waterfall_chart

    fmt = Formatter("en", "CNY")
    report.charts(reviews[account], fmt)
    waterfall_chart(("Prior", 5e6), [("New", 1e6), ("Lost", -2e6)], ("Now", 4e6), fmt,
                    title="Bridge", alt="")  # fmt: skip
    values = pd.Series(np.geomspace(1e4, 1e8, 40))
    histogram_chart(values, fmt, title="CLV", xlabel="CLV", alt="", chart_id="clv")
    assert {"revenue-trend", "mix", "bridge", "clv"} <= set(figures)
    for chart_id, fig in figures.items():
        assert covered(fig) == [], chart_id
        for ax in fig.axes:
            assert ax.get_axisbelow() is True, chart_id
