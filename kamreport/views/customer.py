"""The per-customer account review as display-ready text: one field per section.

:func:`customer_view` turns an :class:`AccountReview` into a :class:`CustomerView`
through one :class:`Display`, so the template only lays the review out: every
figure is formatted, every label translated and every "no data" sentence chosen
here, where it can be tested. Relationships to risk flags are in
:mod:`kamreport.views.customer_people`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.account_review import AccountReview
from kamreport.analytics.profile import ProfileCard
from kamreport.analytics.sales import Comparison
from kamreport.charts import Chart
from kamreport.params import Params
from kamreport.provenance import Provenance
from kamreport.views import customer_people as people
from kamreport.views.blocks import (
    Cell,
    Change,
    ChartView,
    Column,
    Fact,
    Kpi,
    Line,
    Page,
    Row,
    Table,
)
from kamreport.views.customer_people import columns, figures, label_row
from kamreport.views.display import MINUS, Display, number, other_names, text_or_blank
from kamreport.views.page import page

# Rows of the key-figures table: metric key and how its figures read.
KPI_ROWS = (
    ("revenue", "money"), ("volume", "number"), ("gross_margin", "money"),
    ("margin_pct", "percent"), ("orders", "number"), ("avg_order_size", "money"),
)  # fmt: skip
BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "d90_plus")
OVERDUE_SHOWN = 10  # overdue invoices listed
COUNTS = ("n", "total")  # data-note values that are counts (a year stays as it is)


@dataclass(frozen=True)
class Highlight:
    """A highlight sentence, its suggested action and the metric it traces to."""

    text: str
    tone: str  # positive | negative | neutral
    metric: str  # data-metric
    source: str  # "metric: revenue_growth"
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
class TargetsSection:
    no_data: str = ""
    cards: tuple[Kpi, ...] = ()
    table: Table | None = None


@dataclass(frozen=True)
class MixSection:
    no_data: str = ""
    note: str = ""  # products have no categories
    chart: ChartView | None = None
    categories: Table | None = None  # LTM revenue and share by category
    whitespace: Table | None = None
    whitespace_none: str = ""


@dataclass(frozen=True)
class WalletSection:
    no_data: str = ""
    cards: tuple[Kpi, ...] = ()
    chart: ChartView | None = None
    competitors: Table | None = None
    competitors_none: str = ""


@dataclass(frozen=True)
class ProfitabilitySection:
    no_data: str = ""
    note: str = ""  # no cost-to-serve data
    table: Table | None = None  # revenue down to contribution
    charts: tuple[ChartView, ...] = ()
    breadth: Table | None = None  # products and categories by quarter


@dataclass(frozen=True)
class ReceivablesSection:
    no_data: str = ""
    cards: tuple[Kpi, ...] = ()
    aging: Table | None = None
    summary: Table | None = None
    overdue: Table | None = None  # the most overdue invoices


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
    highlights: HighlightsSection
    profile: ProfileSection
    kpis: KeyFiguresSection
    trend: TrendSection
    targets: TargetsSection
    mix: MixSection
    wallet: WalletSection
    profitability: ProfitabilitySection
    receivables: ReceivablesSection
    relationships: people.RelationshipsSection
    pipeline: people.PipelineSection
    satisfaction: people.SatisfactionSection
    plan: people.PlanSection
    value: people.ValueSection
    risks: people.RisksSection
    data_quality: DataQualitySection


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
    parts = [p.account_id, display.value("industry", p.industry), display.value("region", p.region)]
    if p.ka_manager:
        parts.append(f"{t('profile.ka_manager')}: {p.ka_manager}")
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


def _highlights(review: AccountReview, display: Display) -> HighlightsSection:
    items = tuple(
        Highlight(
            text=display.t(
                h.message, **{k: display.text(kind, v) for k, (kind, v) in h.values.items()}
            ),
            tone=h.tone,
            metric=h.metric,
            source=display.t("review.hl.source", metric=h.metric),
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


def _change(display: Display, kind: str, c: Comparison) -> Change:
    """Growth of a figure; a percentage changes in points."""
    return display.change(c.change, "points") if kind == "percent" else display.change(c.growth)


def _kpis(review: AccountReview, display: Display) -> KeyFiguresSection:
    t = display.t
    k = review.ltm
    prior = t("report.period_prior_ltm")

    def card(label: str, c: Comparison, kind: str) -> Kpi:
        shown = (_figure(display, kind, v, compact=True) for v in (c.current, c.prior))
        value, before = shown
        return Kpi(label, value, note=f"{prior}: {before}", change=_change(display, kind, c))

    cards = [card(f"{t('kpi.revenue')} · {t('report.period_ltm')}", k.revenue, "money")]
    if k.gross_margin.current is not None:
        cards.append(card(t("kpi.gross_margin"), k.gross_margin, "money"))
        cards.append(card(t("kpi.margin_pct"), k.margin_pct, "percent"))
    cards.append(card(t("kpi.orders"), k.orders, "number"))
    rows = []
    for key, kind in KPI_ROWS:
        cells: list[Cell] = []
        for c in (getattr(review.ltm, key), getattr(review.ytd, key)):
            cells.append(Cell(_figure(display, kind, c.current), numeric=True))
            cells.append(Cell(_figure(display, kind, c.prior), numeric=True))
            cells.append(Cell(numeric=True, change=_change(display, kind, c)))
        rows.append(label_row(t(f"kpi.{key}"), *cells, metric=key))
    periods = ("#period_ltm", "#period_prior_ltm", "#growth", "#period_ytd", "#period_prior_ytd")
    heads = (Column(t("kpi.metric")), *columns(t, "report.", *periods, "#growth"))
    return KeyFiguresSection(tuple(cards), Table("kpis", heads, tuple(rows), css="kpi-table"))


def _targets(review: AccountReview, display: Display) -> TargetsSection:
    t, money = display.t, display.money_cell
    tg = review.targets
    if tg is None:
        return TargetsSection(no_data=t("review.no_data.targets"))

    def short(value: object) -> str:
        return display.money(value, compact=True)

    needed = ""
    if tg.needed_per_month is not None:
        left = t("review.targets.months_left", n=display.number(tg.months_left))
        needed = f"{t('review.targets.needed')}: {short(tg.needed_per_month)} · {left}"
    of_target = f"{short(tg.revenue_ytd)} / {short(tg.target_ytd)}"
    target_fy = f"{t('review.targets.target_fy')}: {short(tg.target_fy)}"
    behind = (number(tg.gap) or 0.0) > 0
    attainment = display.percent(tg.attainment_ytd)
    cards = (
        Kpi(t("review.targets.attainment_ytd"), attainment, of_target, metric="attainment_ytd"),
        Kpi(t("review.targets.forecast_fy"), short(tg.forecast_fy), note=target_fy),
        Kpi(t("review.targets.gap"), short(tg.gap), note=needed, warn=behind),
    )
    table = figures(
        t,
        "targets",
        "review.targets.",
        ("revenue_ytd", money(tg.revenue_ytd), "revenue_ytd"),
        ("target_ytd", money(tg.target_ytd), "target_ytd"),
        ("target_fy", money(tg.target_fy)),
        ("forecast_fy", money(tg.forecast_fy)),
    )
    return TargetsSection(cards=cards, table=table)


def _mix(review: AccountReview, chart: ChartView | None, display: Display) -> MixSection:
    t = display.t
    mx = review.mix
    if mx is None or chart is None:
        return MixSection(no_data=t("review.no_data.mix"))
    total = float(mx.ltm_by_category.sum())
    rows = tuple(
        label_row(
            display.value("category", category),
            display.money_cell(revenue),
            Cell(display.ratio(revenue, total) if total > 0 else display.na, numeric=True),
        )
        for category, revenue in mx.ltm_by_category.items()
    )
    categories = Table("mix", columns(t, "review.mix.", "category", "#revenue_ltm", "#share"), rows)
    whitespace = None
    if not mx.whitespace.empty:
        spaces = tuple(
            label_row(
                display.value("category", w.category),
                Cell(
                    f"{display.number(w.peers_buying)} / {display.number(w.peers)}"
                    f" ({display.percent(w.peer_share, digits=0)})",
                    numeric=True,
                ),
                display.money_cell(w.potential),
            )
            for w in mx.whitespace.itertuples()
        )
        heads = columns(t, "review.mix.", "category", "#peers", "#potential")
        whitespace = Table("whitespace", heads, spaces)
    return MixSection(
        note="" if mx.has_categories else t("review.mix.no_categories"),
        chart=chart,
        categories=categories,
        whitespace=whitespace,
        whitespace_none="" if whitespace else t("review.mix.no_whitespace"),
    )


def _wallet(review: AccountReview, chart: ChartView | None, display: Display) -> WalletSection:
    t = display.t
    w = review.wallet
    if w is None:
        return WalletSection(no_data=t("review.no_data.wallet"))
    s = w.summary
    before = f"{t('review.wallet.share_prior')}: {display.percent(s['share_of_wallet_prior'])}"
    cards = (
        Kpi(
            t("review.wallet.share"),
            display.percent(s["share_of_wallet"]),
            note=before,
            change=display.change(s["wallet_change"], "points"),
            metric="share_of_wallet",
        ),
        Kpi(t("review.wallet.category_spend"), display.money(s["category_spend"], compact=True)),
    )
    competitors = None
    if not w.competitors.empty:
        rows = tuple(
            label_row(
                text_or_blank(c.competitor),
                display.percent_cell(c.share),
                Cell(text_or_blank(c.products)),
                Cell(text_or_blank(c.note)),
            )
            for c in w.competitors.itertuples()
        )
        heads = columns(t, "review.wallet.", "competitor", "#est_share", "products", "note")
        competitors = Table("competitors", heads, rows)
    none = "" if competitors else t("review.wallet.no_competitors")
    return WalletSection(cards=cards, chart=chart, competitors=competitors, competitors_none=none)


def _profitability(
    review: AccountReview, charts: Mapping[str, ChartView | None], display: Display
) -> ProfitabilitySection:
    t, money, share = display.t, display.money_cell, display.percent_cell
    pr = review.profitability
    if pr is None or (pr.revenue == 0 and pr.quarterly["revenue"].sum() == 0):
        return ProfitabilitySection(no_data=t("review.no_data.profitability"))
    costs = () if pr.cost_to_serve is None else pr.cost_to_serve.items()
    products = f"{display.number(pr.products_ltm)} / {display.number(pr.products_prior)}"
    table = figures(
        t,
        "profitability",
        "review.profitability.",
        label_row(t("kpi.revenue"), money(pr.revenue)),
        label_row(t("kpi.gross_margin"), money(pr.gross_margin)),
        *(
            label_row(f"{MINUS} {t(f'review.cost_type.{kind}')}", money(amount), css="sub")
            for kind, amount in costs
        ),
        label_row(t("review.profitability.contribution"), money(pr.contribution), css="total"),
        ("contribution_pct", share(pr.contribution_pct)),
        ("contribution_prior", money(pr.contribution_prior)),
        ("discount_depth", share(pr.discount_depth)),
        ("discount_prior", share(pr.discount_depth_prior)),
        ("products", Cell(products, numeric=True)),
    )
    q = pr.quarterly
    quarters = tuple(
        Column(t("review.profitability.quarter_col", year=d.year, q=(d.month - 1) // 3 + 1), True)
        for d in q.index
    )
    breadth = tuple(
        label_row(t(f"review.profitability.{key}"), *(display.number_cell(v) for v in q[column]))
        for column, key in (("products", "products_short"), ("categories", "categories"))
    )
    heads = (Column(t("review.profitability.quarter")), *quarters)
    return ProfitabilitySection(
        note="" if pr.cost_to_serve is not None else t("review.profitability.no_costs"),
        table=table,
        charts=tuple(c for c in (charts.get("contribution"), charts.get("discount")) if c),
        breadth=Table("breadth", heads, breadth, css="breadth"),
    )


def _receivables(review: AccountReview, display: Display) -> ReceivablesSection:
    t, money, share, days = display.t, display.money_cell, display.percent_cell, display.number_cell
    rc = review.receivables
    if rc is None or not rc.has_data:
        return ReceivablesSection(no_data=t("review.no_data.receivables"))
    s = rc.summary
    overdue_now = (number(s["overdue_amount"]) or 0.0) > 0
    cards = (
        Kpi(t("review.receivables.open_amount"), display.money(s["open_amount"], compact=True)),
        Kpi(
            t("review.receivables.overdue_amount"),
            display.money(s["overdue_amount"], compact=True),
            warn=overdue_now,
        ),
        Kpi(t("review.receivables.dso"), display.number(s["dso_days"])),
        Kpi(t("review.receivables.collection_rate"), display.percent(s["collection_rate"])),
    )
    aging = Table(
        "aging",
        columns(t, "review.receivables.", "bucket", "#amount"),
        tuple(label_row(t(f"review.receivables.{b}"), money(s[b]), bucket=b) for b in BUCKETS),
    )
    summary = figures(
        t,
        "receivables",
        "review.receivables.",
        ("overdue_amount", money(s["overdue_amount"]), "overdue_amount"),
        ("dso", days(s["dso_days"], 1), "dso_days"),
        ("collection_rate", share(s["collection_rate"]), "collection_rate"),
        ("punctuality", share(s["punctuality"])),
        ("avg_days_late", days(s["avg_days_late"], 1)),
        css="",
    )
    overdue = None
    if not rc.overdue.empty:
        rows = tuple(
            Row(
                (
                    Cell(text_or_blank(i.invoice_id)),
                    Cell(display.date(i.invoice_date)),
                    Cell(display.date(i.due_date)),
                    money(i.outstanding),
                    days(i.days_overdue),
                )
            )
            for i in rc.overdue.head(OVERDUE_SHOWN).itertuples()
        )
        more = len(rc.overdue) - OVERDUE_SHOWN
        caption = t("review.receivables.more", n=display.number(more)) if more > 0 else ""
        keys = ("invoice", "invoice_date", "due_date", "#outstanding", "#days_overdue")
        heads = columns(t, "review.receivables.", *keys)
        overdue = Table("overdue-invoices", heads, rows, caption=caption)
    return ReceivablesSection(cards=cards, aging=aging, summary=summary, overdue=overdue)


def _data_quality(review: AccountReview, display: Display) -> DataQualitySection:
    t = display.t
    notes = []
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
) -> CustomerView:
    """The account review of ``review`` as display-ready text for ``customer.html.j2``.

    ``charts`` maps the report's chart keys to charts (None, or left out, where a
    chart's data is missing); ``params`` gives the CLV horizon and discount rate and
    the decision-maker contact limit quoted in the labels.
    """
    views = {key: ChartView.of(chart) for key, chart in charts.items()}
    trend = views.get("trend")
    no_trend = "" if trend else display.t("common.no_data")
    return CustomerView(
        page=_page(review, display, provenance),
        highlights=_highlights(review, display),
        profile=_profile(review, display),
        kpis=_kpis(review, display),
        trend=TrendSection(no_data=no_trend, chart=trend),
        targets=_targets(review, display),
        mix=_mix(review, views.get("mix"), display),
        wallet=_wallet(review, views.get("wallet"), display),
        profitability=_profitability(review, views, display),
        receivables=_receivables(review, display),
        relationships=people.relationships(review, views.get("relmap"), display, params),
        pipeline=people.pipeline(review, display),
        satisfaction=people.satisfaction(review, views.get("satisfaction"), display),
        plan=people.plan(review, display),
        value=people.value(review, display, params),
        risks=people.risks(review, display),
        data_quality=_data_quality(review, display),
    )


__all__ = ["CustomerView", "customer_view", "profile_accounts"]
