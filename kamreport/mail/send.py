"""Delivering messages over SMTP: security, credentials, retries, per-recipient results.

- Security ``none`` (a relay on your own network), ``starttls`` or ``ssl``; the
  server certificate is always verified (``email.ca_file`` adds certificates).
- Credentials only from the environment variables named in the params.
- Temporary failures (4xx replies, lost or refused connections) are retried
  with exponential backoff, bounded by ``max_attempts`` and
  ``retry_max_delay_seconds``; permanent refusals (5xx) are reported, never retried.
- Every recipient's result is logged (see :mod:`kamreport.mail.log`) before the
  next one is attempted.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr

from kamreport.errors import KamReportError
from kamreport.mail.log import SendLog, address_key
from kamreport.params import EmailParams

LOOPBACK = ("localhost", "127.0.0.1", "::1")


class EmailConfigError(KamReportError):
    """Sending cannot start: missing sender, recipients or credentials."""

    exit_code = 2


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    timeout: float
    ca_file: str
    username: str | None
    password: str | None
    max_attempts: int
    delay: float
    max_delay: float
    user_var: str
    password_var: str

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return min(self.delay * 2 ** (attempt - 1), self.max_delay)


def smtp_settings(params: EmailParams, environ: Mapping[str, str]) -> SmtpSettings:
    """Server settings with the credentials read from the environment."""
    username = environ.get(params.username_env) if params.username_env else None
    password = environ.get(params.password_env) if params.password_env else None
    if username and not password:
        raise EmailConfigError(
            f"The SMTP user name is set ({params.username_env}) but the password is not: "
            f"set the environment variable {params.password_env}."
        )
    if username and params.security == "none" and params.smtp_host not in LOOPBACK:
        raise EmailConfigError(
            f"email.security is none, so logging in to {params.smtp_host} would send the "
            "password unencrypted. Use security starttls or ssl, or a relay on this machine."
        )
    return SmtpSettings(
        host=params.smtp_host,
        port=params.smtp_port,
        security=params.security,
        timeout=params.timeout_seconds,
        ca_file=params.ca_file,
        username=username or None,
        password=password if username else None,
        max_attempts=params.max_attempts,
        delay=params.retry_delay_seconds,
        max_delay=params.retry_max_delay_seconds,
        user_var=params.username_env,
        password_var=params.password_env,
    )


@dataclass(frozen=True)
class Outcome:
    """What happened for one recipient."""

    recipient: str
    status: str  # sent | refused | failed | skipped
    message: str = ""
    code: int | None = None
    attempts: int = 0


class _Temporary(Exception):
    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class _Permanent(Exception):
    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class _Fatal(Exception):
    """Nothing more can be sent in this run (bad credentials, TLS problem)."""


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in once, with the first mechanism the server offers of PLAIN, LOGIN, CRAM-MD5.

    ``smtplib.SMTP.login`` tries every mechanism in turn, so one wrong password
    counts as several failed logins (and can lock the account).
    """
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    methods = {"PLAIN": smtp.auth_plain, "LOGIN": smtp.auth_login, "CRAM-MD5": smtp.auth_cram_md5}
    for name, method in methods.items():
        if name in offered:
            smtp.user, smtp.password = user, password
            smtp.auth(name, method)
            return
    smtp.login(user, password)  # raises SMTPNotSupportedError / SMTPException, clearly


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {message}".strip()


class Connection:
    """One SMTP session, opened lazily and reopened after a lost connection."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.settings.ca_file:
            context.load_verify_locations(cafile=self.settings.ca_file)
        return context

    def open(self) -> smtplib.SMTP:
        if self.smtp is not None:
            return self.smtp
        s = self.settings
        where = f"{s.host}:{s.port}"
        try:
            if s.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=self._context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            try:
                smtp.ehlo()
                if s.security == "starttls":
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                if s.username:
                    _login(smtp, s.username, s.password or "")
            except BaseException:
                smtp.close()
                raise
        except smtplib.SMTPAuthenticationError as exc:
            raise _Fatal(
                f"The SMTP server {where} rejected the user name or password "
                f"({_reply(exc.smtp_code, exc.smtp_error)}). Check the environment variables "
                f"{s.user_var} and {s.password_var}."
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise _Fatal(
                f"The SMTP server {where} does not support what email.security={s.security} "
                f"or a login needs ({exc}). Check email.security and email.smtp_port."
            ) from None
        except ssl.SSLError as exc:
            raise _Fatal(
                f"Secure connection to {where} failed: {exc}. If the server uses a "
                "self-signed certificate, name it in email.ca_file."
            ) from None
        except smtplib.SMTPResponseException as exc:
            message = f"{where} answered {_reply(exc.smtp_code, exc.smtp_error)}"
            if 400 <= exc.smtp_code < 500:
                raise _Temporary(message, exc.smtp_code) from None
            raise _Fatal(message) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise _Temporary(f"cannot connect to the SMTP server {where}: {exc}") from None
        self.smtp = smtp
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def send(self, message: EmailMessage, recipient: str) -> None:
        """One delivery attempt; raises _Temporary, _Permanent or _Fatal."""
        smtp = self.open()
        sender = parseaddr(str(message["From"]))[1]
        try:
            refused = smtp.send_message(message, from_addr=sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            self._raise_for(code, text, recipient)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            self._reset()
            self._raise_for(exc.smtp_code, exc.smtp_error, recipient)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise _Temporary(f"connection lost: {exc or type(exc).__name__}") from None
        if refused:
            code, text = next(iter(refused.values()))
            self._raise_for(code, text, recipient)

    def _raise_for(self, code: int, text: bytes | str, recipient: str) -> None:
        reply = _reply(code, text)
        if 400 <= code < 500:
            raise _Temporary(f"temporarily refused: {reply}", code)
        raise _Permanent(f"refused by the server: {reply}", code)

    def _reset(self) -> None:
        try:
            if self.smtp is not None:
                self.smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
        self.smtp = None


def deliver(
    messages: Iterable[tuple[str, EmailMessage]],
    settings: SmtpSettings,
    log: SendLog,
    log_fields: Mapping[str, object],
    *,
    sleep: Callable[[float], None] = time.sleep,
    echo: Callable[[str], None] = print,
) -> list[Outcome]:
    """Send each message to its recipient, one SMTP transaction each, and log every result.

    After a fatal problem (credentials, TLS) or a server that stays unreachable
    through all retries, the remaining recipients are marked failed without trying.
    """
    connection = Connection(settings)
    outcomes: list[Outcome] = []
    stop: str | None = None
    try:
        for recipient, message in messages:
            address = address_key(recipient)
            if stop is not None:
                outcome = Outcome(recipient, "failed", f"not attempted: {stop}")
            else:
                log.append(**log_fields, recipient=address, status="sending")
                outcome, stop = _attempts(connection, message, recipient, settings, sleep)
            log.append(
                **log_fields,
                recipient=address,
                status=outcome.status,
                code=outcome.code,
                message=outcome.message,
                attempts=outcome.attempts,
            )
            echo(_line(outcome))
            outcomes.append(outcome)
    finally:
        connection.close()
    return outcomes


def _attempts(
    connection: Connection,
    message: EmailMessage,
    recipient: str,
    settings: SmtpSettings,
    sleep: Callable[[float], None],
) -> tuple[Outcome, str | None]:
    """Try one recipient until sent, refused, fatal, or out of attempts."""
    address = address_key(recipient)
    for attempt in range(1, settings.max_attempts + 1):
        try:
            connection.send(message, address)
            return Outcome(recipient, "sent", "", 250, attempt), None
        except _Permanent as exc:
            return Outcome(recipient, "refused", str(exc), exc.code, attempt), None
        except _Fatal as exc:
            return Outcome(recipient, "failed", str(exc), None, attempt), str(exc)
        except _Temporary as exc:
            last = exc
            if attempt < settings.max_attempts:
                sleep(settings.backoff(attempt))
    text = f"{last} (gave up after {settings.max_attempts} attempt(s))"
    unreachable = last.code is None  # a connection problem, not a reply about this recipient
    outcome = Outcome(recipient, "failed", text, last.code, settings.max_attempts)
    return outcome, (str(last) if unreachable else None)


def _line(outcome: Outcome) -> str:
    detail = f"  ({outcome.message})" if outcome.message else ""
    return f"{outcome.status:<8} {outcome.recipient}{detail}"
