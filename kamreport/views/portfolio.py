"""The portfolio report (leadership) as a view model: every figure and sentence as text.

:func:`portfolio_view` turns a :class:`~kamreport.analytics.portfolio.PortfolioReview`
into a frozen :class:`PortfolioView`: the page frame, the headlines and one small
dataclass per report section. The templates ``portfolio.html.j2`` and
``partials/portfolio_*.html.j2`` only lay it out, so what leadership reads is built
and tested here, through the one :class:`~kamreport.views.display.Display`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kamreport.analytics.attention import PORTFOLIO_SHOWN
from kamreport.analytics.portfolio import PortfolioReview
from kamreport.i18n import Formatter
from kamreport.params import Params
from kamreport.provenance import Provenance
from kamreport.views.attention import AttentionBlock, portfolio_block
from kamreport.views.blocks import ChartView, Line, Page, attrs
from kamreport.views.display import Display, number
from kamreport.views.page import page
from kamreport.views.portfolio_operations import (
    QualitySection,
    ReceivablesSection,
    RetentionSection,
    quality,
    receivables,
    retention,
)
from kamreport.views.portfolio_parts import Context
from kamreport.views.portfolio_revenue import (
    BridgeSection,
    SegmentsSection,
    ValueSection,
    bridge,
    segments,
    value,
)
from kamreport.views.portfolio_scores import (
    BacktestSection,
    ConcentrationSection,
    TiersSection,
    backtest,
    concentration,
    tiers,
)
from kamreport.views.portfolio_team import TargetsSection, TeamSection, targets, team

if TYPE_CHECKING:
    import pandas as pd

    from kamreport.charts import Chart

# The sections of the page, in order: their anchors and the table of contents.
SECTIONS = (
    "attention", "summary", "concentration", "tiers", "segments", "bridge", "retention",
    "receivables", "targets", "team", "value", "backtest", "data-quality",
)  # fmt: skip
MAX_HEADLINES = 9


@dataclass(frozen=True)
class SummarySection:
    """The headlines: 5–9 sentences, each linked to the section its figure comes from."""

    headlines: tuple[Line, ...] = ()
    no_data: str = ""


@dataclass(frozen=True)
class PortfolioView:
    """Everything the portfolio page shows, section by section."""

    page: Page
    attention: AttentionBlock  # first: the accounts whose issues matter most
    summary: SummarySection
    concentration: ConcentrationSection
    tiers: TiersSection
    segments: SegmentsSection
    bridge: BridgeSection
    retention: RetentionSection
    receivables: ReceivablesSection
    targets: TargetsSection
    team: TeamSection
    value: ValueSection
    backtest: BacktestSection
    quality: QualitySection

    @property
    def headlines(self) -> tuple[Line, ...]:
        return self.summary.headlines


def portfolio_display(fmt: Formatter, review: PortfolioReview) -> Display:
    """The display of the report's language with the accounts' names in that language."""
    return Display.for_accounts(fmt, review.accounts.reset_index())


def section_title(display: Display, section_id: str) -> str:
    return display.t(f"portfolio.sections.{section_id.replace('-', '_')}")


def portfolio_view(
    review: PortfolioReview,
    charts: Mapping[str, Chart | None],
    display: Display,
    provenance: Provenance,
    params: Params,
    links: Mapping[str, str],
) -> PortfolioView:
    """The portfolio page: ``charts`` by key (pareto, bridge, clv, dso; None where the
    data is missing), ``links`` to the account reviews that exist, by account id."""
    ctx = Context(review, display, params, dict(links))

    def chart(key: str) -> ChartView | None:
        return ChartView.of(charts.get(key))

    lines = headlines(review, display)
    return PortfolioView(
        page=_page(review, display, provenance),
        attention=portfolio_block(
            display,
            review.attention,
            PORTFOLIO_SHOWN,
            links,
            section_title(display, "retention"),
            params.risk,
        ),
        summary=SummarySection(lines, "" if lines else display.t("portfolio.no_data.summary")),
        concentration=concentration(ctx, chart("pareto")),
        tiers=tiers(ctx),
        segments=segments(ctx),
        bridge=bridge(ctx, chart("bridge")),
        retention=retention(ctx),
        receivables=receivables(ctx, chart("dso")),
        targets=targets(ctx),
        team=team(ctx),
        value=value(ctx, chart("clv")),
        backtest=backtest(ctx),
        quality=quality(ctx),
    )


def _page(review: PortfolioReview, display: Display, provenance: Provenance) -> Page:
    t, as_of = display.t, display.date(review.as_of)
    active = int((review.values["revenue_ltm"] > 0).sum())
    accounts = t(
        "portfolio.subtitle",
        accounts=display.number(len(review.values)),
        active=display.number(active),
    )
    return page(
        display,
        provenance,
        title=f"{t('portfolio.title')} · {as_of}",
        eyebrow=t("portfolio.eyebrow"),
        heading=t("portfolio.title"),
        subtitle=f"{t('report.as_of', as_of=as_of)} · {accounts}",
        nav=tuple((s, section_title(display, s)) for s in SECTIONS),
    )


def _movers(display: Display, text: str, changes: pd.Series) -> str:
    """``text`` followed by "Largest falls: A (−CN¥1.2M), B (−CN¥0.8M)."; ``text`` alone
    without movers."""
    if changes.empty:
        return text
    t = display.t
    named = t("portfolio.summary.mover_sep").join(
        t(
            "portfolio.summary.mover",
            name=display.name(str(account)),
            change=f"{'+' if change > 0 else ''}{display.money(change, compact=True)}",
        )
        for account, change in changes.items()
    )
    key = "movers_up" if changes.iloc[0] > 0 else "movers_down"
    return t(f"portfolio.summary.{key}", text=text, accounts=named)


def _revenue_and_margin(review: PortfolioReview, d: Display) -> tuple[str, str]:
    """The revenue and gross-margin headlines (the email's KPI figures), with the accounts
    behind the largest change; "n/a" with the reason when the prior LTM is not covered."""
    h, t = review.headline, d.t
    k = h.kpis
    active = d.number(int((review.values["revenue_ltm"] > 0).sum()))
    start = d.date(h.data_start)
    revenue = d.money(k.revenue.current, compact=True)
    if h.prior_covered:
        revenue_text = t(
            "portfolio.summary.revenue",
            revenue=revenue,
            growth=d.growth_words(k.revenue.growth),
            accounts=active,
        )
        revenue_text = _movers(d, revenue_text, h.revenue_movers)
    else:
        revenue_text = t(
            "portfolio.summary.revenue_no_prior", revenue=revenue, accounts=active, date=start
        )
    if k.gross_margin.current is None:
        return revenue_text, t("portfolio.no_data.margin")
    margin, rate = d.money(k.gross_margin.current, compact=True), d.percent(k.margin_pct.current)
    if h.prior_covered:
        margin_text = t(
            "portfolio.summary.margin",
            margin=margin,
            growth=d.growth_words(k.gross_margin.growth),
            rate=rate,
            change=d.points_words(k.margin_pct.change),
        )
        margin_text = _movers(d, margin_text, h.margin_movers)
    else:
        margin_text = t("portfolio.summary.margin_no_prior", margin=margin, rate=rate, date=start)
    return revenue_text, margin_text


def headlines(review: PortfolioReview, display: Display) -> tuple[Line, ...]:
    """5–9 sentences for leadership, each from one figure of a report section and linked
    to it; none when the data has no revenue in the last 24 months."""
    total, prior = review.revenue_ltm, review.revenue_prior_ltm
    if total <= 0 and prior <= 0:
        return ()
    d, t = display, display.t

    def line(text: str, section: str, metric: str) -> Line:
        title = section_title(d, section)
        return Line(text, link=f"#{section}", link_text=title, attrs=attrs(metric=metric))

    revenue_text, margin_text = _revenue_and_margin(review, d)
    out = [line(revenue_text, "bridge", "revenue_ltm")]
    b = review.bridge
    if b is not None:  # no bridge when the data does not cover the prior LTM
        change = b.accounts["change"]
        # the biggest grower; ties by account id
        ordered = change.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
        grower = d.name(ordered.index[0]) if len(ordered) else ""
        out.append(
            line(
                t(
                    "portfolio.summary.bridge",
                    growth=d.money(b.components["growth"], compact=True),
                    decline=d.money(-b.components["decline"], compact=True),
                    lost=d.money(-b.components["lost"], compact=True),
                    new=d.money(b.components["new"], compact=True),
                    top=grower,
                ),
                "bridge",
                "bridge_components",
            )
        )
    out.append(line(margin_text, "segments", "gross_margin_ltm"))
    c = review.revenue
    out.append(
        line(
            t(
                "portfolio.summary.concentration",
                count=d.number(c.top20_count),
                share=d.percent(c.top20_share),
                top10=d.percent(c.top10_share),
                hhi=d.number(c.hhi * 10_000),
            ),
            "concentration",
            "top20_share",
        )
    )
    key = review.tier_table.loc["key"]
    keys, share = d.number(key["accounts"]), d.percent(key["share"])
    if review.moves is None:  # the tiers of a year ago are not known
        tiers_text = t("portfolio.summary.tiers_no_moves", keys=keys, share=share)
    else:
        moves = review.moves["direction"].value_counts()
        tiers_text = t(
            "portfolio.summary.tiers",
            keys=keys,
            share=share,
            up=d.number(moves.get("up", 0)),
            down=d.number(moves.get("down", 0)),
        )
    out.append(line(tiers_text, "tiers", "tier_table"))
    out.extend(_follow_up(review, d, line))
    return tuple(out[:MAX_HEADLINES])


def _follow_up(
    review: PortfolioReview, d: Display, line: Callable[[str, str, str], Line]
) -> list[Line]:
    """The headlines of the sections that need data beyond the order lines."""
    t, out = d.t, []
    if len(review.at_risk):
        high = review.risk_levels.loc["high"]
        # lost accounts need the prior LTM: left out when the data does not cover it
        key = "retention" if review.bridge is not None else "retention_no_lost"
        out.append(
            line(
                t(
                    f"portfolio.summary.{key}",
                    accounts=d.number(high["accounts"]),
                    revenue=d.money(high["revenue_ltm"], compact=True),
                    share=d.percent(high["share"]),
                    top=d.name(review.at_risk.index[0]),
                    lost=d.number(len(review.lost)),
                ),
                "retention",
                "revenue_at_risk",
            )
        )
    a = review.aging
    if a is not None and len(a):
        overdue = float(a["overdue_amount"].sum())
        out.append(
            line(
                t(
                    "portfolio.summary.receivables",
                    overdue=d.money(overdue, compact=True),
                    share=d.ratio(overdue, a["open_amount"].sum()),
                    top=d.name(a.index[0]),
                    amount=d.money(a["overdue_amount"].iloc[0], compact=True),
                ),
                "receivables",
                "overdue_amount",
            )
        )
    ta = review.attainment
    if len(ta):
        out.append(
            line(
                t(
                    "portfolio.summary.targets",
                    attainment=d.ratio(ta["revenue_ytd"].sum(), ta["target_ytd"].sum()),
                    forecast=d.ratio(ta["forecast_fy"].sum(), ta["target_fy"].sum()),
                    behind=d.number(int((ta["gap_fy"] > 0).sum())),
                ),
                "targets",
                "attainment_ytd",
            )
        )
    bt = review.backtest
    if bt is not None and number(bt.auc_score) is not None:
        out.append(
            line(
                t(
                    "portfolio.summary.backtest",
                    auc=d.number(bt.auc_score, 2),
                    bad=d.number(bt.bad),
                    followed=d.number(bt.followed),
                ),
                "backtest",
                "auc",
            )
        )
    return out


__all__ = [
    "SECTIONS",
    "PortfolioView",
    "SummarySection",
    "headlines",
    "portfolio_display",
    "portfolio_view",
    "section_title",
]
