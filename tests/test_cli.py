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
