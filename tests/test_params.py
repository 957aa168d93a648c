"""Parameters: precedence, types, unknown keys, explicit dates."""

from __future__ import annotations

import datetime as dt

import pytest

from kamreport.errors import ParamsError
from kamreport.params import load_params, parse_overrides


def write(tmp_path, text: str):
    path = tmp_path / "params.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults():
    params = load_params()
    assert params.report.locale == "en"
    assert params.report.as_of is None
    assert params.data.source == "data/sample"


def test_file_overrides_defaults_and_command_line_overrides_file(tmp_path):
    path = write(tmp_path, "report:\n  locale: zh-CN\n  as_of: 2025-12-31\n  trend_months: 24\n")
    from_file = load_params(path)
    assert from_file.report.locale == "zh-CN"
    assert from_file.report.as_of == dt.date(2025, 12, 31)
    assert from_file.report.trend_months == 24
    both = load_params(path, parse_overrides(["report.locale=en", "report.as_of=2026-06-30"]))
    assert both.report.locale == "en"
    assert both.report.as_of == dt.date(2026, 6, 30)
    assert both.report.trend_months == 24


def test_yaml_dates_stay_strings_until_parsed(tmp_path):
    path = write(tmp_path, "report:\n  as_of: 2026-09-30\n")
    assert load_params(path).report.as_of == dt.date(2026, 9, 30)


def test_unknown_key_suggests_the_closest():
    with pytest.raises(ParamsError) as err:
        load_params(None, {"report": {"locle": "en"}})
    assert str(err.value) == (
        "Unknown parameter 'report.locle'. Did you mean 'report.locale'? "
        "Known keys here: locale, as_of, output_dir, trend_months, formats, confidentiality, "
        "page_size, visit_contact_days, visit_complaint_days."
    )


def test_unknown_section():
    with pytest.raises(ParamsError, match=r"Unknown parameter 'reprot'\. Did you mean 'report'"):
        load_params(None, {"reprot": {}})


def test_bad_date_is_explained():
    with pytest.raises(ParamsError) as err:
        load_params(None, parse_overrides(["report.as_of=30/09/2026"]))
    assert str(err.value) == (
        "report.as_of must be a date written YYYY-MM-DD (e.g. 2026-09-30), found '30/09/2026'."
    )


def test_bad_locale():
    with pytest.raises(ParamsError, match=r"report\.locale must be one of en, zh-CN, found 'fr'"):
        load_params(None, {"report": {"locale": "fr"}})


def test_locale_spellings_normalise():
    assert load_params(None, {"report": {"locale": "zh_CN"}}).report.locale == "zh-CN"


def test_wrong_type():
    with pytest.raises(ParamsError, match=r"report\.trend_months must be a whole number"):
        load_params(None, {"report": {"trend_months": "many"}})


def test_params_are_frozen():
    params = load_params()
    with pytest.raises(AttributeError):
        params.report.locale = "zh-CN"  # type: ignore[misc]


def test_missing_params_file(tmp_path):
    with pytest.raises(ParamsError, match=r"not found\. Check the PARAMS= path"):
        load_params(tmp_path / "nope.yaml")


def test_default_params_file_is_the_defaults():
    """params/default.yaml documents the defaults: loading it changes nothing."""
    from pathlib import Path

    default = Path(__file__).parents[1] / "params" / "default.yaml"
    assert load_params(default) == load_params()


def test_value_parameters_for_data_without_costs_or_with_many_small_accounts():
    defaults = load_params()
    assert defaults.clv.assumed_margin is None
    assert defaults.scoring.tier_key_max_accounts is None
    assert defaults.scoring.tier_key_max_revenue_share is None
    assert defaults.risk.min_orders_for_interval == 4
    set_ = load_params(
        overrides={
            "clv": {"assumed_margin": 0.25},
            "scoring": {"tier_key_max_accounts": 50, "tier_key_max_revenue_share": 0.6},
        }
    )
    assert set_.clv.assumed_margin == 0.25
    scoring = set_.scoring
    assert (scoring.tier_key_max_accounts, scoring.tier_key_max_revenue_share) == (50, 0.6)
    with pytest.raises(ParamsError, match=r"clv\.assumed_margin must be between"):
        load_params(overrides={"clv": {"assumed_margin": 25}})
    with pytest.raises(ParamsError, match=r"scoring\.tier_key_max_revenue_share must be between"):
        load_params(overrides={"scoring": {"tier_key_max_revenue_share": 1.5}})
    with pytest.raises(ParamsError, match=r"risk\.min_orders_for_interval must be between"):
        load_params(overrides={"risk": {"min_orders_for_interval": 1}})
