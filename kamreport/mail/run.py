"""The ``email`` command: build a report's summary email and send it (or write .eml files).

Steps: resolve the recipients and the sender (before any data is read); load the
data; find the full report of this run
(PDF when it exists, else HTML; generated first when missing or made for another
language or data); render the summary email; refuse it if it would carry a
contact's personal details; then either write one ``.eml`` per recipient
(``DRY_RUN=1``) or deliver, skipping recipients who already got this very
report unless ``FORCE=1``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from kamreport.context import RunContext, open_context
from kamreport.layout import pdf_name, report_html, run_file, safe_dir_name
from kamreport.mail.charts import email_charts
from kamreport.mail.log import SendLog, address_key
from kamreport.mail.message import (
    Attachment,
    RenderedEmail,
    attachment_is_private,
    build_message,
    check_privacy,
    params_digest,
    render_email,
)
from kamreport.mail.privacy import personal_details
from kamreport.mail.send import EmailConfigError, Outcome, deliver, smtp_settings
from kamreport.mail.summary import REPORTS, customer_summary, portfolio_summary
from kamreport.outputs import atomic_write_bytes
from kamreport.params import EmailParams, load_params

Progress = Callable[[str], None]
SKIP_REASONS = {
    "sent": "already sent this report (FORCE=1 sends it again)",
    "sending": "a previous run stopped while sending to this address, so it may have "
    "arrived (FORCE=1 sends it again)",
}


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class EmailRun:
    """What one ``email`` command did."""

    email: RenderedEmail
    recipients: tuple[str, ...]
    outcomes: tuple[Outcome, ...] = ()
    eml_files: tuple[Path, ...] = ()
    log_path: Path | None = None
    attachment_source: Path | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(o.status in ("sent", "skipped") for o in self.outcomes)

    def counts(self) -> dict[str, int]:
        counts = {"sent": 0, "refused": 0, "failed": 0, "skipped": 0}
        for outcome in self.outcomes:
            counts[outcome.status] += 1
        return counts


def resolve_recipients(params: EmailParams, to: str) -> tuple[str, ...]:
    """The addresses of list ``to`` (see ``email.recipients``), or ``to`` itself when it
    is a comma-separated list of addresses."""
    if "@" in to:
        entries: tuple[str, ...] = tuple(p.strip() for p in to.split(",") if p.strip())
    elif to in params.recipients:
        entries = tuple(params.recipients[to])
    else:
        known = ", ".join(sorted(params.recipients)) or "none defined"
        raise EmailConfigError(
            f"No recipient list {to!r} in email.recipients (lists: {known}). Define it in "
            f"your params file, e.g.\n  email:\n    recipients:\n      {to}: [ceo@example.com]\n"
            "or give addresses directly: TO=ceo@example.com,cfo@example.com"
        )
    if not entries:
        raise EmailConfigError(f"The recipient list {to!r} is empty; add addresses to it.")
    unique: dict[str, str] = {}
    for entry in entries:
        address = address_key(entry)
        if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+|[^@\s<>]+@localhost", address):
            raise EmailConfigError(
                f"{entry!r} in recipient list {to!r} is not an e-mail address "
                '(expected name@example.com or "Name <name@example.com>").'
            )
        unique.setdefault(address, entry)
    return tuple(unique.values())


def _check_sender(params: EmailParams) -> str:
    if not parseaddr(params.sender)[1] or "@" not in params.sender:
        raise EmailConfigError(
            f"email.sender must be an e-mail address, found {params.sender!r}. Set it in "
            'your params file, e.g. sender: "KAM reports <kam-reports@example.com>".'
        )
    return params.sender


# --- the full report to attach ---------------------------------------------------


def _generate(report: str, account_id: str | None, context: RunContext, progress) -> None:
    """Run the full report on the same run context, into the folder of its layout."""
    from kamreport import runner

    if report == "customer":
        runner.run_customer_report(str(account_id), context=context, progress=progress)
    else:
        runner.run_portfolio_report(context=context, progress=progress)


def _report_files(
    context: RunContext, report: str, account_id: str | None
) -> tuple[Path | None, Path | None]:
    """The HTML and PDF of this run's report (same as-of date, language and data), each
    only when the manifest of the folder's last run lists it."""
    folder = context.layout.report_dir(report, account_id)
    html_name = report_html(report)
    found = [
        run_file(folder, name, locale=context.locale, data_hash=context.data_hash)
        for name in (html_name, pdf_name(html_name))
    ]
    return found[0], found[1]


def find_attachment(
    context: RunContext,
    report: str,
    account_id: str | None,
    details: frozenset[str],
    *,
    progress: Progress,
) -> tuple[Attachment | None, Path | None, list[str]]:
    """The full report as PDF (else HTML), or None with the reason in the notes.

    Only a report made by this run's data, date and language is attached (its
    manifest says so), with a PDF when FORMATS includes pdf; otherwise it is
    generated first."""
    html, pdf = _report_files(context, report, account_id)
    notes: list[str] = []
    wants_pdf = "pdf" in context.params.report.formats
    if html is None or (wants_pdf and pdf is None):
        progress(f"Generating the full {report} report to attach…")
        _generate(report, account_id, context, progress)
        html, pdf = _report_files(context, report, account_id)
    if html is None:
        folder = context.layout.report_dir(report, account_id)
        notes.append(f"No full report in {folder}; none attached.")
        return None, None, notes
    # The PDF is printed from the HTML: checking the HTML checks both.
    if not attachment_is_private(html.read_text(encoding="utf-8"), details):
        notes.append(
            f"The full report {html} contains contacts' personal details, so it is not "
            "attached; the email says the report is available from the key account team."
        )
        return None, None, notes
    source = pdf if pdf is not None else html
    stem = "portfolio" if report == "portfolio" else "account-review-"
    name = stem if report == "portfolio" else stem + safe_dir_name(str(account_id))
    filename = f"{name}-{context.as_of.isoformat()}-{context.locale}{source.suffix}"
    return Attachment.from_file(source, filename), source, notes


# --- the command -----------------------------------------------------------------


def compose(
    context: RunContext,
    report: str,
    account_id: str | None,
    attachment: Attachment | None,
) -> RenderedEmail:
    """The rendered summary email of ``report`` (no I/O beyond the templates)."""
    figures = context.figures()
    if report == "customer":
        summary = customer_summary(
            context.dataset, str(account_id), context.as_of, context.params, figures
        )
    else:
        summary = portfolio_summary(context.dataset, context.as_of, context.params, figures)
    fmt = context.fmt
    return render_email(
        summary,
        email_charts(summary, fmt),
        fmt,
        confidentiality=context.params.report.confidentiality,
        data_hash=context.data_hash,
        params_hash=params_digest(context.params.to_dict()),
        attachment=attachment,
        accounts=context.dataset.accounts,
    )


def _eml_name(index: int, recipient: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9@._-]+", "_", address_key(recipient)).replace("@", "_at_")
    return f"{index:02d}-{safe[:80]}.eml"


def run_email(
    report: str,
    *,
    customer: str | None = None,
    to: str = "leadership",
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    force: bool = False,
    environ: Mapping[str, str] | None = None,
    progress: Progress = _stderr,
    echo: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> EmailRun:
    """Email the summary of ``report`` ("customer" or "portfolio") to list ``to``."""
    if report not in REPORTS:
        raise EmailConfigError(f"REPORT must be one of {', '.join(REPORTS)}, found {report!r}.")
    if report == "customer" and not customer:
        raise EmailConfigError("REPORT=customer needs CUSTOMER=<id> (make list shows the ids).")
    environ = os.environ if environ is None else environ
    params = load_params(params_file or None, overrides or {})
    email_params = params.email
    recipients = resolve_recipients(email_params, to)
    sender = _check_sender(email_params)
    settings = None if dry_run else smtp_settings(email_params, environ)
    context = open_context(params=params, say=progress)
    account_id = context.account_id(customer) if report == "customer" else None
    details = personal_details(context.dataset)
    attachment, source, notes = find_attachment(
        context, report, account_id, details, progress=progress
    )
    for note in notes:
        progress(note)
    progress("Composing the email…")
    email = compose(context, report, account_id, attachment)
    check_privacy(email, details)
    now = dt.datetime.now(dt.UTC)
    if dry_run:
        target = context.layout.email_dir(report, account_id)
        for stale in target.glob("*.eml"):  # from an earlier dry run of this report
            stale.unlink()
        files = []
        for index, recipient in enumerate(recipients, 1):
            message = build_message(email, sender, recipient, date=now)
            files.append(atomic_write_bytes(target / _eml_name(index, recipient), bytes(message)))
        return EmailRun(email, recipients, eml_files=tuple(files), attachment_source=source,
                        notes=tuple(notes))  # fmt: skip
    log = SendLog(context.layout.send_log)
    state = {} if force else log.state(email.content_hash)
    skipped: list[Outcome] = []
    todo: list[str] = []
    for recipient in recipients:
        reason = SKIP_REASONS.get(state.get(address_key(recipient), ""))
        if reason:
            skipped.append(Outcome(recipient, "skipped", reason))
        else:
            todo.append(recipient)
    for outcome in skipped:
        echo(f"{outcome.status:<8} {outcome.recipient}  ({outcome.message})")
    fields = {
        "report_hash": email.content_hash,
        "report": report,
        "customer": account_id,
        "as_of": context.as_of.isoformat(),
        "locale": context.locale,
        "subject": email.subject,
    }
    assert settings is not None
    messages = ((r, build_message(email, sender, r, date=now)) for r in todo)
    sent = deliver(messages, settings, log, fields, sleep=sleep, echo=echo) if todo else []
    order = {address_key(r): i for i, r in enumerate(recipients)}
    outcomes = sorted([*skipped, *sent], key=lambda o: order[address_key(o.recipient)])
    return EmailRun(email, recipients, tuple(outcomes), log_path=log.path,
                    attachment_source=source, notes=tuple(notes))  # fmt: skip
