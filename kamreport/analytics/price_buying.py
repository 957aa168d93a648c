"""Price buying (客户经验演变): the early signs of a customer moving from buying solutions
to buying on price (docs/metrics.md, "Price buying").

Three signs, each the last ``risk.discount_window_months`` months against the same months
a year earlier (a seasonal account is compared with its own season):

- discount: discount depth (1 − Σ net / Σ list of the lines with a list amount) up by at
  least ``risk.price_buying_discount_rise``;
- breadth: distinct products bought (positive net amount) down by at least
  ``risk.price_buying_breadth_drop`` of those a year earlier (an account that bought
  nothing in one of the windows shows no sign: stopping altogether is ORDER_GAP's);
- meetings: the share of meetings held with the purchaser up by at least
  ``risk.price_buying_purchaser_rise``. A meeting is a done activity of a type in
  :data:`MEETING_TYPES` with a contact whose role is known (activities joined to
  contacts); each window needs ``risk.price_buying_min_meetings`` of them.

A sign is unknown (NaN) when its data is missing: no list amounts, no contacts or
activities, too few meetings, or an account with no lines in a window. The flag
PRICE_BUYING (:mod:`kamreport.analytics.risk`) is raised when at least
``risk.price_buying_min_signs`` signs are seen; it is high when all three are.
Thresholds are inclusive: a change exactly at its threshold is a sign.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamreport.analytics.membership import is_in, positions
from kamreport.analytics.periods import Window
from kamreport.analytics.profitability import RecentFigures
from kamreport.params import RiskParams

SIGNS = ("discount", "breadth", "meetings")
# Face-to-face contact: where engineering and management meet us, or only purchasing.
MEETING_TYPES = ("visit", "senior_visit", "meeting", "training")
PURCHASER = "purchaser"
EPS = 1e-9  # a change exactly at its threshold counts, whatever the float rounding
COLUMNS = [
    "discount_now", "discount_before", "products_now", "products_before",
    "purchaser_now", "purchaser_before", "meetings_now", "meetings_before",
    *SIGNS, "signs", "known",
]  # fmt: skip


def meetings(activities: pd.DataFrame | None, contacts: pd.DataFrame | None) -> pd.DataFrame:
    """Done meetings (:data:`MEETING_TYPES`) with a contact of known role: columns
    account_id, date, purchaser (bool). ``activities`` are the done ones
    (relationships.done_activities); empty without activities or contacts."""
    empty = pd.DataFrame({"account_id": [], "date": pd.to_datetime([]), "purchaser": []})
    if activities is None or contacts is None or "contact_id" not in activities:
        return empty
    if "role" not in contacts or activities.empty:
        return empty
    met = activities.loc[
        is_in(activities["type"], MEETING_TYPES), ["account_id", "date", "contact_id"]
    ]
    met = met.loc[met["contact_id"].notna()]
    roles = contacts.loc[contacts["role"].notna(), ["contact_id", "role"]]
    roles = roles.drop_duplicates("contact_id").set_index("contact_id")["role"]
    # an inner join on the contact (one role each), each distinct contact looked up once
    at = positions(met["contact_id"], roles.index)
    known = at >= 0
    return pd.DataFrame(
        {
            "account_id": met["account_id"].astype(str).to_numpy()[known],
            "date": met["date"].to_numpy()[known],
            "purchaser": roles.to_numpy()[at[known]] == PURCHASER,
        }
    )


def purchaser_share(
    held: pd.DataFrame, window: Window, accounts: pd.Index, min_meetings: int
) -> tuple[pd.Series, pd.Series]:
    """Per account: the share of the meetings in ``window`` held with the purchaser (NaN
    with fewer than ``min_meetings``) and the number of meetings."""
    inside = held.loc[window.mask(held["date"])]
    count = inside.groupby("account_id").size().reindex(accounts, fill_value=0).astype(int)
    with_purchaser = inside.groupby("account_id")["purchaser"].sum().reindex(accounts)
    share = (with_purchaser.astype(float) / count.where(count >= min_meetings)).astype(float)
    return share, count


def price_buying_signs(
    recent: RecentFigures, held: pd.DataFrame, accounts: pd.Index, p: RiskParams
) -> pd.DataFrame:
    """The three signs per account (columns :data:`COLUMNS`): the figures of both
    windows, each sign as 1.0 (seen), 0.0 (not seen) or NaN (unknown), the number of
    signs seen and the number known. ``recent`` holds the discount depths and products
    bought of the recent months and the year before; ``held`` is :func:`meetings`."""
    now, before = recent.now, recent.before
    out = pd.DataFrame(index=accounts)
    out["discount_now"] = recent.discount_now
    out["discount_before"] = recent.discount_before
    out["products_now"] = recent.products_now.astype(float)
    out["products_before"] = recent.products_before.astype(float)
    share_now, count_now = purchaser_share(held, now, accounts, p.price_buying_min_meetings)
    share_before, count_before = purchaser_share(
        held, before, accounts, p.price_buying_min_meetings
    )
    out["purchaser_now"], out["purchaser_before"] = share_now, share_before
    out["meetings_now"], out["meetings_before"] = count_now, count_before

    def sign(seen: pd.Series, known: pd.Series) -> pd.Series:
        return seen.astype(float).where(known.to_numpy(bool), np.nan)

    rise = out["discount_now"] - out["discount_before"]
    out["discount"] = sign(rise >= p.price_buying_discount_rise - EPS, rise.notna())
    now_n, before_n = out["products_now"], out["products_before"]
    out["breadth"] = sign(
        now_n <= before_n * (1 - p.price_buying_breadth_drop) + EPS, (now_n > 0) & (before_n > 0)
    )
    shift = share_now - share_before
    out["meetings"] = sign(shift >= p.price_buying_purchaser_rise - EPS, shift.notna())
    signs = out[list(SIGNS)]
    out["signs"] = signs.sum(axis=1, min_count=0).astype(float)
    out["known"] = signs.notna().sum(axis=1).astype(float)
    return out[COLUMNS]


__all__ = ["COLUMNS", "MEETING_TYPES", "SIGNS", "meetings", "price_buying_signs", "purchaser_share"]
