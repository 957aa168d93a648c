"""Relationships, pipeline, satisfaction, plan, value and risk flags of the account review.

The second half of :class:`kamreport.views.customer.CustomerView`: each function turns
one section of an :class:`AccountReview` into display-ready text through a
:class:`Display`, or into the section's "no data" sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.account_review import AccountReview, AccountValue
from kamreport.analytics.satisfaction import Satisfaction
from kamreport.params import Params
from kamreport.views.blocks import Cell, ChartView, Column, Kpi, Row, Table, attrs
from kamreport.views.display import Display, missing, number, text_or_blank
from kamreport.views.value_basis import (
    clv_margin_note,
    left_out_text,
    no_lifetime_value,
    weights_text,
    with_assumed_margin,
)

PLANNED_SHOWN = 8  # planned activities listed
BAR_PX_PER_POINT = 6  # width of a score contribution's bar


@dataclass(frozen=True)
class CoverageItem:
    """A contact role and whether we met it recently (``css`` is ok or gap)."""

    role: str
    status: str
    css: str


@dataclass(frozen=True)
class Contact:
    """One contact's row: the English name as ``name_note`` in English reports."""

    name: str
    name_note: str
    title: str
    role: str
    influence: str
    sentiment: str
    last_contact: str
    days_since: str
    email: str
    phone: str


@dataclass(frozen=True)
class RelationshipsSection:
    no_data: str = ""
    chart: ChartView | None = None
    cards: tuple[Kpi, ...] = ()
    coverage: tuple[CoverageItem, ...] = ()
    contacts: tuple[Contact, ...] = ()
    contacts_note: str = ""  # contact details are personal data
    planned: tuple[str, ...] = ()


@dataclass(frozen=True)
class Close:
    """An opportunity expected to close soon; ``overdue`` is the badge text when late."""

    name: str
    stage: str
    amount: str
    probability: str
    expected_close: str
    overdue: str = ""


@dataclass(frozen=True)
class PipelineSection:
    no_data: str = ""
    stages: Table | None = None  # open opportunities by stage
    stages_none: str = ""  # "no open opportunities"
    results: Table | None = None  # won, lost, win rate
    closes: tuple[Close, ...] = ()


@dataclass(frozen=True)
class SatisfactionSection:
    no_data: str = ""
    cards: tuple[Kpi, ...] = ()
    chart: ChartView | None = None
    complaints: Table | None = None  # open complaints
    complaints_none: str = ""


@dataclass(frozen=True)
class PointList:
    """A titled list of points (a SWOT quadrant, the customer's strategy)."""

    title: str
    items: tuple[str, ...]
    none: str = ""  # shown when there are no items


@dataclass(frozen=True)
class PlanSection:
    no_data: str = ""
    counts: str = ""  # "16 done, 2 open, 2 overdue"
    table: Table | None = None  # the data's plan (no imported plan)
    # the imported plan (kamreport.plans_store)
    imported: str = ""  # when it was imported
    changes: Table | None = None
    changes_note: str = ""  # what it is compared with, or that nothing changed
    objectives: Table | None = None
    actions: Table | None = None
    swot: tuple[PointList, ...] = ()
    context: tuple[PointList, ...] = ()
    people: Table | None = None
    resources: Table | None = None


@dataclass(frozen=True)
class Criterion:
    """A criterion's points of the key-account score and the width of its bar in px."""

    label: str
    points: str
    bar: float


@dataclass(frozen=True)
class ValueSection:
    no_data: str = ""
    fallback: str = ""  # the CLV model could not be used
    cards: tuple[Kpi, ...] = ()
    table: Table | None = None  # CLV and its parts
    criteria: tuple[Criterion, ...] = ()
    score: str = ""  # the criteria's total
    notes: tuple[str, ...] = ()  # the margin behind lifetime value; the score's criteria


@dataclass(frozen=True)
class Flag:
    """A risk flag's row: ``severity`` is the badge kind, ``severity_text`` its name."""

    code: str  # data-flag only: readers see the title
    severity: str
    severity_text: str
    reason: str
    action: str
    title: str = ""


@dataclass(frozen=True)
class RisksSection:
    no_data: str = ""
    none: str = ""  # "no risk flags"
    flags: tuple[Flag, ...] = ()


def windowed(label: str, when: str) -> str:
    """A figure's label with its date or window: "Latest score · survey of 21 Jun 2026"
    (the same form as customer_sales.windowed, which imports this module)."""
    return f"{label} · {when}"


def signed(display: Display, value: object, digits: int = 1) -> str:
    """A signed change of a plain number (a survey score): +0.3, −1.2, 0.0."""
    amount = number(value)
    text = display.number(amount, digits)
    return f"+{text}" if amount is not None and round(amount, digits) > 0 else text


def label_row(label: str, *cells: Cell, css: str = "", **data: str) -> Row:
    """A row headed by its label; ``data`` become data-* attributes (metric, bucket)."""
    return Row((Cell(label, header=True), *cells), attrs=attrs(**data), css=css)


def columns(t: Callable[[str], str], prefix: str, *keys: str) -> tuple[Column, ...]:
    """Column headers from the catalog keys ``prefix + key``; ``#key`` is a numeric column."""
    return tuple(Column(t(prefix + k.lstrip("#")), numeric=k.startswith("#")) for k in keys)


def figures(
    t: Callable[[str], str], table_id: str, prefix: str, *rows: Row | tuple, css: str = "compact"
) -> Table:
    """A table of labelled figures: rows of (label key under ``prefix``, cell[, data-metric]);
    a :class:`Row` is taken as it is."""
    return Table(table_id, (), tuple(_figure_row(t, prefix, row) for row in rows), css=css)


def _figure_row(t: Callable[[str], str], prefix: str, row: Row | tuple) -> Row:
    if isinstance(row, Row):
        return row
    key, cell, *metric = row
    return label_row(t(prefix + key), cell, **({"metric": metric[0]} if metric else {}))


def relationships(
    review: AccountReview, chart: ChartView | None, display: Display, params: Params
) -> RelationshipsSection:
    """Relationship map, visits, role coverage, contacts and planned activities."""
    t = display.t
    rl = review.relationships
    if rl is None or (not rl.has_contacts and rl.visits_done_ytd is None):
        return RelationshipsSection(no_data=t("review.no_data.relationships"))
    days = display.number(params.risk.decision_maker_days)
    as_of = t("review.window.as_of", date=display.date(review.as_of))
    cards = (
        Kpi(
            windowed(t("review.relationships.visits"), as_of),
            f"{display.number(rl.visits_done_ytd)} / {display.number(rl.visits_target_ytd)}",
            note=display.percent(rl.visit_attainment),
        ),
        Kpi(
            t("review.relationships.senior_visits"),
            display.number(rl.senior_visits_ltm),
            note=display.labelled(
                t("review.relationships.last_senior"), display.date(rl.last_senior_visit)
            ),
        ),
    )
    coverage = []
    for c in rl.coverage.itertuples():
        if not c.contacts:
            status = t("review.relationships.no_contact")
        elif c.met_recently:
            status = t("review.relationships.covered", days=days)
        else:
            status = t("review.relationships.not_covered", days=days)
        if not missing(c.last_contact):
            status = display.aside(status, display.date(c.last_contact))
        css = "ok" if c.met_recently else "gap"
        coverage.append(CoverageItem(display.value("role", c.role), status, css))
    english = display.fmt.locale == "en"
    contacts = tuple(
        Contact(
            name=text_or_blank(c.name),
            name_note=text_or_blank(getattr(c, "name_en", None)) if english else "",
            title=text_or_blank(c.title),
            role=display.value("role", c.role),
            influence=display.number(c.influence),
            sentiment=display.number(c.sentiment),
            last_contact=t("review.unit.never")
            if missing(c.days_since)
            else display.date(c.last_contact),
            days_since="" if missing(c.days_since) else display.number(c.days_since),
            email=text_or_blank(c.email),
            phone=text_or_blank(c.phone),
        )
        for c in rl.contacts.itertuples()
    )
    planned = []
    for a in rl.planned.head(PLANNED_SHOWN).itertuples():
        parts = [display.date(a.date), display.value("activity", a.type), text_or_blank(a.notes)]
        planned.append(" · ".join(p for p in parts if p))
    return RelationshipsSection(
        chart=chart,
        cards=cards,
        coverage=tuple(coverage),
        contacts=contacts,
        contacts_note=t("review.relationships.personal") if contacts else "",
        planned=tuple(planned),
    )


def pipeline(review: AccountReview, display: Display) -> PipelineSection:
    """Open opportunities by stage, won and lost, and the closes expected soon."""
    t, money, count = display.t, display.money_cell, display.number_cell
    pl = review.pipeline
    if pl is None:
        return PipelineSection(no_data=t("review.no_data.pipeline"))
    stages = None
    if not pl.open.empty:
        rows = [
            label_row(
                display.value("stage", st.stage),
                count(st.count),
                money(st.amount),
                money(st.weighted),
            )
            for st in pl.by_stage.itertuples()
        ]
        total = (count(len(pl.open)), money(pl.open_total), money(pl.weighted_total))
        rows.append(label_row(t("review.pipeline.total"), *total, css="total"))
        heads = columns(t, "review.pipeline.", "stage", "#count", "#amount", "#weighted")
        stages = Table("pipeline-stages", heads, tuple(rows))
    won = f"{display.number(pl.won_count)} · {display.money(pl.won_amount)}"
    lost = f"{display.number(pl.lost_count)} · {display.money(pl.lost_amount)}"
    results = figures(
        t,
        "pipeline-results",
        "review.pipeline.",
        ("won", Cell(won, numeric=True)),
        ("lost", Cell(lost, numeric=True)),
        ("win_rate", display.percent_cell(pl.win_rate)),
    )
    closes = tuple(
        Close(
            name=text_or_blank(o.name),
            stage=display.value("stage", o.stage),
            amount=display.money(o.amount),
            probability=display.percent(o.probability, digits=0),
            expected_close=display.date(o.expected_close),
            overdue=t("review.pipeline.overdue") if o.overdue else "",
        )
        for o in pl.closes.itertuples()
    )
    none_open = "" if stages else t("review.pipeline.none_open")
    return PipelineSection(stages=stages, stages_none=none_open, results=results, closes=closes)


def satisfaction(
    review: AccountReview, chart: ChartView | None, display: Display
) -> SatisfactionSection:
    """Survey scores with their dates (a stale survey marked), complaint counts and the
    open complaints."""
    t = display.t
    sf = review.satisfaction
    if sf is None:
        return SatisfactionSection(no_data=t("review.no_data.satisfaction"))
    prior = display.labelled(
        t("review.satisfaction.complaints_prior"), display.number(sf.complaints_prior)
    )
    ltm = t("review.window.last_months", n=display.number(12))
    cards = (
        _latest_survey(sf, display),
        Kpi(t("review.satisfaction.complaints_ltm"), display.number(sf.complaints_ltm), note=prior),
        Kpi(
            windowed(t("review.satisfaction.resolution"), ltm),
            display.text("days", sf.resolution_days),
        ),
    )
    complaints = None
    if sf.open_complaints is not None and not sf.open_complaints.empty:
        rows = tuple(
            Row(
                (
                    Cell(display.date(c.opened_date)),
                    Cell(display.value("complaint_category", c.category)),
                    Cell(display.value("severity", c.severity)),
                    Cell(display.text("days", c.age), numeric=True),
                )
            )
            for c in sf.open_complaints.itertuples()
        )
        heads = columns(t, "review.satisfaction.", "opened", "category", "severity", "#age")
        complaints = Table("complaints", heads, rows)
    none_open = "" if complaints else t("review.satisfaction.none_open")
    return SatisfactionSection(
        cards=cards, chart=chart, complaints=complaints, complaints_none=none_open
    )


def _latest_survey(sf: Satisfaction, display: Display) -> Kpi:
    """The latest survey score with its date, the change since the survey before (dated),
    the mean of the surveys before it, and "stale" when it is too old to go by."""
    t = display.t
    label = t("review.satisfaction.latest")
    if sf.latest_date is not None:
        survey = t("review.satisfaction.survey_of", date=display.date(sf.latest_date))
        label = windowed(label, survey)
    notes = []
    if sf.stale:
        notes.append(t("review.satisfaction.stale", months=display.number(sf.stale_months)))
    if sf.previous_date is not None:
        since = t("review.satisfaction.change_since", date=display.date(sf.previous_date))
        notes.append(display.labelled(since, signed(display, sf.score_change)))
    else:
        notes.append(
            display.labelled(t("review.satisfaction.change"), signed(display, sf.score_change))
        )
    if sf.baseline_score is not None and sf.baseline_from is not None:
        notes.append(
            t(
                "review.satisfaction.baseline",
                n=display.number(sf.baseline_surveys),
                date=display.date(sf.baseline_from),
                score=display.number(sf.baseline_score, 1),
            )
        )
    return Kpi(label, display.number(sf.latest_score, 1), note=" · ".join(notes), warn=sf.stale)


def plan(review: AccountReview, display: Display) -> PlanSection:
    """The account plan: the imported one (kamreport.views.customer_plan) when there is
    one, else the data's objectives and actions, overdue first."""
    if review.written_plan is not None:
        from kamreport.views.customer_plan import written_plan

        return written_plan(review.written_plan, display)
    t = display.t
    ap = review.plan
    if ap is None or ap.empty:
        return PlanSection(no_data=t("review.no_data.plan"))
    states = ("done", "open", "overdue")
    counts = t("review.plan.counts", **{k: display.number(ap.counts.get(k, 0)) for k in states})
    rows = tuple(
        Row(
            (
                Cell(t(f"review.plan.kinds.{i.kind}")),
                Cell(text_or_blank(i.title), header=True),
                Cell(text_or_blank(i.owner)),
                Cell(display.date(i.due_date)),
                Cell(t(f"review.plan.states.{i.state}"), badge=str(i.state)),
            ),
            css=f"state-{i.state}",
        )
        for i in ap.items.itertuples()
    )
    heads = columns(t, "review.plan.", "kind", "title", "owner", "due", "state")
    return PlanSection(counts=counts, table=Table("plan", heads, rows))


def value(review: AccountReview, display: Display, params: Params) -> ValueSection:
    """Lifetime value, key-account score with its criteria, tier and ABC class."""
    t, score = display.t, display.number_cell
    v = review.value
    if v is None:
        return ValueSection(no_data=t("review.no_data.value"))
    row = v.row
    clv_label = with_assumed_margin(
        display,
        t(
            "review.value.clv",
            months=display.number(params.clv.horizon_months),
            rate=display.percent(params.clv.discount_rate, digits=0),
        ),
        v.clv,
    )
    rank = t("review.value.rank_of", rank=display.number(row["rank"]), n=display.number(v.accounts))
    abc = display.na if missing(row.get("abc_class")) else str(row["abc_class"])
    clv_range = display.na if no_lifetime_value(v.clv) else _clv_range(row, display, params)
    cards = (
        Kpi(clv_label, display.money(row["clv"], compact=True), clv_range, metric="clv"),
        Kpi(
            t("review.value.score"),
            display.number(row["score"], 1),
            note=display.labelled(t("review.value.rank"), rank),
            metric="score",
        ),
        Kpi(
            f"{t('review.value.tier')} · {t('review.value.abc')}",
            f"{display.tier(row.get('tier'))} · {abc}",
            note=t("review.value.tier_capped") if _key_capped(row) else "",
        ),
    )
    table = figures(
        t,
        "value",
        "review.value.",
        label_row(clv_label, display.money_cell(row["clv"]), metric="clv"),
        ("clv_interval", Cell(clv_range, numeric=True), "clv_range"),
        ("expected_orders", score(row["expected_orders_12m"], 1), "expected_orders_12m"),
        ("expected_margin", display.money_cell(row["expected_margin_12m"]), "expected_margin_12m"),
        ("p_alive", display.percent_cell(row["p_alive"]), "p_alive"),
    )
    left_out = set(v.basis.left_out) if v.basis is not None else set()
    criteria = tuple(
        Criterion(
            t(f"review.value.criteria.{criterion}"),
            display.number(points, 1),
            round(max(number(points) or 0.0, 0.0) * BAR_PX_PER_POINT, 1),
        )
        for criterion, points in v.contributions.items()
        if criterion not in left_out  # no account has data for it: the notes say why
    )
    return ValueSection(
        fallback=_clv_method(row, t),
        cards=cards,
        table=table,
        criteria=criteria,
        score=display.number(row["score"], 1),
        notes=tuple(n for n in (clv_margin_note(display, v.clv), *_score_notes(v, display)) if n),
    )


def _key_capped(row: pd.Series) -> bool:
    """Whether the account reached the key score but fell under the key-tier cap."""
    capped = row.get("key_capped")
    return not missing(capped) and bool(capped)


def _score_notes(v: AccountValue, display: Display) -> tuple[str, ...]:
    """The account's criteria with their effective weights, those the account has no value
    for, and those left out for the whole portfolio with the reason."""
    if v.weights is None or v.basis is None:
        return ()
    key = "review.value.criteria"
    strategy = v.basis.strategy
    used = {c: float(w) for c, w in v.weights.items() if pd.notna(w) and w > 0}
    missing_here = [
        display.t(f"{key}.{c}") for c in v.basis.used if c not in used and strategy.get(c, 0) > 0
    ]
    return (
        display.t("review.value.weights_used", weights=weights_text(display, used, key)),
        display.t(
            "review.value.account_missing",
            criteria=display.t("attention.separator").join(missing_here),
        )
        if missing_here
        else "",
        left_out_text(display, v.basis, key),
    )


def _clv_range(row: pd.Series, display: Display, params: Params) -> str:
    """The lifetime value's bootstrap interval, "90% range … to …"."""
    low, high = row.get("clv_low"), row.get("clv_high")
    if missing(low) or missing(high):
        return display.t("review.value.clv_range_na")
    return display.t(
        "review.value.clv_range",
        level=display.percent(params.clv.interval_level, digits=0),
        low=display.money(low, compact=True),
        high=display.money(high, compact=True),
    )


def _clv_method(row: pd.Series, t: Callable[..., str]) -> str:
    """Which method the lifetime-value figures come from, and why (empty with the model)."""
    if row.get("clv_method") != "rule":
        return ""
    codes = [c for c in str(row.get("clv_reason") or "").split(";") if c]
    # with the model in use, only accounts without a repeat purchase take the rule
    codes = codes or ["no_repeat_purchase"]
    reason = "; ".join(t(f"review.value.clv_reason.{c}") for c in codes)
    return t("review.value.method_rule", reason=reason)


def risks(review: AccountReview, display: Display, params: Params) -> RisksSection:
    """The account's risk flags: why each was raised and what to do."""
    if review.flags is None:
        return RisksSection(no_data=display.t("common.no_data"))
    flags = tuple(
        Flag(
            code=str(f.code),
            severity=str(f.severity),
            severity_text=display.severity(f.severity),
            reason=display.flag_reason(f.code, f.value, f.threshold, f.baseline, params.risk),
            action=display.flag_action(f.code),
            title=display.flag_title(f.code),
        )
        for f in review.flags.itertuples()
    )
    return RisksSection(none="" if flags else display.t("review.risk.none"), flags=flags)
