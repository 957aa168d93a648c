"""How a figure, a name, a tier or a risk flag reads: each rule once, for every output.

Every view model (customer review, portfolio, targets page, index, email) turns
analytics results into text through one :class:`Display`, so the same number
reads the same everywhere: a growth rate has one sign convention, a tier one
name per language, an account one display name per language, a risk flag one
sentence.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from kamreport.analytics.risk import UNITS
from kamreport.i18n import MINUS, Formatter
from kamreport.params import RiskParams
from kamreport.views.blocks import Cell, Change

# A change smaller than this (0.05% or 0.05 pp) shows as no change.
FLAT = 0.0005


def missing(value: object) -> bool:
    """None, NaN, NaT and pandas' NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value: object) -> float | None:
    """A float, or None for anything missing or not a number."""
    if missing(value):
        return None
    try:
        result = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(result) else result


def text_or_blank(value: object) -> str:
    """A data text as it is, "" when missing."""
    return "" if missing(value) else str(value)


def account_names(accounts: pd.DataFrame, locale: str) -> dict[str, str]:
    """Each account's display name in ``locale``: the English name in English when the data
    has one, else the name; the account id when both are empty."""
    ids = accounts["account_id"].astype(str)
    if "name" in accounts:
        names = accounts["name"].astype(object)
    else:
        names = pd.Series("", index=ids.index, dtype=object)
    names = names.where(names.notna() & (names.astype(str) != ""), ids)
    if locale == "en" and "name_en" in accounts:
        english = accounts["name_en"].astype(object)
        names = english.where(english.notna() & (english.astype(str) != ""), names)
    return dict(zip(ids, names.astype(str), strict=True))


def other_names(accounts: pd.DataFrame, locale: str) -> dict[str, str]:
    """The account's name in the other language, where the data has both (else "")."""
    if "name_en" not in accounts or "name" not in accounts:
        return {}
    shown = account_names(accounts, locale)
    out = {}
    for account_id, name, name_en in zip(
        accounts["account_id"].astype(str), accounts["name"], accounts["name_en"], strict=True
    ):
        alternative = {text_or_blank(name), text_or_blank(name_en)} - {shown[account_id], ""}
        if alternative:
            out[account_id] = alternative.pop()
    return out


@dataclass(frozen=True)
class Display:
    """Formatting and wording for one report language, currency and set of accounts."""

    fmt: Formatter
    names: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def for_accounts(cls, fmt: Formatter, accounts: pd.DataFrame) -> Display:
        return cls(fmt, account_names(accounts, fmt.locale))

    # --- words --------------------------------------------------------------------

    def t(self, key: str, **values: Any) -> str:
        return self.fmt.t(key, **values)

    @property
    def na(self) -> str:
        return self.fmt.t("common.na")

    def name(self, account_id: str) -> str:
        """The account's display name (its id when the data has none)."""
        return self.names.get(str(account_id), str(account_id))

    def id_note(self, account_id: str) -> str:
        """The id shown beside an account's name: "" when the name is the id (an export
        without names), so no table reads "12347 12347"."""
        return "" if self.name(account_id) == str(account_id) else str(account_id)

    def tier(self, tier: object) -> str:
        """The tier's name (key, growth, maintain, ordinary; new = not yet a customer)."""
        return self.na if missing(tier) else self.fmt.t(f"tier.{tier}")

    def severity(self, level: str) -> str:
        return self.fmt.t(f"flag.severity.{level}")

    def value(self, kind: str, raw: object) -> str:
        """A data value (industry, region, role…) in the report language when known."""
        return self.fmt.value(kind, raw)

    # --- numbers ------------------------------------------------------------------

    def money(self, value: object, *, compact: bool = False) -> str:
        return self.fmt.money(number(value), compact=compact)

    def number(self, value: object, digits: int = 0) -> str:
        return self.fmt.number(number(value), digits=digits)

    def percent(self, value: object, digits: int = 1) -> str:
        return self.fmt.percent(number(value), digits=digits)

    def growth(self, value: object, digits: int = 1) -> str:
        """A signed relative change: +12.3%, −4.0%, 0.0%."""
        return self.fmt.percent(number(value), digits=digits, signed=True)

    def points(self, value: object) -> str:
        """A signed change between two fractions in percentage points: +1.2 pp."""
        return self.fmt.points(number(value))

    def growth_words(self, value: object) -> str:
        """A relative change as a sentence says it: "+2.5%", "增长2.5%", "持平"."""
        return self._worded("common.change", number(value), self.fmt.percent)

    def points_words(self, value: object) -> str:
        """A change in percentage points as a sentence says it: "+7.0 pp", "提高7.0个百分点"."""
        return self._worded(
            "common.points_change", number(value), lambda v: self.fmt.number(v * 100, digits=1)
        )

    def _worded(self, key: str, amount: float | None, shown: Callable[[float], str]) -> str:
        if amount is None:
            return self.na
        text = shown(abs(amount))
        if text == shown(0.0):  # what is shown decides: a change that rounds to zero is flat
            return self.fmt.t(f"{key}.flat")
        return self.fmt.t(f"{key}.{'up' if amount > 0 else 'down'}", value=text)

    def labelled(self, label: str, value: str) -> str:
        """The label, a colon and the value: full-width colon in Chinese."""
        return self.fmt.t("common.label_value", label=label, value=value)

    def aside(self, text: str, note: str) -> str:
        """The text with a note in brackets: full-width brackets in Chinese."""
        return self.fmt.t("common.aside", text=text, note=note)

    def date(self, value: object) -> str:
        return self.na if missing(value) else self.fmt.date(value)  # type: ignore[arg-type]

    def month(self, value: object) -> str:
        return self.na if missing(value) else self.fmt.month(value)  # type: ignore[arg-type]

    def ratio(self, part: object, whole: object) -> str:
        """part / whole as a percentage; n/a when the whole is not positive."""
        a, b = number(part), number(whole)
        return self.percent(a / b if a is not None and b else None)

    def text(self, kind: str, value: object) -> str:
        """A figure quoted in a sentence, by its kind: the one kind → text rule.

        Kinds: money, money_full, percent (a fraction), fraction (the same),
        growth (signed %), points (a change in pp, worded: "+1.2 pp", "提高1.2个百分点"),
        pp (a size in pp, unsigned), count, number, decimal, days, days_ago, date, category,
        none.
        """
        if kind == "days_ago":
            if missing(value):
                return self.fmt.t("review.unit.never")
            return self.fmt.t("review.unit.days_ago", n=self.number(value))
        if missing(value) or kind == "none":
            return self.na
        if kind == "days":
            return self.fmt.t("review.unit.days", n=self.number(value))
        if kind == "date":
            return self.date(value)
        if kind == "money":
            return self.money(value, compact=True)
        if kind == "money_full":
            return self.money(value)
        if kind in ("percent", "fraction"):
            return self.percent(value)
        if kind == "growth":
            return self.growth(value)
        if kind == "points":
            return self.points_words(value)
        if kind == "pp":
            size = abs(float(value)) * 100  # type: ignore[arg-type]
            return self.fmt.t("common.points", value=self.fmt.number(size, digits=1))
        if kind == "count":
            digits = 0 if float(value).is_integer() else 1  # type: ignore[arg-type]
            return self.number(value, digits=digits)
        if kind == "decimal":
            return self.number(value, digits=1)
        if kind == "category":
            return self.fmt.value("category", value)
        return self.number(value)

    def signed_money(self, value: object, *, compact: bool = False) -> str:
        """An amount of change with its sign: +CN¥1,200, −CN¥300, CN¥0 (as rounded)."""
        amount = number(value)
        shown = self.money(amount, compact=compact)
        return f"+{shown}" if amount is not None and round(amount) > 0 else shown

    def change(self, value: object, kind: str = "growth") -> Change:
        """A growth rate (``growth``) or a change in percentage points (``points``) as a badge."""
        amount = number(value)
        if amount is None:
            return Change(self.na)
        shown = self.points(amount) if kind == "points" else self.growth(amount)
        if amount > FLAT:
            return Change(f"▲ {shown}", "up")
        if amount < -FLAT:
            return Change(f"▼ {shown}", "down")
        return Change(self.points(0.0) if kind == "points" else self.growth(0.0))

    # --- risk flags -------------------------------------------------------------

    def flag_reason(
        self,
        code: str,
        value: object,
        threshold: object,
        baseline: object,
        risk: RiskParams | None = None,
    ) -> str:
        """Why the flag was raised, with its numbers and its window (one sentence for every
        report; ``risk`` holds the windows, the defaults when not given)."""
        units = UNITS[code]
        numbers = {
            name: self.text(unit, figure)
            for name, unit, figure in zip(
                ("value", "threshold", "baseline"), units, (value, threshold, baseline), strict=True
            )
        }
        risk = risk or RiskParams()
        windows = {
            "months": self.number(risk.discount_window_months),
            "days": self.number(risk.complaint_window_days),
        }
        return self.fmt.t(f"flag.reason.{code}", **numbers, **windows)

    def flag_title(self, code: str) -> str:
        """The flag in a few words (email, index)."""
        return self.fmt.t(f"flag.title.{code}")

    def flag_action(self, code: str) -> str:
        return self.fmt.t(f"flag.action.{code}")

    # --- cells ------------------------------------------------------------------

    def account_cell(self, account_id: str, link: str = "") -> Cell:
        """An account in a table: its display name (linked to its review) and its id."""
        return Cell(self.name(account_id), link=link, note=self.id_note(account_id))

    def money_cell(self, value: object, *, compact: bool = False) -> Cell:
        return Cell(self.money(value, compact=compact), numeric=True)

    def number_cell(self, value: object, digits: int = 0) -> Cell:
        return Cell(self.number(value, digits), numeric=True)

    def percent_cell(self, value: object, digits: int = 1) -> Cell:
        return Cell(self.percent(value, digits), numeric=True)

    def change_cell(self, value: object, kind: str = "growth") -> Cell:
        return Cell(numeric=True, change=self.change(value, kind))

    def cap_note(self, shown: int, total: int) -> str:
        """ "top 20 of 312" under a table that shows only the first rows."""
        if total <= shown:
            return ""
        return self.fmt.t("common.cap_note", shown=self.number(shown), total=self.number(total))


__all__ = ["FLAT", "MINUS", "Display", "account_names", "missing", "number", "other_names"]
