"""The per-customer account review as display-ready text: one field per section.

:func:`customer_view` turns an :class:`AccountReview` into a :class:`CustomerView`
through one :class:`Display`, so the template only lays the review out: every
figure is formatted, every label translated and every "no data" sentence chosen
here, where it can be tested. Relationships to risk flags are in
:mod:`kamreport.views.customer_people`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from kamreport.analytics import highlights as analytics_highlights
from kamreport.analytics.account_review import AccountReview
from kamreport.analytics.attention import ACCOUNT_SHOWN
from kamreport.analytics.profile import ProfileCard
from kamreport.analytics.sales import Comparison
from kamreport.charts import Chart
from kamreport.params import Params
from kamreport.provenance import Provenance
from kamreport.views import customer_people as people
from kamreport.views import customer_sales as sales
from kamreport.views.attention import AttentionBlock, account_block
from kamreport.views.blocks import (
    Cell,
    Change,
    ChartView,
    Column,
    Fact,
    Kpi,
    Line,
    Page,
    Table,
    attrs,
)
from kamreport.views.coverage import coverage_note, not_covered
from kamreport.views.customer_group import GroupSection, group_section
from kamreport.views.customer_people import columns, label_row
from kamreport.views.display import Display, missing, number, other_names
from kamreport.views.page import page

# Rows of the key-figures table: metric key and how its figures read.
KPI_ROWS = (
    ("revenue", "money"), ("volume", "number"), ("gross_margin", "money"),
    ("margin_pct", "percent"), ("orders", "number"), ("avg_order_size", "money"),
)  # fmt: skip
COUNTS = ("n", "total")  # data-note values that are counts (a year stays as it is)


@dataclass(frozen=True)
class Highlight:
    """A highlight sentence, its suggested action and the metric it traces to."""

    text: str
    tone: str  # positive | negative | neutral
    metric: str  # data-metric only: readers see no metric codes
    action: str = ""


@dataclass(frozen=True)
class HighlightsSection:
    no_data: str = ""
    items: tuple[Highlight, ...] = ()


@dataclass(frozen=True)
class ProfileSection:
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class KeyFiguresSection:
    cards: tuple[Kpi, ...]
    table: Table  # LTM and YTD against their prior periods


@dataclass(frozen=True)
class TrendSection:
    no_data: str = ""
    chart: ChartView | None = None


@dataclass(frozen=True)
class DataQualitySection:
    notes: tuple[Line, ...] = ()  # checks of the account's own data
    intro: str = ""  # before the load warnings
    warnings: tuple[Line, ...] = ()
    none: str = ""  # neither notes nor warnings


@dataclass(frozen=True)
class CustomerView:
    """Everything the account review shows, as text, one field per section."""

    page: Page
    attention: AttentionBlock  # first: the few issues that matter most
    highlights: HighlightsSection  # problems first, then what went well
    profile: ProfileSection
    kpis: KeyFiguresSection
    trend: TrendSection
    targets: sales.TargetsSection
    mix: sales.MixSection
    wallet: sales.WalletSection
    profitability: sales.ProfitabilitySection
    receivables: sales.ReceivablesSection
    relationships: people.RelationshipsSection
    pipeline: people.PipelineSection
    satisfaction: people.SatisfactionSection
    plan: people.PlanSection
    value: people.ValueSection
    risks: people.RisksSection
    data_quality: DataQualitySection
    group: GroupSection = field(default_factory=GroupSection)  # the group it heads or is in


def profile_accounts(profile: ProfileCard) -> pd.DataFrame:
    """The accounts table of what the profile names: the account and its parent group."""
    rows = [{"account_id": profile.account_id, "name": profile.name, "name_en": profile.name_en}]
    if profile.parent_id and profile.parent_name:
        rows.append({"account_id": profile.parent_id, "name": profile.parent_name, "name_en": None})
    return pd.DataFrame(rows, columns=["account_id", "name", "name_en"])


def _page(review: AccountReview, display: Display, provenance: Provenance) -> Page:
    t = display.t
    p = review.profile
    name = display.name(p.account_id)
    # the id unless it is the heading already; industry and region only where known
    parts = [display.id_note(p.account_id)]
    parts += [
        display.value(kind, raw) for kind, raw in (("industry", p.industry), ("region", p.region))
    ]
    parts = [part for part in parts if part and part != display.na]
    if p.ka_manager:
        parts.append(display.labelled(t("profile.ka_manager"), p.ka_manager))
    parts.append(t("report.as_of", as_of=display.date(review.as_of)))
    other = other_names(profile_accounts(p), display.fmt.locale).get(p.account_id, "")
    return page(
        display,
        provenance,
        title=f"{t('report.customer_title')} · {name}",
        eyebrow=t("report.customer_title"),
        heading=name,
        heading_note=other,
        subtitle=" · ".join(parts),
    )


def _quoted(display: Display, kind: str, value: object, as_of_year: int) -> str:
    """A highlight's number as text; a year names itself ("2026 (YTD, annualised)")."""
    if kind == "year":
        return sales.wallet_year(display, value, as_of_year)
    return display.text(kind, value)


def _sentence(h: analytics_highlights.Highlight, display: Display, year: int) -> str:
    """A highlight's sentence with its numbers in the report language."""
    values = {k: _quoted(display, kind, v, year) for k, (kind, v) in h.values.items()}
    return display.t(h.message, **values)


def _attention(review: AccountReview, display: Display, params: Params) -> AttentionBlock:
    """The issues that need attention; a flag reads as its highlight (naming its window)."""
    year = review.as_of.year
    reasons = tuple(_sentence(h, display, year) if h else "" for h in review.attention_told)
    margin_known = not missing(review.ltm.margin_pct.current)
    return account_block(
        display, review.attention, ACCOUNT_SHOWN, params.risk, reasons, margin_known=margin_known
    )


def _highlights(review: AccountReview, display: Display) -> HighlightsSection:
    year = review.as_of.year
    items = tuple(
        Highlight(
            text=_sentence(h, display, year),
            tone=h.tone,
            metric=h.metric,
            action=display.t(h.action) if h.action else "",
        )
        for h in review.highlights
    )
    return HighlightsSection(
        no_data="" if items else display.t("review.no_data.highlights"), items=items
    )


def _profile(review: AccountReview, display: Display) -> ProfileSection:
    t = display.t
    p = review.profile
    na, none = display.na, t("common.none")
    years = number(p.relationship_years)
    relationship = na if years is None else t("common.years", years=display.number(years, 1))
    parent = none
    if p.parent_id:
        known = p.parent_id in display.names or not p.parent_name
        parent_name = display.name(p.parent_id) if known else p.parent_name
        parent = parent_name if parent_name == p.parent_id else f"{parent_name} ({p.parent_id})"
    facts = (
        (t("profile.account_id"), p.account_id),
        (t("profile.name"), p.name),
        (t("profile.name_en"), p.name_en or na),
        (t("profile.industry"), display.value("industry", p.industry)),
        (t("profile.region"), display.value("region", p.region)),
        (t("profile.country"), display.value("country", p.country)),
        (t("profile.size_band"), display.value("size_band", p.size_band)),
        (t("profile.ka_manager"), p.ka_manager or na),
        (t("profile.customer_since"), display.date(p.customer_since)),
        (t("profile.relationship"), relationship),
        (t("profile.parent"), parent),
        (t("profile.subsidiaries"), ", ".join(p.subsidiaries) or none),
        (t("profile.first_order"), display.date(p.first_order)),
        (t("profile.last_order"), display.date(p.last_order)),
        (t("review.profile.competitors"), ", ".join(review.competitors_present) or none),
    )
    return ProfileSection(tuple(Fact(label, value) for label, value in facts))


def _figure(display: Display, kind: str, value: object, compact: bool = False) -> str:
    if kind == "money":
        return display.money(value, compact=compact)
    if kind == "percent":
        return display.percent(value)
    return display.number(value)


def _change(display: Display, kind: str, c: Comparison, na: str = "") -> Change:
    """Growth of a figure; a percentage changes in points; ``na`` (why it is n/a) instead
    when the data does not cover the comparison window."""
    if na:
        return Change(na)
    return display.change(c.change, "points") if kind == "percent" else display.change(c.growth)


def _kpis(review: AccountReview, display: Display) -> KeyFiguresSection:
    t = display.t
    k = review.ltm
    prior = t("report.period_prior_ltm")
    na = {
        window: "" if review.coverage.covered(window) else not_covered(display, review.coverage)
        for window in ("ltm", "ytd")
    }

    def card(key: str, kind: str) -> Kpi:
        c: Comparison = getattr(k, key)
        shown = (_figure(display, kind, v, compact=True) for v in (c.current, c.prior))
        value, before = shown
        label = sales.windowed(t(f"kpi.{key}"), t("report.period_ltm"))
        note = display.labelled(prior, before)
        change = _change(display, kind, c, na["ltm"])
        return Kpi(label, value, note=note, change=change, metric=key)

    cards = [card("revenue", "money")]
    if k.gross_margin.current is not None:
        cards.append(card("gross_margin", "money"))
        cards.append(card("margin_pct", "percent"))
    cards.append(card("orders", "number"))
    rows = []
    for key, kind in KPI_ROWS:
        cells: list[Cell] = []
        for c, window in ((getattr(review.ltm, key), "ltm"), (getattr(review.ytd, key), "ytd")):
            cells.append(Cell(_figure(display, kind, c.current), numeric=True))
            cells.append(Cell(_figure(display, kind, c.prior), numeric=True))
            cells.append(Cell(numeric=True, change=_change(display, kind, c, na[window])))
        rows.append(label_row(t(f"kpi.{key}"), *cells, metric=key))
    periods = ("#period_ltm", "#period_prior_ltm", "#growth", "#period_ytd", "#period_prior_ytd")
    heads = (Column(t("kpi.metric")), *columns(t, "report.", *periods, "#growth"))
    return KeyFiguresSection(tuple(cards), Table("kpis", heads, tuple(rows), css="kpi-table"))


def _data_quality(review: AccountReview, display: Display) -> DataQualitySection:
    t = display.t
    notes = []
    told = coverage_note(display, review.coverage)
    if told:  # once: the comparisons the data does not cover
        notes.append(Line(told, tone="warning", attrs=attrs(coverage="")))
    for n in review.notes:
        values = {k: display.number(v) if k in COUNTS else str(v) for k, v in n.values.items()}
        notes.append(Line(t(n.message, **values), tone="warning"))
    warnings = tuple(Line(str(w), tone=w.severity) for w in review.warnings)
    return DataQualitySection(
        notes=tuple(notes),
        intro=t("data_quality.intro") if warnings else "",
        warnings=warnings,
        none="" if notes or warnings else t("data_quality.none"),
    )


def customer_view(
    review: AccountReview,
    charts: Mapping[str, Chart | None],
    display: Display,
    provenance: Provenance,
    params: Params,
    links: Mapping[str, str] | None = None,
) -> CustomerView:
    """The account review of ``review`` as display-ready text for ``customer.html.j2``.

    ``charts`` maps the report's chart keys to charts (None, or left out, where a
    chart's data is missing); ``params`` gives the CLV horizon and discount rate and
    the decision-maker contact limit quoted in the labels; ``links`` maps the ids of
    the accounts of its group to their reviews.
    """
    views = {key: ChartView.of(chart) for key, chart in charts.items()}
    trend = views.get("trend")
    no_trend = "" if trend else display.t("common.no_data")
    return CustomerView(
        page=_page(review, display, provenance),
        attention=_attention(review, display, params),
        highlights=_highlights(review, display),
        profile=_profile(review, display),
        kpis=_kpis(review, display),
        trend=TrendSection(no_data=no_trend, chart=trend),
        targets=sales.targets_section(review, display),
        mix=sales.mix_section(review, views.get("mix"), display),
        wallet=sales.wallet_section(review, views.get("wallet"), display),
        profitability=sales.profitability_section(review, views, display),
        receivables=sales.receivables_section(review, display),
        relationships=people.relationships(review, views.get("relmap"), display, params),
        pipeline=people.pipeline(review, display),
        satisfaction=people.satisfaction(review, views.get("satisfaction"), display),
        plan=people.plan(review, display),
        value=people.value(review, display, params),
        risks=people.risks(review, display, params),
        data_quality=_data_quality(review, display),
        group=group_section(review, views.get("group"), display, links or {}),
    )


__all__ = ["CustomerView", "customer_view", "profile_accounts"]
