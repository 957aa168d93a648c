"""The CLI only translates arguments; check exactly what it passes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from kamreport import cli
from kamreport.errors import UnknownCustomerError
from kamreport.runner import RunResult


@pytest.fixture
def calls(monkeypatch):
    seen = []

    def fake_run(customer, *, params_file=None, overrides=None, progress=None):
        seen.append((customer, params_file, overrides))
        return RunResult(directory=Path("outputs/x"), files=(), seconds=0.5)

    monkeypatch.setattr("kamreport.runner.run_customer_report", fake_run)
    return seen


def test_report_passes_command_line_values_as_overrides(calls, capsys):
    code = cli.main(
        [
            "report",
            "--customer",
            "KA0001",
            "--params",
            "p.yaml",
            "--as-of",
            "2026-06-30",
            "--locale",
            "zh-CN",
            "--set",
            "report.trend_months=24",
        ]
    )
    assert code == 0
    assert calls == [
        (
            "KA0001",
            "p.yaml",
            {"report": {"trend_months": 24, "as_of": "2026-06-30", "locale": "zh-CN"}},
        )
    ]
    assert "Report written to outputs/x/report.html" in capsys.readouterr().out


def test_report_without_options_passes_no_overrides(calls):
    assert cli.main(["report", "--customer", "KA0002"]) == 0
    assert calls == [("KA0002", None, {})]


def test_errors_go_to_stderr_with_nonzero_exit(monkeypatch, capsys):
    def unknown(customer, **_kwargs):
        raise UnknownCustomerError(customer, ["KA0001 (浙江新和饲料有限公司)"])

    monkeypatch.setattr("kamreport.runner.run_customer_report", unknown)
    assert cli.main(["report", "--customer", "KA9"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "error: Unknown customer 'KA9'. Closest matches: KA0001 (浙江新和饲料有限公司). "
        "Run `kamreport list` (or `make list FILTER=…`) to see the account ids.\n"
    )


def test_bad_parameter_exits_2(capsys):
    assert cli.main(["validate", "--set", "report.locle=en"]) == 2
    assert "Did you mean 'report.locale'?" in capsys.readouterr().err


def test_a_reader_that_leaves_early_ends_the_command_quietly(tmp_path):
    import subprocess
    import sys

    # ten thousand lines: more than a pipe holds, so the command writes after `head` left
    lines = "".join(f"A{i:05d},Account {i}\n" for i in range(10_000))
    data = tmp_path / "data"
    data.mkdir()
    (data / "accounts.csv").write_text("account_id,name\n" + lines, "utf-8")
    (data / "order_lines.csv").write_text(
        "order_id,line_no,account_id,order_date,product_id,quantity,net_amount\n"
        "O1,1,A00001,2025-06-05,P1,1,10\nO2,1,A00001,2026-01-05,P1,1,10\n",
        "utf-8",
    )
    command = [sys.executable, "-m", "kamreport.cli", "list", "--source", str(data)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().startswith(b"A00000")
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(60) == 141
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
