"""The "What needs attention" block as display-ready text: the account review shows its
account's first issues, the portfolio report the accounts whose first issue matters most.
The ranking is :mod:`kamreport.analytics.attention`'s; this module only words it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kamreport.analytics.attention import MARGIN_FALL_CODE, AccountAttention, AttentionItem
from kamreport.params import RiskParams
from kamreport.views.blocks import attrs
from kamreport.views.display import Display


@dataclass(frozen=True)
class AttentionEntry:
    """One issue: what it is, why (with its numbers), the money at stake, what to do, who."""

    title: str  # the issue in a few words
    reason: str  # the sentence with its numbers
    stake: str  # "CN¥2.2M at stake"
    severity: str  # css class: high | medium
    severity_text: str  # "High severity": the level in words, not only in colour
    action: str
    owner: str  # "Owner: 黄俊"
    account: str = ""  # the account's name (portfolio), "" in an account review
    account_note: str = ""  # its id
    link: str = ""  # its review, when there is one
    also: str = ""  # the account's other issues (portfolio)
    attrs: tuple[tuple[str, str], ...] = ()  # data-kind, -metric, -account, -severity


@dataclass(frozen=True)
class AttentionBlock:
    title: str
    intro: str = ""
    entries: tuple[AttentionEntry, ...] = ()
    more: str = ""  # how many more issues or accounts, and where they are
    none: str = ""  # nothing needs attention


def issue_title(display: Display, kind: str) -> str:
    """An issue in a few words: a risk flag's title, or the margin fall's."""
    return display.flag_title(kind)


def issue_reason(display: Display, item: AttentionItem, risk: RiskParams | None = None) -> str:
    """Why the issue was raised, with its numbers, in the report language."""
    if item.kind == MARGIN_FALL_CODE:
        fall = (item.baseline - item.value) / item.baseline if item.baseline else None
        return display.t(
            "attention.reason.MARGIN_FALL",
            fall=display.percent(fall),
            value=display.money(item.value, compact=True),
            baseline=display.money(item.baseline, compact=True),
            threshold=display.percent(item.threshold, digits=0),
        )
    return display.flag_reason(item.kind, item.value, item.threshold, item.baseline, risk)


def entry(
    display: Display,
    item: AttentionItem,
    risk: RiskParams | None = None,
    *,
    account: AccountAttention | None = None,
    link: str = "",
    reason: str = "",
) -> AttentionEntry:
    """An issue as text; with ``account`` (the portfolio) it names the account and its
    other issues; ``reason`` the sentence when the report words it already (the account
    review's highlights, which name their windows), else the flag's own sentence."""
    t = display.t
    others = ()
    if account is not None:
        others = tuple(dict.fromkeys(issue_title(display, i.kind) for i in account.items[1:]))
    return AttentionEntry(
        title=issue_title(display, item.kind),
        reason=reason or issue_reason(display, item, risk),
        stake=t("attention.stake", amount=display.money(item.at_stake, compact=True)),
        severity=item.severity,
        severity_text=t("attention.severity", level=display.severity(item.severity)),
        action=display.flag_action(item.kind),
        owner=t("attention.owner", owner=item.owner) if item.owner else t("attention.no_owner"),
        account=display.name(item.account_id) if account is not None else "",
        account_note=display.id_note(item.account_id) if account is not None else "",
        link=link,
        also=t("attention.also", issues=t("attention.separator").join(others)) if others else "",
        attrs=attrs(
            kind=item.kind, metric=item.kind, account=item.account_id, severity=item.severity
        ),
    )


def account_block(
    display: Display,
    items: Sequence[AttentionItem],
    shown: int,
    risk: RiskParams | None = None,
    reasons: Sequence[str] = (),
    *,
    margin_known: bool = True,
) -> AttentionBlock:
    """An account review's block: its first ``shown`` issues, and how many more there are;
    ``reasons`` the issues' sentences as the review words them ("" where it does not).
    ``margin_known``: False when the account's gross margin is unknown (no costs), so
    "nothing needs attention" does not claim the margin is steady."""
    t = display.t
    if not items:
        none = "attention.none" if margin_known else "attention.none_no_margin"
        return AttentionBlock(t("attention.title"), none=t(none))
    more = len(items) - shown
    return AttentionBlock(
        t("attention.title"),
        intro=t("attention.intro"),
        entries=tuple(
            entry(display, item, risk, reason=reasons[i] if i < len(reasons) else "")
            for i, item in enumerate(items[:shown])
        ),
        more=t("attention.more", n=display.number(more)) if more > 0 else "",
    )


def portfolio_block(
    display: Display,
    accounts: Sequence[AccountAttention],
    shown: int,
    links: Mapping[str, str],
    more_section: str,
    risk: RiskParams | None = None,
) -> AttentionBlock:
    """The portfolio's block: the first ``shown`` accounts, each with its first issue and
    the titles of its others; ``links`` to the account reviews that exist."""
    t = display.t
    if not accounts:
        return AttentionBlock(t("attention.title"), none=t("attention.none_portfolio"))
    more = len(accounts) - shown
    entries = tuple(
        entry(display, a.top, risk, account=a, link=links.get(a.account_id, ""))
        for a in accounts[:shown]
    )
    return AttentionBlock(
        t("attention.title"),
        intro=t("attention.intro_portfolio"),
        entries=entries,
        more=t("attention.more_accounts", n=display.number(more), section=more_section)
        if more > 0
        else "",
    )


__all__ = [
    "AttentionBlock",
    "AttentionEntry",
    "account_block",
    "entry",
    "issue_reason",
    "issue_title",
    "portfolio_block",
]
