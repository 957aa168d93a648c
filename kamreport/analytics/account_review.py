"""Everything the account review reports about one customer, computed in one place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from kamreport.analytics.periods import months_back
from kamreport.analytics.profile import ProfileCard, profile_card
from kamreport.analytics.sales import KpiBlock, ltm_kpis, monthly, ytd_kpis
from kamreport.dataset import Dataset
from kamreport.errors import Issue


@dataclass(frozen=True)
class AccountReview:
    account_id: str
    as_of: dt.date
    profile: ProfileCard
    ltm: KpiBlock
    ytd: KpiBlock
    monthly: pd.DataFrame
    warnings: tuple[Issue, ...]


def account_lines(dataset: Dataset, account_id: str) -> pd.DataFrame:
    lines = dataset.order_lines
    return lines.loc[lines["account_id"] == account_id]


def review_account(
    dataset: Dataset, account_id: str, as_of: dt.date, *, trend_months: int = 36
) -> AccountReview:
    """The account review of ``account_id`` as of ``as_of``."""
    lines = account_lines(dataset, account_id)
    warnings = tuple(
        w for w in dataset.warnings if w.table == "accounts" or account_id in str(w.row or "")
    )
    return AccountReview(
        account_id=account_id,
        as_of=as_of,
        profile=profile_card(dataset.accounts, dataset.order_lines, account_id, as_of),
        ltm=ltm_kpis(lines, as_of),
        ytd=ytd_kpis(lines, as_of),
        monthly=monthly(lines, months_back(as_of, trend_months)),
        warnings=warnings,
    )
