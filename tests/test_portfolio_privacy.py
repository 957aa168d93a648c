"""Leadership's portfolio report never quotes load warnings about contacts."""

from __future__ import annotations

import datetime as dt

from kamreport.analytics.portfolio import review_portfolio
from kamreport.dataset import Dataset
from kamreport.errors import Issue
from kamreport.params import Params


def test_contact_warnings_stay_out_of_the_portfolio(sample_tables):
    contact = Issue(
        "warning",
        "not_allowed",
        "contacts",
        "Value not allowed.",
        column="role",
        row=7,
        found="'boss' (王小明, 138-0000-1234)",
    )
    lines = Issue("warning", "no_orders", "accounts", "No order lines for this account.")
    dataset = Dataset(tables=sample_tables, warnings=(contact, lines))
    review = review_portfolio(dataset, dt.date(2026, 9, 30), Params())
    assert review.warnings == (lines,)
