"""Messages and number/date formatting for the report's language.

Every text a reader sees comes from a catalog (``en/*.yaml``, ``zh-CN/*.yaml``,
one file per report or concern, merged) through :meth:`Formatter.t`; numbers,
money, percentages and dates go through Babel so they follow the locale's
conventions (``1.2M`` vs ``120万``).

One term per concept: each locale's ``glossary.yaml`` holds the domain terms
(tiers, contact roles, risk-flag names, section names, key metrics) under the
``g.`` prefix, and every other message uses a term by reference, ``{g.tier.growth}``,
never by copying it. :func:`catalog` replaces each reference with the term when it
loads the files (a term may itself refer to another term), so a term is changed
in one place and every output — reports, emails, the workbook, the targets page —
shows the same word. An unknown reference stops loading with an error naming it.
Within one message, ``{name}`` without the prefix stays a placeholder filled by
:meth:`Formatter.t`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from babel import numbers as babel_numbers
from babel.dates import format_date, format_skeleton

from kamreport.yaml_loader import load_strict

CATALOG_DIR = Path(__file__).parent
BABEL_LOCALES = {"en": "en_US", "zh-CN": "zh_Hans_CN"}
MINUS = "\u2212"  # a true minus sign, the width of a plus, in every displayed number
# Two sentence stops in a row come from a value that ends a sentence ("Co., Ltd.")
# placed before the message's own full stop; an ellipsis ("...") is left alone.
_DOUBLED_STOP = re.compile(r"(?<!\.)\.\.(?!\.)|。。|\.。|。\.")
# A glossary reference in a message: {g.tier.growth}.
_GLOSSARY_REF = re.compile(r"\{(g(?:\.[\w-]+)+)\}")


@cache
def catalog(locale: str) -> dict[str, str]:
    """The flat ``key -> message`` catalog of a locale, merged from its YAML files."""
    merged: dict[str, str] = {}
    for path in sorted((CATALOG_DIR / locale).glob("*.yaml")):
        nested = load_strict(path.read_text(encoding="utf-8")) or {}
        for key, message in _flatten(nested):
            if key in merged:
                raise ValueError(f"message {key!r} is defined twice ({path.name})")
            merged[key] = message
    return {key: _resolve(key, message, merged) for key, message in merged.items()}


def _resolve(key: str, message: str, messages: dict[str, str], seen: tuple[str, ...] = ()) -> str:
    """``message`` with every glossary reference ``{g.…}`` replaced by its term."""

    def term(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref not in messages:
            raise ValueError(f"message {key!r} refers to {ref!r}, which the glossary lacks")
        if ref in seen:
            raise ValueError(f"glossary term {ref!r} refers to itself")
        return _resolve(key, messages[ref], messages, (*seen, ref))

    return _GLOSSARY_REF.sub(term, message)


def _flatten(node: dict[str, Any], prefix: str = ""):
    for key, value in node.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{full}.")
        else:
            yield full, str(value)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(value))
    except TypeError:
        return False


@dataclass(frozen=True)
class Formatter:
    """Translate and format for one locale and reporting currency."""

    locale: str = "en"
    currency: str = "CNY"

    @property
    def babel_locale(self) -> str:
        return BABEL_LOCALES[self.locale]

    @property
    def html_lang(self) -> str:
        return "zh-CN" if self.locale == "zh-CN" else "en"

    def t(self, key: str, **values: Any) -> str:
        """The message ``key`` in this locale, with ``{placeholders}`` filled."""
        message = catalog(self.locale)[key]
        if not values:
            return message
        return _DOUBLED_STOP.sub(lambda m: m.group(0)[-1], message.format(**values))

    def value(self, kind: str, raw: object) -> str:
        """A data value (industry, region…) in the report language when the catalog
        knows it, else as it is in the data."""
        if raw is None or _missing(raw):
            return self.t("common.na")
        return catalog(self.locale).get(f"values.{kind}.{raw}", str(raw))

    def confidentiality(self, label: str) -> str:
        """The confidentiality label (``report.confidentiality``) in the report language
        when it is a known one (Internal, Confidential… in any case); else as written."""
        known = catalog(self.locale).get(f"values.confidentiality.{label.strip().casefold()}")
        return known or label

    @property
    def no_data(self) -> str:
        return self.t("common.no_data")

    def money(self, value: float | None, *, compact: bool = False) -> str:
        if _missing(value):
            return self.t("common.na")
        value = round(float(value)) + 0.0  # rounded as shown: no "CN¥0.000…247", no "−CN¥0"
        if compact:
            text = babel_numbers.format_compact_currency(
                value, self.currency, locale=self.babel_locale, fraction_digits=1
            )
        else:
            text = babel_numbers.format_currency(
                value, self.currency, locale=self.babel_locale, format="¤#,##0",
                currency_digits=False,
            )  # fmt: skip
        return _minus(text)

    def number(self, value: float | None, *, digits: int = 0, compact: bool = False) -> str:
        if _missing(value):
            return self.t("common.na")
        value = round(float(value), digits) + 0.0  # what is shown decides the sign: no "-0"
        if compact:
            text = babel_numbers.format_compact_decimal(
                value, locale=self.babel_locale, fraction_digits=1
            )
        else:
            pattern = "#,##0" + ("." + "0" * digits if digits else "")
            text = babel_numbers.format_decimal(value, format=pattern, locale=self.babel_locale)
        return _minus(text)

    def percent(self, value: float | None, *, digits: int = 1, signed: bool = False) -> str:
        """Format a fraction (0.123) as a percentage (12.3%)."""
        if _missing(value):
            return self.t("common.na")
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        value = round(value, digits + 2) + 0.0  # what is shown decides the sign: no "-0.0%"
        text = _minus(babel_numbers.format_percent(value, format=pattern, locale=self.babel_locale))
        return f"+{text}" if signed and value > 0 else text

    def points(self, value: float | None, *, digits: int = 1) -> str:
        """A change between two fractions in percentage points (0.012 → +1.2 pp)."""
        if _missing(value):
            return self.t("common.na")
        number = babel_numbers.format_decimal(
            abs(value) * 100, format="#,##0." + "0" * digits, locale=self.babel_locale
        )
        rounded = round(value * 100, digits)
        sign = "+" if rounded > 0 else (MINUS if rounded < 0 else "")
        return self.t("common.points", value=f"{sign}{number}")

    def date(self, value: dt.date | None) -> str:
        if value is None or _missing_date(value):
            return self.t("common.na")
        return format_date(_as_date(value), "medium", locale=self.babel_locale)

    def month(self, value: dt.date) -> str:
        return format_skeleton("yMMM", _as_date(value), locale=self.babel_locale)

    def currency_symbol(self) -> str:
        return babel_numbers.get_currency_symbol(self.currency, locale=self.babel_locale)


def _minus(text: str) -> str:
    """Babel's hyphen-minus as a true minus sign (U+2212)."""
    return text.replace("-", MINUS)


def _missing_date(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return value.to_pydatetime().date()  # pandas Timestamp
