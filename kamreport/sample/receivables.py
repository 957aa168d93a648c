"""Invoices of the sample: one per sales order, with what has been paid by the as-of date.

The invoice amount is the order's net total (no VAT, so receivables reconcile
with revenue); credit notes are not invoiced. Each account pays with its own
habit (most around the due date, some habitually 10 or 30 days late); about 1%
of invoices are disputed and paid 1–4 months late, and a few payments of the
last two months cover only part of their invoice. Anything that would be paid
after the as-of date is open.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.sample import stories as st
from kamreport.sample.accounts import Accounts
from kamreport.sample.orders import Orders
from kamreport.sample.timeline import Timeline, format_ids


def build_invoices(
    rng: np.random.Generator, acc: Accounts, tl: Timeline, orders: Orders
) -> pd.DataFrame:
    """The invoices table."""
    last = tl.n_days - 1
    a = orders.order_account
    n = len(a)
    amount = np.round(orders.order_net, 2)
    invoice_day = np.minimum(
        orders.order_day + rng.choice(4, size=n, p=(0.35, 0.35, 0.2, 0.1)), last
    )
    due = invoice_day + acc.terms[a]
    delay = acc.pay_delay[a] + rng.normal(0, 1, n) * acc.pay_spread[a]
    disputed = rng.random(n) < 0.01
    delay = np.where(disputed, delay + rng.uniform(30, 120, n), delay)

    story = acc.story[a]
    steady = (story != "") & (story != "late_payer")
    delay = np.where(steady, -rng.uniform(0, 5, n), delay)
    late = story == "late_payer"
    elapsed = invoice_day / max(last, 1)
    base, growth = st.LATE_DELAY_DAYS
    delay = np.where(late, base + growth * elapsed**2 + rng.normal(0, 4, n), delay)

    paid_day = np.maximum(due + np.round(delay).astype(np.int64), invoice_day)
    unpaid = (paid_day > last) | (late & (due > last - st.LATE_OPEN_DAYS))
    paid_amount = np.where(unpaid, 0.0, amount)
    partial = ~unpaid & ~steady & ~late & (paid_day > last - 60) & (rng.random(n) < 0.03)
    paid_amount = np.where(partial, np.round(amount * rng.uniform(0.3, 0.9, n), 2), paid_amount)

    sequence = np.argsort(invoice_day, kind="stable")
    year = tl.year[invoice_day[sequence]]
    first = np.searchsorted(year, year)
    ids = format_ids("INV", np.arange(n) - first + 1, 6, year)
    paid_dates = pd.Series(tl.dates(paid_day[sequence])).where(~unpaid[sequence])
    return pd.DataFrame(
        {
            "invoice_id": pd.array(ids, dtype="str"),
            "account_id": pd.array(acc.ids[a[sequence]], dtype="str"),
            "invoice_date": tl.dates(invoice_day[sequence]),
            "due_date": tl.dates(due[sequence]),
            "amount": amount[sequence],
            "paid_amount": paid_amount[sequence],
            "paid_date": paid_dates.astype("datetime64[ns]").to_numpy(),
        }
    )
