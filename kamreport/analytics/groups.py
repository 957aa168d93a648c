"""Group accounts (集团客户): who belongs to which group, and a group's figures summed.

An account's ``parent_id`` names the account it belongs to; a subsidiary may have
subsidiaries of its own, so a group is the whole tree under an account without a
parent (its *group account*). A group's figures are its members' figures as the
metrics table has them (:func:`kamreport.metrics.account_metrics`), summed; its rates
are recomputed from the sums, never averaged. Pure: DataFrames in, DataFrames out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kamreport.analytics.periods import Window
from kamreport.analytics.sales import monthly

# Figures of the metrics table that add up across a group's members.
SUMMED = (
    "revenue_ltm", "revenue_prior_ltm", "revenue_ytd", "target_ytd", "target_fy",
    "forecast_fy", "open_amount", "overdue_amount", "category_spend",
)  # fmt: skip
# Counted from the contacts table per member.
COUNTED = ("contacts", "decision_makers")
# Helpers of the rates: YTD revenue of the members with a target, revenue in the wallet year.
HELPERS = ("revenue_ytd_targeted", "wallet_revenue")
# Rates, recomputed from the sums: growth, attainment and share of wallet.
RATES = ("revenue_growth", "attainment_ytd", "share_of_wallet")
FIGURES = (*SUMMED, *COUNTED, *RATES)


def _parents(accounts: pd.DataFrame) -> dict[str, str]:
    """Account id → its parent's id, for parents that are accounts of the table."""
    if "parent_id" not in accounts:
        return {}
    ids = accounts["account_id"].astype(str)
    known = set(ids)
    out = {}
    for account_id, parent in zip(ids, accounts["parent_id"], strict=True):
        if isinstance(parent, str) and parent and parent in known and parent != account_id:
            out[account_id] = parent
        elif isinstance(parent, str) and parent == account_id:
            out[account_id] = parent  # its own parent: a cycle of one
    return out


def parent_cycles(accounts: pd.DataFrame) -> list[tuple[str, ...]]:
    """Every cycle of ``parent_id`` (A → B → … → A), each once, from its smallest id."""
    parents = _parents(accounts)
    cycles: set[tuple[str, ...]] = set()
    done: set[str] = set()
    for start in sorted(parents):
        path: list[str] = []
        seen: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in done and node not in seen:
            seen[node] = len(path)
            path.append(node)
            node = parents.get(node)
        if node is not None and node in seen:
            loop = path[seen[node] :]
            first = loop.index(min(loop))
            cycles.add(tuple(loop[first:] + loop[:first]))
        done.update(path)
    return sorted(cycles)


def _checked_parents(accounts: pd.DataFrame) -> dict[str, str]:
    cycles = parent_cycles(accounts)
    if cycles:
        shown = "; ".join(" → ".join((*c, c[0])) for c in cycles)
        raise ValueError(f"parent_id forms a cycle: {shown}")
    return _parents(accounts)


def group_ids(accounts: pd.DataFrame) -> pd.Series:
    """Account id → the id of its group account (the top of its tree; itself when it
    has no parent). Raises ValueError when ``parent_id`` forms a cycle."""
    parents = _checked_parents(accounts)
    ids = [str(a) for a in accounts["account_id"]]
    top = {}
    for account_id in ids:
        node = account_id
        while node in parents:
            node = parents[node]
        top[account_id] = node
    return pd.Series(top, name="group_id", dtype=object).reindex(ids)


def members(accounts: pd.DataFrame, account_id: str) -> pd.DataFrame:
    """``account_id`` and every account under it at any level, depth first (children by
    id): columns account_id, parent_id (None for ``account_id``), depth (0 for it)."""
    parents = _checked_parents(accounts)
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    rows: list[tuple[str, str | None, int]] = []

    def visit(node: str, parent: str | None, depth: int) -> None:
        rows.append((node, parent, depth))
        for child in sorted(children.get(node, ())):
            visit(child, node, depth + 1)

    visit(account_id, None, 0)
    return pd.DataFrame(rows, columns=["account_id", "parent_id", "depth"])


def ancestors(accounts: pd.DataFrame, account_id: str) -> tuple[str, ...]:
    """The accounts above ``account_id``: its parent first, its group account last."""
    parents = _checked_parents(accounts)
    out = []
    node = account_id
    while node in parents:
        node = parents[node]
        out.append(node)
    return tuple(out)


def contact_counts(contacts: pd.DataFrame | None, account_ids: Sequence[str]) -> pd.DataFrame:
    """Contacts and decision-maker contacts per account (0 without a contacts table)."""
    index = pd.Index(list(account_ids), name="account_id")
    out = pd.DataFrame(0, index=index, columns=list(COUNTED))
    if contacts is None or contacts.empty:
        return out
    ids = contacts["account_id"].astype(str)
    out["contacts"] = ids.value_counts().reindex(index, fill_value=0).astype(int)
    dm = ids.loc[(contacts["role"] == "decision_maker").to_numpy()]
    out["decision_makers"] = dm.value_counts().reindex(index, fill_value=0).astype(int)
    return out


def _with_rates(frame: pd.DataFrame) -> pd.DataFrame:
    prior = frame["revenue_prior_ltm"]
    frame["revenue_growth"] = frame["revenue_ltm"] / prior.where(prior > 0) - 1
    target = frame["target_ytd"]
    frame["attainment_ytd"] = frame["revenue_ytd_targeted"] / target.where(target > 0)
    spend = frame["category_spend"]
    frame["share_of_wallet"] = frame["wallet_revenue"] / spend.where(spend > 0)
    return frame


def member_figures(
    metrics: pd.DataFrame, contacts: pd.DataFrame | None, account_ids: Sequence[str]
) -> pd.DataFrame:
    """The metrics-table figures of ``account_ids`` (index account_id, in that order) with
    their contact counts and the helpers of the rates (:data:`HELPERS`)."""
    table = metrics.set_index("account_id").reindex(list(account_ids))
    out = pd.DataFrame(index=table.index)
    for column in SUMMED:
        out[column] = table[column].astype(float) if column in table else np.nan
    out["revenue_ytd_targeted"] = out["revenue_ytd"].where(out["target_ytd"].notna())
    share = table.get("share_of_wallet", np.nan)
    out["wallet_revenue"] = (share * out["category_spend"]).astype(float)
    out = out.join(contact_counts(contacts, list(account_ids)))
    return _with_rates(out)


def total(figures: pd.DataFrame) -> pd.Series:
    """A group's figures from its members' (:func:`member_figures`): sums, rates of sums.
    A sum over members that all lack a figure (no targets, no wallet) stays NaN."""
    sums = figures[[*SUMMED, *COUNTED, *HELPERS]].sum(min_count=1)
    return _with_rates(sums.to_frame().T).iloc[0]


@dataclass(frozen=True)
class GroupRollup:
    """A parent account and everything under it: each member's figures and the total."""

    account_id: str  # the account whose review this is (the top of this roll-up)
    tree: pd.DataFrame  # members(): account_id, parent_id, depth
    figures: pd.DataFrame  # member_figures(), index account_id, in tree order
    total: pd.Series  # total(figures)
    monthly: pd.DataFrame  # sales.monthly of the members' lines: month, revenue, gross_margin


def group_rollup(
    accounts: pd.DataFrame,
    metrics: pd.DataFrame,
    contacts: pd.DataFrame | None,
    order_lines: pd.DataFrame,
    window: Window,
    account_id: str,
) -> GroupRollup | None:
    """The roll-up of ``account_id`` over its subsidiaries at every level, or None when it
    has none; the trend is :func:`kamreport.analytics.sales.monthly` of the members'
    order lines (up to the as-of date) in the review's ``window``."""
    tree = members(accounts, account_id)
    if len(tree) < 2:
        return None
    ids = list(tree["account_id"])
    figures = member_figures(metrics, contacts, ids)
    lines = order_lines.loc[order_lines["account_id"].isin(ids).to_numpy()]
    return GroupRollup(account_id, tree, figures, total(figures), monthly(lines, window))


def roll_up(
    frame: pd.DataFrame, groups: pd.Series, sums: Sequence[str], min_count: int = 0
) -> pd.DataFrame:
    """An account-indexed ``frame`` with its ``sums`` columns summed per group account
    (``groups``: account id → group id, :func:`group_ids`); accounts without a group
    stay as they are. Adds ``members`` (accounts summed in the row). Rates are the
    caller's to recompute."""
    key = groups.reindex(frame.index).fillna(pd.Series(frame.index, index=frame.index))
    summed = frame[list(sums)].groupby(key.to_numpy()).sum(min_count=min_count)
    summed["members"] = key.value_counts().reindex(summed.index).astype(int)
    summed.index.name = frame.index.name
    return summed


__all__ = [
    "FIGURES",
    "GroupRollup",
    "ancestors",
    "contact_counts",
    "group_ids",
    "group_rollup",
    "member_figures",
    "members",
    "parent_cycles",
    "roll_up",
    "total",
]
