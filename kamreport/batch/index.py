"""The batch's index page: every account in scope with its tier, key figures and report link,
then the failures with their error. Written to ``<output_dir>/<as-of>/index.html``."""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kamreport.analytics.attention import AccountAttention, AttentionItem
from kamreport.i18n import Formatter
from kamreport.outputs import atomic_write_text
from kamreport.provenance import Provenance
from kamreport.render import render
from kamreport.views.display import Display, account_names, other_names
from kamreport.views.index import index_view

INDEX_FILE = "index.html"


@dataclass(frozen=True)
class IndexRow:
    account_id: str
    name: str
    alt_name: str
    manager: str
    tier: str
    revenue_ltm: float
    growth: float
    margin_pct: float
    score: float
    rank: float
    clv: float
    flags: tuple[str, ...]
    status: str  # rendered | skipped | failed
    report: str  # link relative to the index, "" when there is none
    pdf: str
    error: str = ""
    notebook: str = ""
    issues: tuple[AttentionItem, ...] = ()  # what needs attention, in rank order
    clv_assumed_margin: float = math.nan  # the margin assumed for clv (NaN: from costs)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def rows(
    ids: Iterable[str],
    accounts: pd.DataFrame,
    metrics: pd.DataFrame,
    status: Mapping[str, str],
    errors: Mapping[str, tuple[str, str]],
    targets: Mapping[str, Path],
    index_dir: Path,
    locale: str,
    attention: Iterable[AccountAttention] = (),
) -> list[IndexRow]:
    """One row per account, in data order; links relative to ``index_dir``; ``attention``
    the accounts that need attention (kamreport.analytics.attention.by_account)."""
    issues = {a.account_id: a.items for a in attention}
    info = accounts.set_index(accounts["account_id"].astype(str))
    figures = metrics.set_index(metrics["account_id"].astype(str))
    names, others = account_names(accounts, locale), other_names(accounts, locale)
    out = []
    for account_id in ids:
        a = info.loc[account_id] if account_id in info.index else pd.Series(dtype=object)
        m = figures.loc[account_id] if account_id in figures.index else pd.Series(dtype=object)
        target = targets[account_id]
        report = target / "report.html"
        pdf = target / "report.pdf"
        error, notebook = errors.get(account_id, ("", ""))
        out.append(
            IndexRow(
                account_id=account_id,
                name=names.get(account_id) or account_id,
                alt_name=others.get(account_id, ""),
                manager=_text(a.get("ka_manager")),
                tier=_text(m.get("tier")),
                revenue_ltm=_number(m.get("revenue_ltm")),
                growth=_number(m.get("revenue_growth")),
                margin_pct=_number(m.get("margin_pct_ltm")),
                score=_number(m.get("score")),
                rank=_number(m.get("rank")),
                clv=_number(m.get("clv")),
                flags=tuple(f for f in _text(m.get("risk_flags")).split(";") if f),
                status=status.get(account_id, "failed"),
                report=_relative(report, index_dir) if report.is_file() else "",
                pdf=_relative(pdf, index_dir) if pdf.is_file() else "",
                error=error,
                notebook=_relative(Path(notebook), index_dir) if notebook else "",
                issues=issues.get(account_id, ()),
                clv_assumed_margin=_number(m.get("clv_assumed_margin")),
            )
        )
    return out


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()


def render_index(
    table: list[IndexRow],
    fmt: Formatter,
    provenance: Provenance,
    as_of: dt.date,
    tier: str | None = None,
) -> str:
    view = index_view(table, Display(fmt), provenance, as_of, tier)
    return render("index.html.j2", fmt, page=view.page, view=view)


def write_index(html: str, folder: Path) -> Path:
    return atomic_write_text(folder / INDEX_FILE, html)
