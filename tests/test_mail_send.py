"""Sending report emails to a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import json
import re
from pathlib import Path

import aiosmtpd  # noqa: F401  (declared development dependency: missing is a failure)
import pytest
from conftest import require_tool
from mail_support import (
    AS_OF,
    PLANTED,
    Recorder,
    decoded_text,
    free_port,
    self_signed_cert,
    smtp_server,
)
from mail_support import write_dataset as _write_dataset

from kamreport.errors import ParamsError
from kamreport.mail.run import run_email
from kamreport.mail.send import EmailConfigError
from kamreport.params import load_params

CEO, CFO, GONE = "ceo@example.com", "CFO <cfo@example.com>", "gone@example.com"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return _write_dataset(tmp_path_factory.mktemp("maildata") / "data")


@pytest.fixture(scope="module")
def data_hash(data_dir) -> str:
    from kamreport.loading import load_dataset
    from kamreport.params import DataParams

    return load_dataset(DataParams(source=str(data_dir))).content_hash()


def made_by_a_run(folder: Path, data_hash: str, locale: str = "en", **files: str | bytes) -> None:
    """Files in ``folder`` as a run of this data and language would leave them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name.replace("_", ".")
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    outputs = sorted({p.name for p in folder.iterdir()} | {"manifest.json"})
    manifest = {"locale": locale, "data_hash": data_hash, "outputs": outputs}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.fixture
def out_dir(tmp_path, data_hash) -> Path:
    """An output folder holding an existing full report of KA0001 (so none is generated)."""
    folder = tmp_path / "out"
    made_by_a_run(
        folder / AS_OF / "en" / "customers" / "KA0001",
        data_hash,
        report_html="<!DOCTYPE html><html><body><h1>Full account review</h1></body></html>",
    )
    return folder


def overrides(data_dir: Path, out_dir: Path, port: int, **email_values) -> dict:
    return {
        "data": {"source": str(data_dir)},
        "report": {"as_of": AS_OF, "output_dir": str(out_dir)},
        "email": {
            "recipients": {"leadership": [CEO, CFO], "board": [CEO, GONE, CFO]},
            "sender": "KAM reports <kam@example.com>",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "security": "none",
            "timeout_seconds": 5,
            "max_attempts": 3,
            "retry_delay_seconds": 0.01,
            "retry_max_delay_seconds": 0.02,
            **email_values,
        },
    }


def send(over: dict, *, to="leadership", sleeps=None, env=None, echo=None, **kw):
    printed: list[str] = []
    run = run_email(
        "customer",
        customer="KA0001",
        to=to,
        overrides=over,
        environ=env or {},
        progress=lambda _m: None,
        echo=echo or printed.append,
        sleep=(sleeps.append if sleeps is not None else lambda _s: None),
        **kw,
    )
    return run, printed


def log_lines(out_dir: Path) -> list[dict]:
    path = out_dir / "email" / "send-log.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def statuses(run) -> dict[str, str]:
    return {o.recipient: o.status for o in run.outcomes}


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def check_received(raw: bytes) -> None:
    """MIME structure, Content-IDs, alt text, attachment, subject, size and privacy."""
    msg = parse(raw)
    assert msg.get_content_type() == "multipart/mixed"
    alternative, attachment = msg.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    plain, related = alternative.get_payload()
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, *images = related.get_payload()
    assert html_part.get_content_type() == "text/html"
    html = html_part.get_content()
    assert images and all(i.get_content_type() == "image/png" for i in images)
    content_ids = {i["Content-ID"].strip("<>") for i in images}
    referenced = set(re.findall(r'src="cid:([^"]+)"', html))
    assert referenced == content_ids
    assert all(i.get_content().startswith(b"\x89PNG") for i in images)
    for tag in re.findall(r"<img\b[^>]*>", html):
        assert re.search(r'alt="[^"]{10,}"', tag), tag
    assert "data:" not in html
    # every style inlined; only the phone rules (@media) stay in a <style> block
    assert all(
        b.lstrip().startswith("@media") for b in re.findall(r"<style>(.*?)</style>", html, re.S)
    )
    assert len(html.encode("utf-8")) < 100_000
    assert attachment.get_filename() == "account-review-KA0001-2026-09-30-en.html"
    assert b"Full account review" in attachment.get_content().encode()
    assert msg["Subject"] == (
        "Account review: 上海华新化工有限公司 (KA0001) · 12 months to Sep 30, 2026 · English"
    )
    everything = decoded_text(raw)
    assert everything.count("上海华新化工有限公司") >= 3  # subject, text and HTML are searched
    for detail in PLANTED.values():
        assert detail.lower() not in everything.lower()
    assert "139 0071 4242" not in everything and "13900714242" not in everything


def test_plain_smtp_delivers_once_per_recipient(data_dir, out_dir):
    handler = Recorder()
    with smtp_server(handler) as port:
        over = overrides(data_dir, out_dir, port)
        run, printed = send(over)
        assert statuses(run) == {CEO: "sent", CFO: "sent"}
        assert sorted(to for to, _ in handler.messages) == [
            ["ceo@example.com"],
            ["cfo@example.com"],
        ]
        check_received(handler.messages[0][1])
        assert printed == ["sent     ceo@example.com", "sent     CFO <cfo@example.com>"]
        lines = log_lines(out_dir)
        assert [(r["recipient"], r["status"]) for r in lines] == [
            ("ceo@example.com", "sending"),
            ("ceo@example.com", "sent"),
            ("cfo@example.com", "sending"),
            ("cfo@example.com", "sent"),
        ]
        assert {r["report_hash"] for r in lines} == {run.email.content_hash}

        again, printed = send(over)
        assert statuses(again) == {CEO: "skipped", CFO: "skipped"}
        assert "already sent this report" in printed[0]
        assert len(handler.messages) == 2

        forced, _ = send(over, force=True)
        assert statuses(forced) == {CEO: "sent", CFO: "sent"}
        assert len(handler.messages) == 4


def test_refused_recipient_is_reported_not_retried_and_not_duplicated(data_dir, out_dir):
    handler = Recorder(refuse=(GONE,))
    with smtp_server(handler) as port:
        over = overrides(data_dir, out_dir, port)
        sleeps: list[float] = []
        run, printed = send(over, to="board", sleeps=sleeps)
        assert statuses(run) == {CEO: "sent", GONE: "refused", CFO: "sent"}
        refused = run.outcomes[1]
        assert refused.code == 550 and refused.attempts == 1 and sleeps == []
        assert printed[1] == (
            "refused  gone@example.com  (refused by the server: 550 5.1.1 No such user here)"
        )
        assert not run.ok and len(handler.messages) == 2
        finals = [
            (r["recipient"], r["status"]) for r in log_lines(out_dir) if r["status"] != "sending"
        ]
        assert finals == [
            ("ceo@example.com", "sent"),
            ("gone@example.com", "refused"),
            ("cfo@example.com", "sent"),
        ]

        again, _ = send(over, to="board")
        assert statuses(again) == {CEO: "skipped", GONE: "refused", CFO: "skipped"}
        assert len(handler.messages) == 2


def test_temporary_failures_are_retried_with_backoff(data_dir, out_dir):
    handler = Recorder(temp_failures=2)
    with smtp_server(handler) as port:
        sleeps: list[float] = []
        run, _ = send(overrides(data_dir, out_dir, port, retry_delay_seconds=0.01), sleeps=sleeps)
    assert statuses(run) == {CEO: "sent", CFO: "sent"}
    assert run.outcomes[0].attempts == 3
    assert sleeps == [0.01, 0.02]
    assert len(handler.messages) == 2


def test_server_down_fails_clearly_then_a_rerun_sends_everything_once(data_dir, out_dir):
    port = free_port()
    over = overrides(data_dir, out_dir, port)
    sleeps: list[float] = []
    run, _ = send(over, sleeps=sleeps)
    assert statuses(run) == {CEO: "failed", CFO: "failed"}
    first, second = run.outcomes
    assert first.attempts == 3 and sleeps == [0.01, 0.02]
    assert f"cannot connect to the SMTP server 127.0.0.1:{port}" in first.message
    assert "gave up after 3 attempt(s)" in first.message
    assert second.message.startswith("not attempted: cannot connect")
    assert [r["status"] for r in log_lines(out_dir)] == ["sending", "failed", "failed"]

    handler = Recorder()
    with smtp_server(handler) as new_port:
        rerun, _ = send(overrides(data_dir, out_dir, new_port))
    assert statuses(rerun) == {CEO: "sent", CFO: "sent"}
    assert len(handler.messages) == 2


def test_crash_part_way_leaves_a_log_of_who_got_it(data_dir, out_dir):
    handler = Recorder()

    def crash_after_first(line: str) -> None:
        raise KeyboardInterrupt

    with smtp_server(handler) as port:
        over = overrides(data_dir, out_dir, port)
        with pytest.raises(KeyboardInterrupt):
            send(over, echo=crash_after_first)
        assert [(r["recipient"], r["status"]) for r in log_lines(out_dir)] == [
            ("ceo@example.com", "sending"),
            ("ceo@example.com", "sent"),
        ]
        rerun, _ = send(over)
    assert statuses(rerun) == {CEO: "skipped", CFO: "sent"}
    assert sorted(to[0] for to, _ in handler.messages) == ["ceo@example.com", "cfo@example.com"]


def test_interrupted_delivery_is_not_repeated_without_force(data_dir, out_dir):
    """A 'sending' line without a result: the message may have arrived, so no resend."""
    handler = Recorder()
    with smtp_server(handler) as port:
        over = overrides(data_dir, out_dir, port)
        dry, _ = send(over, dry_run=True)
        log = out_dir / "email" / "send-log.jsonl"
        log.parent.mkdir(parents=True)
        record = {"report_hash": dry.email.content_hash, "recipient": "ceo@example.com"}
        log.write_text(json.dumps({**record, "status": "sending"}) + '\n{"trunc', encoding="utf-8")
        run, printed = send(over)
    assert statuses(run) == {CEO: "skipped", CFO: "sent"}
    assert "may have arrived" in printed[0]


@pytest.fixture(scope="module")
def cert(tmp_path_factory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"), require_tool("openssl"))


def test_starttls_with_login(data_dir, out_dir, cert):
    handler = Recorder()
    env = {"KAMREPORT_SMTP_USER": "kam", "KAMREPORT_SMTP_PASSWORD": "s3cret"}
    with smtp_server(handler, security="starttls", cert=cert, credentials=("kam", "s3cret")) as p:
        over = overrides(data_dir, out_dir, p, security="starttls", ca_file=str(cert[0]))
        run, _ = send(over, env=env)
    assert statuses(run) == {CEO: "sent", CFO: "sent"}
    check_received(handler.messages[0][1])


def test_wrong_credentials_fail_clearly_without_retrying(data_dir, out_dir, cert):
    handler = Recorder()
    with smtp_server(handler, security="starttls", cert=cert, credentials=("kam", "s3cret")) as p:
        over = overrides(data_dir, out_dir, p, security="starttls", ca_file=str(cert[0]))
        sleeps: list[float] = []
        bad = {"KAMREPORT_SMTP_USER": "kam", "KAMREPORT_SMTP_PASSWORD": "wrong"}
        run, _ = send(over, env=bad, sleeps=sleeps)
        assert statuses(run) == {CEO: "failed", CFO: "failed"}
        assert sleeps == [] and handler.messages == []
        message = run.outcomes[0].message
        assert message.startswith(
            f"The SMTP server 127.0.0.1:{p} rejected the user name or password"
        )
        assert message.endswith(
            "Check the environment variables KAMREPORT_SMTP_USER and KAMREPORT_SMTP_PASSWORD."
        )
        assert [r["status"] for r in log_lines(out_dir)] == ["sending", "failed", "failed"]

        good = {"KAMREPORT_SMTP_USER": "kam", "KAMREPORT_SMTP_PASSWORD": "s3cret"}
        rerun, _ = send(over, env=good)
        assert statuses(rerun) == {CEO: "sent", CFO: "sent"}
        assert len(handler.messages) == 2


def test_untrusted_certificate_is_refused(data_dir, out_dir, cert):
    with smtp_server(Recorder(), security="starttls", cert=cert) as port:
        run, _ = send(overrides(data_dir, out_dir, port, security="starttls"))
    assert statuses(run) == {CEO: "failed", CFO: "failed"}
    assert "name it in email.ca_file" in run.outcomes[0].message


def test_implicit_tls(data_dir, out_dir, cert):
    handler = Recorder()
    with smtp_server(handler, security="ssl", cert=cert) as port:
        run, _ = send(overrides(data_dir, out_dir, port, security="ssl", ca_file=str(cert[0])))
    assert statuses(run) == {CEO: "sent", CFO: "sent"}


def test_dry_run_writes_eml_files_and_sends_nothing(data_dir, out_dir):
    port = free_port()  # nothing listens: a dry run must not connect
    run, _ = send(overrides(data_dir, out_dir, port), dry_run=True)
    assert run.outcomes == ()
    names = [p.name for p in run.eml_files]
    assert names == ["01-ceo_at_example.com.eml", "02-cfo_at_example.com.eml"]
    assert run.eml_files[0].parent == out_dir / AS_OF / "en" / "email" / "customer-KA0001"
    check_received(run.eml_files[0].read_bytes())
    assert parse(run.eml_files[1].read_bytes())["To"] == CFO
    assert not (out_dir / "email" / "send-log.jsonl").exists()


def test_password_in_params_is_refused_with_an_explanation():
    with pytest.raises(ParamsError) as err:
        load_params(None, {"email": {"password": "hunter2"}})
    assert str(err.value) == (
        "email.password is not allowed in a params file: files get copied, shared and "
        "committed. Put the password in an environment variable and name it in "
        "email.password_env (now 'KAMREPORT_SMTP_PASSWORD'), e.g. "
        "`export KAMREPORT_SMTP_PASSWORD=…`."
    )
    assert "hunter2" not in str(err.value)


def test_user_without_password_is_refused(data_dir, out_dir):
    with pytest.raises(EmailConfigError, match="set the environment variable KAMREPORT_SMTP_"):
        send(overrides(data_dir, out_dir, free_port()), env={"KAMREPORT_SMTP_USER": "kam"})


def test_unknown_recipient_list_is_explained(data_dir, out_dir):
    with pytest.raises(EmailConfigError) as err:
        send(overrides(data_dir, out_dir, free_port()), to="board-of-directors", dry_run=True)
    assert str(err.value).startswith(
        "No recipient list 'board-of-directors' in email.recipients (lists: board, leadership)."
    )


def test_pdf_is_attached_when_the_run_has_one(data_dir, out_dir, data_hash):
    report = out_dir / AS_OF / "en" / "customers" / "KA0001"
    made_by_a_run(report, data_hash, report_pdf=b"%PDF-1.7 full report")
    run, _ = send(overrides(data_dir, out_dir, free_port()), dry_run=True)
    msg = parse(run.eml_files[0].read_bytes())
    attachment = next(msg.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "account-review-KA0001-2026-09-30-en.pdf"
    assert attachment.get_content() == b"%PDF-1.7 full report"


def test_a_full_report_with_contact_details_is_not_attached(data_dir, out_dir):
    report = out_dir / AS_OF / "en" / "customers" / "KA0001" / "report.html"
    report.write_text(f"<p>Decision maker: {PLANTED['name']}, {PLANTED['email']}</p>")
    run, _ = send(overrides(data_dir, out_dir, free_port()), dry_run=True)
    assert run.email.attachment is None
    assert "contains contacts' personal details, so it is not attached" in run.notes[0]
    raw = run.eml_files[0].read_bytes()
    msg = parse(raw)
    assert list(msg.iter_attachments()) == []
    assert PLANTED["email"] not in decoded_text(raw)
    assert "ask the key account team for it" in msg.get_body(("plain",)).get_content()


def test_login_without_encryption_to_a_remote_host_is_refused(data_dir, out_dir):
    over = overrides(data_dir, out_dir, 25, smtp_host="mail.example.com")
    env = {"KAMREPORT_SMTP_USER": "kam", "KAMREPORT_SMTP_PASSWORD": "s3cret"}
    with pytest.raises(EmailConfigError, match="would send the password unencrypted"):
        send(over, env=env)


def test_a_report_in_another_language_is_regenerated(data_dir, out_dir, data_hash, monkeypatch):
    made = []

    def fake_run(customer, *, context=None, progress=None):
        folder = out_dir / AS_OF / "zh-CN" / "customers" / customer
        made_by_a_run(folder, data_hash, "zh-CN", report_html="<p>报告</p>")
        made.append(customer)

    monkeypatch.setattr("kamreport.runner.run_customer_report", fake_run)
    over = overrides(data_dir, out_dir, free_port())
    over["report"]["locale"] = "zh-CN"
    run, _ = send(over, dry_run=True)
    assert made == ["KA0001"]
    assert run.email.attachment.filename == "account-review-KA0001-2026-09-30-zh-CN.html"
    send(over, dry_run=True)
    assert made == ["KA0001"]  # now current: not generated again


HOSTILE_NAME = (
    "Evil\r\nBcc: victim@example.com\rCo\nLtd\u2028Line\u2029Para\u0085Next\tTab\x07Bell "
    + "很长的名字" * 40
)


def test_a_name_with_line_breaks_gives_a_one_line_subject(tmp_path):
    """Line breaks of every kind in an account name cannot split or inject a header."""
    import csv

    from kamreport.mail.message import SUBJECT_NAME_MAX_CHARS

    data = _write_dataset(tmp_path / "data")
    path = data / "accounts.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][1] = HOSTILE_NAME
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    from kamreport.loading import load_dataset
    from kamreport.params import DataParams

    out = tmp_path / "out"
    made_by_a_run(
        out / AS_OF / "en" / "customers" / "KA0001",
        load_dataset(DataParams(source=str(data))).content_hash(),
        report_html="<!DOCTYPE html><html><body><h1>Full account review</h1></body></html>",
    )
    handler = Recorder()
    with smtp_server(handler) as port:
        run, _printed = send(overrides(data, out, port))
    assert statuses(run) == {CEO: "sent", CFO: "sent"}
    raw = handler.messages[0][1]
    msg = parse(raw)
    subject = msg["Subject"]
    assert "\n" not in subject and "\r" not in subject
    assert not any(ch in subject for ch in "\u2028\u2029\u0085\t\x07")
    assert msg["Bcc"] is None and len(msg.get_all("Subject")) == 1
    shown = "Evil Bcc: victim@example.com Co Ltd Line Para Next Tab Bell 很长的名字"
    assert subject.startswith(f"Account review: {shown}")
    name = subject.removeprefix("Account review: ").split(" (KA0001)")[0]
    assert len(name) == SUBJECT_NAME_MAX_CHARS and name.endswith("…")
    assert subject.endswith("(KA0001) · 12 months to Sep 30, 2026 · English")
    attachment = msg.get_payload()[1]
    assert attachment.get_filename() == "account-review-KA0001-2026-09-30-en.html"
    # The raw message holds the subject as one header; no line of it starts a new header.
    headers = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert not re.search(r"(?im)^bcc:", headers)
