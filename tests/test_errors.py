"""Data problems carry a reason from one enum, so scripts and tests can rely on the codes."""

from __future__ import annotations

import pytest

from kamreport.errors import Issue, Reason


def test_a_reason_is_given_as_text_or_enum_and_compares_as_text():
    issue = Issue("warning", "missing_cost", "order_lines", "No costs.")
    assert issue.code is Reason.MISSING_COST
    assert issue.code == "missing_cost"
    assert Issue("error", Reason.BAD_DATE, "order_lines", "x").code == "bad_date"


def test_an_unknown_reason_is_refused():
    with pytest.raises(ValueError, match="not_a_reason"):
        Issue("error", "not_a_reason", "accounts", "x")


def test_reasons_are_distinct_snake_case_codes():
    values = [reason.value for reason in Reason]
    assert len(values) == len(set(values))
    assert all(v == v.lower() and " " not in v for v in values)
