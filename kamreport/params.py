"""Run parameters: one typed, frozen object built from three layers.

Precedence: the defaults below < a params file (YAML, ``PARAMS=``) < values
given on the command line (``AS_OF=``, ``LOCALE=``, ``--set section.key=value``).
Unknown keys are rejected with a "did you mean"; dates are parsed explicitly
(YAML's own date conversion is switched off).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kamreport.errors import ParamsError
from kamreport.yaml_loader import load_strict

LOCALES = ("en", "zh-CN")
FORMATS = ("html", "pdf")
PAGE_SIZES = ("A4", "Letter")
WITHOUT_ACCOUNT = ("refuse", "exclude")


def _frozen_map(value: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return types.MappingProxyType(dict(value or {}))


@dataclass(frozen=True)
class BoundsParams:
    """Plausible ranges of the data: values outside them are reported by validation.

    Amounts and quantities beyond the maxima, and event dates (order, invoice, payment,
    activity, survey, complaint) more than ``future_days`` after the as-of date (today
    when none is set) cannot be right and are errors; dates before ``earliest_date`` are
    warnings (docs/data-model.md, "Plausible ranges").
    """

    max_amount: float = 1e12
    max_quantity: float = 1e9
    earliest_date: dt.date = dt.date(1990, 1, 1)
    future_days: int = 366

    def __post_init__(self) -> None:
        _in_range("data.bounds.max_amount", self.max_amount, 1, 1e15)
        _in_range("data.bounds.max_quantity", self.max_quantity, 1, 1e15)
        _in_range("data.bounds.future_days", self.future_days, 0, 3660)
        if not dt.date(1678, 1, 1) <= self.earliest_date <= dt.date(2261, 12, 31):
            raise ParamsError(
                "data.bounds.earliest_date must lie between 1678-01-01 and 2261-12-31, "
                f"found {self.earliest_date}."
            )


@dataclass(frozen=True)
class DataParams:
    """Where the account data comes from and how its columns map to the data model."""

    source: str = "data/sample"
    format: str = "auto"
    encoding: str = "auto"
    tables: Mapping[str, str] = field(default_factory=_frozen_map)
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=_frozen_map)
    currency: str = "CNY"
    bounds: BoundsParams = field(default_factory=BoundsParams)
    # Order lines and invoices with an empty account_id: an error, or left out and reported.
    lines_without_account: str = "refuse"

    def __post_init__(self) -> None:
        _one_of("data.format", self.format, ("auto", "csv", "xlsx", "sql", "parquet"))
        _one_of("data.encoding", self.encoding, ("auto", "utf-8", "utf-8-sig", "gbk", "gb18030"))
        _one_of("data.lines_without_account", self.lines_without_account, WITHOUT_ACCOUNT)


@dataclass(frozen=True)
class ReportParams:
    """What to report on and how to present it."""

    locale: str = "en"
    as_of: dt.date | None = None
    output_dir: str = "outputs"
    trend_months: int = 36
    formats: tuple[str, ...] = ("html",)
    confidentiality: str = "Internal"
    page_size: str = "A4"
    visit_contact_days: int = 90
    visit_complaint_days: int = 180

    def __post_init__(self) -> None:
        object.__setattr__(self, "locale", normalize_locale(self.locale))
        _in_range("report.visit_contact_days", self.visit_contact_days, 1, 3650)
        _in_range("report.visit_complaint_days", self.visit_complaint_days, 1, 3650)
        for fmt in self.formats:
            _one_of("report.formats", fmt, FORMATS)
        _one_of("report.page_size", self.page_size, PAGE_SIZES)
        if not 12 <= self.trend_months <= 120:
            raise ParamsError(
                f"report.trend_months must be between 12 and 120, found {self.trend_months}."
            )


SCORING_CRITERIA = ("spend", "growth", "loyalty", "profit", "potential", "influence", "risk")
DEFAULT_WEIGHTS = {
    "spend": 0.25,
    "growth": 0.15,
    "loyalty": 0.15,
    "profit": 0.15,
    "potential": 0.15,
    "influence": 0.05,
    "risk": 0.10,
}


def check_weights(weights: Mapping[str, float], name: str = "scoring.weights") -> None:
    """Weights must name known criteria, lie in [0, 1] and sum to 1 (within 1e-6)."""
    for key, value in weights.items():
        if key not in SCORING_CRITERIA:
            close = difflib.get_close_matches(str(key), SCORING_CRITERIA, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ParamsError(
                f"Unknown scoring criterion {key!r}.{hint} Criteria: {', '.join(SCORING_CRITERIA)}."
            )
        if not -1e-9 <= value <= 1 + 1e-9:
            raise ParamsError(f"{name}.{key} must be between 0 and 1, found {value:g}.")
    total = sum(weights.values())
    if abs(total - 1) > 1e-6:
        terms = " + ".join(f"{key} {value:g}" for key, value in weights.items())
        raise ParamsError(
            f"{name} must sum to 1, found {round(total, 6):g} ({terms}). "
            "Adjust the weights in your params file."
        )


# Risk points lost per risk flag, by severity (docs/metrics.md, "Value").
DEFAULT_RISK_FLAG_WEIGHTS = {"high": 1.0, "medium": 0.5}
RISK_SEVERITIES = ("high", "medium")


def _risk_flag_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Every flag severity weighted, between 0 and 10, a high flag at least a medium one."""
    merged = {**DEFAULT_RISK_FLAG_WEIGHTS, **dict(weights)}
    for key, value in merged.items():
        if key not in RISK_SEVERITIES:
            raise ParamsError(
                f"Unknown flag severity {key!r} in scoring.risk_flag_weights; "
                f"severities: {', '.join(RISK_SEVERITIES)}."
            )
        _in_range(f"scoring.risk_flag_weights.{key}", float(value), 0, 10)
    if merged["high"] < merged["medium"]:
        raise ParamsError("scoring.risk_flag_weights.high must be at least the medium weight.")
    return {k: float(v) for k, v in merged.items()}


def _in_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ParamsError(f"{name} must be between {low:g} and {high:g}, found {value:g}.")


@dataclass(frozen=True)
class ScoringParams:
    """Multi-criteria account score (客户价值评估), ABC classes and tiers (客户分级)."""

    weights: Mapping[str, float] = field(default_factory=lambda: _frozen_map(DEFAULT_WEIGHTS))
    abc_a_threshold: float = 0.80
    abc_b_threshold: float = 0.95
    tier_key_min_score: float = 70.0
    tier_growth_min_potential: float = 0.7
    tier_growth_min_growth: float = 0.2
    tier_growth_potential_min_growth: float = -0.1
    tier_growth_min_score: float = 40.0
    tier_maintain_min_score: float = 40.0
    risk_flag_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen_map(DEFAULT_RISK_FLAG_WEIGHTS)
    )
    risk_flag_cap: float = 2.0
    tier_key_max_accounts: int | None = None
    tier_key_max_revenue_share: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "weights", _frozen_map(self.weights))
        if self.tier_key_max_accounts is not None:
            _in_range("scoring.tier_key_max_accounts", self.tier_key_max_accounts, 0, 10_000_000)
        if self.tier_key_max_revenue_share is not None:
            _in_range("scoring.tier_key_max_revenue_share", self.tier_key_max_revenue_share, 0, 1)
        check_weights(self.weights)
        object.__setattr__(
            self, "risk_flag_weights", _frozen_map(_risk_flag_weights(self.risk_flag_weights))
        )
        _in_range("scoring.risk_flag_cap", self.risk_flag_cap, 0.01, 100)
        _in_range("scoring.abc_a_threshold", self.abc_a_threshold, 0.01, 1)
        _in_range("scoring.abc_b_threshold", self.abc_b_threshold, self.abc_a_threshold, 1)
        for name in ("tier_key_min_score", "tier_growth_min_score", "tier_maintain_min_score"):
            _in_range(f"scoring.{name}", getattr(self, name), 0, 100)
        _in_range("scoring.tier_growth_min_potential", self.tier_growth_min_potential, 0, 1)


@dataclass(frozen=True)
class ClvParams:
    """Customer lifetime value (客户终身价值): horizon, discounting, model fitting."""

    horizon_months: int = 36
    discount_rate: float = 0.10
    min_repeat_customers: int = 20
    fallback_retention: float | None = None
    default_retention: float = 0.8
    min_yearly_dropout: float = 0.01
    interval_level: float = 0.9
    interval_resamples: int = 20
    assumed_margin: float | None = None

    def __post_init__(self) -> None:
        if self.assumed_margin is not None:
            _in_range("clv.assumed_margin", self.assumed_margin, 0.001, 1)
        _in_range("clv.min_yearly_dropout", self.min_yearly_dropout, 0, 1)
        _in_range("clv.interval_level", self.interval_level, 0.5, 0.99)
        _in_range("clv.interval_resamples", self.interval_resamples, 2, 1000)
        _in_range("clv.horizon_months", self.horizon_months, 1, 240)
        _in_range("clv.discount_rate", self.discount_rate, 0, 1)
        _in_range("clv.min_repeat_customers", self.min_repeat_customers, 3, 1_000_000)
        if self.fallback_retention is not None:
            _in_range("clv.fallback_retention", self.fallback_retention, 0, 1)
        _in_range("clv.default_retention", self.default_retention, 0, 1)


@dataclass(frozen=True)
class RiskParams:
    """Thresholds of the risk flags of the account review (definitions in docs/metrics.md)."""

    order_gap_factor: float = 2.0
    order_gap_min_days: int = 30
    order_gap_history_months: int = 24
    min_orders_for_interval: int = 4
    revenue_decline: float = 0.15
    wallet_share_drop: float = 0.05
    overdue_grace_days: int = 30
    overdue_min_share: float = 0.05
    complaint_window_days: int = 90
    complaint_spike_min: int = 3
    complaint_spike_factor: float = 2.0
    decision_maker_days: int = 120
    senior_visit_months: int = 12
    discount_window_months: int = 6
    discount_rise: float = 0.03
    breadth_drop: float = 0.35
    price_buying_discount_rise: float = 0.02
    price_buying_breadth_drop: float = 0.2
    price_buying_purchaser_rise: float = 0.2
    price_buying_min_meetings: int = 3
    price_buying_min_signs: int = 2
    p_alive_min: float = 0.5
    survey_stale_months: int = 12
    satisfaction_fall: float = 1.5
    satisfaction_baseline_months: int = 24

    def __post_init__(self) -> None:
        _in_range("risk.order_gap_factor", self.order_gap_factor, 1, 100)
        _in_range("risk.order_gap_min_days", self.order_gap_min_days, 0, 3650)
        _in_range("risk.order_gap_history_months", self.order_gap_history_months, 3, 120)
        _in_range("risk.min_orders_for_interval", self.min_orders_for_interval, 2, 1000)
        _in_range("risk.revenue_decline", self.revenue_decline, 0, 1)
        _in_range("risk.wallet_share_drop", self.wallet_share_drop, 0, 1)
        _in_range("risk.overdue_grace_days", self.overdue_grace_days, 0, 3650)
        _in_range("risk.overdue_min_share", self.overdue_min_share, 0, 1)
        _in_range("risk.complaint_window_days", self.complaint_window_days, 7, 730)
        _in_range("risk.complaint_spike_min", self.complaint_spike_min, 1, 1000)
        _in_range("risk.complaint_spike_factor", self.complaint_spike_factor, 1, 100)
        _in_range("risk.decision_maker_days", self.decision_maker_days, 1, 3650)
        _in_range("risk.senior_visit_months", self.senior_visit_months, 1, 120)
        _in_range("risk.discount_window_months", self.discount_window_months, 1, 12)
        _in_range("risk.discount_rise", self.discount_rise, 0, 1)
        _in_range("risk.breadth_drop", self.breadth_drop, 0, 1)
        _in_range("risk.price_buying_discount_rise", self.price_buying_discount_rise, 0, 1)
        _in_range("risk.price_buying_breadth_drop", self.price_buying_breadth_drop, 0, 1)
        _in_range("risk.price_buying_purchaser_rise", self.price_buying_purchaser_rise, 0, 1)
        _in_range("risk.price_buying_min_meetings", self.price_buying_min_meetings, 1, 1000)
        _in_range("risk.price_buying_min_signs", self.price_buying_min_signs, 1, 3)
        _in_range("risk.p_alive_min", self.p_alive_min, 0, 1)
        _in_range("risk.survey_stale_months", self.survey_stale_months, 1, 120)
        _in_range("risk.satisfaction_fall", self.satisfaction_fall, 0.1, 10)
        _in_range("risk.satisfaction_baseline_months", self.satisfaction_baseline_months, 1, 120)


EMAIL_SECURITY = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class EmailParams:
    """Emailing reports: recipient lists, sender, SMTP server, retries.

    Credentials never live here: only the names of the environment variables
    that hold them. A ``password`` key is accepted by the loader only to refuse
    it with an explanation.
    """

    recipients: Mapping[str, tuple[str, ...]] = field(default_factory=_frozen_map)
    sender: str = ""
    smtp_host: str = "localhost"
    smtp_port: int = 587
    security: str = "starttls"
    ca_file: str = ""
    username_env: str = "KAMREPORT_SMTP_USER"
    password_env: str = "KAMREPORT_SMTP_PASSWORD"
    timeout_seconds: float = 30.0
    max_attempts: int = 4
    retry_delay_seconds: float = 2.0
    retry_max_delay_seconds: float = 60.0
    managers: Mapping[str, str] = field(default_factory=_frozen_map)
    attention_rows: int = 10
    movers: int = 5
    target_risk_threshold: float = 0.05
    digest_days: int = 7
    password: str | None = None

    def __post_init__(self) -> None:
        if self.password:
            raise ParamsError(
                "email.password is not allowed in a params file: files get copied, "
                "shared and committed. Put the password in an environment variable and "
                f"name it in email.password_env (now {self.password_env!r}), e.g. "
                f"`export {self.password_env or 'KAMREPORT_SMTP_PASSWORD'}=…`."
            )
        object.__setattr__(self, "recipients", _frozen_map(self.recipients))
        object.__setattr__(self, "managers", _frozen_map(self.managers))
        _in_range("email.attention_rows", self.attention_rows, 1, 100)
        _in_range("email.movers", self.movers, 1, 50)
        _in_range("email.target_risk_threshold", self.target_risk_threshold, 0, 1)
        _in_range("email.digest_days", self.digest_days, 1, 90)
        _one_of("email.security", self.security, EMAIL_SECURITY)
        _in_range("email.smtp_port", self.smtp_port, 1, 65535)
        _in_range("email.timeout_seconds", self.timeout_seconds, 0.1, 600)
        _in_range("email.max_attempts", self.max_attempts, 1, 20)
        _in_range("email.retry_delay_seconds", self.retry_delay_seconds, 0, 600)
        _in_range(
            "email.retry_max_delay_seconds",
            self.retry_max_delay_seconds,
            self.retry_delay_seconds,
            3600,
        )


@dataclass(frozen=True)
class PortfolioParams:
    """The portfolio report: table lengths, back-test outcome, duplicate detection."""

    table_rows: int = 20
    backtest_shrink: float = 0.3
    duplicate_similarity: float = 0.9
    sensitivity_step: float = 0.2
    group_accounts: bool = False  # groups (集团客户) as one row in the tables that add up

    def __post_init__(self) -> None:
        _in_range("portfolio.table_rows", self.table_rows, 1, 10_000)
        _in_range("portfolio.backtest_shrink", self.backtest_shrink, 0, 1)
        _in_range("portfolio.duplicate_similarity", self.duplicate_similarity, 0.5, 1)
        _in_range("portfolio.sensitivity_step", self.sensitivity_step, 0.01, 0.9)


TARGET_METHODS = ("run_rate", "ltm_seasonal", "trend", "potential")
# The account tiers (客户分级), best first: the one list every module uses.
TIERS = ("key", "growth", "maintain", "ordinary")
# Targets beyond revenue, counted per year: visits, senior-management visits, trainings.
SERVICE_KINDS = ("visits", "senior_visits", "training")
# The floor of each tier's yearly service (a tier or kind left out: no floor).
DEFAULT_SERVICE_LEVELS: Mapping[str, Mapping[str, float]] = {
    "key": {"visits": 12, "senior_visits": 4, "training": 2},
    "growth": {"visits": 6, "senior_visits": 2, "training": 1},
    "maintain": {"visits": 4, "senior_visits": 1, "training": 0},
    "ordinary": {"visits": 2, "senior_visits": 0, "training": 0},
}
# How the workshop proposes to spread goal − Σ bottom-up (kamreport.analytics.target_gap).
GAP_RULES = ("headroom", "tier", "pro_rata")


@dataclass(frozen=True)
class TargetsParams:
    """The annual target-setting workshop (年度目标制定): proposals, workbook, read-back."""

    tiers: tuple[str, ...] = ("key", "growth", "maintain")
    methods: Mapping[str, str] = field(default_factory=_frozen_map)
    fallback_method: str = "ltm_seasonal"
    trend_cap: float = 0.25
    wallet_capture: float = 0.2
    backtest_years: int = 1
    backtest_cutoff: str = "same_day"
    backtest_min_accounts: int = 3
    round_to: float = 1000.0
    goal: float | None = None
    default_growth: float = 0.05
    interval_level: float = 0.8
    tolerance: float = 0.02
    tolerance_action: str = "error"
    monthly_spread: str = "seasonal"
    service_levels: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: _frozen_map(DEFAULT_SERVICE_LEVELS)
    )
    gap_rule: str = "headroom"
    gap_tier_weights: Mapping[str, float] = field(default_factory=_frozen_map)

    def __post_init__(self) -> None:
        object.__setattr__(self, "methods", _frozen_map(self.methods))
        levels = {t: _frozen_map(v) for t, v in (self.service_levels or {}).items()}
        object.__setattr__(self, "service_levels", _frozen_map(levels))
        object.__setattr__(self, "gap_tier_weights", _frozen_map(self.gap_tier_weights))
        for tier, kinds in self.service_levels.items():
            _one_of("targets.service_levels (tier)", tier, TIERS)
            if not isinstance(kinds, Mapping):
                raise ParamsError(
                    f"targets.service_levels.{tier} must map visits, senior_visits and "
                    f"training to yearly counts, found {kinds!r}."
                )
            for kind, count in kinds.items():
                _one_of(f"targets.service_levels.{tier}", kind, SERVICE_KINDS)
                _in_range(f"targets.service_levels.{tier}.{kind}", count, 0, 365)
        _one_of("targets.gap_rule", self.gap_rule, GAP_RULES)
        for tier, weight in self.gap_tier_weights.items():
            _one_of("targets.gap_tier_weights (tier)", tier, TIERS)
            _in_range(f"targets.gap_tier_weights.{tier}", weight, 0, 100)
        if not self.tiers:
            raise ParamsError("targets.tiers must name at least one tier.")
        for tier in self.tiers:
            _one_of("targets.tiers", tier, TIERS)
        for tier, method in self.methods.items():
            _one_of("targets.methods (tier)", tier, TIERS)
            _one_of(f"targets.methods.{tier}", method, TARGET_METHODS)
        _one_of("targets.fallback_method", self.fallback_method, TARGET_METHODS[:3])
        _in_range("targets.trend_cap", self.trend_cap, 0, 10)
        _in_range("targets.wallet_capture", self.wallet_capture, 0, 1)
        _in_range("targets.backtest_years", self.backtest_years, 1, 10)
        _one_of("targets.backtest_cutoff", self.backtest_cutoff, ("same_day", "year_end"))
        _in_range("targets.backtest_min_accounts", self.backtest_min_accounts, 1, 1_000_000)
        _in_range("targets.round_to", self.round_to, 0, 1e9)
        if self.goal is not None and not self.goal > 0:
            raise ParamsError(f"targets.goal must be a positive amount, found {self.goal:g}.")
        _in_range("targets.default_growth", self.default_growth, -1, 10)
        _in_range("targets.interval_level", self.interval_level, 0.5, 0.99)
        _in_range("targets.tolerance", self.tolerance, 0, 1)
        _one_of("targets.tolerance_action", self.tolerance_action, ("error", "warning"))
        _one_of("targets.monthly_spread", self.monthly_spread, ("seasonal", "even"))


@dataclass(frozen=True)
class Params:
    """All parameters of a run. Sections mirror the top-level keys of the YAML file."""

    data: DataParams = field(default_factory=DataParams)
    report: ReportParams = field(default_factory=ReportParams)
    scoring: ScoringParams = field(default_factory=ScoringParams)
    clv: ClvParams = field(default_factory=ClvParams)
    email: EmailParams = field(default_factory=EmailParams)
    risk: RiskParams = field(default_factory=RiskParams)
    portfolio: PortfolioParams = field(default_factory=PortfolioParams)
    targets: TargetsParams = field(default_factory=TargetsParams)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-friendly values (dates as ISO strings) for manifests."""
        return _plain(self)


def normalize_locale(value: str) -> str:
    canonical = {
        "en": "en",
        "en-us": "en",
        "en-gb": "en",
        "zh-cn": "zh-CN",
        "zh": "zh-CN",
        "zh_cn": "zh-CN",
        "zh-hans": "zh-CN",
    }
    key = str(value).strip().lower()
    if key not in canonical:
        raise ParamsError(
            f"report.locale must be one of {', '.join(LOCALES)}, found {value!r}. "
            "Use LOCALE=en or LOCALE=zh-CN."
        )
    return canonical[key]


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ParamsError(f"{name} must be one of {', '.join(allowed)}, found {value!r}.")


# --- loading -----------------------------------------------------------------


def read_params_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML params file into plain dicts (no date conversion)."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"Params file {str(path)!r} not found. Check the PARAMS= path.")
    try:
        loaded = load_strict(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamsError(f"Params file {str(path)!r} is not valid YAML: {exc}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ParamsError(f"Params file {str(path)!r} must hold a mapping of sections.")
    return loaded


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """Turn ``["report.locale=zh-CN", ...]`` into a nested dict."""
    nested: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise ParamsError(f"Override {pair!r} must look like section.key=value.")
        dotted, raw = pair.split("=", 1)
        value = load_strict(raw) if raw else ""
        node = nested
        parts = dotted.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return nested


def merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``override`` into a copy of ``base``."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def load_params(
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Params:
    """Defaults < params file < overrides, validated into a frozen :class:`Params`."""
    layered: dict[str, Any] = {}
    if params_file:
        layered = merge(layered, read_params_file(params_file))
    if overrides:
        layered = merge(layered, overrides)
    return build(Params, layered, "")


def build(cls: type, values: Mapping[str, Any], prefix: str) -> Any:
    """Build dataclass ``cls`` from ``values``, converting and checking every field."""
    if not isinstance(values, Mapping):
        raise ParamsError(f"{prefix or 'params'} must be a mapping, found {values!r}.")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in values:
        if key not in fields:
            name = f"{prefix}{key}"
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f" Did you mean '{prefix}{close[0]}'?" if close else ""
            raise ParamsError(
                f"Unknown parameter {name!r}.{hint} Known keys here: {', '.join(fields)}."
            )
    kwargs = {key: _convert(hints[key], value, f"{prefix}{key}") for key, value in values.items()}
    return cls(**kwargs)


def _convert(tp: Any, value: Any, name: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value, name)
    if dataclasses.is_dataclass(tp):
        return build(tp, value or {}, f"{name}.")
    if tp is dt.date:
        return parse_date(value, name)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("1", "true", "yes", "on"):
            return True
        if str(value).lower() in ("0", "false", "no", "off", ""):
            return False
        raise ParamsError(f"{name} must be true or false, found {value!r}.")
    if tp is int:
        try:
            if isinstance(value, bool) or float(value) != int(float(value)):
                raise ValueError
            return int(float(value))
        except (TypeError, ValueError):
            raise ParamsError(f"{name} must be a whole number, found {value!r}.") from None
    if tp is float:
        try:
            if isinstance(value, bool) or not math.isfinite(float(value)):
                raise ValueError
            return float(value)
        except (TypeError, ValueError):
            raise ParamsError(f"{name} must be a finite number, found {value!r}.") from None
    if tp is str:
        if isinstance(value, (dict, list)):
            raise ParamsError(f"{name} must be text, found {value!r}.")
        return "" if value is None else str(value)
    if origin is tuple:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            raise ParamsError(f"{name} must be a list, found {value!r}.")
        item_type = args[0] if args else str
        return tuple(
            _convert(item_type, v.strip() if isinstance(v, str) else v, name)
            for v in items
            if v != ""
        )
    if origin in (Mapping, dict) or tp in (Mapping, dict):
        if value is None:
            return _frozen_map()
        if not isinstance(value, Mapping):
            raise ParamsError(f"{name} must be a mapping, found {value!r}.")
        val_type = args[1] if len(args) == 2 else Any
        return _frozen_map({str(k): _convert(val_type, v, f"{name}.{k}") for k, v in value.items()})
    if tp is Any:
        return value
    raise TypeError(f"unsupported parameter type {tp!r} for {name}")


def parse_date(value: Any, name: str = "date") -> dt.date:
    """Parse ``YYYY-MM-DD`` strictly; anything else is a clear error."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ParamsError(
            f"{name} must be a date written YYYY-MM-DD (e.g. 2026-09-30), found {value!r}."
        ) from None


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
