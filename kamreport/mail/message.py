"""Building the email: templates rendered, CSS inlined, MIME assembled.

The structure mail clients expect::

    multipart/mixed
      multipart/alternative
        text/plain                  the same summary as plain text
        multipart/related
          text/html                 fluid table layout up to 600 px, inline styles
          image/png ...             charts, referenced as <img src="cid:…">
      application/pdf | text/html   the full report

Styles are inlined with css-inline (Gmail and Outlook ignore most ``<style>``
rules); images are never ``data:`` URIs (Gmail and Outlook drop them); the HTML
must stay under Gmail's clipping limit of about 100 KB.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from functools import cache
from pathlib import Path
from typing import Any

import css_inline
import jinja2
import pandas as pd

from kamreport import __version__
from kamreport.errors import KamReportError
from kamreport.i18n import Formatter
from kamreport.mail.charts import EmailChart
from kamreport.mail.digest import DigestSummary
from kamreport.mail.privacy import find_personal_details
from kamreport.mail.summary import EmailSummary
from kamreport.paths import TEMPLATES_DIR
from kamreport.views.display import Display, other_names
from kamreport.views.email import (
    EmailView,
    digest_display,
    digest_subject,
    digest_view,
    email_display,
    email_view,
    subject,
)

HTML_LIMIT_BYTES = 100_000  # Gmail clips message HTML past about 102 KB
# Longest account name in a subject; longer names end in "…" (docs/data-model.md).
SUBJECT_NAME_MAX_CHARS = 80
# Longest subject and attachment file name once folded (RFC 5322 advises under 78 per line).
HEADER_MAX_CHARS = 250
_SPACES = re.compile(r"\s+")
MIME_TYPES = {".pdf": ("application", "pdf"), ".html": ("text", "html")}


class EmailBuildError(KamReportError):
    """The email cannot be built safely (too large, or it would leak personal details)."""


@dataclass(frozen=True)
class Attachment:
    """The full report attached to the email."""

    filename: str
    data: bytes
    maintype: str
    subtype: str

    @classmethod
    def from_file(cls, path: Path, filename: str | None = None) -> Attachment:
        maintype, subtype = MIME_TYPES.get(path.suffix.lower(), ("application", "octet-stream"))
        return cls(one_line(filename or path.name), path.read_bytes(), maintype, subtype)


@dataclass(frozen=True)
class RenderedEmail:
    """Subject, plain text, inlined HTML, charts with their Content-IDs, attachment."""

    subject: str
    text: str
    html: str
    charts: tuple[EmailChart, ...]
    cids: dict[str, str] = field(default_factory=dict)
    attachment: Attachment | None = None
    view: EmailView | None = field(default=None, compare=False, repr=False)  # what it says
    # The figures to record once sent, and those they were compared with
    # (kamreport.mail.snapshots); None for an email that compares nothing.
    record: tuple[Mapping[str, Any], Mapping[str, Any] | None] | None = field(
        default=None, compare=False, repr=False
    )

    @property
    def content_hash(self) -> str:
        """SHA-256 of what the email says (subject, text, HTML, charts): the same report
        gives the same hash, whatever the recipient, date or message id."""
        digest = hashlib.sha256()
        for part in (self.subject, self.text, self.html):
            digest.update(part.encode("utf-8") + b"\0")
        for chart in self.charts:
            digest.update(chart.png)
        return digest.hexdigest()

    @property
    def html_bytes(self) -> int:
        return len(self.html.encode("utf-8"))


@cache
def _environment(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """Autoescaping for the HTML templates; the plain-text template is not HTML."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=lambda name: bool(name and name.endswith(".html.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _inline_css(html: str) -> str:
    # @media rules cannot be inlined: they stay in a <style> block for the clients that read it.
    inliner = css_inline.CSSInliner(
        keep_style_tags=False, keep_at_rules=True, load_remote_stylesheets=False
    )
    return inliner.inline(html)


def one_line(text: str, limit: int = HEADER_MAX_CHARS) -> str:
    """``text`` safe for a mail header or a file name: one line, at most ``limit`` characters.

    Line breaks of every kind (CR, LF, U+0085, U+2028, U+2029), tabs and other control
    characters become spaces, runs of spaces collapse to one and the ends are trimmed; a
    longer text is cut at ``limit`` and ends in "…". A header with a line break would
    either be refused by the mail library or start a new header (header injection).
    """
    plain = "".join(
        " " if ch.isspace() or unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch
        for ch in str(text)
    )
    folded = _SPACES.sub(" ", plain).strip()
    if len(folded) <= limit:
        return folded
    return folded[: limit - 1].rstrip() + "…"


def _subject_display(display: Display) -> Display:
    """The same display with every account name folded to one short line."""
    names = {key: one_line(name, SUBJECT_NAME_MAX_CHARS) for key, name in display.names.items()}
    return Display(display.fmt, names)


def subject_line(
    summary: EmailSummary, fmt: Formatter, accounts: pd.DataFrame | None = None
) -> str:
    """``<report>[: <account>] · <period> · <language>``, on one line (see :func:`one_line`)."""
    return one_line(subject(summary, _subject_display(email_display(fmt, summary, accounts))))


def _cid(chart: EmailChart) -> str:
    return f"{chart.name}.{hashlib.sha256(chart.png).hexdigest()[:16]}@kamreport"


def render_email(
    summary: EmailSummary,
    charts: tuple[EmailChart, ...],
    fmt: Formatter,
    *,
    confidentiality: str,
    data_hash: str,
    params_hash: str,
    attachment: Attachment | None = None,
    accounts: pd.DataFrame | None = None,
) -> RenderedEmail:
    """Render the HTML and plain-text versions of ``summary`` and inline the CSS.

    With the ``accounts`` table, accounts are named in the email's language (the English
    name in English) and a customer email gives the account's other name under its own;
    without it, accounts are named as the summary spells them."""
    cids = {c.name: _cid(c) for c in charts}
    note = (
        fmt.t("email.attached", file=attachment.filename)
        if attachment
        else fmt.t("email.attached_none")
    )
    view = email_view(
        summary,
        email_display(fmt, summary, accounts),
        confidentiality=confidentiality,
        data_hash=data_hash,
        params_hash=params_hash,
        version=__version__,
        attachment_note=note,
        charts=charts,
        cids=cids,
        alt_names=other_names(accounts, fmt.locale) if accounts is not None else None,
    )
    rendered = finish(view, subject_line(summary, fmt, accounts), charts, cids, attachment)
    if summary.state is None:
        return rendered
    return replace(rendered, record=(summary.state, summary.baseline))


def render_digest(
    digest: DigestSummary,
    fmt: Formatter,
    *,
    confidentiality: str,
    data_hash: str,
    params_hash: str,
    accounts: pd.DataFrame | None = None,
) -> RenderedEmail:
    """Render a KA manager's digest (no charts, no attachment)."""
    display = digest_display(fmt, digest, accounts)
    view = digest_view(
        digest,
        display,
        confidentiality=confidentiality,
        data_hash=data_hash,
        params_hash=params_hash,
        version=__version__,
    )
    names = {key: one_line(name, SUBJECT_NAME_MAX_CHARS) for key, name in display.names.items()}
    subject_text = one_line(digest_subject(digest, Display(fmt, names)))
    rendered = finish(view, subject_text, (), {}, None)
    return replace(rendered, record=(digest.state, digest.baseline) if digest.state else None)


def page_html(view: EmailView) -> str:
    """The email's HTML as rendered, before its styles are inlined."""
    css = (TEMPLATES_DIR / "email" / "email.css").read_text(encoding="utf-8")
    return _environment().get_template(f"email/{view.report}.html.j2").render(view=view, css=css)


def finish(
    view: EmailView,
    subject_text: str,
    charts: tuple[EmailChart, ...],
    cids: dict[str, str],
    attachment: Attachment | None,
) -> RenderedEmail:
    """The HTML (styles inlined) and plain-text versions of ``view``; refused past
    Gmail's clipping limit."""
    text = _environment().get_template("email/summary.txt.j2").render(view=view)
    rendered = RenderedEmail(
        subject=subject_text,
        text=text,
        html=_inline_css(page_html(view)),
        charts=charts,
        cids=cids,
        attachment=attachment,
        view=view,
    )
    if rendered.html_bytes >= HTML_LIMIT_BYTES:
        raise EmailBuildError(
            f"The email HTML is {rendered.html_bytes:,} bytes; Gmail clips messages past "
            f"about {HTML_LIMIT_BYTES:,} bytes. Shorten the summary (fewer top accounts)."
        )
    return rendered


def check_privacy(email: RenderedEmail, details: frozenset[str]) -> None:
    """Refuse an email whose subject, text or HTML holds a contact's personal details."""
    hits = find_personal_details("\n".join((email.subject, email.text, email.html)), details)
    if hits:
        raise EmailBuildError(
            f"The email would contain {len(hits)} personal detail(s) of contacts "
            "(names, e-mail addresses or phone numbers); nothing was sent. "
            "Contacts' details belong to the account team, not to leadership emails."
        )


def attachment_is_private(text: str, details: frozenset[str]) -> bool:
    """True when an attachment (as text) holds none of the contacts' personal details."""
    return not find_personal_details(text, details)


def build_message(
    email: RenderedEmail,
    sender: str,
    recipient: str,
    *,
    date: Any = None,
) -> EmailMessage:
    """The MIME message of ``email`` for one recipient."""
    msg = EmailMessage()
    msg["Subject"] = one_line(email.subject)
    msg["From"] = sender
    msg["To"] = recipient
    if date is not None:
        msg["Date"] = format_datetime(date)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "kamreport.local"
    msg["Message-ID"] = make_msgid("kamreport", domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Kamreport-Content"] = email.content_hash
    msg.set_content(email.text, subtype="plain", charset="utf-8")
    msg.add_alternative(email.html, subtype="html", charset="utf-8")
    html_part = msg.get_payload()[1]
    for chart in email.charts:
        html_part.add_related(
            chart.png,
            maintype="image",
            subtype="png",
            cid=f"<{email.cids[chart.name]}>",
            disposition="inline",
            filename=f"{chart.name}.png",
        )
    if email.attachment is not None:
        a = email.attachment
        name = one_line(a.filename)
        msg.add_attachment(a.data, maintype=a.maintype, subtype=a.subtype, filename=name)
    return msg


def params_digest(params_dict: dict[str, Any]) -> str:
    """SHA-256 of the parameters that shape a report's figures: the email section, the
    output folder and the formats are left out, so changing recipients, the server or
    FORMATS does not make the same report new."""
    relevant = {k: v for k, v in params_dict.items() if k != "email"}
    report = dict(relevant.get("report", {}))
    for key in ("output_dir", "formats"):  # where and in which formats, not what
        report.pop(key, None)
    relevant["report"] = report
    return hashlib.sha256(
        json.dumps(relevant, sort_keys=True, ensure_ascii=False, allow_nan=False).encode()
    ).hexdigest()
