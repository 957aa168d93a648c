"""KA managers named in the data: who they are, and one manager's accounts.

The book (``make book``) and the weekly digest (``make digest``) take a manager by
name; a name the accounts table does not know stops the command with the names it
does know.
"""

from __future__ import annotations

from kamreport.dataset import Dataset
from kamreport.errors import KamReportError


def managers(dataset: Dataset) -> list[str]:
    """The KA managers named in the accounts table, sorted."""
    accounts = dataset.accounts
    if "ka_manager" not in accounts:
        return []
    names = accounts["ka_manager"].dropna().astype(str).str.strip()
    return sorted({n for n in names if n})


def manager_accounts(
    dataset: Dataset, manager: str, *, error: type[KamReportError] = KamReportError
) -> list[str]:
    """The ids of ``manager``'s accounts, sorted; ``error`` naming the known managers when
    the data has no such manager."""
    known = managers(dataset)
    if manager not in known:
        listed = ", ".join(known) if known else "none (the accounts table has no ka_manager)"
        raise error(
            f"No KA manager {manager!r} in the accounts table (column ka_manager). Known "
            f"managers: {listed}. Give one of them as MANAGER=<name>."
        )
    accounts = dataset.accounts
    names = accounts["ka_manager"].astype(str).str.strip()
    return sorted(accounts.loc[names == manager, "account_id"].astype(str))
