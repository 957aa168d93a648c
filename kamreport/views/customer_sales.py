"""The sales sections of the account review as display-ready text: targets, product mix,
share of wallet, profitability and receivables (see :mod:`kamreport.views.customer`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kamreport.analytics.account_review import AccountReview
from kamreport.analytics.targets import RECENT_MONTHS
from kamreport.views.blocks import (
    Cell,
    ChartView,
    Column,
    Kpi,
    Row,
    Table,
)
from kamreport.views.customer_people import columns, figures, label_row
from kamreport.views.display import MINUS, Display, number, text_or_blank

BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "d90_plus")
SEP = " · "  # between a figure's label and its window
OVERDUE_SHOWN = 10  # overdue invoices listed


@dataclass(frozen=True)
class TargetsSection:
    no_data: str = ""
    cards: tuple[Kpi, ...] = ()
    table: Table | None = None
    note: str = ""  # why the forecast is not the run rate (an account that stopped ordering)


@dataclass(frozen=True)
class MixSection:
    no_data: str = ""
    chart: ChartView | None = None
    categories: Table | None = None  # LTM revenue and share by category
    whitespace: Table | None = None
    whitespace_none: str = ""
    lapsed: Table | None = None  # categories the account stopped buying


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


def windowed(label: str, window: str) -> str:
    """A figure's label with the window it covers: "Discount depth · Last 6 months"."""
    return f"{label}{SEP}{window}"


def recent(display: Display, months: int) -> str:
    """ "Last 6 months" (近6个月): the recent window of discount depth and products bought."""
    return display.t("review.window.last_months", n=display.number(months))


def year_earlier(display: Display, months: int) -> str:
    """ "Same 6 months a year earlier" (一年前同期6个月), the recent window's comparison."""
    return display.t("review.window.year_earlier", n=display.number(months))


def wallet_year(display: Display, year: object, as_of_year: int) -> str:
    """A share-of-wallet year: "2025", or "2026 (YTD, annualised)" for the as-of year."""
    if number(year) is None:
        return display.na
    shown = int(number(year) or 0)
    key = "review.wallet.year_ytd" if shown == as_of_year else "review.wallet.year_label"
    return display.t(key, year=shown)


def targets_section(review: AccountReview, display: Display) -> TargetsSection:
    t, money = display.t, display.money_cell
    tg = review.targets
    if tg is None:
        return TargetsSection(no_data=t("review.no_data.targets"))

    def short(value: object) -> str:
        return display.money(value, compact=True)

    needed = ""
    if tg.needed_per_month is not None:
        left = t("review.targets.months_left", n=display.number(tg.months_left))
        per_month = display.labelled(t("review.targets.needed"), short(tg.needed_per_month))
        needed = f"{per_month} · {left}"
    of_target = f"{short(tg.revenue_ytd)} / {short(tg.target_ytd)}"
    year = review.as_of.year
    target_label = t("review.targets.target_fy", year=year)
    forecast_label = t("review.targets.forecast_fy", year=year)
    target_fy = display.labelled(target_label, short(tg.target_fy))
    behind = (number(tg.gap) or 0.0) > 0
    attainment = display.percent(tg.attainment_ytd)
    cards = (
        Kpi(t("review.targets.attainment_ytd"), attainment, of_target, metric="attainment_ytd"),
        Kpi(forecast_label, short(tg.forecast_fy), note=target_fy, metric="forecast_fy"),
        Kpi(t("review.targets.gap"), short(tg.gap), note=needed, warn=behind),
    )
    table = figures(
        t,
        "targets",
        "review.targets.",
        ("revenue_ytd", money(tg.revenue_ytd), "revenue_ytd"),
        ("target_ytd", money(tg.target_ytd), "target_ytd"),
        label_row(target_label, money(tg.target_fy), metric="target_fy"),
        label_row(forecast_label, money(tg.forecast_fy), metric="forecast_fy"),
    )
    note = ""
    if tg.inactive:
        note = t(
            "targets.reason.forecast_inactive",
            days=display.number(tg.days_since_order),
            year=year,
            months=RECENT_MONTHS,
            run_rate=display.money(tg.run_rate_fy),
        )
    return TargetsSection(cards=cards, table=table, note=note)


def mix_section(review: AccountReview, chart: ChartView | None, display: Display) -> MixSection:
    t = display.t
    mx = review.mix
    if mx is not None and not mx.has_categories:
        return MixSection(no_data=t("review.mix.no_categories"))
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
        whitespace = Table("whitespace", heads, spaces, caption=t("review.mix.whitespace_window"))
    lapsed = None
    if not mx.lapsed.empty:
        months = mx.recent_months
        rows = tuple(
            label_row(
                display.value("category", c.category),
                display.money_cell(c.revenue_year_earlier),
                Cell(display.date(c.last_order)),
                status="lapsed",
            )
            for c in mx.lapsed.itertuples()
        )
        heads = (
            Column(t("review.mix.category")),
            Column(windowed(t("kpi.revenue"), year_earlier(display, months)), numeric=True),
            Column(t("review.mix.last_order")),
        )
        caption = t("review.mix.lapsed", n=display.number(months))
        lapsed = Table("lapsed", heads, rows, caption=caption)
    none = ""
    if whitespace is None:
        none = t(
            "review.mix.no_whitespace" if lapsed is None else "review.mix.no_whitespace_but_lapsed"
        )
    return MixSection(
        chart=chart,
        categories=categories,
        whitespace=whitespace,
        whitespace_none=none,
        lapsed=lapsed,
    )


def wallet_section(
    review: AccountReview, chart: ChartView | None, display: Display
) -> WalletSection:
    t = display.t
    w = review.wallet
    if w is None:
        return WalletSection(no_data=t("review.no_data.wallet"))
    s = w.summary
    year = review.as_of.year
    shown, prior = wallet_year(display, s["wallet_year"], year), s["wallet_prior_year"]
    before = display.labelled(
        wallet_year(display, prior, year), display.percent(s["share_of_wallet_prior"])
    )
    cards = (
        Kpi(
            windowed(t("review.wallet.share"), shown),
            display.percent(s["share_of_wallet"]),
            note=before if number(prior) is not None else "",
            change=display.change(s["wallet_change"], "points"),
            metric="share_of_wallet",
        ),
        Kpi(
            windowed(t("review.wallet.category_spend"), wallet_year(display, s["wallet_year"], 0)),
            display.money(s["category_spend"], compact=True),
            metric="category_spend",
        ),
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
        years = w.competitors["year"].dropna()
        caption = ""
        if len(years):
            caption = t("review.wallet.competitors_year", year=wallet_year(display, years.max(), 0))
        competitors = Table("competitors", heads, rows, caption=caption)
    none = "" if competitors else t("review.wallet.no_competitors")
    return WalletSection(cards=cards, chart=chart, competitors=competitors, competitors_none=none)


def profitability_section(
    review: AccountReview, charts: Mapping[str, ChartView | None], display: Display
) -> ProfitabilitySection:
    t, money, share = display.t, display.money_cell, display.percent_cell
    pr = review.profitability
    if pr is None or (pr.revenue == 0 and pr.quarterly["revenue"].sum() == 0):
        return ProfitabilitySection(no_data=t("review.no_data.profitability"))
    costs = () if pr.cost_to_serve is None else pr.cost_to_serve.items()
    months = pr.recent_months
    ltm, now, before = (
        t("report.period_ltm"),
        recent(display, months),
        year_earlier(display, months),
    )
    products = f"{display.number(pr.products_recent)} / {display.number(pr.products_year_earlier)}"
    table = figures(
        t,
        "profitability",
        "review.profitability.",
        label_row(windowed(t("kpi.revenue"), ltm), money(pr.revenue), metric="revenue"),
        label_row(
            windowed(t("kpi.gross_margin"), ltm), money(pr.gross_margin), metric="gross_margin"
        ),
        *(
            label_row(f"{MINUS} {t(f'review.cost_type.{kind}')}", money(amount), css="sub")
            for kind, amount in costs
        ),
        label_row(
            windowed(t("review.profitability.contribution"), ltm),
            money(pr.contribution),
            css="total",
        ),
        label_row(
            windowed(t("review.profitability.contribution_pct"), ltm), share(pr.contribution_pct)
        ),
        ("contribution_prior", money(pr.contribution_prior)),
        label_row(
            windowed(t("review.profitability.discount_depth"), now),
            share(pr.discount_depth),
            metric="discount_depth",
        ),
        label_row(
            windowed(t("review.profitability.discount_depth"), before),
            share(pr.discount_depth_year_earlier),
            metric="discount_depth_year_earlier",
        ),
        label_row(
            t("review.profitability.products", n=display.number(months)),
            Cell(products, numeric=True),
            metric="products_bought",
        ),
    )
    q = pr.quarterly
    quarters = tuple(
        Column(t("review.profitability.quarter_col", year=d.year, q=(d.month - 1) // 3 + 1), True)
        for d in q.index
    )
    breadth = tuple(
        label_row(
            t(f"review.profitability.{key}"),
            *(display.number_cell(v) for v in q[column]),
            metric=column,
        )
        for column, key in (("products", "products_short"), ("categories", "categories"))
        if column != "categories" or review.mix is None or review.mix.has_categories
    )  # without categories every line is "other": a count of 1 would say nothing
    heads = (Column(t("review.profitability.quarter")), *quarters)
    return ProfitabilitySection(
        note="" if pr.cost_to_serve is not None else t("review.profitability.no_costs"),
        table=table,
        charts=tuple(c for c in (charts.get("contribution"), charts.get("discount")) if c),
        breadth=Table(
            "breadth",
            heads,
            breadth,
            caption=t("review.window.to_quarter_end", n=display.number(months)),
            css="breadth",
        ),
    )


def receivables_section(review: AccountReview, display: Display) -> ReceivablesSection:
    t, money, share, days = display.t, display.money_cell, display.percent_cell, display.number_cell
    rc = review.receivables
    if rc is None or not rc.has_data:
        return ReceivablesSection(no_data=t("review.no_data.receivables"))
    s = rc.summary
    overdue_now = (number(s["overdue_amount"]) or 0.0) > 0
    as_of = t("review.window.as_of", date=display.date(review.as_of))
    cards = (
        Kpi(
            windowed(t("review.receivables.open_amount"), as_of),
            display.money(s["open_amount"], compact=True),
            metric="open_amount",
        ),
        Kpi(
            windowed(t("review.receivables.overdue_amount"), as_of),
            display.money(s["overdue_amount"], compact=True),
            warn=overdue_now,
            metric="overdue_amount",
        ),
        Kpi(
            windowed(
                t("review.receivables.dso"), t("review.window.dso", date=display.date(review.as_of))
            ),
            display.number(s["dso_days"]),
            metric="dso_days",
        ),
        Kpi(
            t("review.receivables.collection_rate"),
            display.percent(s["collection_rate"]),
            metric="collection_rate",
        ),
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
