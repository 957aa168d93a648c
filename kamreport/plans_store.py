"""The imported account plans, every version kept: ``<output_dir>/plans/``.

Each import writes a new version, ``plans-<YYYYMMDD-HHMMSS>.json``, holding every
account's plan (the accounts of the workbook replaced, all others carried over),
then points ``current.json`` at it. Both are written to a temporary file and renamed
into place, so a failed import never leaves half a version and the previous version
stays as it was. Each account's entry names the version that held its plan before
(``previous``), so the account review can show what changed with the import that last
touched the account, whichever imports came after it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kamreport.analytics.plan_document import PlanDocument
from kamreport.errors import KamReportError
from kamreport.layout import PLANS_CURRENT, plans_version
from kamreport.outputs import atomic_write_json

FORMAT = 1


@dataclass(frozen=True)
class StoredPlan:
    """One account's plan in a stored version, with the one it replaced."""

    document: PlanDocument
    imported_at: str
    version: str  # file name of the version that holds it
    previous: PlanDocument | None  # the plan before the import that set this one
    previous_version: str  # "" when the previous plan is the data's


def _read(path: Path) -> dict[str, Any]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KamReportError(
            f"Cannot read the stored account plans {path}: {exc}. Restore the file from a "
            f"backup, or point {path.parent / PLANS_CURRENT} at an earlier version."
        ) from exc
    if not isinstance(payload, dict):
        raise KamReportError(f"The stored account plans {path} are not a plan version.")
    return payload


def current_version(folder: Path) -> str | None:
    """The file name of the current version (None before the first import)."""
    pointer = folder / PLANS_CURRENT
    if not pointer.is_file():
        return None
    return str(_read(pointer).get("version") or "") or None


def read_version(folder: Path, name: str | None = None) -> dict[str, Any]:
    """A stored version (the current one without ``name``); an empty one when none."""
    name = name or current_version(folder)
    if name is None:
        return {"format": FORMAT, "accounts": {}}
    if Path(name).name != name:
        raise KamReportError(f"{folder / PLANS_CURRENT} names {name!r}, which is not a file name.")
    return _read(folder / name)


def stored_plan(folder: Path, account_id: str) -> StoredPlan | None:
    """The current plan of ``account_id`` and the plan it replaced; None when no import
    has set one."""
    name = current_version(folder)
    if name is None:
        return None
    entry = read_version(folder, name).get("accounts", {}).get(account_id)
    if not entry:
        return None
    previous_name = str(entry.get("previous_version") or "")
    previous = None
    if previous_name:
        old = read_version(folder, previous_name).get("accounts", {}).get(account_id)
        previous = PlanDocument.from_dict(old["plan"]) if old else None
    elif entry.get("previous_plan"):
        previous = PlanDocument.from_dict(entry["previous_plan"])
    return StoredPlan(
        document=PlanDocument.from_dict(entry["plan"]),
        imported_at=str(entry.get("imported_at", "")),
        version=str(entry.get("version", name)),
        previous=previous,
        previous_version=previous_name,
    )


def current_documents(folder: Path) -> dict[str, PlanDocument]:
    """Every account's current plan."""
    accounts = read_version(folder).get("accounts", {})
    return {a: PlanDocument.from_dict(e["plan"]) for a, e in accounts.items()}


def write_version(
    folder: Path,
    plans: dict[str, PlanDocument],
    baselines: dict[str, PlanDocument],
    *,
    facts: dict[str, Any],
    now: dt.datetime | None = None,
) -> Path:
    """Store a new version: ``plans`` replace those accounts' plans, every other account
    is carried over. ``baselines``: the data's plan of an account imported for the first
    time (what its changes are shown against). Returns the new version's path."""
    moment = (now or dt.datetime.now()).replace(microsecond=0)
    old_name = current_version(folder)
    old = read_version(folder, old_name).get("accounts", {})
    stamp = moment.strftime("%Y%m%d-%H%M%S")
    name, n = plans_version(stamp), 1
    while (folder / name).exists():  # two imports within a second
        n += 1
        name = plans_version(f"{stamp}-{n}")
    accounts = dict(old)
    for account_id, document in plans.items():
        entry: dict[str, Any] = {
            "plan": document.to_dict(),
            "imported_at": moment.isoformat(),
            "version": name,
            "previous_version": old_name if account_id in old else "",
        }
        if account_id not in old and account_id in baselines:
            entry["previous_plan"] = baselines[account_id].to_dict()
        accounts[account_id] = entry
    payload = {
        "format": FORMAT,
        "imported_at": moment.isoformat(),
        "previous": old_name or "",
        **facts,
        "accounts": dict(sorted(accounts.items())),
    }
    path = atomic_write_json(folder / name, payload)
    atomic_write_json(folder / PLANS_CURRENT, {"version": name})
    return path


__all__ = ["StoredPlan", "current_documents", "current_version", "stored_plan", "write_version"]
