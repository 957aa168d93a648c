"""The score sections of the portfolio view: concentration (ABC / Pareto), scores and
tiers, and the back-tests of the score and of the lifetime-value model and rule.

Each builder turns one part of a :class:`~kamreport.analytics.portfolio.PortfolioReview`
into display-ready text; what is sorted, capped, summed or divided is decided here,
so the templates only lay it out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.clv_backtest import ClvBacktest, MethodScore
from kamreport.analytics.flag_backtest import MIN_FLAGGED
from kamreport.analytics.portfolio import Concentration
from kamreport.analytics.scoring import ScoreBasis
from kamreport.analytics.valuation import clv_choice, stored_key_cap, stored_score_basis
from kamreport.views.blocks import Cell, ChartView, Kpi, Row, Table, attrs
from kamreport.views.coverage import not_covered
from kamreport.views.portfolio_parts import Context, Part, bar_width
from kamreport.views.value_basis import key_cap_text, left_out_text, weights_text


@dataclass(frozen=True)
class ConcentrationSection:
    """Key concentration figures, the Pareto chart, ABC by revenue and by margin, the
    largest accounts."""

    kpis: tuple[Kpi, ...] = ()
    chart: ChartView | None = None
    rule: str = ""
    abc: tuple[Part, ...] = ()
    top: Part | None = None
    no_data: str = ""


@dataclass(frozen=True)
class TiersSection:
    """Tiers, the scores and what makes them, tier migration and weight sensitivity."""

    tiers: Part | None = None
    scores: Part | None = None
    migration: Part | None = None
    sensitivity_title: str = ""
    sensitivity: Table | None = None
    fragile: Part | None = None
    no_data: str = ""


@dataclass(frozen=True)
class ClvBacktestPart:
    """Last year's P(alive) and expected orders, model and rule side by side, and the
    method the report uses."""

    title: str = ""
    intro: str = ""
    table: Table | None = None
    method: str = ""
    definition: str = ""
    no_data: str = ""


@dataclass(frozen=True)
class PriceBuyingPart:
    """PRICE_BUYING raised a year ago against what happened next, beside the simple rule,
    and the verdict in words."""

    title: str = ""
    intro: str = ""
    table: Table | None = None
    verdict: str = ""
    definition: str = ""
    no_data: str = ""


@dataclass(frozen=True)
class BacktestSection:
    """Last year's score against what happened next: AUCs and hit rates by decile; the
    lifetime-value back-test beside it."""

    intro: str = ""
    kpis: tuple[Kpi, ...] = ()
    deciles: Table | None = None
    definition: str = ""
    no_data: str = ""
    clv: ClvBacktestPart | None = None
    price_buying: PriceBuyingPart | None = None


def concentration(ctx: Context, chart: ChartView | None) -> ConcentrationSection:
    """How concentrated LTM revenue is, and which accounts hold it."""
    r, d, t = ctx.review, ctx.display, ctx.t
    if r.revenue_ltm <= 0:
        return ConcentrationSection(no_data=t("portfolio.no_data.revenue"))
    c = r.revenue
    of_revenue = t("portfolio.concentration.of_revenue")
    kpis = (
        Kpi(
            t("portfolio.concentration.top20", count=d.number(c.top20_count)),
            d.percent(c.top20_share),
            of_revenue,
        ),
        Kpi(t("portfolio.concentration.top10"), d.percent(c.top10_share), of_revenue),
        Kpi(
            t("portfolio.concentration.hhi"),
            d.number(c.hhi * 10_000),
            t("portfolio.concentration.hhi_note"),
        ),
        Kpi(
            t("portfolio.concentration.class_a"),
            d.number(c.table.at["A", "accounts"]),
            t("portfolio.concentration.class_a_note", share=d.percent(c.table.at["A", "share"])),
        ),
    )
    s = ctx.params.scoring
    rule = t(
        "portfolio.concentration.rule",
        a=d.percent(s.abc_a_threshold, 0),
        b=d.percent(s.abc_b_threshold, 0),
    )
    no_margin = int(r.values["abc_class_margin"].isna().sum())
    margin_note = (
        t(
            "portfolio.concentration.margin_missing",
            n=d.number(no_margin),
            total=d.number(len(r.values)),
        )
        if r.margin is not None and no_margin
        else ""
    )
    abc = (
        _abc(ctx, t("portfolio.concentration.by_revenue"), r.revenue, "abc-1"),
        _abc(ctx, t("portfolio.concentration.by_margin"), r.margin, "abc-2", margin_note),
    )
    v = r.values
    # without any cost data there are no margin classes: the column is left out
    with_margin = r.margin is not None

    def cells(account_id: str, row: pd.Series) -> tuple[Cell, ...]:
        if r.groups is None:
            revenue_class = v.at[account_id, "abc_class"]
            margin_class = v.at[account_id, "abc_class_margin"]
        else:  # a group's classes come from the groups' own Pareto curves
            revenue_class = c.classes.get(account_id)
            margin_class = r.margin.classes.get(account_id) if r.margin is not None else None
        return (
            Cell(d.number(row["rank"]), numeric=True),
            ctx.account(account_id),
            d.money_cell(row["value"]),
            d.percent_cell(row["value_share"]),
            Cell(d.value("abc_class", revenue_class)),
            *((Cell(d.value("abc_class", margin_class)),) if with_margin else ()),
        )

    rows, more = ctx.account_rows(c.curve, ctx.rows, cells)
    columns = ctx.columns(
        "#",
        "portfolio.col.account",
        "portfolio.col.revenue_ltm",
        "portfolio.col.cum_share",
        "portfolio.concentration.class_revenue",
        *(("portfolio.concentration.class_margin",) if with_margin else ()),
        numeric=(0, 2, 3),
    )
    top = Part(
        t("portfolio.concentration.top_accounts"),
        Table("abc-accounts", columns, rows, more=more),
        intro=ctx.grouped,
    )
    return ConcentrationSection(kpis, chart, rule, abc, top)


def _abc(
    ctx: Context, title: str, conc: Concentration | None, table_id: str, note: str = ""
) -> Part:
    """ABC classes of one value: accounts, amount and share per class (``note`` after)."""
    if conc is None:
        return Part(title, empty=ctx.t("portfolio.no_data.margin"))
    d = ctx.display
    rows = tuple(
        Row(
            (
                Cell(str(cls), header=True),
                d.number_cell(row["accounts"]),
                d.money_cell(row["value"]),
                d.percent_cell(row["share"]),
            ),
            attrs=attrs(**{"class": cls}),
        )
        for cls, row in conc.table.iterrows()
    )
    columns = ctx.columns(
        "portfolio.concentration.class",
        "portfolio.col.accounts",
        "portfolio.col.amount",
        "portfolio.col.share",
        numeric=(1, 2, 3),
    )
    return Part(title, Table(table_id, columns, rows), note=note)


def tiers(ctx: Context) -> TiersSection:
    """The tiers, each account's score explained, and how stable the tiers are."""
    r, d, t = ctx.review, ctx.display, ctx.t
    v = r.values
    if not len(v):
        return TiersSection(no_data=t("portfolio.no_data.accounts"))
    s, p = ctx.params.scoring, ctx.params.portfolio
    tier_rows = tuple(
        Row(
            (
                Cell(d.tier(tier), header=True),
                d.number_cell(row["accounts"]),
                d.money_cell(row["revenue_ltm"]),
                d.percent_cell(row["share"]),
                d.number_cell(row["score_mean"], 1),
                d.number_cell(row["class_a"]),
            ),
            attrs=attrs(tier=tier),
        )
        for tier, row in r.tier_table.iterrows()
    )
    tier_columns = ctx.columns(
        "portfolio.tiers.tier",
        "portfolio.col.accounts",
        "portfolio.col.revenue_ltm",
        "portfolio.col.share",
        "portfolio.tiers.score_mean",
        "portfolio.tiers.class_a",
        numeric=(1, 2, 3, 4, 5),
    )
    rules = t(
        "portfolio.tiers.rules",
        key_score=d.number(s.tier_key_min_score),
        potential=d.number(s.tier_growth_min_potential, 2),
        growth=d.percent(s.tier_growth_min_growth, 0),
        growth_score=d.number(s.tier_growth_min_score),
        maintain=d.number(s.tier_maintain_min_score),
    )
    basis = stored_score_basis(v)
    weights = (
        _basis_text(ctx, basis)
        if basis is not None
        else t(
            "review.value.weights_portfolio",
            weights=weights_text(
                d, {c: w for c, w in s.weights.items() if w > 0}, "portfolio.criterion"
            ),
        )
    )
    return TiersSection(
        tiers=Part(
            table=Table("tiers", tier_columns, tier_rows),
            note=" ".join(x for x in (rules, key_cap_text(d, stored_key_cap(v))) if x),
        ),
        scores=Part(
            t("portfolio.tiers.scores"),
            _scores(ctx, v.sort_values("score", ascending=False, kind="stable")),
            intro=f"{t('portfolio.tiers.scores_note')} {weights}",
        ),
        migration=_migration_part(ctx),
        sensitivity_title=t("portfolio.tiers.sensitivity", step=d.percent(p.sensitivity_step, 0)),
        sensitivity=_sensitivity(ctx),
        fragile=_fragile(ctx),
    )


def _basis_text(ctx: Context, basis: ScoreBasis) -> str:
    """The criteria used with their effective weights, and those left out with why."""
    d = ctx.display
    used = d.t(
        "review.value.weights_portfolio",
        weights=weights_text(d, basis.weights, "portfolio.criterion"),
    )
    return " ".join(x for x in (used, left_out_text(d, basis, "portfolio.criterion")) if x)


def _scores(ctx: Context, ranked: pd.DataFrame) -> Table:
    """Each account's score with the contribution of every criterion (they add up)."""
    d = ctx.display
    basis = stored_score_basis(ctx.review.values)
    # criteria no account has data for get no column (the basis note says why)
    criteria = basis.used if basis is not None else tuple(ctx.params.scoring.weights)

    def cells(account_id: str, row: pd.Series) -> tuple[Cell, ...]:
        return (
            Cell(d.number(row["rank"]), numeric=True),
            ctx.account(account_id),
            Cell(d.tier(row["tier"])),
            Cell(
                d.number(row["score"], 1),
                numeric=True,
                strong=True,
                attrs=attrs(score=float(row["score"])),
            ),
            *(
                Cell(d.number(row[f"contrib_{c}"], 1), numeric=True, attrs=attrs(contrib=c))
                for c in criteria
            ),
        )

    rows, more = ctx.account_rows(ranked, ctx.rows, cells)
    columns = ctx.columns(
        "#",
        "portfolio.col.account",
        "portfolio.tiers.tier",
        "portfolio.tiers.score",
        *(f"portfolio.criterion.{c}" for c in criteria),
        numeric=(0, 3, *range(4, 4 + len(criteria))),
    )
    return Table("scores", columns, rows, more=more)


def _migration_part(ctx: Context) -> Part:
    """The tier migration since a year ago; n/a with the data's start when the data does
    not cover the twelve months before that date (the tiers then are not known)."""
    r, d, t = ctx.review, ctx.display, ctx.t
    title = t("portfolio.tiers.migration", then=d.date(r.then))
    if r.migration is None or r.moves is None:
        return Part(title, empty=not_covered(d, r.coverage))
    moves = r.moves["direction"].value_counts()
    return Part(
        title,
        _migration(ctx, r.migration),
        note=t(
            "portfolio.tiers.moves",
            up=d.number(moves.get("up", 0)),
            down=d.number(moves.get("down", 0)),
            new=d.number(moves.get("new", 0)),
        ),
    )


def _migration(ctx: Context, migration: pd.DataFrame) -> Table:
    """Accounts by tier then (rows) and now (columns), with the row totals."""
    d = ctx.display
    rows = tuple(
        Row(
            (
                Cell(d.tier(then), header=True),
                *(
                    Cell(
                        d.number(row[now]),
                        numeric=True,
                        attrs=attrs(diagonal="true") if now == then else (),
                    )
                    for now in migration.columns
                ),
                d.number_cell(row.sum()),
            ),
            attrs=attrs(tier_then=then),
        )
        for then, row in migration.iterrows()
    )
    labels = (d.tier(now) for now in migration.columns)
    columns = ctx.columns(
        "portfolio.tiers.then_now",
        *labels,
        "portfolio.col.total",
        numeric=range(1, len(migration.columns) + 2),
    )
    return Table("migration", columns, rows, css="matrix")


def _sensitivity(ctx: Context) -> Table:
    """Per criterion: its weight and how many accounts change tier when it moves."""
    d, t = ctx.display, ctx.t
    basis = stored_score_basis(ctx.review.values)
    left_out = set(basis.left_out) if basis is not None else set()
    rows = tuple(
        Row(
            (
                Cell(t(f"portfolio.criterion.{c}"), header=True),
                d.percent_cell(row["weight"], 0),
                d.number_cell(row["up"]),
                d.number_cell(row["down"]),
            ),
            attrs=attrs(criterion=c),
        )
        for c, row in ctx.review.sensitivity_summary.iterrows()
        if c not in left_out  # no data for any account: the scores section says why
    )
    columns = ctx.columns(
        "portfolio.tiers.criterion",
        "portfolio.tiers.weight",
        "portfolio.tiers.weight_up",
        "portfolio.tiers.weight_down",
        numeric=(1, 2, 3),
    )
    return Table("sensitivity", columns, rows)


def _fragile(ctx: Context) -> Part:
    """Accounts whose tier changes when a single weight moves."""
    d, fragile = ctx.display, ctx.review.fragile
    if not len(fragile):
        return Part(empty=ctx.t("portfolio.tiers.robust"))

    def cells(account_id: str, row: pd.Series) -> tuple[Cell, ...]:
        return (
            ctx.account(account_id),
            Cell(d.tier(row["tier"])),
            Cell(", ".join(d.tier(x) for x in row["tiers_to"])),
            d.number_cell(row["scenarios"]),
        )

    rows, more = ctx.account_rows(fragile, ctx.rows // 2, cells)
    columns = ctx.columns(
        "portfolio.col.account",
        "portfolio.tiers.tier",
        "portfolio.tiers.could_become",
        "portfolio.tiers.scenarios",
        numeric=(3,),
    )
    return Part(table=Table("fragile", columns, rows, more=more))


def clv_reason(t, reasons: tuple[str, ...]) -> str:
    """The reasons the lifetime-value model is not used, in words."""
    return "; ".join(t(f"review.value.clv_reason.{code}") for code in reasons)


def _clv_backtest(ctx: Context) -> ClvBacktestPart | None:
    """P(alive) and expected orders of a year ago, model and rule, against what happened."""
    choice = clv_choice(ctx.review.values)
    if choice is None:
        return None
    d, t = ctx.display, ctx.t
    title = t("portfolio.clv_backtest.title")
    method = (
        t("portfolio.clv_backtest.method_model")
        if choice.method == "model"
        else t("portfolio.clv_backtest.method_rule", reason=clv_reason(t, choice.reasons))
    )
    bt: ClvBacktest = choice.backtest
    if not ctx.review.coverage.covered("clv_backtest"):
        return ClvBacktestPart(title, method=method, no_data=not_covered(d, ctx.review.coverage))
    if bt.unavailable or bt.rule is None:
        reason = t("review.value.clv_reason.backtest_unavailable")
        return ClvBacktestPart(
            title, method=method, no_data=t("portfolio.clv_backtest.unavailable", reason=reason)
        )
    model_na = (
        t(
            "portfolio.clv_backtest.model_na",
            reason=t(f"review.value.clv_reason.{bt.model_unavailable or 'not_converged'}"),
        )
        if bt.model is None
        else ""
    )

    def row(key: str, figure, actual: str) -> Row:
        def cell(score: MethodScore | None) -> Cell:
            return Cell(model_na, numeric=True) if score is None else figure(score)

        return Row(
            (
                Cell(t(f"portfolio.clv_backtest.{key}"), header=True),
                cell(bt.model),
                cell(bt.rule),
                Cell(actual, numeric=True),
            ),
            attrs=attrs(figure=key),
        )

    rule = bt.rule
    rows = (
        row("auc", lambda s: d.number_cell(s.auc, 2), ""),
        row(
            "p_alive_mean",
            lambda s: d.percent_cell(s.p_alive_mean),
            d.percent(rule.ordered_again),
        ),
        row(
            "orders_mean",
            lambda s: d.number_cell(s.orders_predicted, 1),
            d.number(rule.orders_actual, 1),
        ),
        row("orders_mae", lambda s: d.number_cell(s.orders_mae, 1), ""),
    )
    columns = ctx.columns(
        "portfolio.clv_backtest.figure",
        "portfolio.clv_backtest.model",
        "portfolio.clv_backtest.rule",
        "portfolio.clv_backtest.actual",
        numeric=(1, 2, 3),
    )
    return ClvBacktestPart(
        title=title,
        intro=t(
            "portfolio.clv_backtest.intro", then=d.date(bt.then), followed=d.number(bt.followed)
        ),
        table=Table("clv-backtest", columns, rows),
        method=method,
        definition=t("portfolio.clv_backtest.definition"),
    )


def _price_buying_backtest(ctx: Context) -> PriceBuyingPart:
    """The early warning's lift against the simple rule's; n/a when the data does not
    cover its windows a year ago."""
    r, d, t = ctx.review, ctx.display, ctx.t
    bt = r.price_buying_backtest
    months = d.number(ctx.params.risk.discount_window_months)
    title = t("portfolio.price_buying_backtest.title")
    definition = t(
        "portfolio.price_buying_backtest.definition", min=d.number(MIN_FLAGGED), months=months
    )
    if bt is None:
        no_data = (
            not_covered(d, r.coverage)
            if r.coverage.data_start is not None
            else t("portfolio.no_data.backtest")
        )
        return PriceBuyingPart(title=title, no_data=no_data, definition=definition)

    def lift_text(value: float) -> str:
        if math.isnan(value):
            return d.na
        shown = "∞" if math.isinf(value) else d.number(value, 1)
        return t("portfolio.price_buying_backtest.times", n=shown)

    rows = tuple(
        Row(
            (
                Cell(label, header=True),
                d.number_cell(lift.flagged.accounts),
                d.number_cell(lift.flagged.bad),
                d.percent_cell(lift.flagged.hit_rate),
                d.percent_cell(lift.others.hit_rate),
                Cell(lift_text(lift.lift), numeric=True),
            ),
            attrs=attrs(rule=key),
        )
        for key, label, lift in (
            ("flag", t("g.flag.PRICE_BUYING"), bt.flag),
            ("rule", t("portfolio.price_buying_backtest.rule", months=months), bt.rule),
        )
    )
    columns = ctx.columns(
        "portfolio.price_buying_backtest.signal",
        "portfolio.price_buying_backtest.flagged",
        "portfolio.backtest.bad",
        "portfolio.backtest.hit_rate",
        "portfolio.price_buying_backtest.others",
        "portfolio.price_buying_backtest.lift",
        numeric=(1, 2, 3, 4, 5),
    )
    verdict = t(
        f"portfolio.price_buying_backtest.verdict.{bt.verdict.replace('/', '')}",
        lift=lift_text(bt.flag.lift),
        rule=lift_text(bt.rule.lift),
        flagged=d.number(bt.flag.flagged.accounts),
        min=d.number(MIN_FLAGGED),
    )
    intro = t(
        "portfolio.price_buying_backtest.intro",
        then=d.date(r.then),
        followed=d.number(bt.followed),
        bad=d.number(bt.bad),
    )
    return PriceBuyingPart(
        title=title,
        intro=intro,
        table=Table("price-buying-backtest", columns, rows),
        verdict=verdict,
        definition=definition,
    )


def backtest(ctx: Context) -> BacktestSection:
    """Whether last year's score foresaw the accounts that were lost or shrank, and whether
    last year's P(alive) and expected orders foresaw the orders that followed."""
    r, d, t = ctx.review, ctx.display, ctx.t
    bt = r.backtest
    clv_part = _clv_backtest(ctx)
    price_part = _price_buying_backtest(ctx)
    if not r.coverage.covered("tiers_then"):  # the scores of a year ago are not known
        return BacktestSection(
            no_data=not_covered(d, r.coverage), clv=clv_part, price_buying=price_part
        )
    if bt is None or not bt.followed:
        return BacktestSection(
            no_data=t("portfolio.no_data.backtest"), clv=clv_part, price_buying=price_part
        )
    intro = t(
        "portfolio.backtest.intro",
        then=d.date(r.then),
        followed=d.number(bt.followed),
        bad=d.number(bt.bad),
        shrink=d.percent(ctx.params.portfolio.backtest_shrink, 0),
    )
    kpis = (
        Kpi(
            t("portfolio.backtest.auc_score"),
            d.number(bt.auc_score, 2),
            t("portfolio.backtest.auc_note"),
        ),
        Kpi(
            t("portfolio.backtest.auc_flags"),
            d.number(bt.auc_flags, 2),
            t("portfolio.backtest.auc_flags_note"),
        ),
        Kpi(
            t("portfolio.backtest.base_rate"),
            d.percent(bt.base_rate),
            t("portfolio.backtest.base_rate_note"),
        ),
    )
    deciles = bt.deciles
    scale = max(float(deciles["hit_rate"].max()), 0.0001)
    rows = tuple(
        Row(
            (
                Cell(t("portfolio.backtest.decile_n", n=d.number(row["decile"])), header=True),
                Cell(f"{d.number(row['score_min'])}–{d.number(row['score_max'])}", numeric=True),
                d.number_cell(row["accounts"]),
                d.number_cell(row["bad"]),
                d.percent_cell(row["hit_rate"]),
                Cell(bar=bar_width(row["hit_rate"], scale)),
            ),
            attrs=attrs(decile=int(row["decile"])),
        )
        for _, row in deciles.iterrows()
    )
    columns = ctx.columns(
        "portfolio.backtest.decile",
        "portfolio.backtest.scores",
        "portfolio.col.accounts",
        "portfolio.backtest.bad",
        "portfolio.backtest.hit_rate",
        "",
        numeric=(1, 2, 3, 4),
    )
    return BacktestSection(
        intro=intro,
        kpis=kpis,
        deciles=Table("deciles", columns, rows, css="bars"),
        definition=t("portfolio.backtest.definition"),
        clv=clv_part,
        price_buying=price_part,
    )


__all__ = [
    "BacktestSection",
    "ClvBacktestPart",
    "ConcentrationSection",
    "PriceBuyingPart",
    "TiersSection",
    "backtest",
    "clv_reason",
    "concentration",
    "tiers",
]
