"""Leadership's portfolio report never quotes load warnings about contacts."""

from __future__ import annotations

import datetime as dt
import json

from kamreport.analytics.portfolio import review_portfolio
from kamreport.dataset import Dataset
from kamreport.errors import Issue
from kamreport.i18n import Formatter
from kamreport.params import Params
from kamreport.provenance import make_provenance
from kamreport.views.blocks import to_plain
from kamreport.views.portfolio import portfolio_display, portfolio_view

AS_OF = dt.date(2026, 9, 30)
NOW = dt.datetime(2026, 10, 5, 8, 0, tzinfo=dt.UTC)


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
    params = Params()
    review = review_portfolio(dataset, AS_OF, params)
    assert review.warnings == (lines,)
    provenance = make_provenance(params, dataset, AS_OF, data_hash="0" * 64, now=NOW)
    fmt = Formatter("en")
    view = portfolio_view(review, {}, portfolio_display(fmt, review), provenance, params, {})
    assert [w.text for w in view.quality.warnings] == [str(lines)]
    assert [w.tone for w in view.quality.warnings] == ["warning"]
    plain = json.dumps(to_plain(view), ensure_ascii=False)
    assert "王小明" not in plain and "138-0000-1234" not in plain
