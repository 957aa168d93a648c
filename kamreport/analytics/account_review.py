"""Everything the account review reports about one customer, computed in one place.

Portfolio-wide inputs (the value layer, the risk flags and the metrics table) are
computed once per run by the caller and passed in; this module picks the
account's rows from them and computes the account's own sections.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import partial

import pandas as pd

from kamreport.analytics.attention import ACCOUNT_SHOWN, AttentionItem, attention_items
from kamreport.analytics.coverage import Coverage, coverage, data_start, trend_window
from kamreport.analytics.duplicates import duplicates_of
from kamreport.analytics.groups import GroupRollup, ancestors, group_rollup
from kamreport.analytics.highlights import Highlight, build_highlights
from kamreport.analytics.mix import ProductMix, account_mix, category_revenue, with_category
from kamreport.analytics.periods import ltm, up_to
from kamreport.analytics.pipeline import Pipeline, account_pipeline
from kamreport.analytics.plan import AccountPlan, account_plan
from kamreport.analytics.plan_document import PlanReview
from kamreport.analytics.profile import ProfileCard, profile_card
from kamreport.analytics.profitability import Profitability, account_profitability
from kamreport.analytics.receivables import Receivables, account_receivables
from kamreport.analytics.relationships import Relationships, account_relationships
from kamreport.analytics.sales import KpiBlock, ltm_kpis, monthly, without_prior, ytd_kpis
from kamreport.analytics.satisfaction import Satisfaction, account_satisfaction
from kamreport.analytics.scoring import ScoreBasis, account_weights
from kamreport.analytics.targets import TargetStatus, account_targets, monthly_targets
from kamreport.analytics.valuation import ClvChoice, clv_choice, stored_score_basis
from kamreport.analytics.wallet import WalletShare, account_wallet
from kamreport.dataset import Dataset
from kamreport.errors import Issue
from kamreport.params import RiskParams

# Load warnings about the whole dataset that change every account's figures (no
# cost column: no margins), shown in each review beside the account's own warnings.
EVERY_ACCOUNT = frozenset({"missing_cost", "default_name", "derived_accounts"})


@dataclass(frozen=True)
class DataNote:
    """A data-quality note about the account: catalog key and its values."""

    message: str
    values: dict[str, object]


def data_notes(
    dataset: Dataset, account_id: str, as_of: dt.date, duplicates: pd.DataFrame | None = None
) -> tuple[DataNote, ...]:
    """Checks of this account's data that affect the review (docs/metrics.md, "Data quality"):
    LTM lines without cost or list amounts, likely duplicates of the account (the
    portfolio's pairs of :func:`kamreport.analytics.duplicates.likely_duplicates`, found
    here when not given), no wallet estimate for A's year, no decision-maker contact."""
    notes: list[DataNote] = []
    end = pd.Timestamp(as_of)
    lines = account_lines(dataset, account_id)
    recent = lines.loc[ltm(end).mask(lines["order_date"])]
    for column, key in (("cost_amount", "no_cost"), ("list_amount", "no_list")):
        if column in recent and len(recent):
            missing = int(recent[column].isna().sum())
            if missing:
                notes.append(DataNote(f"review.dq.{key}", {"n": missing, "total": len(recent)}))
    if duplicates is None:
        pairs = duplicates_of(dataset.accounts, account_id)
    else:
        involved = (duplicates["account_a"] == account_id) | (duplicates["account_b"] == account_id)
        pairs = duplicates.loc[involved]
    for pair in pairs.itertuples():
        twin_is_b = pair.account_a == account_id
        notes.append(
            DataNote(
                "review.dq.duplicate",
                {
                    "id": pair.account_b if twin_is_b else pair.account_a,
                    "name": pair.name_b if twin_is_b else pair.name_a,
                },
            )
        )
    wallet = dataset.get("wallet")
    if wallet is not None:
        years = wallet.loc[wallet["account_id"] == account_id, "year"]
        if len(years) and end.year not in set(years.astype(int)):
            notes.append(DataNote("review.dq.wallet_old", {"year": int(years.max())}))
    contacts = dataset.get("contacts")
    if contacts is not None:
        roles = set(contacts.loc[contacts["account_id"] == account_id, "role"])
        if roles and "decision_maker" not in roles:
            notes.append(DataNote("review.dq.no_decision_maker", {}))
    return tuple(notes)


@dataclass(frozen=True)
class AccountValue:
    """The value layer's results for the account (one row of value_accounts)."""

    row: pd.Series
    contributions: pd.Series  # contrib_<criterion> → points of the score
    accounts: int  # accounts in the portfolio (for the rank)
    fallback: bool
    fallback_message: str
    basis: ScoreBasis | None = None  # the criteria the portfolio's scores use
    weights: pd.Series | None = None  # this account's effective weight per criterion (NaN: none)
    clv: ClvChoice | None = None  # method and margin basis of the lifetime value


@dataclass(frozen=True)
class AccountReview:
    account_id: str
    as_of: dt.date
    profile: ProfileCard
    ltm: KpiBlock
    ytd: KpiBlock
    monthly: pd.DataFrame
    warnings: tuple[Issue, ...]
    monthly_target: pd.Series | None = None
    metrics: pd.Series | None = None
    competitors_present: tuple[str, ...] = ()
    targets: TargetStatus | None = None
    mix: ProductMix | None = None
    wallet: WalletShare | None = None
    profitability: Profitability | None = None
    receivables: Receivables | None = None
    relationships: Relationships | None = None
    pipeline: Pipeline | None = None
    satisfaction: Satisfaction | None = None
    plan: AccountPlan | None = None
    written_plan: PlanReview | None = None  # the imported plan (kamreport.plans_store), if any
    value: AccountValue | None = None
    flags: pd.DataFrame | None = None
    highlights: tuple[Highlight, ...] = ()
    notes: tuple[DataNote, ...] = ()
    attention: tuple[AttentionItem, ...] = ()  # the account's issues in rank order
    # each issue's sentence as the highlights tell it (with its window), None where the
    # highlights have none of its own (a margin fall, a revenue decline)
    attention_told: tuple[Highlight | None, ...] = ()
    coverage: Coverage = field(default_factory=lambda: Coverage(None, ()))  # what is n/a
    group: GroupRollup | None = None  # the account and its subsidiaries, summed (a parent)
    belongs_to: tuple[str, ...] = ()  # the accounts above it: parent first, group account last


def account_lines(dataset: Dataset, account_id: str) -> pd.DataFrame:
    lines = dataset.order_lines
    return lines.loc[lines["account_id"] == account_id]


def _value(values: pd.DataFrame | None, account_id: str, message: str) -> AccountValue | None:
    if values is None or account_id not in values.index:
        return None
    row = values.loc[account_id]
    contributions = row[[c for c in values.columns if c.startswith("contrib_")]].astype(float)
    contributions.index = [c.removeprefix("contrib_") for c in contributions.index]
    basis = stored_score_basis(values)
    return AccountValue(
        row=row,
        contributions=contributions,
        accounts=len(values),
        fallback=row.get("clv_method") == "fallback",
        fallback_message=message,
        basis=basis,
        weights=account_weights(row, basis.strategy) if basis is not None else None,
        clv=clv_choice(values),
    )


def review_account(
    dataset: Dataset,
    account_id: str,
    as_of: dt.date,
    *,
    trend_months: int = 36,
    risk: RiskParams | None = None,
    values: pd.DataFrame | None = None,
    clv_message: str = "",
    flags: pd.DataFrame | None = None,
    metrics: pd.DataFrame | None = None,
    duplicates: pd.DataFrame | None = None,
    by_category: pd.DataFrame | None = None,
) -> AccountReview:
    """The account review of ``account_id`` as of ``as_of``.

    ``values``, ``flags`` and ``metrics`` are the portfolio-wide tables of the value
    layer, the risk flags and :func:`kamreport.metrics.account_metrics` for the
    same as-of date; sections that need them are left empty without them.
    ``duplicates`` (likely duplicate pairs) and ``by_category`` (LTM revenue per
    account and category) are the portfolio's, computed here when not given.
    """
    risk = risk or RiskParams()
    end = pd.Timestamp(as_of)
    all_lines = up_to(dataset.order_lines, end)
    lines = all_lines.loc[(all_lines["account_id"] == account_id).to_numpy()]
    # the trend begins with the data: no months of zeros before it
    window = trend_window(data_start(all_lines), as_of, trend_months)
    warnings = tuple(
        w
        for w in dataset.warnings
        if account_id in w.account_ids or (not w.account_ids and w.code in EVERY_ACCOUNT)
    )
    series = monthly(lines, window)
    categorised = with_category(lines, dataset.get("products"))
    if by_category is None:
        by_category = category_revenue(all_lines, dataset.get("products"), as_of)
    mix = account_mix(
        lines,
        dataset.get("products"),
        dataset.accounts,
        account_id,
        window,
        as_of,
        by_category,
        risk.discount_window_months,
        data_start(dataset.order_lines),
    )
    wallet = account_wallet(
        all_lines, dataset.get("wallet"), dataset.get("competitors"), account_id, as_of
    )
    competitors: tuple[str, ...] = ()
    if wallet is not None and not wallet.competitors.empty:
        competitors = tuple(str(c) for c in wallet.competitors["competitor"])
    own_flags = None
    if flags is not None:
        own_flags = flags.loc[flags["account_id"] == account_id].reset_index(drop=True)
    row = None
    if metrics is not None:
        hit = metrics.loc[metrics["account_id"] == account_id]
        row = hit.iloc[0] if len(hit) else None
    covered = coverage(dataset.order_lines, end, risk.discount_window_months)
    ltm_block = ltm_kpis(lines, as_of)
    if not covered.covered("ltm"):
        ltm_block = without_prior(ltm_block)
    ytd_block = ytd_kpis(lines, as_of)
    if not covered.covered("ytd"):
        ytd_block = without_prior(ytd_block)
    pipeline = account_pipeline(dataset.get("opportunities"), account_id, as_of)
    highlights: tuple[Highlight, ...] = ()
    attention: tuple[AttentionItem, ...] = ()
    if row is not None and flags is not None and metrics is not None:
        attention = attention_items(
            metrics,
            flags,
            all_lines,
            dataset.accounts,
            as_of,
            recent_months=risk.discount_window_months,
            account_ids=[account_id],
        )
    attention_told: tuple[Highlight | None, ...] = ()
    if row is not None:
        told = partial(
            build_highlights,
            row,
            own_flags if own_flags is not None else pd.DataFrame(columns=["code", "severity"]),
            margin_pct=ltm_block.margin_pct.current,
            margin_pct_prior=ltm_block.margin_pct.prior,
            whitespace=mix.whitespace,
            weighted_pipeline=pipeline.weighted_total if pipeline else None,
            open_opportunities=len(pipeline.open) if pipeline else 0,
            recent_months=risk.discount_window_months,
            complaint_days=risk.complaint_window_days,
            lapsed=mix.lapsed,
            data_start=covered.data_start,
        )
        highlights = tuple(told(leave_out={item.kind for item in attention[:ACCOUNT_SHOWN]}))
        every = {h.metric: h for h in told(limit=None)}
        attention_told = tuple(every.get(item.kind) for item in attention)
    return AccountReview(
        account_id=account_id,
        as_of=as_of,
        profile=profile_card(dataset.accounts, dataset.order_lines, account_id, as_of),
        ltm=ltm_block,
        ytd=ytd_block,
        monthly=series,
        warnings=warnings,
        monthly_target=monthly_targets(dataset.get("targets"), account_id, series["month"]),
        metrics=row,
        competitors_present=competitors,
        targets=account_targets(all_lines, dataset.get("targets"), account_id, as_of, own_flags),
        mix=mix,
        wallet=wallet,
        profitability=account_profitability(
            categorised,
            dataset.get("service_costs"),
            account_id,
            as_of,
            window,
            risk.discount_window_months,
            data_start(dataset.order_lines),
        ),
        receivables=account_receivables(dataset.get("invoices"), account_id, as_of),
        relationships=account_relationships(
            dataset.get("contacts"),
            dataset.get("activities"),
            dataset.get("targets"),
            account_id,
            as_of,
            risk.decision_maker_days,
        ),
        pipeline=pipeline,
        satisfaction=account_satisfaction(
            dataset.get("surveys"), dataset.get("complaints"), account_id, as_of, risk
        ),
        plan=account_plan(dataset.get("account_plans"), account_id, as_of),
        value=_value(values, account_id, clv_message),
        flags=own_flags,
        highlights=highlights,
        notes=data_notes(dataset, account_id, as_of, duplicates),
        attention=attention,
        attention_told=attention_told,
        coverage=covered,
        group=None
        if metrics is None
        else group_rollup(
            dataset.accounts, metrics, dataset.get("contacts"), all_lines, window, account_id
        ),
        belongs_to=ancestors(dataset.accounts, account_id),
    )
