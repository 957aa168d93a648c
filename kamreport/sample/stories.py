"""Accounts of the sample data with a planted story, so analytics can be tested on them.

The account ids are the same for every seed and every size of the sample (the
generator needs ``n_accounts >= MIN_ACCOUNTS``). Everything is planted relative
to the last day of the sample, the as-of date A (``end`` of ``generate_sample``,
default 2026-09-30), with windows as in ``docs/metrics.md``: LTM is
A − 12 months < d ≤ A, prior LTM the twelve months before that.

Every story account starts from the same *steady key account* profile, and its
story then changes exactly one side of it:

- size: a top-tier account (its base revenue is a fixed quantile of the
  sample's account sizes, see ``STORY_SIZE_QUANTILE``), except the mid-size
  growing account KA0074;
- orders: a fixed rhythm (weekly; KA0074 every 14 days; churning every 30
  days; an order falling on a weekend or holiday moves to the working day
  before), 2–4 lines per order from a basket of 8 products, revenue growing
  about 4% a year (healthy 8%), the same discount on every line (±0.3 pp), no
  returns;
- invoices: 60 days terms, paid 0–5 days before the due date;
- complaints: one low-severity complaint a year, closed within two weeks;
- activities: a visit every month (with the decision maker every second
  month, including the as-of month), two calls and two e-mails a month, a
  senior visit every four months (the latest one in the month before A),
  planned visits for the three months after A;
- wallet: share of wallet stable at 45% (healthy 55%); satisfaction about 7.8
  (healthy about 8.8) every half year;
- targets: prior-year actual × 1.06 (healthy 1.04, growing 1.10).

``STORY_DESCRIPTIONS`` says what each story changes. Besides the stories:
``GROUPS`` (group companies, 集团客户: parent → subsidiaries, parents are
accounts too), ``ESCAPING_ACCOUNT`` (a small account whose names need HTML
escaping) and ``DUPLICATE_PAIR`` (the same company entered twice).
"""

from __future__ import annotations

MIN_ACCOUNTS = 100

PLANTED: dict[str, tuple[str, ...]] = {
    "growing": ("KA0019", "KA0074"),
    "churning": ("KA0008", "KA0042"),
    "late_payer": ("KA0015", "KA0037"),
    "complaint_spike": ("KA0022",),
    "falling_wallet_share": ("KA0006",),
    "price_buyer": ("KA0013",),
    "no_senior_contact": ("KA0030",),
    "healthy": ("KA0003", "KA0011", "KA0026"),
}

# --- Planting parameters (the generator reads these; tests may too). -----------------
GROWTH_RAMP_MONTHS = 21  # revenue multiplier 1.0 until A − 21 months, then linear …
GROWTH_RAMP_TO = 2.3  # … up to 2.3× at A
CHURN_INTERVAL_DAYS = 30  # usual rhythm of the churning accounts
CHURN_STRETCH_MONTHS = 14  # intervals start stretching A − 14 months …
CHURN_STRETCH_RATE = 0.12  # … each interval = 30 days + 12% of the days since then
CHURN_SILENT_DAYS = 120  # no order in the last 120 days before A (the last one 120–200 days)
LATE_DELAY_DAYS = (3.0, 110.0)  # days paid after due: 3 + 110 × f², f = share of span elapsed
LATE_OPEN_DAYS = 150  # every invoice due in the last 150 days before A is unpaid
SPIKE_DAYS_BEFORE = (84, 67, 49, 33, 15, 6)  # complaints opened A − these days …
SPIKE_OPEN = 3  # … the last three of them still open at A
WALLET_SHARE_FALL = {-3: 0.62, -2: 0.60, -1: 0.51, 0: 0.43}  # by year − A's year
PRICE_MONTHS = 18  # price buyer: change over the last 18 months
PRICE_DISCOUNT = (0.05, 0.18)  # discount depth 1 − net/list from 5% to 18%
PRICE_NARROW_MONTHS = 15  # product mix narrows to two products by A − 3 months
PRICE_COMMODITIES = ("Niacinamide USP/EP", "Niacin USP/EP")  # name_en of the two products
NO_SENIOR_MONTHS = 15  # no senior visit in the last 15 months
NO_DECISION_MAKER_MONTHS = 8  # no done activity with the decision maker in the last 8 months

STORY_DESCRIPTIONS: dict[str, str] = {
    "growing": (
        "Order rhythm unchanged, but order quantities are multiplied by 1.0 until "
        "A − 21 months and then rise linearly to 2.3× at A, so LTM revenue is about 60% "
        "above prior LTM (≥ 40% for every seed); share of wallet rises; KA0019 is a top-tier "
        "cosmetics account, KA0074 a mid-size export feed account ordering every 14 days."
    ),
    "churning": (
        "Ordered every ~30 days; from A − 14 months each interval is 30 days plus 12% of "
        "the days elapsed since, so the intervals of the last 12 months are ~35–60 days, "
        "and there is no order in the last 120 days (the last one 120–200 days before A); "
        "category spend unchanged, so share of wallet falls; survey scores fall to ~5.5."
    ),
    "late_payer": (
        "Invoices are paid 3 + 110 × f² days after due (f = share of the sample span "
        "elapsed at the invoice date, ±4 days), so payment gets later every year; every "
        "invoice due in the last 150 days before A is unpaid, leaving several invoices open "
        "and more than 60 days overdue at A."
    ),
    "complaint_spike": (
        "At most one complaint per quarter (every second quarter one, closed) until "
        "A − 3 months; then six complaints opened 84, 67, 49, 33, 15 and 6 days before A "
        "(quality, delivery, packaging; two high severity), the last three still open at A; "
        "plus two quality returns (credit notes) in the same three months."
    ),
    "falling_wallet_share": (
        "Revenue roughly flat (−2% a year); wallet category_spend = annualised revenue / "
        "share with share 62%, 60%, 51%, 43% in A's year − 3 … A's year (A's year annualised "
        "from its year to date), so category spend grows ~35% while share falls 17 pp over "
        "two years; a competitor's share rises accordingly."
    ),
    "price_buyer": (
        "Over the last 18 months the discount depth 1 − net/list rises linearly from 5% "
        "to 18% (±0.3 pp per line); over the same time lines are increasingly switched to two "
        "commodity products (Niacinamide USP/EP, Niacin USP/EP) until the last 3 months hold "
        "only those, so the distinct categories per quarter fall from 3 to 1 and the "
        "distinct products from ~8 to 2; volume stays, so the extra discount lowers "
        "revenue a little (a few percent LTM)."
    ),
    "no_senior_contact": (
        "No senior_visit in the last 15 months (none planned either) and no done activity "
        "with the decision-maker contact in the last 8 months: the monthly visits, calls "
        "and e-mails go to the purchaser and users only."
    ),
    "healthy": (
        "The steady key account profile unchanged: weekly orders (KA0003 orders on A "
        "itself), revenue +8% a year, paid before due, one low complaint a year, monthly "
        "visits with the decision maker in A's month, a senior visit in the month before A, "
        "share of wallet stable at 55%, satisfaction ~8.8, no overdue plan actions, target "
        "= prior-year actual × 1.04; raises no risk flag."
    ),
}

# Where each story account sits: (industry, region, country).
STORY_PROFILES: dict[str, tuple[str, str, str]] = {
    "KA0003": ("feed", "华东", "China"),
    "KA0011": ("pharmaceutical", "华北", "China"),
    "KA0026": ("food", "华南", "China"),
    "KA0019": ("cosmetics", "华东", "China"),
    "KA0074": ("feed", "海外", "Vietnam"),
    "KA0008": ("feed", "华中", "China"),
    "KA0042": ("food", "西南", "China"),
    "KA0015": ("feed", "东北", "China"),
    "KA0037": ("feed", "华北", "China"),
    "KA0022": ("pharmaceutical", "华东", "China"),
    "KA0006": ("feed", "华南", "China"),
    "KA0013": ("pharmaceutical", "华中", "China"),
    "KA0030": ("food", "西南", "China"),
}

# Base revenue of each story account: the account size at this quantile from the top.
STORY_SIZE_QUANTILE: dict[str, float] = {
    "KA0003": 0.006,
    "KA0011": 0.02,
    "KA0026": 0.05,
    "KA0019": 0.06,
    "KA0074": 0.45,
    "KA0008": 0.012,
    "KA0042": 0.035,
    "KA0015": 0.015,
    "KA0037": 0.045,
    "KA0022": 0.025,
    "KA0006": 0.008,
    "KA0013": 0.018,
    "KA0030": 0.03,
}

# Group companies (集团客户): parent account → subsidiary accounts. The subsidiaries
# carry the parent's trade name and are looked after by the parent's KA manager.
GROUPS: dict[str, tuple[str, ...]] = {
    "KA0002": ("KA0033", "KA0061", "KA0088"),
    "KA0017": ("KA0048", "KA0079"),
    "KA0045": ("KA0052", "KA0066", "KA0083", "KA0095"),
}

# A small account whose name and name_en contain & and < >.
ESCAPING_ACCOUNT = "KA0091"
ESCAPING_NAMES = ("R&D <Labs> 营养科技（上海）有限公司", "R&D <Labs> Nutrition Ltd.")

# The same company entered twice: the original, and a second record created in
# A's year − 1 with a slightly different name (股份有限公司 vs 有限公司) and a few orders.
DUPLICATE_PAIR = ("KA0054", "KA0097")
DUPLICATE_NAMES = (
    ("山东华康药业股份有限公司", "Shandong Huakang Pharmaceutical Co., Ltd."),
    ("山东华康药业有限公司", "Shandong Huakang Pharmaceutical Co Ltd"),
)


def story_of(account_id: str) -> str | None:
    """The planted story of an account, or None."""
    for story, ids in PLANTED.items():
        if account_id in ids:
            return story
    return None
