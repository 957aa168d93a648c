"""The QBR deck as display-ready slides: one view model for the PowerPoint and the PDF.

Every text is translated and every number formatted here, so the deck and its PDF say
the same thing; charts carry their numbers (the PowerPoint charts hold the data, the
HTML draws bars whose widths are computed here). The customer-facing deck is built
from :class:`~kamreport.analytics.qbr.QbrFigures` only; the internal slide exists only
when :class:`~kamreport.analytics.qbr.QbrInternal` is given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.qbr import QbrFigures, QbrInternal, Quarter
from kamreport.analytics.sales import growth
from kamreport.i18n import Formatter, catalog

MAX_ROWS = 8  # table rows on one slide; the rest is counted in a last line

CUSTOMER = "customer"
INTERNAL = "internal"
VARIANTS = (CUSTOMER, INTERNAL)


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]  # per column: right-aligned figures
    more: str = ""  # "and 3 more" when rows were left out


@dataclass(frozen=True)
class Bar:
    """One bar of the HTML chart: its series, value text and width (% of the largest)."""

    series: int
    text: str
    width: float


@dataclass(frozen=True)
class ChartGroup:
    label: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    """A clustered bar chart: categories × series, with the numbers inside."""

    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    groups: tuple[ChartGroup, ...]  # the same numbers, laid out for the HTML version
    horizontal: bool = False


@dataclass(frozen=True)
class Slide:
    key: str
    title: str
    kpis: tuple[Kpi, ...] = ()
    chart: Chart | None = None
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()
    internal: bool = False

    @property
    def layout(self) -> str:
        """split: a chart beside a table; pair: two tables side by side; single otherwise."""
        if self.chart is not None and self.tables:
            return "split"
        return "pair" if self.chart is None and len(self.tables) == 2 else "single"


@dataclass(frozen=True)
class QbrView:
    lang: str
    variant: str
    title: str
    account: str
    account_id: str
    quarter: str
    period: str
    as_of: str
    label: str  # who the deck is for
    slides: tuple[Slide, ...]
    footer: str  # on every page: account, quarter (and the internal label)

    @property
    def file_title(self) -> str:
        return f"{self.title} · {self.account} · {self.quarter}"


def quarter_text(fmt: Formatter, quarter: Quarter) -> str:
    return fmt.t("qbr.quarter", year=quarter.year, number=quarter.number)


def _change(fmt: Formatter, value: float | None) -> str:
    return fmt.percent(value, signed=True)


def _chart(
    title: str,
    categories: list[str],
    series: list[tuple[str, list[float | None]]],
    fmt: Formatter,
    *,
    horizontal: bool = False,
) -> Chart:
    values = [v for _, vs in series for v in vs if v is not None and math.isfinite(v)]
    top = max([abs(v) for v in values] + [0.0])
    groups = []
    for i, category in enumerate(categories):
        bars = []
        for s, (_, vs) in enumerate(series):
            v = vs[i]
            shown = v is not None and math.isfinite(v)
            width = round(100 * abs(v) / top, 1) if shown and top > 0 else 0.0  # type: ignore[arg-type]
            bars.append(Bar(s, fmt.money(v, compact=True) if shown else fmt.t("common.na"), width))
        groups.append(ChartGroup(category, tuple(bars)))
    return Chart(
        title=title,
        categories=tuple(categories),
        series=tuple((name, tuple(vs)) for name, vs in series),
        groups=tuple(groups),
        horizontal=horizontal,
    )


def _table(
    fmt: Formatter, columns: tuple[str, ...], rows: list[list[str]], numeric: int = 0
) -> Table:
    """A table headed by the texts ``qbr.table.<column>``, of which the last ``numeric``
    hold figures; at most :data:`MAX_ROWS` rows, the rest counted in ``more``."""
    more = fmt.t("qbr.table.more", n=len(rows) - MAX_ROWS) if len(rows) > MAX_ROWS else ""
    return Table(
        headers=tuple(fmt.t(f"qbr.table.{c}") for c in columns),
        rows=tuple(tuple(r) for r in rows[:MAX_ROWS]),
        numeric=tuple(i >= len(columns) - numeric for i in range(len(columns))),
        more=more,
    )


def _num(value: object) -> float | None:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    return float(value)  # type: ignore[arg-type]


class _Slides:
    """Builds the slides of one deck from the figures."""

    def __init__(self, figures: QbrFigures, fmt: Formatter):
        self.f = figures
        self.fmt = fmt
        self.na = (
            fmt.t("qbr.note.na_reason", date=fmt.date(figures.data_start))
            if figures.prior is None
            else ""
        )

    def vs_last_year(self, growth: float | None) -> str:
        if self.f.prior is None:
            return self.fmt.t("qbr.kpi.last_year_na", reason=self.na)
        return self.fmt.t("qbr.kpi.vs_last_year", change=_change(self.fmt, growth))

    def summary(self) -> Slide:
        f, fmt, t = self.f, self.fmt, self.fmt.t
        now, before = f.current, f.prior
        attainment_note = (
            t("qbr.kpi.target_of", target=fmt.money(f.target))
            if f.target
            else t("qbr.kpi.no_target")
        )
        kpis = (
            Kpi(t("qbr.kpi.revenue"), fmt.money(now.revenue), self.vs_last_year(f.revenue_growth)),
            Kpi(t("qbr.kpi.orders"), fmt.number(now.orders), self.vs_last_year(f.orders_growth)),
            Kpi(t("qbr.kpi.avg_order"), fmt.money(now.avg_order_size)),
            Kpi(t("qbr.kpi.attainment"), fmt.percent(f.attainment), attainment_note),
        )
        prior_avg = before.avg_order_size if before else None
        rows = [
            [
                t("qbr.kpi.revenue"),
                fmt.money(now.revenue),
                fmt.money(before.revenue) if before else self.na,
                _change(fmt, f.revenue_growth),
            ],
            [
                t("qbr.kpi.orders"),
                fmt.number(now.orders),
                fmt.number(before.orders) if before else self.na,
                _change(fmt, f.orders_growth),
            ],
            [
                t("qbr.kpi.avg_order"),
                fmt.money(now.avg_order_size),
                fmt.money(prior_avg) if before else self.na,
                _change(fmt, growth(now.avg_order_size, prior_avg)),
            ],
            [t("qbr.table.target"), fmt.money(f.target), "", ""],
            [t("qbr.kpi.attainment"), fmt.percent(f.attainment), "", ""],
        ]
        columns = ("figure", "this_quarter", "last_year", "change")
        table = _table(fmt, columns, rows, numeric=3)
        return Slide("summary", t("qbr.slide.summary"), kpis=kpis, tables=(table,))

    def months(self) -> Slide:
        f, fmt, t = self.f, self.fmt, self.fmt.t
        m = f.monthly
        labels = [fmt.month(d) for d in m["month"]]
        series: list[tuple[str, list[float | None]]] = [
            (t("qbr.chart.this_year"), [_num(v) for v in m["revenue"]])
        ]
        if f.prior is not None:
            series.append((t("qbr.chart.last_year"), [_num(v) for v in m["prior_revenue"]]))
        if m["target"].notna().any():
            series.append((t("qbr.chart.target"), [_num(v) for v in m["target"]]))
        chart = _chart(t("qbr.chart.months", currency=fmt.currency_symbol()), labels, series, fmt)
        rows = [
            [
                label,
                fmt.money(row.revenue),
                fmt.money(row.prior_revenue) if f.prior else self.na,
                fmt.money(_num(row.target)),
            ]
            for label, row in zip(labels, m.itertuples(), strict=True)
        ]
        columns = ("month", "this_quarter", "last_year", "target")
        table = _table(fmt, columns, rows, numeric=3)
        notes = (t("qbr.to_date", date=fmt.date(f.end)),) if f.to_date else ()
        return Slide("months", t("qbr.slide.months"), chart=chart, tables=(table,), notes=notes)

    def categories(self) -> Slide:
        f, fmt, t = self.f, self.fmt, self.fmt.t
        cats = f.by_category
        notes: list[str] = []
        if cats.empty:
            notes.append(t("qbr.note.no_orders"))
        if not f.has_categories:
            notes.append(t("qbr.note.no_categories"))
        labels = [fmt.value("category", c) for c in cats["category"]]
        series: list[tuple[str, list[float | None]]] = [
            (t("qbr.chart.this_year"), [_num(v) for v in cats["revenue"]])
        ]
        if f.prior is not None:
            series.append((t("qbr.chart.last_year"), [_num(v) for v in cats["prior_revenue"]]))
        chart = None
        if not cats.empty:
            chart = _chart(
                t("qbr.chart.categories", currency=fmt.currency_symbol()),
                labels,
                series,
                fmt,
                horizontal=True,
            )
        rows = [
            [
                label,
                fmt.money(row.revenue),
                fmt.percent(_num(row.share)),
                fmt.money(row.prior_revenue) if f.prior else self.na,
                _change(fmt, growth(row.revenue, _num(row.prior_revenue))),
            ]
            for label, row in zip(labels, cats.itertuples(), strict=True)
        ]
        columns = ("category", "this_quarter", "share", "last_year", "change")
        tables = (_table(fmt, columns, rows, numeric=4),) if rows else ()
        return Slide(
            "categories", t("qbr.slide.categories"), chart=chart, tables=tables, notes=tuple(notes)
        )

    def service(self) -> Slide:
        f, fmt, t = self.f, self.fmt, self.fmt.t
        notes = [t("qbr.note.no_delivery_data")]
        kpis = [Kpi(t("qbr.kpi.on_time"), fmt.t("common.na"))]
        tables: tuple[Table, ...] = ()
        if not f.has_complaints_table:
            notes.append(t("qbr.note.no_complaints_table"))
        else:
            c = f.complaints
            resolved = int((c["status"] == "resolved").sum())
            kpis += [
                Kpi(t("qbr.kpi.complaints_opened"), fmt.number(len(c))),
                Kpi(t("qbr.kpi.complaints_resolved"), fmt.number(resolved)),
                Kpi(t("qbr.kpi.complaints_open"), fmt.number(f.complaints_open_at_end)),
                Kpi(t("qbr.kpi.resolution"), fmt.number(f.resolution_days)),
            ]
            if c.empty:
                notes.append(t("qbr.note.no_complaints"))
            else:
                rows = [
                    [
                        fmt.date(r.opened_date),
                        fmt.value("complaint_category", r.category),
                        fmt.value("severity", r.severity),
                        t(f"qbr.status.{r.status}"),
                        fmt.date(r.closed_date) if r.status == "resolved" else "",
                    ]
                    for r in c.itertuples()
                ]
                columns = ("opened", "kind", "severity", "status", "closed")
                tables = (_table(fmt, columns, rows),)
        return Slide(
            "service", t("qbr.slide.service"), kpis=tuple(kpis), tables=tables, notes=tuple(notes)
        )

    def _plan_table(self, items: pd.DataFrame) -> Table:
        fmt, t = self.fmt, self.fmt.t
        rows = [
            [
                str(r.title),
                "" if r.owner is None or pd.isna(r.owner) else str(r.owner),
                fmt.date(r.due_date),
                t(f"review.plan.states.{r.state}"),
            ]
            for r in items.itertuples()
        ]
        columns = ("item", "owner", "due", "status")
        return _table(fmt, columns, rows)

    def actions(self) -> Slide:
        f, fmt, t = self.f, self.fmt, self.fmt.t
        notes = []
        tables: tuple[Table, ...] = ()
        if not f.has_plan_table:
            notes.append(t("qbr.note.no_plan_table"))
        elif f.actions.empty:
            notes.append(t("qbr.note.no_actions"))
        else:
            tables = (self._plan_table(f.actions),)
        if len(f.activities):
            items = ", ".join(
                t("qbr.note.activity_item", type=fmt.value("activity", kind), n=int(n))
                for kind, n in f.activities.items()
            )
            notes.append(t("qbr.note.activities", items=items))
        else:
            notes.append(t("qbr.note.no_activities"))
        return Slide("actions", t("qbr.slide.actions"), tables=tables, notes=tuple(notes))

    def next(self) -> Slide:
        f, fmt, t = self.f, self.fmt, self.fmt.t
        kpis = (
            Kpi(t("qbr.kpi.next_target"), fmt.money(f.next_target)),
            Kpi(t("qbr.kpi.open_items"), fmt.number(len(f.next_actions))),
            Kpi(t("qbr.kpi.planned"), fmt.number(len(f.next_activities))),
        )
        notes = []
        tables = []
        if not f.has_plan_table:
            notes.append(t("qbr.note.no_plan_table"))
        elif f.next_actions.empty:
            notes.append(t("qbr.note.no_next_actions"))
        else:
            tables.append(self._plan_table(f.next_actions))
        if f.next_activities.empty:
            notes.append(t("qbr.note.no_planned"))
        else:
            rows = [
                [fmt.date(r.date), fmt.value("activity", r.type)]
                for r in f.next_activities.itertuples()
            ]
            columns = ("date", "activity")
            tables.append(_table(fmt, columns, rows))
        title = t("qbr.slide.next", quarter=quarter_text(fmt, f.next_quarter))
        return Slide("next", title, kpis=kpis, tables=tuple(tables), notes=tuple(notes))

    def internal(self, internal: QbrInternal) -> Slide:
        fmt, t = self.fmt, self.fmt.t
        rank = (
            f"{fmt.number(internal.rank)} / {fmt.number(internal.accounts)}"
            if internal.rank is not None
            else fmt.t("common.na")
        )
        tier = t(f"tier.{internal.tier}") if internal.tier else fmt.t("common.na")
        kpis = (
            Kpi(t("qbr.kpi.gross_margin"), fmt.money(internal.gross_margin)),
            Kpi(
                t("qbr.kpi.margin_pct"),
                fmt.percent(internal.margin_pct),
                t("qbr.table.last_year") + " " + fmt.percent(internal.prior_margin_pct),
            ),
            Kpi(t("qbr.kpi.score"), fmt.number(internal.score, digits=1)),
            Kpi(t("qbr.kpi.rank"), rank),
            Kpi(t("qbr.kpi.tier"), tier),
        )
        titles = catalog(fmt.locale)  # a code the catalog does not know is shown as it is
        rows = [
            [titles.get(f"flag.title.{r.code}", str(r.code)), fmt.value("severity", r.severity)]
            for r in internal.flags.itertuples()
        ]
        columns = ("flag", "risk_level")
        tables = (_table(fmt, columns, rows),) if rows else ()
        notes = [t("qbr.note.internal")] + ([] if rows else [t("qbr.note.no_flags")])
        return Slide(
            "internal",
            t("qbr.slide.internal"),
            kpis=kpis,
            tables=tables,
            notes=tuple(notes),
            internal=True,
        )


def qbr_view(
    figures: QbrFigures,
    account_name: str,
    fmt: Formatter,
    internal: QbrInternal | None = None,
) -> QbrView:
    """The deck of ``figures`` for the customer, plus the internal slide when ``internal``."""
    build = _Slides(figures, fmt)
    slides = [
        build.summary(),
        build.months(),
        build.categories(),
        build.service(),
        build.actions(),
        build.next(),
    ]
    if internal is not None:
        slides.append(build.internal(internal))
    quarter = quarter_text(fmt, figures.quarter)
    period = fmt.t("qbr.period", start=fmt.date(figures.start), end=fmt.date(figures.end))
    if figures.to_date:
        period += " · " + fmt.t("qbr.to_date", date=fmt.date(figures.end))
    label = (
        fmt.t("qbr.note.internal")
        if internal is not None
        else fmt.t("qbr.prepared_for", account=account_name)
    )
    return QbrView(
        lang=fmt.html_lang,
        variant=INTERNAL if internal is not None else CUSTOMER,
        title=fmt.t("qbr.title"),
        account=account_name,
        account_id=figures.account_id,
        quarter=quarter,
        period=period,
        as_of=fmt.t("qbr.prepared_on", date=fmt.date(figures.as_of)),
        label=label,
        slides=tuple(slides),
        footer=" · ".join([account_name, quarter] + ([label] if internal is not None else [])),
    )


__all__ = [
    "CUSTOMER",
    "INTERNAL",
    "VARIANTS",
    "Chart",
    "Kpi",
    "QbrView",
    "Slide",
    "Table",
    "qbr_view",
]
