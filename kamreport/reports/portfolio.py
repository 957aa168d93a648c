"""The portfolio report (leadership, quarterly review): analyse, chart, render, write."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kamreport.analytics.portfolio import PortfolioReview, review_portfolio
from kamreport.charts import Chart, dso_chart, histogram_chart, pareto_chart, waterfall_chart
from kamreport.dataset import Dataset
from kamreport.i18n import Formatter
from kamreport.metrics import account_metrics
from kamreport.outputs import atomic_write_bytes, atomic_write_json, atomic_write_text
from kamreport.params import Params
from kamreport.provenance import Provenance
from kamreport.render import render
from kamreport.reports.customer import PROVENANCE_FILE, REPORT_FILE

PORTFOLIO_FILE = "portfolio.html"
ACCOUNTS_FILE = "accounts.csv"
SECTIONS = (
    "summary", "concentration", "tiers", "segments", "bridge", "retention", "receivables",
    "targets", "team", "value", "backtest", "data-quality",
)  # fmt: skip


@dataclass(frozen=True)
class Headline:
    """One generated sentence of the summary, with the section and metric it comes from."""

    text: str
    section: str
    metric: str


def analyse(dataset: Dataset, as_of: dt.date, params: Params) -> PortfolioReview:
    return review_portfolio(dataset, as_of, params)


def _finite(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def charts(review: PortfolioReview, fmt: Formatter) -> dict[str, Chart | None]:
    """The report's charts; None where the data is missing."""
    out: dict[str, Chart | None] = {"pareto": None, "bridge": None, "clv": None, "dso": None}
    if review.revenue_ltm > 0:
        curves = {fmt.t("portfolio.chart.revenue"): review.revenue.curve}
        if review.margin is not None:
            curves[fmt.t("portfolio.chart.gross_margin")] = review.margin.curve
        out["pareto"] = pareto_chart(curves, fmt)
    b = review.bridge
    if b.prior_total or b.current_total:
        steps = [(fmt.t(f"portfolio.bridge.{c}"), b.components[c]) for c in b.components]
        steps = [s for s in steps if s[1] != 0]
        out["bridge"] = waterfall_chart(
            (fmt.t("portfolio.bridge.prior"), b.prior_total),
            steps,
            (fmt.t("portfolio.bridge.current"), b.current_total),
            fmt,
            title=fmt.t("portfolio.chart.bridge_title"),
            alt=fmt.t(
                "portfolio.chart.bridge_alt",
                prior=fmt.money(b.prior_total, compact=True),
                current=fmt.money(b.current_total, compact=True),
            ),
        )
    clv = review.values["clv"]
    if (clv > 0).any():
        out["clv"] = histogram_chart(
            clv,
            fmt,
            title=fmt.t("portfolio.chart.clv_title"),
            xlabel=fmt.t("portfolio.chart.clv_axis", currency=fmt.currency_symbol()),
            alt=fmt.t(
                "portfolio.chart.clv_alt",
                accounts=fmt.number(int((clv > 0).sum())),
                total=fmt.money(float(clv.sum()), compact=True),
            ),
            chart_id="clv-distribution",
        )
    if review.dso is not None and review.dso["dso"].notna().any():
        out["dso"] = dso_chart(review.dso, fmt)
    return out


def headlines(review: PortfolioReview, fmt: Formatter) -> list[Headline]:
    """5–8 sentences for leadership, each from one figure of a report section."""
    v, out = review.values, []
    names = display_names(review, fmt)
    total, prior = review.revenue_ltm, review.revenue_prior_ltm
    growth = total / prior - 1 if prior > 0 else None
    out.append(Headline(fmt.t("portfolio.summary.revenue", revenue=fmt.money(total, compact=True),
                              growth=fmt.percent(growth, signed=True),
                              accounts=fmt.number(int((v["revenue_ltm"] > 0).sum()))),
                        "bridge", "revenue_ltm"))  # fmt: skip
    b = review.bridge
    grower = ""
    if len(b.accounts):  # the biggest grower; ties by account id
        change = b.accounts["change"]
        grower = change.index[np.lexsort((change.index.astype(str), -change.to_numpy()))][0]
    out.append(Headline(fmt.t("portfolio.summary.bridge",
                              growth=fmt.money(b.components["growth"], compact=True),
                              decline=fmt.money(-b.components["decline"], compact=True),
                              lost=fmt.money(-b.components["lost"], compact=True),
                              new=fmt.money(b.components["new"], compact=True),
                              top=names.get(grower, grower)),
                        "bridge", "bridge_components"))  # fmt: skip
    c = review.revenue
    out.append(Headline(fmt.t("portfolio.summary.concentration",
                              count=fmt.number(c.top20_count), share=fmt.percent(c.top20_share),
                              top10=fmt.percent(c.top10_share),
                              hhi=fmt.number(c.hhi * 10_000)),
                        "concentration", "top20_share"))  # fmt: skip
    key = review.tier_table.loc["key"]
    moves = review.moves["direction"].value_counts()
    out.append(Headline(fmt.t("portfolio.summary.tiers", keys=fmt.number(int(key["accounts"])),
                              share=fmt.percent(key["share"]),
                              up=fmt.number(int(moves.get("up", 0))),
                              down=fmt.number(int(moves.get("down", 0)))),
                        "tiers", "tier_table"))  # fmt: skip
    high = review.risk_levels.loc["high"]
    if len(review.at_risk):
        top = review.at_risk.index[0]
        out.append(Headline(fmt.t("portfolio.summary.retention",
                                  accounts=fmt.number(int(high["accounts"])),
                                  revenue=fmt.money(high["revenue_ltm"], compact=True),
                                  share=fmt.percent(high["share"]), top=names.get(top, top),
                                  lost=fmt.number(len(review.lost))),
                            "retention", "revenue_at_risk"))  # fmt: skip
    if review.aging is not None and len(review.aging):
        a = review.aging
        open_ = float(a["open_amount"].sum())
        overdue = float(a["overdue_amount"].sum())
        out.append(Headline(fmt.t("portfolio.summary.receivables",
                                  overdue=fmt.money(overdue, compact=True),
                                  share=fmt.percent(overdue / open_ if open_ else None),
                                  top=names.get(a.index[0], a.index[0]),
                                  amount=fmt.money(a["overdue_amount"].iloc[0], compact=True)),
                            "receivables", "overdue_amount"))  # fmt: skip
    t = review.attainment
    if len(t):
        out.append(Headline(fmt.t("portfolio.summary.targets",
                                  attainment=fmt.percent(t["revenue_ytd"].sum()
                                                         / t["target_ytd"].sum()),
                                  forecast=fmt.percent(t["forecast_fy"].sum()
                                                       / t["target_fy"].sum()),
                                  behind=fmt.number(int((t["gap_fy"] > 0).sum()))),
                            "targets", "attainment_ytd"))  # fmt: skip
    bt = review.backtest
    if bt is not None and _finite(bt.auc_score):
        out.append(Headline(fmt.t("portfolio.summary.backtest", auc=fmt.number(bt.auc_score,
                                                                               digits=2),
                                  bad=fmt.number(bt.bad), followed=fmt.number(bt.followed)),
                            "backtest", "auc"))  # fmt: skip
    return out[:8]


def report_links(review: PortfolioReview, portfolio_dir: Path) -> dict[str, str]:
    """Relative links to the account reviews that exist next to the portfolio folder."""
    customers = portfolio_dir.parent / "customers"
    if not customers.is_dir():
        return {}
    return {
        account_id: f"../customers/{account_id}/{REPORT_FILE}"
        for account_id in review.values.index
        if (customers / account_id / REPORT_FILE).is_file()
    }


def accounts_table(review: PortfolioReview, dataset: Dataset, params: Params) -> pd.DataFrame:
    """accounts.csv: account attributes, the account metrics, ABC on margin and the bridge."""
    metrics = account_metrics(
        dataset, review.as_of, params, values=review.values, flags=review.flags
    )
    attrs = review.accounts.reset_index()
    out = attrs.merge(metrics, on="account_id", how="right")
    extra = review.values[["abc_class_margin"]].join(review.bridge.accounts[["category"]])
    extra = extra.rename(columns={"category": "bridge_category"})
    out = out.merge(extra, left_on="account_id", right_index=True, how="left")
    return out.sort_values(["revenue_ltm", "account_id"], ascending=[False, True], kind="stable")


FLAG_UNITS = {"days": "number", "count": "number", "growth": "signed", "fraction": "percent"}


def _flag_number(fmt: Formatter, value: float, unit: str) -> str:
    kind = FLAG_UNITS.get(unit, "number")
    if kind == "percent":
        return fmt.percent(value)
    if kind == "signed":
        return fmt.percent(value, signed=True)
    return fmt.number(value)


def flag_texts(review: PortfolioReview, fmt: Formatter) -> dict[str, list[str]]:
    """Each flagged account's flags as sentences with their numbers, in report order."""
    out: dict[str, list[str]] = {}
    for row in review.flags.itertuples(index=False):
        numbers = {
            name: _flag_number(fmt, getattr(row, name), row.unit)
            for name in ("value", "threshold", "baseline")
        }
        out.setdefault(row.account_id, []).append(fmt.t(f"portfolio.flag.{row.code}", **numbers))
    return out


def display_names(review: PortfolioReview, fmt: Formatter) -> dict[str, str]:
    """Account names in the report language: the English name in English when known."""
    names = review.accounts["name"].astype(object)
    if fmt.locale == "en" and "name_en" in review.accounts:
        english = review.accounts["name_en"].astype(object)
        names = english.where(english.notna() & (english != ""), names)
    return {str(k): str(v) for k, v in names.items()}


def render_html(
    review: PortfolioReview,
    chart_map: dict[str, Chart | None],
    fmt: Formatter,
    provenance: Provenance,
    *,
    params: Params,
    links: dict[str, str] | None = None,
) -> str:
    return render(
        "portfolio.html.j2",
        fmt,
        review=review,
        charts=chart_map,
        headlines=headlines(review, fmt),
        links=links or {},
        names=display_names(review, fmt),
        flag_texts=flag_texts(review, fmt),
        sections=SECTIONS,
        active_accounts=int((review.values["revenue_ltm"] > 0).sum()),
        rows=params.portfolio.table_rows,
        scoring=params.scoring,
        params=params,
        provenance=provenance,
    )


def write(
    staging_dir: str | Path, html: str, accounts: pd.DataFrame, provenance: Provenance
) -> Path:
    """Write the report, accounts.csv and the provenance into the run's staging folder."""
    staging = Path(staging_dir)
    atomic_write_json(staging / PROVENANCE_FILE, provenance.to_dict())
    # UTF-8 with BOM, so Excel opens the Chinese names correctly
    csv = accounts.to_csv(index=False, date_format="%Y-%m-%d")
    atomic_write_bytes(staging / ACCOUNTS_FILE, csv.encode("utf-8-sig"))
    return atomic_write_text(staging / PORTFOLIO_FILE, html)
