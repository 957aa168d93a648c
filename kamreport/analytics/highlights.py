"""Highlights: 3–7 generated sentences on what changed and why, and suggested actions.

Every highlight names the metric it comes from (``metric``, a key of the metrics
output or a risk-flag code) and carries the numbers it quotes, so a reader can
trace it; the report turns ``message`` keys into sentences in its language.
Rules, in order of priority (docs/metrics.md, "Highlights"):

1. LTM revenue against the prior LTM (always, when there was revenue);
2. year-to-date attainment of the target (when there is a target);
3. each risk flag, high severity first (with its suggested action; REVENUE_DECLINE
   is told by rule 1, which then carries its action); the flags whose window the
   report shows elsewhere (discount depth, products bought, share of wallet) name it;
4. share of wallet change (when known and no wallet flag was raised), naming its years;
5. gross margin % change in percentage points (when costs are known);
6. the largest whitespace category (an opportunity, with an action);
7. the categories the account stopped buying (when NARROWING_BREADTH is not raised);
8. weighted pipeline (when there are open opportunities).

Years are quoted with the kind "year" (A's year reads "YTD, annualised" in the
report), months of a window with "count".

Issues the report already shows in its "What needs attention" block (``leave_out``:
risk-flag codes, MARGIN_FALL for the gross margin sentence) are not told again. At most
:data:`MAX_HIGHLIGHTS`, chosen in the order of the rules; they are then shown problems
first (negative, neutral, positive; the rules' order within a tone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

import pandas as pd

from kamreport.analytics.risk import UNITS

MIN_HIGHLIGHTS = 3
MAX_HIGHLIGHTS = 7
NUMBERS = ("value", "threshold", "baseline")
FLAT = 0.02  # |growth| below this reads as "flat"
# Flags told with their window in the highlights (catalog key under review.hl.flag).
WINDOWED_FLAGS = ("DISCOUNT_PRESSURE", "NARROWING_BREADTH", "WALLET_SHARE_FALL")
TONES = ("negative", "neutral", "positive")  # the order highlights are shown in
# The highlight's metric an issue of the attention block tells instead.
TOLD_BY_ATTENTION = {"MARGIN_FALL": "gross_margin_ltm"}


@dataclass(frozen=True)
class Highlight:
    """A generated sentence: catalog key, the metric it traces to, its numbers.

    ``values`` maps placeholder → (kind, value), kind as the report's display rules
    know it (money, percent, points, number, days, category…).
    """

    message: str
    metric: str
    values: dict[str, tuple[str, object]] = field(default_factory=dict)
    tone: str = "neutral"  # positive, negative, neutral
    action: str | None = None  # catalog key of the suggested action


def _num(x) -> float | None:
    if x is None:
        return None
    try:
        return None if pd.isna(x) else float(x)
    except (TypeError, ValueError):
        return None


def build_highlights(
    metrics: pd.Series,
    flags: pd.DataFrame,
    *,
    margin_pct: float | None = None,
    margin_pct_prior: float | None = None,
    whitespace: pd.DataFrame | None = None,
    weighted_pipeline: float | None = None,
    open_opportunities: int = 0,
    recent_months: int = 6,
    complaint_days: int = 90,
    lapsed: pd.DataFrame | None = None,
    leave_out: Collection[str] = (),
    limit: int | None = MAX_HIGHLIGHTS,
    data_start: dt.date | None = None,
) -> list[Highlight]:
    """Highlights for one account from its metrics row and its risk flags;
    ``recent_months`` is the window of discount depth and products bought,
    ``complaint_days`` that of recent complaints,
    ``lapsed`` the categories it stopped buying (analytics.mix.lapsed_categories),
    ``leave_out`` the issues shown in the attention block (flag codes, MARGIN_FALL),
    ``limit`` how many (None: every sentence the rules make), ``data_start`` the first
    order date of the data (quoted when the prior LTM is not covered)."""
    out: list[Highlight] = []
    years = {
        "year": ("year", _num(metrics.get("wallet_year"))),
        "prior_year": ("year", _num(metrics.get("wallet_prior_year"))),
    }
    codes = set(flags["code"])
    growth = _num(metrics.get("revenue_growth"))
    revenue = _num(metrics.get("revenue_ltm"))
    if revenue is not None and growth is not None:
        if abs(growth) < FLAT:
            key, tone = "review.hl.revenue_flat", "neutral"
        elif growth > 0:
            key, tone = "review.hl.revenue_up", "positive"
        else:
            key, tone = "review.hl.revenue_down", "negative"
        out.append(
            Highlight(
                key,
                "revenue_growth",
                {
                    "revenue": ("money", revenue),
                    "growth": ("percent", abs(growth)),
                    "prior": ("money", _num(metrics.get("revenue_prior_ltm"))),
                },
                tone,
                # the REVENUE_DECLINE flag says the same: its action goes here instead
                "flag.action.REVENUE_DECLINE" if "REVENUE_DECLINE" in codes else None,
            )
        )
    elif revenue is not None and _num(metrics.get("revenue_prior_ltm")) is None:
        # the data does not cover the prior LTM: its change is unknown, not "no revenue"
        values = {"revenue": ("money", revenue), "date": ("date", data_start)}
        out.append(Highlight("review.hl.revenue_not_covered", "revenue_ltm", values))
    elif revenue is not None:
        values = {"revenue": ("money", revenue)}
        out.append(Highlight("review.hl.revenue_new", "revenue_ltm", values))
    attainment = _num(metrics.get("attainment_ytd"))
    if attainment is not None:
        tone = "positive" if attainment >= 1 else ("negative" if attainment < 0.9 else "neutral")
        out.append(
            Highlight(
                "review.hl.attainment",
                "attainment_ytd",
                {
                    "attainment": ("percent", attainment),
                    "revenue": ("money", _num(metrics.get("revenue_ytd"))),
                    "target": ("money", _num(metrics.get("target_ytd"))),
                },
                tone,
                "review.action.attainment" if attainment < 0.9 else None,
            )
        )
    ranked = flags.assign(_h=(flags["severity"] != "high").astype(int))
    ranked = ranked.sort_values("_h", kind="stable")
    for flag in ranked.itertuples():
        if flag.code == "REVENUE_DECLINE" and growth is not None:
            continue
        values = {
            name: (unit, getattr(flag, name))
            for name, unit in zip(NUMBERS, UNITS[flag.code], strict=True)
        }
        key = f"flag.reason.{flag.code}"
        values["days"] = ("count", complaint_days)
        values["months"] = ("count", recent_months)
        if flag.code in WINDOWED_FLAGS:
            key = f"review.hl.flag.{flag.code}"
            values.update(years if flag.code == "WALLET_SHARE_FALL" else {})
            values["months"] = ("count", recent_months)
            if flag.code == "NARROWING_BREADTH" and lapsed is not None and len(lapsed):
                key += "_lapsed"  # and the categories it stopped buying
                values["count"] = ("count", len(lapsed))
                values["category"] = ("category", lapsed.iloc[0]["category"])
        out.append(Highlight(key, flag.code, values, "negative", f"flag.action.{flag.code}"))
    change = _num(metrics.get("wallet_change"))
    if change is not None and "WALLET_SHARE_FALL" not in codes:
        out.append(
            Highlight(
                "review.hl.wallet",
                "share_of_wallet",
                {
                    "share": ("percent", _num(metrics.get("share_of_wallet"))),
                    "change": ("points", change),
                    **years,
                },
                "positive" if change > 0.01 else "neutral",
            )
        )
    if margin_pct is not None and margin_pct_prior is not None:
        delta = margin_pct - margin_pct_prior
        out.append(
            Highlight(
                "review.hl.margin",
                "gross_margin_ltm",
                {"margin": ("percent", margin_pct), "change": ("points", delta)},
                "positive" if delta > 0.005 else ("negative" if delta < -0.005 else "neutral"),
            )
        )
    if whitespace is not None and len(whitespace):
        top = whitespace.iloc[0]
        out.append(
            Highlight(
                "review.hl.whitespace",
                "whitespace",
                {
                    "category": ("category", top["category"]),
                    "peers": ("percent", float(top["peer_share"])),
                    "potential": ("money", float(top["potential"])),
                },
                "positive",
                "review.action.whitespace",
            )
        )
    if lapsed is not None and len(lapsed) and "NARROWING_BREADTH" not in codes:
        out.append(
            Highlight(
                "review.hl.lapsed",
                "lapsed_categories",
                {
                    "count": ("count", len(lapsed)),
                    "category": ("category", lapsed.iloc[0]["category"]),
                    "revenue": ("money", float(lapsed["revenue_year_earlier"].sum())),
                    "months": ("count", recent_months),
                },
                "negative",
                "flag.action.NARROWING_BREADTH",
            )
        )
    if weighted_pipeline and open_opportunities:
        out.append(
            Highlight(
                "review.hl.pipeline",
                "pipeline_weighted",
                {"count": ("number", open_opportunities), "weighted": ("money", weighted_pipeline)},
            )
        )
    told = {TOLD_BY_ATTENTION.get(kind, kind) for kind in leave_out}
    kept = [h for h in out if h.metric not in told][:limit]
    return sorted(kept, key=lambda h: TONES.index(h.tone))
