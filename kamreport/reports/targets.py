"""The target-setting workshop: proposals, the workbook and its companion page.

Called by ``notebooks/target_setting.ipynb``; writes ``targets-<year>.xlsx`` and
``targets-<year>.html`` into the run's staging folder. ``import_targets`` reads an
edited workbook back and writes the agreed targets into the data source.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kamreport.analytics.risk import risk_flags
from kamreport.analytics.service_targets import (
    TARGET_COLUMN,
    category_mix,
    monthly_counts,
    propose_service,
    service_history,
)
from kamreport.analytics.target_gap import GapSpread, spread_gap
from kamreport.analytics.target_loop import (
    LoopReview,
    last_year_loop,
    review_year,
    unavailable_reason,
)
from kamreport.analytics.target_proposals import (
    Proposals,
    backtest_cutoff,
    default_goal,
    propose,
    spread_monthly,
)
from kamreport.analytics.targets import targets_by_account
from kamreport.context import RunContext
from kamreport.errors import KamReportError
from kamreport.i18n import Formatter
from kamreport.layout import targets_page, targets_part_workbook, targets_workbook, write_staged
from kamreport.params import SERVICE_KINDS, Params
from kamreport.provenance import Provenance
from kamreport.render import render
from kamreport.workbook.build import build_workbook, gap_frame, workbook_bytes
from kamreport.workbook.layout import MANAGER_PART
from kamreport.workbook.read import ImportedTargets

BANDS = (-np.inf, -0.2, -0.1, -0.05, 0.0, 0.05, 0.1, 0.2, np.inf)


workbook_name = targets_workbook
page_name = targets_page


@dataclass(frozen=True)
class TargetSetting:
    """Everything the workshop sees: proposals, goal, past attainment, distribution."""

    proposals: Proposals
    goal: float
    last_year: pd.DataFrame  # by tier: accounts, target, actual, attainment
    current_year: pd.DataFrame  # the same, year to date
    distribution: pd.DataFrame  # band label, lower, upper, accounts
    cutoffs: tuple[dt.date, ...]  # the back-test's data cut-off per back-tested year
    backtest_years: tuple[int, ...] = ()
    set_by_params: tuple[str, ...] = ()  # tiers whose method the params file chose
    default_growth: float | None = None  # set when the goal is the default (forecast × 1+g)
    service: pd.DataFrame | None = None  # per account {kind}_ltm, {kind}_proposed
    categories: pd.DataFrame | None = None  # service_targets.category_mix rows
    spread: GapSpread | None = None  # goal − Σ baselines, spread by targets.gap_rule
    loop: LoopReview | None = None  # last year's targets against what happened
    loop_unavailable: str | None = None  # why there is no loop (target_loop NOTE_* code)
    loop_year: int | None = None
    service_levels: Mapping[str, Mapping[str, float]] = dataclasses.field(default_factory=dict)
    accounts: pd.DataFrame | None = None  # the accounts table: display names

    @property
    def year(self) -> int:
        return self.proposals.year


def resolve_year(year: int | None, as_of: dt.date) -> int:
    """The target year: given, or the year after the as-of date's."""
    target = int(year) if year else as_of.year + 1
    if target <= as_of.year:
        raise KamReportError(
            f"The target year {target} is not after the data's as-of date {as_of}. "
            f"Set YEAR={as_of.year + 1} (or later), or AS_OF= a date before {target}."
        )
    return target


def attainment_by_tier(
    run: RunContext, tiers: pd.Series, end: dt.date | pd.Timestamp, to_date: bool
) -> pd.DataFrame:
    """Σ target and Σ actual of the accounts with a target, per tier and in total, for the
    year of ``end`` (full year: ``to_date`` False, ``end`` = 31 Dec) or year to date."""
    per = targets_by_account(run.dataset.order_lines, run.dataset.get("targets"), end, tiers.index)
    target = per["target_ytd"] if to_date else per["target_fy"]
    frame = pd.DataFrame({"tier": tiers, "target": target, "actual": per["revenue_ytd"]})
    frame = frame.loc[frame["target"].notna()]
    rows = []
    for tier, part in [*frame.groupby("tier", sort=False), ("all", frame)]:
        total = float(part["target"].sum())
        actual = float(part["actual"].sum())
        rows.append(
            {
                "tier": tier,
                "accounts": len(part),
                "target": total,
                "actual": actual,
                "attainment": actual / total if total > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=["tier", "accounts", "target", "actual", "attainment"])


def proposal_distribution(accounts: pd.DataFrame) -> pd.DataFrame:
    """Accounts per band of proposal / current-year forecast − 1 (no band without forecast)."""
    base = accounts["forecast"]
    change = (accounts["proposal"] / base - 1).where(base > 0)
    rows = []
    for low, high in itertools.pairwise(BANDS):
        inside = (change >= low) & (change < high)
        rows.append({"lower": low, "upper": high, "accounts": int(inside.sum())})
    rows.append({"lower": np.nan, "upper": np.nan, "accounts": int(change.isna().sum())})
    return pd.DataFrame(rows)


def analyse(run: RunContext, year: int | None = None, goal: float | None = None) -> TargetSetting:
    """Tiers from the value layer, proposals with their back-test, past attainment."""
    params = run.params
    target_year = resolve_year(year, run.as_of)
    figures = run.figures()
    values = figures.values

    def flags_at(day: pd.Timestamp) -> pd.DataFrame:
        """The risk flags as of ``day``: the run's own as of A, recomputed at a cut-off."""
        if day.date() == figures.as_of:
            return figures.flags
        return risk_flags(run.dataset, day, params.risk)

    proposals = propose(
        run.dataset.order_lines,
        run.dataset.get("wallet"),
        run.as_of,
        target_year,
        values["tier"],
        params.targets,
        flags_at,
    )
    scope = proposals.accounts["tier"]
    given = goal or params.targets.goal
    chosen_goal = given or default_goal(proposals, params.targets)
    last = dt.date(run.as_of.year - 1, 12, 31)
    years = sorted(set(proposals.backtest["year"]))
    cutoffs = tuple(
        backtest_cutoff(run.as_of, y, params.targets.backtest_cutoff).date() for y in years
    )
    index = proposals.accounts.index
    history = service_history(run.dataset.get("activities"), run.as_of, index)
    proposed = propose_service(history, values["tier"], params.targets.service_levels)
    service = pd.concat([history.add_suffix("_ltm"), proposed.add_suffix("_proposed")], axis=1)
    categories = category_mix(
        run.dataset.order_lines, run.dataset.get("products"), run.as_of, index
    )
    spread = spread_gap(
        gap_frame(proposals),
        float(chosen_goal),
        params.targets.gap_rule,
        params.targets.gap_tier_weights,
    )
    targets = run.dataset.get("targets")
    managers = run.dataset.accounts.set_index("account_id").get("ka_manager")
    loop = last_year_loop(
        targets,
        run.dataset.order_lines,
        proposals.backtest,
        proposals.methods,
        values["tier"],
        managers if managers is not None else pd.Series(dtype=object),
        run.as_of,
    )
    return TargetSetting(
        service=service,
        categories=categories,
        spread=spread,
        loop=loop,
        loop_unavailable=None
        if loop is not None
        else unavailable_reason(targets, run.dataset.order_lines, run.as_of),
        loop_year=review_year(run.as_of),
        service_levels=params.targets.service_levels,
        accounts=run.dataset.accounts,
        proposals=proposals,
        goal=float(chosen_goal),
        last_year=attainment_by_tier(run, scope, last, to_date=False),
        current_year=attainment_by_tier(run, scope, run.as_of, to_date=True),
        distribution=proposal_distribution(proposals.accounts),
        cutoffs=cutoffs,
        backtest_years=tuple(int(y) for y in years),
        set_by_params=tuple(params.targets.methods),
        default_growth=None if given else params.targets.default_growth,
    )


SPLITS = ("", "manager")


def check_split(split: str) -> None:
    """A workshop is whole ("") or split by KA manager."""
    if split not in SPLITS:
        raise KamReportError(f"SPLIT={split} is not known; use SPLIT=manager or leave it out.")


def workbooks(
    setting: TargetSetting, run: RunContext, generated: str, split: str = ""
) -> dict[str, bytes]:
    """The workshop's workbooks by file name: the whole one and, split by manager, one per
    KA manager with only their accounts (goal: their top-down share of the company goal).
    Accounts without a KA manager stay in the whole (VP's) workbook only."""
    check_split(split)
    kwargs = {
        "tolerance": run.params.targets.tolerance,
        "currency": run.dataset.currency,
        "generated": generated,
        "service": setting.service,
        "categories": setting.categories,
        "gap_rule": run.params.targets.gap_rule,
        "tier_weights": run.params.targets.gap_tier_weights,
    }
    accounts = run.dataset.accounts
    parts: dict[str, bytes] = {}
    names: dict[str, str] = {}
    if split == "manager":
        rows = setting.proposals.accounts
        info = accounts.set_index("account_id")
        column = info["ka_manager"] if "ka_manager" in info else pd.Series(dtype=object)
        manager = column.reindex(rows.index)
        total = float(rows["proposal"].sum())
        for name in sorted({m for m in manager if isinstance(m, str) and m.strip()}):
            mine = rows.loc[manager == name]
            share = float(mine["proposal"].sum()) / total if total > 0 else len(mine) / len(rows)
            subset = dataclasses.replace(setting.proposals, accounts=mine)
            file = targets_part_workbook(setting.year, name)
            names[name] = file
            book = build_workbook(
                subset,
                accounts,
                goal=round(setting.goal * share, 2),
                part=MANAGER_PART,
                manager=name,
                **kwargs,
            )
            parts[file] = workbook_bytes(book)
    whole = build_workbook(
        setting.proposals,
        accounts,
        goal=setting.goal,
        loop=setting.loop,
        parts=names,
        **kwargs,
    )
    return {workbook_name(setting.year): workbook_bytes(whole), **parts}


def workbook(setting: TargetSetting, run: RunContext, generated: str) -> bytes:
    """The whole workshop workbook (not split)."""
    return workbooks(setting, run, generated)[workbook_name(setting.year)]


def render_html(setting: TargetSetting, fmt: Formatter, provenance: Provenance) -> str:
    from kamreport.views.display import Display
    from kamreport.views.targets import targets_view

    display = (
        Display(fmt) if setting.accounts is None else Display.for_accounts(fmt, setting.accounts)
    )
    view = targets_view(setting, display, provenance, workbook_name(setting.year))
    return render("targets.html.j2", fmt, page=view.page, view=view)


def write(
    staging_dir: str | Path,
    setting: TargetSetting,
    xlsx: bytes | dict[str, bytes],
    html: str,
    provenance: Provenance,
) -> list[Path]:
    """Write the workbook(s), the page and the provenance into the run's staging folder."""
    books = xlsx if isinstance(xlsx, dict) else {workbook_name(setting.year): xlsx}
    files = {**books, page_name(setting.year): html}
    return write_staged(staging_dir, provenance.to_dict(), files)


@dataclass(frozen=True)
class ImportResult:
    target: str
    backup: str
    accounts: int
    rows: int
    agreed_total: float
    goal: float
    warnings: tuple[str, ...]
    category_rows: int = 0


def monthly_rows(
    imported: ImportedTargets, year: int, seasonality: pd.DataFrame | None
) -> pd.DataFrame:
    """Every column an import manages, per account and month: the agreed revenue target
    and the model's proposal spread alike, the visit, senior-visit and training counts
    spread evenly in whole numbers, who set the target and the proposal's method."""
    targets = imported.targets
    monthly = spread_monthly(targets["agreed"], year, seasonality)
    proposed = spread_monthly(targets["baseline"], year, seasonality)
    monthly["proposed_target"] = proposed["revenue_target"].to_numpy()
    keys = pd.MultiIndex.from_arrays([monthly["account_id"], monthly["month"].dt.month])
    for kind in SERVICE_KINDS:
        counts = monthly_counts(imported.service[kind].reindex(targets.index).fillna(0))
        monthly[TARGET_COLUMN[kind]] = counts.stack().reindex(keys).to_numpy(dtype=float)
    monthly["target_source"] = monthly["account_id"].map(targets["source"])
    monthly["target_method"] = monthly["account_id"].map(targets["method"])
    return monthly


def import_targets(
    path: str | Path,
    year: int,
    params: Params,
    *,
    base_dir: Path | None = None,
    now: dt.datetime | None = None,
    progress=lambda message: print(message, file=sys.stderr, flush=True),
) -> ImportResult:
    """Check the edited workbook; only when valid, write its agreed targets into the source."""
    from kamreport.loading import load_dataset
    from kamreport.targets_store import write_targets
    from kamreport.workbook.read import TargetsImportError, WorkbookIssue, read_workbook

    progress(f"Reading {path}…")
    imported = read_workbook(
        path,
        year,
        tolerance=params.targets.tolerance,
        tolerance_action=params.targets.tolerance_action,
    )
    progress("Checking the accounts against the data…")
    dataset = load_dataset(params.data, base_dir=base_dir)
    known = set(dataset.accounts["account_id"].astype(str))
    unknown = [a for a in imported.targets.index if a not in known]
    if unknown:
        issues = [
            WorkbookIssue(
                "Accounts",
                f"account {a!r}, which is not in the data's accounts table",
                "accounts of the data source",
            )
            for a in unknown
        ]
        raise TargetsImportError(str(path), issues)
    seasonal = imported.seasonality if params.targets.monthly_spread == "seasonal" else None
    monthly = monthly_rows(imported, year, seasonal)
    categories = imported.categories.assign(year=year)
    stored = write_targets(
        params.data,
        monthly,
        categories=categories[["account_id", "year", "category", "revenue_target"]],
        base_dir=base_dir,
        now=now,
    )
    return ImportResult(
        target=stored.target,
        backup=stored.backup,
        accounts=len(imported.targets),
        rows=stored.rows,
        category_rows=stored.category_rows,
        agreed_total=imported.agreed_total,
        goal=imported.goal,
        warnings=tuple(str(w) for w in imported.warnings),
    )
