"""The ``email`` command: build a report's summary email and send it (or write .eml files).

Steps: resolve the recipients and the sender (before any data is read); load the
data; find the full report of this run
(PDF when it exists, else HTML; generated first when missing or made for another
language or data); render the summary email, comparing the portfolio's figures with
those of the last email sent to the same list (:mod:`kamreport.mail.snapshots`);
refuse it if it would carry a contact's personal details; then either write one
``.eml`` per recipient (``DRY_RUN=1``) or deliver, skipping recipients who already
got this very email unless ``FORCE=1``, and record the figures sent.

The ``digest`` command does the same for one KA manager's weekly digest.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from pathlib import Path
from typing import Any

from kamreport.context import RunContext, open_context
from kamreport.layout import pdf_name, report_html, run_file, safe_dir_name
from kamreport.mail.charts import email_charts
from kamreport.mail.digest import digest_summary
from kamreport.mail.log import SendLog, address_key
from kamreport.mail.message import (
    Attachment,
    RenderedEmail,
    attachment_is_private,
    build_message,
    check_privacy,
    params_digest,
    render_digest,
    render_email,
)
from kamreport.mail.privacy import personal_details
from kamreport.mail.send import EmailConfigError, Outcome, SmtpSettings, deliver, smtp_settings
from kamreport.mail.snapshots import (
    list_key,
    manager_key,
    read_snapshot,
    snapshot_path,
    write_snapshot,
)
from kamreport.mail.summary import REPORTS, customer_summary, portfolio_summary
from kamreport.managers import manager_accounts
from kamreport.outputs import atomic_write_bytes
from kamreport.params import EmailParams, load_params

Progress = Callable[[str], None]
# What a dry run addresses when the params file names no recipients or no sender:
# placeholders that cannot reach anyone (real sending refuses to start without them).
DRY_RUN_RECIPIENT = "leadership@example.com"
DRY_RUN_MANAGER = "ka-manager@example.com"
DRY_RUN_SENDER = "KAM reports <kamreport@localhost>"
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
    snapshot: Path | None = None  # the figures recorded for the next email's comparison

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
    history: dict | None = None,
) -> RenderedEmail:
    """The rendered summary email of ``report`` (no I/O beyond the templates); a portfolio
    email says what changed since the email recorded in ``history``."""
    figures = context.figures()
    if report == "customer":
        summary = customer_summary(
            context.dataset, str(account_id), context.as_of, context.params, figures
        )
    else:
        summary = portfolio_summary(
            context.dataset, context.as_of, context.params, figures, history=history
        )
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
    if dry_run and "@" not in to and not email_params.recipients:
        progress(
            f"No recipient lists in email.recipients: this dry run addresses the "
            f"placeholder {DRY_RUN_RECIPIENT} (real sending needs the list {to!r})."
        )
        recipients: tuple[str, ...] = (DRY_RUN_RECIPIENT,)
    else:
        recipients = resolve_recipients(email_params, to)
    sender = _sender(email_params, dry_run, progress)
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
    key = list_key(report, recipients)
    snapshot = snapshot_path(context.layout.send_log.parent, key)
    history = read_snapshot(snapshot) if report == "portfolio" else None
    email = compose(context, report, account_id, attachment, history)
    check_privacy(email, details)
    fields = {
        "report_hash": email.content_hash,
        "report": report,
        "customer": account_id,
        "as_of": context.as_of.isoformat(),
        "locale": context.locale,
        "subject": email.subject,
    }
    run = _dispatch(
        email, recipients, sender, settings, context.layout.email_dir(report, account_id),
        SendLog(context.layout.send_log), fields, dry_run=dry_run, force=force, echo=echo,
        sleep=sleep,
    )  # fmt: skip
    run = replace(run, attachment_source=source, notes=tuple(notes))
    if report == "portfolio":
        return _record(run, email, snapshot, key)
    return run


def _sender(params: EmailParams, dry_run: bool, progress: Progress) -> str:
    """The From address; a placeholder on a dry run when none is set."""
    if dry_run and not params.sender:
        progress(
            f"No email.sender set: this dry run uses the placeholder {DRY_RUN_SENDER} "
            "(real sending needs email.sender)."
        )
        return DRY_RUN_SENDER
    return _check_sender(params)


def _record(run: EmailRun, email: RenderedEmail, snapshot: Path, key: str) -> EmailRun:
    """After a run that delivered to at least one recipient, store the figures it sent
    (and those it was compared with) for the next email's comparison."""
    if email.record is None or not any(o.status == "sent" for o in run.outcomes):
        return run
    state, previous = email.record
    return replace(run, snapshot=write_snapshot(snapshot, key, state, previous))


def _dispatch(
    email: RenderedEmail,
    recipients: tuple[str, ...],
    sender: str,
    settings: SmtpSettings | None,
    eml_dir: Path,
    log: SendLog,
    fields: dict[str, Any],
    *,
    dry_run: bool,
    force: bool,
    echo: Callable[[str], None],
    sleep: Callable[[float], None],
) -> EmailRun:
    """Write one .eml per recipient (dry run) or deliver to those who did not get this very
    email yet (all of them with ``force``)."""
    now = dt.datetime.now(dt.UTC)
    if dry_run:
        for stale in eml_dir.glob("*.eml"):  # from an earlier dry run of this email
            stale.unlink()
        files = []
        for index, recipient in enumerate(recipients, 1):
            message = build_message(email, sender, recipient, date=now)
            files.append(atomic_write_bytes(eml_dir / _eml_name(index, recipient), bytes(message)))
        return EmailRun(email, recipients, eml_files=tuple(files))
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
    assert settings is not None
    messages = ((r, build_message(email, sender, r, date=now)) for r in todo)
    sent = deliver(messages, settings, log, fields, sleep=sleep, echo=echo) if todo else []
    order = {address_key(r): i for i, r in enumerate(recipients)}
    outcomes = sorted([*skipped, *sent], key=lambda o: order[address_key(o.recipient)])
    return EmailRun(email, recipients, tuple(outcomes), log_path=log.path)


def run_digest(
    manager: str,
    *,
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    dry_run: bool = False,
    force: bool = False,
    environ: Mapping[str, str] | None = None,
    progress: Progress = _stderr,
    echo: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> EmailRun:
    """Email ``manager`` (a name in the accounts' ka_manager column) their weekly digest,
    to the address in ``email.managers``."""
    environ = os.environ if environ is None else environ
    manager = manager.strip()
    if not manager:
        raise EmailConfigError("MANAGER is empty: make digest MANAGER=<name> (make list shows "
                               "each account's KA manager).")  # fmt: skip
    params = load_params(params_file or None, overrides or {})
    email_params = params.email
    sender = _sender(email_params, dry_run, progress)
    settings = None if dry_run else smtp_settings(email_params, environ)
    context = open_context(params=params, say=progress)
    # a manager the data does not know: stop here
    manager_accounts(context.dataset, manager, error=EmailConfigError)
    address = email_params.managers.get(manager)
    if not address and dry_run:
        progress(
            f"No address for {manager} in email.managers: this dry run addresses the "
            f"placeholder {DRY_RUN_MANAGER} (real sending needs it)."
        )
        address = DRY_RUN_MANAGER
    if not address:
        raise EmailConfigError(
            f"No address for KA manager {manager!r} in email.managers. Add it to your "
            f"params file, e.g.\n  email:\n    managers:\n      {manager}: "
            "name@example.com\nor try DRY_RUN=1 to write the digest as an .eml file."
        )
    label = f"email.managers[{manager}]"  # how an invalid address is named in the error
    recipients = resolve_recipients(replace(email_params, recipients={label: (address,)}), label)
    progress("Composing the digest…")
    key = manager_key(manager)
    snapshot = snapshot_path(context.layout.send_log.parent, key)
    digest = digest_summary(
        context.dataset, context.as_of, params, context.figures(), manager,
        history=read_snapshot(snapshot),
    )  # fmt: skip
    email = render_digest(
        digest,
        context.fmt,
        confidentiality=params.report.confidentiality,
        data_hash=context.data_hash,
        params_hash=params_digest(params.to_dict()),
        accounts=context.dataset.accounts,
    )
    fields = {
        "report_hash": email.content_hash,
        "report": "digest",
        "manager": manager,
        "as_of": context.as_of.isoformat(),
        "locale": context.locale,
        "subject": email.subject,
    }
    run = _dispatch(
        email, recipients, sender, settings, context.layout.email_dir("digest", manager),
        SendLog(context.layout.send_log), fields, dry_run=dry_run, force=force, echo=echo,
        sleep=sleep,
    )  # fmt: skip
    return _record(run, email, snapshot, key)
