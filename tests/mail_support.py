"""Helpers for the email tests: a small dataset with a planted contact, a local SMTP server."""

from __future__ import annotations

import contextlib
import csv
import email
import email.policy
import socket
import ssl
import subprocess
import threading
from pathlib import Path

AS_OF = "2026-09-30"
PLANTED = {
    "name": "Zhao Planted-Contact",
    "email": "planted.contact@leak.example",
    "phone": "+86 139 0071 4242",
}
ACCOUNTS = [
    # id, name, monthly base revenue, yearly growth, cost ratio
    ("KA0001", "上海华新化工有限公司", 400_000, 0.10, 0.72),
    ("KA0002", "Nordic Feed & Co <AB>", 250_000, -0.20, 0.80),
    ("KA0003", "广州美妆集团", 120_000, 0.35, 0.65),
    ("KA0004", "成都饲料科技", 60_000, 0.0, 0.85),
    ("KA0005", "Hanoi Pharma JSC", 30_000, 0.05, 0.70),
    ("KA0006", "沈阳食品有限公司", 8_000, -0.5, 0.90),
]


# With ``extras``: the second manager's accounts, targets, invoices, plans, activities.
OTHER_MANAGER = "Li Manager"
OTHER_ACCOUNTS = ("KA0005", "KA0006")
TARGETS = {"KA0001": 450_000.0, "KA0002": 250_000.0, "KA0003": 160_000.0, "KA0004": 60_000.0}
INVOICES = [
    # id, account, invoice date, due date, amount, paid amount, paid date
    ("I1", "KA0001", "2026-07-01", "2026-08-01", 100_000.0, 40_000.0, "2026-08-15"),
    ("I2", "KA0002", "2026-08-01", "2026-09-15", 50_000.0, "", ""),
    ("I3", "KA0003", "2026-09-01", "2026-10-31", 80_000.0, "", ""),
    ("I4", "KA0004", "2026-06-01", "2026-07-01", 30_000.0, 30_000.0, "2026-07-20"),
    ("I5", "KA0005", "2026-08-10", "2026-09-10", 20_000.0, 20_000.0, "2026-10-05"),
    ("I6", "KA0001", "2026-10-05", "2026-11-05", 70_000.0, "", ""),
]
PLANS = [
    # id, account, kind, title, owner, due date, status
    ("P1", "KA0001", "action", "Call the purchaser <urgent>", "Wang Manager", "2026-10-03", "open"),
    ("P2", "KA0002", "action", "Agree a payment plan", "Finance Desk", "2026-09-20", "open"),
    ("P3", "KA0003", "objective", "Grow the share of wallet", "", "2026-10-07", "open"),
    ("P4", "KA0001", "action", "Already done", "Wang Manager", "2026-10-01", "done"),
    ("P5", "KA0003", "action", "After the window", "Wang Manager", "2026-10-08", "open"),
    ("P6", "KA0005", "action", "The other manager's", "Li Manager", "2026-10-02", "open"),
    ("P7", "KA0004", "action", "No due date", "Wang Manager", "", "open"),
    ("P8", "KA0002", "action", "Cancelled", "Wang Manager", "2026-09-01", "cancelled"),
    ("P9", "KA0001", "action", "Due on the as-of date", "Wang Manager", "2026-09-30", "open"),
]
ACTIVITIES = [
    # id, account, date, type, status
    ("A1", "KA0001", "2026-10-02", "visit", "planned"),
    ("A2", "KA0002", "2026-10-09", "call", "planned"),
    ("A3", "KA0003", "2026-09-29", "meeting", "planned"),
    ("A4", "KA0001", "2026-10-03", "visit", "cancelled"),
    ("A5", "KA0005", "2026-10-01", "visit", "planned"),
    ("A6", "KA0003", "2026-10-07", "senior_visit", "planned"),
]


def _write(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        out.writerows(rows)


def write_extras(folder: Path) -> None:
    """Targets for 2026 (four accounts), invoices, account plans and activities."""
    months = [f"2026-{m:02d}-01" for m in range(1, 13)]
    rows = [(a, m, amount, 1) for a, amount in TARGETS.items() for m in months]
    rows.append(("KA0005", "2025-06-01", 99_000.0, 1))  # another year: not this year's target
    _write(folder / "targets.csv", ["account_id", "month", "revenue_target", "visits_target"], rows)
    _write(
        folder / "invoices.csv",
        ["invoice_id", "account_id", "invoice_date", "due_date", "amount", "paid_amount",
         "paid_date"],
        INVOICES,
    )  # fmt: skip
    _write(
        folder / "account_plans.csv",
        ["item_id", "account_id", "kind", "title", "owner", "due_date", "status"],
        PLANS,
    )
    _write(
        folder / "activities.csv",
        ["activity_id", "account_id", "date", "type", "status"],
        ACTIVITIES,
    )


def manager_of(account_id: str, extras: bool) -> str:
    return OTHER_MANAGER if extras and account_id in OTHER_ACCOUNTS else "Wang Manager"


def write_dataset(folder: Path, *, extras: bool = False) -> Path:
    """Three years of monthly orders for six accounts, plus contacts with personal details;
    with ``extras`` also a second KA manager, targets, invoices, plans and activities."""
    folder.mkdir(parents=True, exist_ok=True)
    if extras:
        write_extras(folder)
    with (folder / "accounts.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["account_id", "name", "industry", "region", "ka_manager", "customer_since"])
        for account_id, name, *_ in ACCOUNTS:
            out.writerow(
                [account_id, name, "feed", "华东", manager_of(account_id, extras), "2019-01-01"]
            )
    with (folder / "order_lines.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["order_id", "account_id", "product_id", "order_date", "quantity", "net_amount",
             "cost_amount"]
        )  # fmt: skip
        for account_id, _name, base, growth, cost in ACCOUNTS:
            for i in range(36):
                year, month = 2023 + (9 + i) // 12, (9 + i) % 12 + 1
                day = f"{year}-{month:02d}-{28 if month == 2 else 30}"
                amount = round(base * (1 + growth) ** ((i - 24) / 12) * (1 + 0.1 * (i % 3)), 2)
                out.writerow(
                    [f"{account_id}-{i:02d}", account_id, "P1", day,
                     10, amount, round(amount * cost, 2)]
                )  # fmt: skip
    with (folder / "products.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["product_id", "name"], ["P1", "Resin"]])
    with (folder / "contacts.csv").open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["contact_id", "account_id", "name", "role", "email", "phone"])
        out.writerow(["C1", "KA0001", PLANTED["name"], "decision_maker", PLANTED["email"],
                      PLANTED["phone"]])  # fmt: skip
        out.writerow(["C2", "KA0003", "Liu Other", "purchaser", "liu.other@leak.example", ""])
    return folder


def open_session(data_dir: Path, out: Path):
    """The run context of the email tests' dataset as of AS_OF, writing into ``out``."""
    from kamreport.context import open_context

    overrides = {
        "data": {"source": str(data_dir)},
        "report": {"as_of": AS_OF, "output_dir": str(out)},
    }
    return open_context(None, overrides, say=lambda _: None)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed_cert(folder: Path, openssl: str) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1/localhost, made with the openssl CLI."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


class Recorder:
    """aiosmtpd handler keeping every message; refuses listed recipients with 550 and
    answers 451 to the first ``temp_failures`` RCPT commands."""

    def __init__(self, refuse: tuple[str, ...] = (), temp_failures: int = 0):
        self.refuse = {r.lower() for r in refuse}
        self.temp_failures = temp_failures
        self.messages: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 No such user here"
        with self.lock:
            if self.temp_failures > 0:
                self.temp_failures -= 1
                return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def smtp_server(
    handler: Recorder,
    *,
    security: str = "none",
    cert: tuple[Path, Path] | None = None,
    credentials: tuple[str, str] | None = None,
):
    """A real aiosmtpd server on a free 127.0.0.1 port; yields the port."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    kwargs: dict = {}
    if security != "none":
        assert cert is not None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert[0]), str(cert[1]))
        kwargs["ssl_context" if security == "ssl" else "tls_context"] = context
        if security == "starttls":
            kwargs["require_starttls"] = True
    if credentials is not None:
        user, password = credentials

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=authenticator, auth_required=True)
        kwargs["auth_require_tls"] = security != "none"
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def decoded_text(raw: bytes) -> str:
    """Every header and every text part of a message, decoded (base64 and
    quoted-printable undone), to search for what must not be there."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [str(value) for _name, value in msg.items()]
    for part in msg.walk():
        if part.is_multipart():
            continue
        parts.extend(str(value) for _name, value in part.items())
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
        else:
            parts.append(part.get_payload(decode=True).decode("latin-1"))
    return "\n".join(parts)
