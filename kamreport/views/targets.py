"""The view of the target-setting workshop's companion page (``targets-<year>.html``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from kamreport.analytics.target_loop import UNASSIGNED
from kamreport.analytics.targets import RECENT_MONTHS
from kamreport.params import SERVICE_KINDS, TIERS
from kamreport.provenance import Provenance
from kamreport.views.blocks import Cell, Column, Page, Row, Table, attrs
from kamreport.views.display import Display, number
from kamreport.views.page import page

if TYPE_CHECKING:
    from kamreport.reports.targets import TargetSetting

BAR_WIDTH = 320.0  # px of the band with the most accounts


@dataclass(frozen=True)
class TableBlock:
    """A titled table, or the sentence saying why there is none."""

    title: str
    table: Table | None
    no_data: str = ""
    intro: tuple[str, ...] = ()


@dataclass(frozen=True)
class TargetsView:
    """Everything the companion page shows, as text."""

    page: Page
    last_year: TableBlock  # last year's targets against actuals, by tier
    current_year: TableBlock  # this year so far
    distribution: TableBlock  # accounts per band of proposal against forecast
    inactive: TableBlock  # accounts whose forecast and baseline follow the recent window
    methods: TableBlock  # the method each tier uses
    backtest: TableBlock  # how each method would have done
    spread: TableBlock | None = None  # the gap to the goal and its spread
    service: TableBlock | None = None  # visits, senior visits, trainings by tier
    loop: tuple[TableBlock, ...] = ()  # last year's loop: by source, tier, manager, method


def _tier(display: Display, tier: object) -> str:
    return display.t("targets.tier.all") if tier == "all" else display.tier(tier)


def attainment_block(
    frame: pd.DataFrame, display: Display, *, table_id: str, title: str, year: int
) -> TableBlock:
    """Target, actual and attainment per tier, the total of the tiers last."""
    if frame.empty or not int(frame["accounts"].iloc[-1]):
        return TableBlock(title, None, display.t("targets.page.no_targets", year=year))
    t = display.t
    columns = (
        Column(t("targets.col.tier")),
        Column(t("targets.page.accounts"), numeric=True),
        Column(t("targets.page.target"), numeric=True),
        Column(t("targets.page.actual"), numeric=True),
        Column(t("targets.page.attainment"), numeric=True),
    )
    rows = tuple(
        Row(
            (
                Cell(_tier(display, r.tier), header=True),
                display.number_cell(r.accounts),
                display.money_cell(r.target),
                display.money_cell(r.actual),
                display.percent_cell(r.attainment),
            ),
            attrs=attrs(tier=r.tier),
            css="total" if r.tier == "all" else "",
        )
        for r in frame.itertuples(index=False)
    )
    return TableBlock(title, Table(table_id, columns, rows))


def band_label(display: Display, lower: object, upper: object) -> str:
    """ "−10% … −5%", "< −20%", "≥ +20%"; no band for accounts without a forecast."""
    low, high = number(lower), number(upper)
    if low is None and high is None:
        return display.t("targets.page.band_no_base")
    if low is None or math.isinf(low):
        return f"< {display.growth(high, digits=0)}"
    if high is None or math.isinf(high):
        return f"≥ {display.growth(low, digits=0)}"
    return f"{display.growth(low, digits=0)} … {display.growth(high, digits=0)}"


def distribution_block(setting: TargetSetting, display: Display) -> TableBlock:
    t = display.t
    accounts = setting.proposals.accounts
    proposal, forecast = float(accounts["proposal"].sum()), float(accounts["forecast"].sum())
    total = t(
        "targets.page.proposals_total",
        proposal=display.money(proposal),
        low=display.money(accounts["proposal_low"].sum(min_count=1)),
        high=display.money(accounts["proposal_high"].sum(min_count=1)),
        forecast=display.money(forecast),
        change=display.growth(proposal / forecast - 1 if forecast > 0 else None),
        goal=display.money(setting.goal),
    )
    intro = [total, *goal_sentences(setting, display, proposal)]
    bands = setting.distribution
    most = int(bands["accounts"].max()) if len(bands) else 0
    rows = tuple(
        Row(
            (
                Cell(band_label(display, r.lower, r.upper), header=True),
                display.number_cell(r.accounts),
                Cell(bar=round(BAR_WIDTH * r.accounts / most, 1) if most else 0.0),
            )
        )
        for r in bands.itertuples(index=False)
    )
    columns = (
        Column(t("targets.page.band", year=setting.proposals.as_of.year)),
        Column(t("targets.page.accounts"), numeric=True),
        Column(""),
    )
    return TableBlock(
        t("targets.page.distribution"),
        Table("distribution", columns, rows, css="bands"),
        intro=(*intro, t("targets.page.distribution_intro")),
    )


def goal_sentences(setting: TargetSetting, display: Display, proposal: float) -> list[str]:
    """How the default goal was set, and how far Σ proposals is from the goal."""
    t = display.t
    out = []
    if setting.default_growth is not None:
        out.append(t("targets.page.goal_default", growth=display.percent(setting.default_growth)))
    if setting.goal > 0 and proposal != setting.goal:
        short = proposal < setting.goal
        out.append(
            t(
                "targets.page.goal_status_short" if short else "targets.page.goal_status_above",
                amount=display.money(abs(setting.goal - proposal)),
                share=display.growth(proposal / setting.goal - 1),
            )
        )
    return out


def range_text(display: Display, low: object, high: object) -> str:
    """A proposal's range "1.2M … 1.5M", or n/a when it is not known."""
    lo, hi = number(low), number(high)
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return display.na
    return f"{display.money(lo)} … {display.money(hi)}"


def inactive_block(setting: TargetSetting, display: Display) -> TableBlock:
    """The accounts adjusted for inactivity: how long they have not ordered, their run
    rate against the adjusted forecast, and the baseline with and without the adjustment."""
    t = display.t
    p = setting.proposals
    title = t("targets.page.inactive")
    accounts = p.accounts
    if "inactive" not in accounts or not accounts["inactive"].any():
        return TableBlock(title, None, t("targets.page.no_inactive"))
    year, target = p.as_of.year, p.year
    columns = (
        Column(t("targets.col.account_id")),
        Column(t("targets.col.tier")),
        Column(t("targets.page.days_since"), numeric=True),
        Column(t("targets.page.usual"), numeric=True),
        Column(t("targets.page.run_rate", year=year), numeric=True),
        Column(t("targets.page.forecast", year=year), numeric=True),
        Column(t("targets.page.unadjusted"), numeric=True),
        Column(t("targets.page.proposal", year=target), numeric=True),
        Column(t("targets.page.range"), numeric=True),
    )
    rows = []
    for account_id, r in accounts.loc[accounts["inactive"].astype(bool)].iterrows():
        rows.append(
            Row(
                (
                    Cell(str(account_id), header=True),
                    Cell(display.tier(r["tier"])),
                    display.number_cell(r["days_since_order"]),
                    display.number_cell(r["usual_interval"]),
                    display.money_cell(r["run_rate_fy"]),
                    display.money_cell(r["forecast"]),
                    display.money_cell(r["proposal_unadjusted"]),
                    display.money_cell(r["proposal"]),
                    Cell(range_text(display, r["proposal_low"], r["proposal_high"]), numeric=True),
                ),
                attrs=attrs(account=account_id),
            )
        )
    intro = t("targets.page.inactive_intro", months=RECENT_MONTHS)
    return TableBlock(title, Table("inactive", columns, tuple(rows)), intro=(intro,))


def methods_block(setting: TargetSetting, display: Display) -> TableBlock:
    t = display.t
    counts = setting.proposals.accounts.groupby(["tier", "method"], sort=False).size()
    rows = tuple(
        Row(
            (
                Cell(_tier(display, tier), header=True),
                Cell(t(f"targets.method.{method}")),
                display.number_cell(count),
            ),
            attrs=attrs(tier=tier, method=method),
        )
        for (tier, method), count in counts.items()
    )
    columns = (
        Column(t("targets.col.tier")),
        Column(t("targets.col.method")),
        Column(t("targets.page.accounts"), numeric=True),
    )
    return TableBlock(t("targets.page.method_used"), Table("methods", columns, rows))


def backtest_block(setting: TargetSetting, display: Display) -> TableBlock:
    t = display.t
    title = t("targets.page.backtest")
    if not setting.cutoffs:
        no_data = t("targets.page.no_backtest", method=t("targets.method.ltm_seasonal"))
        return TableBlock(title, None, no_data)
    p = setting.proposals
    intro = t(
        "targets.page.backtest_intro",
        years=", ".join(str(y) for y in setting.backtest_years),
        cutoff=", ".join(display.date(c) for c in setting.cutoffs),
    )
    rows = []
    for r in p.summary.itertuples(index=False):
        chosen = p.methods.get(r.tier) == r.method
        tag = ""
        if chosen:
            by_params = r.tier in setting.set_by_params
            tag = "✓ " + t("targets.page.chosen_params" if by_params else "targets.page.chosen")
        counted = bool(r.accounts)
        rows.append(
            Row(
                (
                    Cell(_tier(display, r.tier), header=True),
                    Cell(t(f"targets.method.{r.method}"), note=tag),
                    display.number_cell(r.accounts),
                    display.percent_cell(r.mape if counted else None),
                    Cell(display.growth(r.total_error if counted else None), numeric=True),
                ),
                attrs=attrs(tier=r.tier, method=r.method),
                css="chosen" if chosen else "",
            )
        )
    columns = (
        Column(t("targets.col.tier")),
        Column(t("targets.col.method")),
        Column(t("targets.page.accounts"), numeric=True),
        Column(t("targets.page.mape"), numeric=True),
        Column(t("targets.page.total_error"), numeric=True),
    )
    return TableBlock(title, Table("backtest", columns, tuple(rows)), intro=(intro,))


SPREAD_ROWS = 10  # accounts listed under the gap spread (the largest parts)


def spread_block(setting: TargetSetting, display: Display) -> TableBlock:
    """The goal − Σ baselines gap and how targets.gap_rule would spread it: the sentence and
    the accounts taking the largest parts (the workbook's Goal spread column has them all)."""
    t = display.t
    title = t("targets.spread.title")
    spread = setting.spread
    if spread is None:
        return TableBlock(title, None, t("targets.spread.none"))
    intro = [
        t(
            "targets.spread.intro",
            start=display.money(spread.bottom_up_total),
            goal=display.money(spread.goal),
            gap=display.money(spread.gap),
            rule=t(f"targets.spread.rule.{spread.applied}"),
        )
    ]
    if spread.fallback:
        intro.append(t(f"targets.spread.fallback.{spread.fallback}"))
    if abs(spread.gap) < 0.005:
        return TableBlock(title, None, t("targets.spread.none"), intro=tuple(intro))
    parts = spread.accounts
    top = parts.reindex(parts["spread"].abs().sort_values(ascending=False, kind="stable").index)
    tiers = setting.proposals.accounts["tier"]
    rows = tuple(
        Row(
            (
                Cell(display.name(a), header=True, note=display.id_note(a)),
                Cell(display.tier(tiers.get(a))),
                display.money_cell(r["start"]),
                Cell(display.signed_money(r["spread"]), numeric=True),
                display.money_cell(r["proposed"]),
            ),
            attrs=attrs(account=a),
        )
        for a, r in top.head(SPREAD_ROWS).iterrows()
    )
    columns = (
        Column(t("targets.col.name")),
        Column(t("targets.col.tier")),
        Column(t("targets.spread.start"), numeric=True),
        Column(t("targets.spread.part"), numeric=True),
        Column(t("targets.spread.proposed"), numeric=True),
    )
    intro.append(t("targets.spread.top", count=min(SPREAD_ROWS, len(parts))))
    return TableBlock(title, Table("spread", columns, rows), intro=tuple(intro))


def service_block(setting: TargetSetting, display: Display) -> TableBlock:
    """Per tier: accounts, and the last twelve months against the proposed yearly visits,
    senior visits and trainings (the workbook's Service sheet, summed)."""
    t = display.t
    title = t("targets.service.title")
    service = setting.service
    if service is None or service.empty:
        return TableBlock(title, None, t("targets.service.none"))
    tiers = setting.proposals.accounts["tier"].reindex(service.index)
    rows = []
    for tier, part in [*service.groupby(tiers, sort=False), ("all", service)]:
        cells = [Cell(_tier(display, tier), header=True), display.number_cell(len(part))]
        for kind in SERVICE_KINDS:
            before = display.number(part[f"{kind}_ltm"].sum())
            after = display.number(part[f"{kind}_proposed"].sum())
            cells.append(Cell(f"{before} → {after}", numeric=True))
        rows.append(Row(tuple(cells), attrs=attrs(tier=tier), css="total" if tier == "all" else ""))
    columns = [Column(t("targets.col.tier")), Column(t("targets.page.accounts"), numeric=True)]
    columns += [Column(t(f"targets.service.{kind}"), numeric=True) for kind in SERVICE_KINDS]
    present = set(tiers)
    separator = t("targets.service.separator")
    levels = separator.join(
        t(
            "targets.service.level",
            tier=display.tier(tier),
            **{kind: int(setting.service_levels[tier].get(kind, 0)) for kind in SERVICE_KINDS},
        )
        for tier in TIERS
        if tier in present and tier in setting.service_levels
    )
    intro = (t("targets.service.intro", levels=levels),)
    return TableBlock(title, Table("service", tuple(columns), tuple(rows)), intro=intro)


def _group_label(display: Display, column: str, value: object) -> str:
    if column == "source":
        return display.t(f"targets.loop.source.{value}")
    if column == "tier":
        return display.tier(value) if value != UNASSIGNED else UNASSIGNED
    return str(value)


def loop_blocks(setting: TargetSetting, display: Display) -> tuple[TableBlock, ...]:
    """Last year's loop: by who set the target, by tier, by KA manager and the model's
    methods on that year; one sentence saying why when the data cannot show it."""
    t = display.t
    year = setting.loop_year or setting.proposals.as_of.year - 1
    loop = setting.loop
    if loop is None:
        reason = t(f"targets.loop.note.{setting.loop_unavailable or 'no_targets'}", year=year)
        return (TableBlock(t("targets.loop.title", year=year), None,
                           t("targets.loop.unavailable", reason=reason)),)  # fmt: skip
    intro = (
        t("targets.loop.intro", year=loop.year),
        *(t(f"targets.loop.note.{note}", year=loop.year) for note in loop.notes),
    )
    source_columns = ("accounts", "mape_proposal", "mape_agreed", "total_error_proposal",
                      "total_error_agreed")  # fmt: skip
    group_columns = ("accounts", "target", "actual", "attainment", "mape_agreed")
    blocks = [
        _loop_table(display, loop.by_source, "source", source_columns, "loop-source",
                    t("targets.loop.title", year=loop.year), intro),
        _loop_table(display, loop.by_tier, "tier", group_columns, "loop-tier",
                    t("targets.loop.by_tier"), ()),
        _loop_table(display, loop.by_manager, "ka_manager", group_columns, "loop-manager",
                    t("targets.loop.by_manager"), ()),
    ]  # fmt: skip
    methods = loop.by_method.loc[loop.by_method["tier"] == "all"]
    if len(methods):
        rows = tuple(
            Row(
                (
                    Cell(t(f"targets.method.{r.method}"), header=True),
                    display.number_cell(r.accounts),
                    display.percent_cell(r.mape),
                    Cell(display.growth(r.total_error), numeric=True),
                ),
                attrs=attrs(method=r.method),
            )
            for r in methods.itertuples(index=False)
        )
        columns = (
            Column(t("targets.col.method")),
            Column(t("targets.page.accounts"), numeric=True),
            Column(t("targets.page.mape"), numeric=True),
            Column(t("targets.page.total_error"), numeric=True),
        )
        blocks.append(
            TableBlock(
                t("targets.loop.by_method", year=loop.year), Table("loop-method", columns, rows)
            )
        )
    return tuple(blocks)


def _loop_table(
    display: Display,
    frame: pd.DataFrame,
    key: str,
    columns: tuple[str, ...],
    table_id: str,
    title: str,
    intro: tuple[str, ...],
) -> TableBlock:
    t = display.t
    rows = []
    for record in frame.to_dict("records"):
        cells = [Cell(_group_label(display, key, record[key]), header=True)]
        for column in columns:
            value = record.get(column)
            if column == "accounts":
                cells.append(display.number_cell(value))
            elif column in ("target", "actual"):
                cells.append(display.money_cell(value))
            elif column.startswith("total_error"):
                cells.append(Cell(display.growth(value), numeric=True))
            else:
                cells.append(display.percent_cell(value))
        rows.append(Row(tuple(cells), attrs=attrs(**{key.replace("ka_", ""): record[key]})))
    heads = (Column(t(f"targets.loop.col.{key}")),
             *(Column(t(f"targets.loop.col.{c}"), numeric=True) for c in columns))  # fmt: skip
    return TableBlock(title, Table(table_id, heads, tuple(rows)), intro=intro)


def targets_view(
    setting: TargetSetting, display: Display, provenance: Provenance, workbook_file: str
) -> TargetsView:
    """The companion page of ``setting``; ``workbook_file`` is the workbook it goes with."""
    t = display.t
    as_of = setting.proposals.as_of
    title = t("targets.title", year=setting.year)
    subtitle = (
        f"{t('report.as_of', as_of=display.date(as_of))} · "
        f"{t('targets.page.workbook', file=workbook_file)}"
    )
    last, current = as_of.year - 1, as_of.year
    return TargetsView(
        page=page(
            display,
            provenance,
            title=title,
            eyebrow=t("targets.subtitle"),
            heading=title,
            subtitle=subtitle,
        ),
        last_year=attainment_block(
            setting.last_year,
            display,
            table_id="last-year",
            title=t("targets.page.last_year", year=last),
            year=last,
        ),
        current_year=attainment_block(
            setting.current_year,
            display,
            table_id="current-year",
            title=t("targets.page.current_year", year=current, as_of=display.date(as_of)),
            year=current,
        ),
        distribution=distribution_block(setting, display),
        inactive=inactive_block(setting, display),
        methods=methods_block(setting, display),
        backtest=backtest_block(setting, display),
        spread=spread_block(setting, display),
        service=service_block(setting, display),
        loop=loop_blocks(setting, display),
    )


__all__ = ["TableBlock", "TargetsView", "band_label", "targets_view"]
