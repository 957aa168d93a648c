"""The leadership email's figures against plain loops over the input files, its agreement
with the portfolio report, and "what changed" across emails actually sent over SMTP."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
from mail_support import (
    AS_OF,
    INVOICES,
    TARGETS,
    Recorder,
    open_session,
    smtp_server,
    write_dataset,
)

from kamreport.analytics.attention import WHOLE_ACCOUNT, attention_items, by_account
from kamreport.i18n import Formatter
from kamreport.mail.run import DRY_RUN_RECIPIENT, run_email
from kamreport.mail.send import EmailConfigError
from kamreport.mail.summary import portfolio_summary

CEO, CFO = "ceo@example.com", "CFO <cfo@example.com>"
EARLIER = "2026-08-31"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("mailportfolio") / "data", extras=True)


@pytest.fixture(scope="module")
def session(data_dir, tmp_path_factory):
    return open_session(data_dir, tmp_path_factory.mktemp("mailportfolio-out"))


def orders(data_dir: Path) -> list[tuple[str, dt.date, float]]:
    with (data_dir / "order_lines.csv").open(encoding="utf-8") as handle:
        return [
            (r["account_id"], dt.date.fromisoformat(r["order_date"]), float(r["net_amount"]))
            for r in csv.DictReader(handle)
        ]


def ltm(data_dir: Path, end: dt.date) -> dict[str, float]:
    """Revenue over (end − 12 months, end] per account, by a plain loop."""
    start = end.replace(year=end.year - 1)
    out: dict[str, float] = {}
    for account, day, amount in orders(data_dir):
        if start < day <= end:
            out[account] = out.get(account, 0.0) + amount
    return out


def hand_targets(data_dir: Path) -> dict[str, float]:
    """YTD revenue and targets, run-rate forecast (every account orders monthly, so none is
    inactive) and full-year targets of the accounts with a 2026 target."""
    end = dt.date.fromisoformat(AS_OF)
    elapsed = (end - dt.date(2026, 1, 1)).days + 1  # 273
    ytd = {a: 0.0 for a in TARGETS}
    for account, day, amount in orders(data_dir):
        if account in ytd and dt.date(2026, 1, 1) <= day <= end:
            ytd[account] += amount
    return {
        "revenue_ytd": sum(ytd.values()),
        "target_ytd": sum(9 * monthly for monthly in TARGETS.values()),
        "forecast_fy": sum(v / elapsed * 365 for v in ytd.values()),
        "target_fy": sum(12 * monthly for monthly in TARGETS.values()),
    }


def hand_receivables() -> tuple[float, float]:
    """(open, overdue) at the as-of date: invoiced by then, minus what was paid by then."""
    end = dt.date.fromisoformat(AS_OF)
    open_total = overdue = 0.0
    for _id, _account, invoiced, due, amount, paid, paid_on in INVOICES:
        if dt.date.fromisoformat(invoiced) > end:
            continue
        paid_by_then = paid if paid_on and dt.date.fromisoformat(paid_on) <= end else 0.0
        outstanding = max(amount - paid_by_then, 0.0)
        open_total += outstanding
        if dt.date.fromisoformat(due) < end:
            overdue += outstanding
    return open_total, overdue


def test_targets_and_receivables_by_hand(session, data_dir):
    summary = portfolio_summary(session.dataset, session.as_of, session.params, session.figures())
    expected = hand_targets(data_dir)
    totals = summary.targets
    assert totals is not None and totals.accounts == len(TARGETS)
    for key, value in expected.items():
        assert getattr(totals, key) == pytest.approx(value, rel=1e-12), key
    assert totals.attainment_ytd == pytest.approx(expected["revenue_ytd"] / expected["target_ytd"])
    assert totals.forecast_attainment == pytest.approx(
        expected["forecast_fy"] / expected["target_fy"]
    )
    open_total, overdue = hand_receivables()
    assert (summary.receivables.open_amount, summary.receivables.overdue) == pytest.approx(
        (open_total, overdue)
    )
    assert overdue == 130_000.0  # 60k of I1, 50k of I2, 20k of I5 (paid after the as-of date)


def test_accounts_that_need_attention_are_ranked_as_every_report_ranks_them(session, data_dir):
    """One ranking everywhere: the email lists the attention module's accounts in its order,
    each with the money at stake and severity of its first issue; a whole-account issue puts
    a year of the account's business at stake, a revenue decline the revenue lost."""
    figures = session.figures()
    summary = portfolio_summary(session.dataset, session.as_of, session.params, figures)
    items = attention_items(
        figures.metrics, figures.flags, session.dataset.order_lines, session.dataset.accounts,
        session.as_of, recent_months=session.params.risk.discount_window_months,
    )  # fmt: skip
    ranked = by_account(items)
    shown = [(a.account_id, a.top.severity, a.top.at_stake) for a in ranked]
    got = [(a.account_id, a.severity, a.at_stake) for a in summary.attention]
    assert got == shown[: len(got)] and summary.attention_more == len(ranked) - len(got)
    flagged = set(figures.flags["account_id"].astype(str))
    assert flagged <= {a.account_id for a in ranked}  # every flagged account of every tier
    weights = [a.at_stake * (1 if a.severity == "high" else 0.5) for a in summary.attention]
    assert weights == sorted(weights, reverse=True)
    end = dt.date.fromisoformat(AS_OF)
    now, before = ltm(data_dir, end), ltm(data_dir, end.replace(year=end.year - 1))
    checked = 0
    for line in summary.attention:
        year = max(now.get(line.account_id, 0.0), before.get(line.account_id, 0.0))
        if line.flags[0] in WHOLE_ACCOUNT:
            assert line.at_stake == pytest.approx(year)
            checked += 1
        elif line.flags[0] == "REVENUE_DECLINE":
            lost = before.get(line.account_id, 0.0) - now.get(line.account_id, 0.0)
            assert line.at_stake == pytest.approx(lost)
            checked += 1
    assert checked
    tiers = {a.tier for a in summary.attention}
    assert "key" in tiers and len(tiers) > 1  # not only the key accounts


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_email_shows_the_portfolio_reports_numbers(session, locale):
    """One concept, one number: the email's targets and overdue figures read exactly as the
    portfolio report's cards."""
    from kamreport.mail.message import render_email
    from kamreport.reports.portfolio import analyse
    from kamreport.views.portfolio import portfolio_display
    from kamreport.views.portfolio_operations import receivables
    from kamreport.views.portfolio_parts import Context
    from kamreport.views.portfolio_team import targets

    fmt = Formatter(locale, "CNY")
    figures = session.figures()
    review = analyse(session.dataset, session.as_of, session.params, figures)
    ctx = Context(review, portfolio_display(fmt, review), session.params, {})
    report_cards = [k.value for k in targets(ctx).kpis] + [receivables(ctx, None).kpis[1].value]
    summary = portfolio_summary(session.dataset, session.as_of, session.params, figures)
    email = render_email(
        summary, (), fmt, confidentiality="x", data_hash="d" * 64, params_hash="p" * 64,
        accounts=session.dataset.accounts,
    )  # fmt: skip
    section = next(s for s in email.view.sections if s.section_id == "targets")
    assert [row.cells[1].text for row in section.table.rows] == report_cards
    attainment, forecast = report_cards[1], report_cards[3]
    assert attainment in email.subject and forecast in email.subject


@pytest.mark.parametrize(
    ("locale", "subject"),
    [
        ("en", "Portfolio report, Sep 30, 2026: revenue {rev} YTD, {att} of target, forecast {fc}"),
        (
            "zh-CN",
            "重点客户组合报告（2026年9月30日）：年初至今销售额{rev}，目标达成率{att}，全年预测达成率{fc}",
        ),
    ],
)
def test_subject_carries_the_headline_numbers(session, data_dir, locale, subject):
    from kamreport.mail.message import render_email

    fmt = Formatter(locale, "CNY")
    summary = portfolio_summary(session.dataset, session.as_of, session.params, session.figures())
    email = render_email(summary, (), fmt, confidentiality="x", data_hash="d", params_hash="p")
    h = hand_targets(data_dir)
    assert email.subject == subject.format(
        rev=fmt.money(h["revenue_ytd"], compact=True),
        att=fmt.percent(h["revenue_ytd"] / h["target_ytd"]),
        fc=fmt.percent(h["forecast_fy"] / h["target_fy"]),
    )


# --- sending, and what changed since the last email --------------------------------


def full_report(out: Path, as_of: str, locale: str, data_hash: str) -> None:
    """The portfolio report as a run of this data would leave it (so none is generated)."""
    folder = out / as_of / locale / "portfolio"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "portfolio.html").write_text("<html><body>Portfolio</body></html>", encoding="utf-8")
    manifest = {"locale": locale, "data_hash": data_hash, "outputs": ["portfolio.html"]}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def send(data_dir: Path, out: Path, port: int, as_of: str, locale: str, **kwargs):
    overrides = {
        "data": {"source": str(data_dir)},
        "report": {"as_of": as_of, "output_dir": str(out), "locale": locale},
        "email": {
            "recipients": {"leadership": [CEO, CFO]},
            "sender": "KAM reports <kam@example.com>",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "security": "none",
            "max_attempts": 1,
        },
    }
    lines: list[str] = []
    run = run_email("portfolio", overrides=overrides, environ={}, progress=lines.append,
                    echo=lines.append, sleep=lambda _: None, **kwargs)  # fmt: skip
    return run, lines


def text_of(raw: bytes) -> str:
    import email
    import email.policy

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return msg.get_body(("plain",)).get_content()


WORDS = {
    "en": {
        "first": "First email — nothing to compare yet.",
        "since": "Compared with the email of Aug 31, 2026.",
        "mover": "Revenue, last 12 months: {before} → {after}",
    },
    "zh-CN": {
        "first": "这是第一封邮件，尚无可比较的内容。",
        "since": "与2026年8月31日的邮件相比。",
        "mover": "近12个月销售额由{before}变为{after}",
    },
}


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_what_changed_since_the_last_email_sent(tmp_path, data_dir, session, locale):
    out = tmp_path / "out"
    data_hash = session.data_hash
    for as_of in (EARLIER, AS_OF):
        full_report(out, as_of, locale, data_hash)
    words = WORDS[locale]
    fmt = Formatter(locale, "CNY")
    snapshots = out / "email" / "snapshots"
    handler = Recorder()
    with smtp_server(handler) as port:
        first, _ = send(data_dir, out, port, EARLIER, locale)
        assert first.counts()["sent"] == 2 and first.snapshot is not None
        assert words["first"] in text_of(handler.messages[0][1])
        stored = first.snapshot.read_bytes()
        assert json.loads(stored)["sent"]["as_of"] == EARLIER

        again, _ = send(data_dir, out, port, EARLIER, locale)  # a re-run sends nothing
        assert again.counts() == {"sent": 0, "refused": 0, "failed": 0, "skipped": 2}
        assert again.snapshot is None and first.snapshot.read_bytes() == stored

        dry, _ = send(data_dir, out, port, AS_OF, locale, dry_run=True)  # writes no snapshot
        assert words["since"] in text_of(dry.eml_files[0].read_bytes())
        assert first.snapshot.read_bytes() == stored

        later, _ = send(data_dir, out, port, AS_OF, locale)
        assert later.counts()["sent"] == 2 and later.snapshot == first.snapshot
        text = text_of(handler.messages[-1][1])
        assert words["since"] in text and words["first"] not in text

        again, _ = send(data_dir, out, port, AS_OF, locale)  # still idempotent after comparing
        assert again.counts()["skipped"] == 2 and len(handler.messages) == 4
    record = json.loads(first.snapshot.read_text(encoding="utf-8"))
    assert (record["sent"]["as_of"], record["compared_with"]["as_of"]) == (AS_OF, EARLIER)
    assert [p.name for p in snapshots.iterdir()] == [first.snapshot.name]
    # the largest movers, by a plain loop over the orders
    before = ltm(data_dir, dt.date.fromisoformat(EARLIER))
    after = ltm(data_dir, dt.date.fromisoformat(AS_OF))
    accounts = sorted(set(before) | set(after))
    moves = sorted(accounts, key=lambda a: (-abs(after.get(a, 0) - before.get(a, 0)), a))[:5]
    lines = [
        words["mover"].format(
            before=fmt.money(before.get(a, 0.0), compact=True),
            after=fmt.money(after.get(a, 0.0), compact=True),
        )
        for a in moves
    ]
    positions = [text.index(line) for line in lines]
    assert positions == sorted(positions)


def test_a_dry_run_works_without_recipients_or_sender(tmp_path, data_dir, session):
    out = tmp_path / "out"
    full_report(out, AS_OF, "en", session.data_hash)
    said: list[str] = []
    overrides = {
        "data": {"source": str(data_dir)},
        "report": {"as_of": AS_OF, "output_dir": str(out)},
    }
    run = run_email(
        "portfolio", overrides=overrides, dry_run=True, environ={}, progress=said.append
    )
    [eml] = run.eml_files
    raw = eml.read_bytes()
    assert b"To: leadership@example.com" in raw and b"kamreport@localhost" in raw
    assert run.recipients == (DRY_RUN_RECIPIENT,)
    assert any("placeholder leadership@example.com" in line for line in said)
    assert any("placeholder KAM reports <kamreport@localhost>" in line for line in said)
    assert not (out / "email" / "snapshots").exists()
    with pytest.raises(EmailConfigError, match="No recipient list 'leadership'"):
        run_email("portfolio", overrides=overrides, environ={}, progress=said.append)


def test_an_account_name_with_markup_is_escaped_in_the_attention_list(tmp_path, data_dir, session):
    import email
    import email.policy

    out = tmp_path / "out"
    full_report(out, AS_OF, "en", session.data_hash)
    handler = Recorder()
    with smtp_server(handler) as port:
        send(data_dir, out, port, AS_OF, "en")
    msg = email.message_from_bytes(handler.messages[0][1], policy=email.policy.default)
    html = msg.get_body(("html",)).get_content()
    attention = html.split('data-section="attention"')[1].split('data-section="trend"')[0]
    assert "Nordic Feed &amp; Co &lt;AB&gt;" in attention
    assert "<AB>" not in html
    assert "- Nordic Feed & Co <AB> (KA0002" in text_of(handler.messages[0][1])
