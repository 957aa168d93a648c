"""`kamreport email` and `make email`: what they pass on, what they print, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from mail_support import AS_OF, PLANTED, Recorder, decoded_text, smtp_server, write_dataset

from kamreport import cli
from kamreport.mail.message import RenderedEmail
from kamreport.mail.run import EmailRun
from kamreport.mail.send import EmailConfigError, Outcome

ROOT = Path(__file__).parents[1]
EMAIL = RenderedEmail(subject="Portfolio report · x · English", text="", html="", charts=())


@pytest.fixture
def calls(monkeypatch):
    seen = []
    result = {
        "run": EmailRun(EMAIL, ("a@x.com",), (Outcome("a@x.com", "sent"),), log_path=Path("l"))
    }

    def fake(report, **kwargs):
        seen.append((report, kwargs))
        return result["run"]

    monkeypatch.setattr("kamreport.mail.run.run_email", fake)
    seen_result = result
    return seen, seen_result


def test_email_passes_its_arguments_on(calls, capsys):
    seen, _ = calls
    code = cli.main(["email", "--report", "customer", "--customer", "KA0001", "--to", "board",
                     "--locale", "zh-CN", "--as-of", AS_OF, "--params", "p.yaml",
                     "--force"])  # fmt: skip
    assert code == 0
    assert seen == [
        (
            "customer",
            {
                "customer": "KA0001",
                "to": "board",
                "params_file": "p.yaml",
                "overrides": {"report": {"as_of": AS_OF, "locale": "zh-CN"}},
                "dry_run": False,
                "force": True,
            },
        )
    ]
    out = capsys.readouterr().out
    assert out == (
        "Subject: Portfolio report · x · English\n"
        "1 sent, 0 refused, 0 failed, 0 skipped; send log: l\n"
    )


def test_defaults_are_portfolio_to_leadership(calls):
    seen, _ = calls
    assert cli.main(["email"]) == 0
    report, kwargs = seen[0]
    assert (report, kwargs["to"], kwargs["dry_run"], kwargs["force"]) == (
        "portfolio", "leadership", False, False,
    )  # fmt: skip


def test_a_failed_recipient_exits_1(calls):
    _, result = calls
    outcomes = (Outcome("a@x.com", "sent"), Outcome("b@x.com", "refused", "550 no"))
    result["run"] = EmailRun(EMAIL, ("a@x.com", "b@x.com"), outcomes, log_path=Path("l"))
    assert cli.main(["email"]) == 1


def test_configuration_errors_exit_2(monkeypatch, capsys):
    def refuse(report, **kwargs):
        raise EmailConfigError("REPORT=customer needs CUSTOMER=<id> (make list shows the ids).")

    monkeypatch.setattr("kamreport.mail.run.run_email", refuse)
    assert cli.main(["email", "--report", "customer"]) == 2
    assert capsys.readouterr().err == (
        "error: REPORT=customer needs CUSTOMER=<id> (make list shows the ids).\n"
    )


def test_make_email_translates_its_variables():
    make = shutil.which("make")
    if make is None:
        pytest.skip("needs make")
    result = subprocess.run(
        [make, "-n", "-o", "data/sample/.complete", "-o", ".venv/.installed-stamp", "email",
         "REPORT=customer", "CUSTOMER=KA0001", "TO=board", "DRY_RUN=1", "FORCE=1",
         "LOCALE=zh-CN", "AS_OF=2026-06-30"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    command = " ".join(result.stdout.replace("\\\n", " ").split())
    assert (
        '.venv/bin/kamreport email --report "customer" --customer "KA0001" --to "board" '
        "--dry-run --force --as-of 2026-06-30 --locale zh-CN"
    ) in command


@pytest.mark.slow
def test_customer_email_end_to_end_with_a_generated_report(tmp_path):
    """Generates the full account review with papermill, then emails its summary."""
    data = write_dataset(tmp_path / "data")
    (data / "contacts.csv").unlink()  # without contacts the full report can be attached
    out = tmp_path / "out"
    handler = Recorder()
    with smtp_server(handler) as port:
        code = cli.main(["email", "--report", "customer", "--customer", "KA0001",
                         "--to", "ceo@example.com", "--source", str(data), "--as-of", AS_OF,
                         "--output-dir", str(out),
                         "--set", "email.sender=kam@example.com",
                         "--set", "email.smtp_host=127.0.0.1",
                         "--set", f"email.smtp_port={port}", "--set", "email.security=none",
                         "--set", "email.max_attempts=1"])  # fmt: skip
    assert code == 0
    assert (out / AS_OF / "en" / "customers" / "KA0001" / "report.html").is_file()
    [(rcpt, raw)] = handler.messages
    assert rcpt == ["ceo@example.com"]
    assert b'filename="account-review-KA0001-2026-09-30-en.html"' in raw
    log = [json.loads(x) for x in (out / "email" / "send-log.jsonl").read_text().splitlines()]
    assert [r["status"] for r in log] == ["sending", "sent"]


@pytest.mark.slow
def test_full_report_with_contacts_is_generated_but_not_attached(tmp_path, capsys):
    data = write_dataset(tmp_path / "data")
    out = tmp_path / "out"
    code = cli.main(["email", "--report", "customer", "--customer", "KA0001",
                     "--to", "ceo@example.com", "--source", str(data), "--as-of", AS_OF,
                     "--output-dir", str(out), "--set", "email.sender=kam@example.com",
                     "--dry-run"])  # fmt: skip
    assert code == 0
    full = (out / AS_OF / "en" / "customers" / "KA0001" / "report.html").read_text(encoding="utf-8")
    [eml] = (out / AS_OF / "en" / "email" / "customer-KA0001").glob("*.eml")
    raw = eml.read_bytes()
    text = decoded_text(raw).lower()
    for detail in PLANTED.values():
        assert detail.lower() not in text
    assert "13900714242" not in text.replace(" ", "")
    leaky = any(detail in full for detail in PLANTED.values())
    assert (b"Content-Disposition: attachment" in raw) is not leaky
    assert ("contains contacts' personal details" in capsys.readouterr().err) is leaky


@pytest.mark.slow
def test_portfolio_email_end_to_end(tmp_path, capsys):
    """Generates the portfolio report, then sends its summary over SMTP with the report attached."""
    data = write_dataset(tmp_path / "data")
    out = tmp_path / "out"
    params = tmp_path / "params.yaml"
    params.write_text(
        "email:\n"
        "  recipients: {leadership: [ceo@example.com, 'CFO <cfo@example.com>']}\n"
        "  sender: KAM reports <kam@example.com>\n"
        "  smtp_host: 127.0.0.1\n"
        "  security: none\n"
        "  max_attempts: 1\n",
        encoding="utf-8",
    )
    handler = Recorder()
    with smtp_server(handler) as port:
        args = ["email", "--params", str(params), "--source", str(data), "--as-of", AS_OF,
                "--output-dir", str(out), "--locale", "zh-CN",
                "--set", f"email.smtp_port={port}"]  # fmt: skip
        assert cli.main(args) == 0
        assert cli.main(args) == 0  # the rerun sends nothing twice
    assert sorted(r[0] for r, _ in handler.messages) == ["ceo@example.com", "cfo@example.com"]
    text = decoded_text(handler.messages[0][1])
    assert "重点客户组合报告（2026年9月30日）：近12个月销售额" in text
    assert "这是第一封邮件，尚无可比较的内容。" in text
    assert 'filename="portfolio-2026-09-30-zh-CN.html"' in text
    for detail in PLANTED.values():
        assert detail.lower() not in text.lower()
    out_lines = capsys.readouterr().out.splitlines()
    assert out_lines[-1].startswith("0 sent, 0 refused, 0 failed, 2 skipped; send log: ")
