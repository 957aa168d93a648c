"""The data model: which tables kamreport reads, their columns, types and keys.

This module is pure data. ``docs/data-model.md`` documents the same model for
people; ``tests/test_data_model_doc.py`` keeps the two in step.

Sign convention: amounts are in the dataset's reporting currency; returns and
credit notes are negative order lines. Dates are calendar dates (no time zone).
"""

from __future__ import annotations

from dataclasses import dataclass

# Column types understood by validation.
STR, DATE, FLOAT, INT, BOOL = "str", "date", "float", "int", "bool"


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    required: bool = True
    description: str = ""
    unit: str = ""
    allowed: tuple[str, ...] = ()
    nullable: bool = False
    min_value: float | None = None
    max_value: float | None = None
    # Text that repeats a few values over many rows (an account or product referenced by
    # every line, a label from a short list): validated once per distinct value and kept
    # as a pandas categorical, each value stored once (``kamreport.repeated_text``).
    repeats: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = False
    # (column, referenced table, referenced column)
    references: tuple[tuple[str, str, str], ...] = ()
    # written by kamreport itself (make targets-import), so not missed when absent
    written_by_import: bool = False
    # when absent, built from the ids of this table (accounts from order_lines)
    derived_from: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


CONTACT_ROLES = ("decision_maker", "purchaser", "user", "influencer", "supporter", "blocker")
ACTIVITY_TYPES = ("visit", "call", "training", "senior_visit", "email", "meeting")
ACTIVITY_STATUSES = ("done", "planned", "cancelled")
OPPORTUNITY_STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")
PLAN_KINDS = ("objective", "action")
PLAN_STATUSES = ("open", "done", "cancelled")
COST_TYPES = ("rebate", "promotion", "logistics", "service", "other")
SIZE_BANDS = ("small", "medium", "large", "enterprise")
TARGET_SOURCES = ("top_down", "bottom_up", "override")

TABLES: tuple[Table, ...] = (
    Table(
        "accounts",
        "One row per customer account (legal entity we invoice).",
        (
            Column("account_id", STR, description="Unique account id, as in the ERP/CRM."),
            Column(
                "name",
                STR,
                False,
                "Account name (any language; Chinese is fine); the account_id when missing.",
                nullable=True,
            ),
            Column("name_en", STR, False, "English name, shown in English reports.", nullable=True),
            Column(
                "parent_id",
                STR,
                False,
                "Parent account id (group company, 集团客户).",
                nullable=True,
            ),
            Column("industry", STR, False, "Industry of the customer.", nullable=True),
            Column("region", STR, False, "Sales region.", nullable=True),
            Column("country", STR, False, "Country.", nullable=True),
            Column(
                "size_band", STR, False, "Customer size band.", allowed=SIZE_BANDS, nullable=True
            ),
            Column("ka_manager", STR, False, "Key account manager responsible.", nullable=True),
            Column("customer_since", DATE, False, "Start of the relationship.", nullable=True),
            Column(
                "influence",
                FLOAT,
                False,
                "Manual rating of industry influence.",
                "1–5",
                nullable=True,
                min_value=1,
                max_value=5,
            ),
            Column("address", STR, False, "Postal address.", nullable=True),
        ),
        key=("account_id",),
        # Without it, the accounts are the account ids seen in order_lines.
        derived_from="order_lines",
    ),
    Table(
        "order_lines",
        "One row per order line; returns and credit notes are negative lines.",
        (
            Column("order_id", STR, description="Order (or credit note) number."),
            Column("line_no", INT, False, "Line number within the order.", nullable=True),
            Column("account_id", STR, description="Account that placed the order.", repeats=True),
            Column("product_id", STR, description="Product ordered.", repeats=True),
            Column("order_date", DATE, description="Order date."),
            Column("quantity", FLOAT, description="Quantity, negative for returns.", unit="unit"),
            Column(
                "net_amount", FLOAT, description="Net revenue after discounts.", unit="currency"
            ),
            Column(
                "cost_amount",
                FLOAT,
                False,
                "Cost of goods sold for the line.",
                "currency",
                nullable=True,
            ),
            Column(
                "list_amount",
                FLOAT,
                False,
                "Amount at list price before discounts.",
                "currency",
                nullable=True,
            ),
            Column(
                "currency",
                STR,
                False,
                "ISO 4217 code; one per dataset unless fx_rates converts the others.",
                nullable=True,
                repeats=True,
            ),
        ),
        key=("order_id", "line_no"),
        required=True,
        references=(
            ("account_id", "accounts", "account_id"),
            ("product_id", "products", "product_id"),
        ),
    ),
    Table(
        "products",
        "Product master data.",
        (
            Column("product_id", STR, description="Unique product id."),
            Column("name", STR, description="Product name."),
            Column("name_en", STR, False, "English product name.", nullable=True),
            Column("category", STR, False, "Product category (product line).", nullable=True),
            Column("unit", STR, False, "Unit of quantity, e.g. kg.", nullable=True),
        ),
        key=("product_id",),
    ),
    Table(
        "fx_rates",
        "Exchange rates into the reporting currency.",
        (
            Column("currency", STR, description="ISO 4217 code of the source currency."),
            Column(
                "rate", FLOAT, description="Reporting-currency units per one unit.", min_value=0
            ),
        ),
        key=("currency",),
    ),
    Table(
        "invoices",
        "Invoices with what has been paid on them.",
        (
            Column("invoice_id", STR, description="Invoice number."),
            Column("account_id", STR, description="Invoiced account.", repeats=True),
            Column("invoice_date", DATE, description="Invoice date."),
            Column("due_date", DATE, description="Payment due date."),
            Column("amount", FLOAT, description="Invoice amount (gross).", unit="currency"),
            Column("paid_amount", FLOAT, False, "Amount paid so far.", "currency", nullable=True),
            Column("paid_date", DATE, False, "Date of the (last) payment.", nullable=True),
        ),
        key=("invoice_id",),
        references=(("account_id", "accounts", "account_id"),),
    ),
    Table(
        "targets",
        "Monthly targets per account.",
        (
            Column("account_id", STR, description="Account.", repeats=True),
            Column("month", DATE, description="First day of the target month."),
            Column(
                "revenue_target", FLOAT, description="Revenue target.", unit="currency", min_value=0
            ),
            Column(
                "visits_target",
                FLOAT,
                False,
                "Planned number of visits.",
                "count",
                nullable=True,
                min_value=0,
            ),
            Column(
                "senior_visits_target",
                FLOAT,
                False,
                "Planned number of senior-management visits (高层拜访).",
                "count",
                nullable=True,
                min_value=0,
            ),
            Column(
                "training_target",
                FLOAT,
                False,
                "Planned number of trainings for the account's people.",
                "count",
                nullable=True,
                min_value=0,
            ),
            Column(
                "proposed_target",
                FLOAT,
                False,
                "The model's proposal for the month, as the workshop saw it.",
                "currency",
                nullable=True,
                min_value=0,
            ),
            Column(
                "target_source",
                STR,
                False,
                "Who set the agreed revenue target: the top-down split of the goal, the KA "
                "manager's bottom-up figure, or the VP's override.",
                allowed=TARGET_SOURCES,
                nullable=True,
                repeats=True,
            ),
            Column(
                "target_method",
                STR,
                False,
                "The method behind the model's proposal.",
                nullable=True,
                repeats=True,
            ),
        ),
        key=("account_id", "month"),
        references=(("account_id", "accounts", "account_id"),),
    ),
    Table(
        "category_targets",
        "Yearly revenue targets per account and product category (产品目标).",
        (
            Column("account_id", STR, description="Account."),
            Column("year", INT, description="Target year."),
            Column("category", STR, description="Product category, as in products.category."),
            Column(
                "revenue_target",
                FLOAT,
                description="Revenue target for the category in the year.",
                unit="currency",
                min_value=0,
            ),
        ),
        key=("account_id", "year", "category"),
        references=(("account_id", "accounts", "account_id"),),
        written_by_import=True,
    ),
    Table(
        "activities",
        "Visits, calls, trainings and senior-management visits.",
        (
            Column("activity_id", STR, description="Unique activity id."),
            Column("account_id", STR, description="Account.", repeats=True),
            Column("date", DATE, description="Date of the activity."),
            Column(
                "type", STR, description="Kind of activity.", allowed=ACTIVITY_TYPES, repeats=True
            ),
            Column(
                "status",
                STR,
                False,
                "done, planned or cancelled (default done).",
                allowed=ACTIVITY_STATUSES,
                nullable=True,
                repeats=True,
            ),
            Column("contact_id", STR, False, "Main contact met.", nullable=True, repeats=True),
            Column("owner", STR, False, "Who from our side.", nullable=True, repeats=True),
            Column("notes", STR, False, "Free text.", nullable=True),
        ),
        key=("activity_id",),
        references=(("account_id", "accounts", "account_id"),),
    ),
    Table(
        "contacts",
        "People around the purchase at each account (personal data: account team only).",
        (
            Column("contact_id", STR, description="Unique contact id."),
            Column("account_id", STR, description="Account."),
            Column("name", STR, description="Name."),
            Column("name_en", STR, False, "Name in Latin script.", nullable=True),
            Column("title", STR, False, "Job title.", nullable=True),
            Column("role", STR, description="Role in the purchase.", allowed=CONTACT_ROLES),
            Column(
                "influence",
                FLOAT,
                False,
                "Influence on the decision.",
                "1–5",
                nullable=True,
                min_value=1,
                max_value=5,
            ),
            Column(
                "sentiment",
                FLOAT,
                False,
                "Attitude towards us.",
                "-2 (opponent) … +2 (champion)",
                nullable=True,
                min_value=-2,
                max_value=2,
            ),
            Column("email", STR, False, "E-mail (personal data).", nullable=True),
            Column("phone", STR, False, "Phone (personal data).", nullable=True),
        ),
        key=("contact_id",),
        references=(("account_id", "accounts", "account_id"),),
    ),
    Table(
        "opportunities",
        "Sales opportunities (pipeline).",
        (
            Column("opportunity_id", STR, description="Unique opportunity id."),
            Column("account_id", STR, description="Account."),
            Column("name", STR, description="What is being sold."),
            Column("stage", STR, description="Pipeline stage.", allowed=OPPORTUNITY_STAGES),
            Column(
                "amount",
                FLOAT,
                description="Expected yearly revenue.",
                unit="currency",
                min_value=0,
            ),
            Column(
                "probability",
                FLOAT,
                False,
                "Win probability.",
                "0–1",
                nullable=True,
                min_value=0,
                max_value=1,
            ),
            Column("created_date", DATE, False, "When it was opened.", nullable=True),
            Column("expected_close", DATE, False, "Expected close date.", nullable=True),
            Column("closed_date", DATE, False, "When it was won or lost.", nullable=True),
        ),
        key=("opportunity_id",),
        references=(("account_id", "accounts", "account_id"),),
    ),
    Table(
        "surveys",
        "Customer satisfaction survey results.",
        (
            Column("account_id", STR, description="Account."),
            Column("survey_date", DATE, description="Date of the survey."),
            Column(
                "score",
                FLOAT,
                description="Satisfaction score.",
                unit="0–10",
                min_value=0,
                max_value=10,
            ),
            Column("respondent", STR, False, "Contact who answered.", nullable=True),
        ),
        key=("account_id", "survey_date"),
        references=(("account_id", "accounts", "account_id"),),
    ),
    Table(
        "complaints",
        "Customer complaints.",
        (
            Column("complaint_id", STR, description="Unique complaint id."),
            Column("account_id", STR, description="Account."),
            Column("opened_date", DATE, description="When the complaint came in."),
            Column(
                "closed_date",
                DATE,
                False,
                "When it was resolved (empty while open).",
                nullable=True,
            ),
            Column("category", STR, False, "e.g. quality, delivery, documentation.", nullable=True),
            Column(
                "severity",
                STR,
                False,
                "low, medium or high.",
                allowed=("low", "medium", "high"),
                nullable=True,
            ),
        ),
        key=("complaint_id",),
        references=(("account_id", "accounts", "account_id"),),
    ),
    Table(
        "wallet",
        "Estimated total yearly spend of the account on our category (all suppliers).",
        (
            Column("account_id", STR, description="Account."),
            Column("year", INT, description="Calendar year."),
            Column(
                "category_spend",
                FLOAT,
                description="Estimated spend on the category.",
                unit="currency",
                min_value=0,
            ),
        ),
        key=("account_id", "year"),
        references=(("account_id", "accounts", "account_id"),),
    ),
    Table(
        "competitors",
        "Competitors present at the account and their estimated share.",
        (
            Column("account_id", STR, description="Account."),
            Column("competitor", STR, description="Competitor name."),
            Column("year", INT, False, "Year of the estimate.", nullable=True),
            Column(
                "share",
                FLOAT,
                False,
                "Estimated share of the account's category spend.",
                "0–1",
                nullable=True,
                min_value=0,
                max_value=1,
            ),
            Column("products", STR, False, "What they sell there.", nullable=True),
            Column(
                "note", STR, False, "Free text (satisfaction with them, their reps).", nullable=True
            ),
        ),
        key=("account_id", "competitor", "year"),
        references=(("account_id", "accounts", "account_id"),),
    ),
    Table(
        "service_costs",
        "Cost-to-serve per account and month.",
        (
            Column("account_id", STR, description="Account.", repeats=True),
            Column("month", DATE, description="First day of the month."),
            Column("cost_type", STR, description="Kind of cost.", allowed=COST_TYPES, repeats=True),
            Column("amount", FLOAT, description="Cost (positive).", unit="currency"),
        ),
        key=("account_id", "month", "cost_type"),
        references=(("account_id", "accounts", "account_id"),),
    ),
    Table(
        "account_plans",
        "Account plan objectives and actions.",
        (
            Column("item_id", STR, description="Unique id of the objective or action."),
            Column("account_id", STR, description="Account."),
            Column("kind", STR, description="objective or action.", allowed=PLAN_KINDS),
            Column("title", STR, description="What is to be achieved or done."),
            Column("owner", STR, False, "Who is responsible.", nullable=True),
            Column("due_date", DATE, False, "When it is due.", nullable=True),
            Column("status", STR, description="open, done or cancelled.", allowed=PLAN_STATUSES),
        ),
        key=("item_id",),
        references=(("account_id", "accounts", "account_id"),),
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
REQUIRED_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if t.required)


def table(name: str) -> Table:
    return TABLES_BY_NAME[name]
