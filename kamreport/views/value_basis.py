"""What the value figures rest on, in words: the margin behind lifetime value (from
costs, assumed, or none), the score criteria used with their effective weights and
those left out, and what the key-tier cap did. One wording for the portfolio and the
customer report."""

from __future__ import annotations

from collections.abc import Mapping

from kamreport.analytics.scoring import ScoreBasis
from kamreport.analytics.tiers import KeyCap
from kamreport.analytics.valuation import MARGIN_ASSUMED, MARGIN_NONE, ClvChoice
from kamreport.views.display import Display


def assumed_margin_label(display: Display, choice: ClvChoice | None) -> str:
    """ "assumed margin 25%" when lifetime value uses clv.assumed_margin, else ""."""
    if choice is None or choice.margin_basis != MARGIN_ASSUMED:
        return ""
    margin = display.percent(choice.assumed_margin, 0)
    return display.t("review.value.assumed_margin", margin=margin)


def with_assumed_margin(display: Display, label: str, choice: ClvChoice | None) -> str:
    """``label`` with "(assumed margin 25%)" when lifetime value uses an assumed margin."""
    assumed = assumed_margin_label(display, choice)
    return display.aside(label, assumed) if assumed else label


def clv_margin_note(display: Display, choice: ClvChoice | None) -> str:
    """Why lifetime value uses an assumed margin, or why there is none; "" with costs."""
    if choice is None:
        return ""
    if choice.margin_basis == MARGIN_NONE:
        return display.t("review.value.clv_no_margin")
    if choice.margin_basis == MARGIN_ASSUMED:
        margin = display.percent(choice.assumed_margin, 0)
        return display.t("review.value.clv_assumed", margin=margin)
    return ""


def no_lifetime_value(choice: ClvChoice | None) -> bool:
    """Whether there is no lifetime value at all because there is no margin to value."""
    return choice is not None and choice.margin_basis == MARGIN_NONE


def weights_text(display: Display, weights: Mapping[str, float], criterion_key: str) -> str:
    """ "Spend 56% · Loyalty 34% · Risk 10%": criterion names from ``criterion_key``."""
    return " · ".join(
        f"{display.t(f'{criterion_key}.{c}')} {display.percent(w, 0)}" for c, w in weights.items()
    )


def left_out_text(display: Display, basis: ScoreBasis, criterion_key: str) -> str:
    """The criteria no account has data for, each with the reason; "" when none."""
    if not basis.left_out:
        return ""
    criteria = display.t("review.value.left_out_separator").join(
        display.t(
            "review.value.left_out_item",
            criterion=display.t(f"{criterion_key}.{c}"),
            reason=display.t(f"review.value.left_out_reason.{c}"),
        )
        for c in basis.left_out
    )
    return display.t("review.value.left_out", criteria=criteria)


def key_cap_text(display: Display, cap: KeyCap | None) -> str:
    """What the key-tier cap did, when it moved any account; with no cap set and more than
    a fifth of the accounts at the key score, how to set one; "" otherwise."""
    if cap is not None and cap.large:
        return display.t(
            "review.value.key_large",
            qualified=display.number(cap.qualified),
            accounts=display.number(cap.accounts),
            share=display.percent(cap.qualified / cap.accounts, 0),
        )
    if cap is None or not cap.applied:
        return ""
    limits = []
    if cap.max_accounts is not None:
        limits.append(display.t("review.value.cap_accounts", n=display.number(cap.max_accounts)))
    if cap.max_revenue_share is not None:
        share = display.percent(cap.max_revenue_share, 0)
        limits.append(display.t("review.value.cap_share", share=share))
    return display.t(
        "review.value.key_cap",
        limits=display.t("attention.separator").join(limits),
        demoted=display.number(len(cap.demoted)),
        qualified=display.number(cap.qualified),
    )


__all__ = [
    "assumed_margin_label",
    "clv_margin_note",
    "key_cap_text",
    "left_out_text",
    "no_lifetime_value",
    "weights_text",
    "with_assumed_margin",
]
