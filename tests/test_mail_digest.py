"""A KA manager's weekly digest: its actions and activities against the planted rows, both
languages over a real SMTP server, re-runs, unknown managers and `make digest`."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from mail_support import (
    ACTIVITIES,
    AS_OF,
    OTHER_ACCOUNTS,
    PLANS,
    Recorder,
    open_session,
    smtp_server,
    write_dataset,
)

from kamreport import cli
from kamreport.mail.digest import digest_summary
from kamreport.mail.run import DRY_RUN_MANAGER, run_digest
from kamreport.mail.send import EmailConfigError
from kamreport.managers import managers

ROOT = Path(__file__).parents[1]
WANG = "Wang Manager"
WANG_ADDRESS = "wang@example.com"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("maildigest") / "data", extras=True)


@pytest.fixture(scope="module")
def session(data_dir, tmp_path_factory):
    return open_session(data_dir, tmp_path_factory.mktemp("maildigest-out"))


def hand_actions(days: int = 7) -> list[tuple[str, str, int]]:
    """(item, title, due − as-of in days) of Wang's open items due by as-of + days, by a loop."""
    end = dt.date.fromisoformat(AS_OF)
    out = []
    for item, account, _kind, title, _owner, due, status in PLANS:
        if account in OTHER_ACCOUNTS or status != "open" or not due:
            continue
        delta = (dt.date.fromisoformat(due) - end).days
        if delta <= days:
            out.append((dt.date.fromisoformat(due), account, title, item, delta))
    return [(item, title, delta) for _d, _a, title, item, delta in sorted(out)]


def test_actions_and_activities_by_hand(session):
    digest = digest_summary(session.dataset, session.as_of, session.params, session.figures(), WANG)
    assert [(a.title, a.days) for a in digest.actions] == [(t, d) for _i, t, d in hand_actions()]
    assert [a.title for a in digest.actions] == [
        "Agree a payment plan",  # 10 days overdue
        "Due on the as-of date",
        "Call the purchaser <urgent>",
        "Grow the share of wallet",  # due on the last day of the window
    ]
    assert digest.overdue == 1 and digest.until == dt.date(2026, 10, 7)
    end, until = dt.date.fromisoformat(AS_OF), dt.date(2026, 10, 7)
    planned = [
        (a, d, kind)
        for _id, a, d, kind, status in ACTIVITIES
        if status == "planned"
        and a not in OTHER_ACCOUNTS
        and end <= dt.date.fromisoformat(d) <= until
    ]
    assert [(a.account_id, a.date.isoformat(), a.kind) for a in digest.activities] == planned
    assert {a.account_id for a in digest.accounts} == {"KA0001", "KA0002", "KA0003", "KA0004"}
    assert {a.account_id for a in digest.attention} <= {a.account_id for a in digest.accounts}
    assert digest.changes is not None and digest.changes.first


def test_the_window_follows_digest_days(session):
    params = session.params
    wider = params.__class__(**{**params.__dict__, "email": params.email.__class__(
        **{**params.email.__dict__, "digest_days": 8})})  # fmt: skip
    digest = digest_summary(session.dataset, session.as_of, wider, session.figures(), WANG)
    assert [a.title for a in digest.actions] == [t for _i, t, _d in hand_actions(8)]
    assert "After the window" in [a.title for a in digest.actions]


def test_known_managers_and_a_clear_error_for_others(session):
    assert managers(session.dataset) == ["Li Manager", WANG]
    with pytest.raises(EmailConfigError) as err:
        digest_summary(session.dataset, session.as_of, session.params, session.figures(), "Wang")
    assert "No KA manager 'Wang'" in str(err.value)
    assert "Known managers: Li Manager, Wang Manager" in str(err.value)


def overrides(data_dir: Path, out: Path, port: int, locale: str) -> dict:
    return {
        "data": {"source": str(data_dir)},
        "report": {"as_of": AS_OF, "output_dir": str(out), "locale": locale},
        "email": {
            "managers": {WANG: f"Wang <{WANG_ADDRESS}>"},
            "sender": "KAM reports <kam@example.com>",
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "security": "none",
            "max_attempts": 1,
        },
    }


def parts(raw: bytes) -> tuple[str, str, str]:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    html = msg.get_body(("html",)).get_content()
    subject = str(msg["Subject"]).strip()  # a folded header reads back with a leading space
    return subject, msg.get_body(("plain",)).get_content(), html


WORDS = {
    "en": {
        "subject": "Weekly digest for Wang Manager, Sep 30, 2026: 3 action(s) due, 1 overdue",
        "lines": (
            "- Nordic Feed & Co <AB> (KA0002): Agree a payment plan (Finance Desk) · "
            "Sep 20, 2026 · 10 day(s) overdue",
            "Due on the as-of date (Wang Manager) · Sep 30, 2026 · due today",
            "Call the purchaser <urgent> (Wang Manager) · Oct 3, 2026 · in 3 day(s)",
            "Visit · Oct 2, 2026",
            "First email — nothing to compare yet.",
        ),
    },
    "zh-CN": {
        "subject": "Wang Manager的每周摘要（2026年9月30日）：3项行动即将到期，1项已逾期",
        "lines": (
            "Agree a payment plan（Finance Desk） · 2026年9月20日 · 已逾期10天",
            "Due on the as-of date（Wang Manager） · 2026年9月30日 · 今天到期",
            "Call the purchaser <urgent>（Wang Manager） · 2026年10月3日 · 3天后到期",
            "这是第一封邮件，尚无可比较的内容。",
        ),
    },
}


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_digest_sent_over_smtp_once(tmp_path, data_dir, locale):
    out = tmp_path / "out"
    handler = Recorder()
    said: list[str] = []
    with smtp_server(handler) as port:
        over = overrides(data_dir, out, port, locale)
        run = run_digest(WANG, overrides=over, environ={}, progress=said.append, echo=said.append)
        assert run.counts()["sent"] == 1 and run.snapshot is not None
        again = run_digest(WANG, overrides=over, environ={}, progress=said.append,
                           echo=said.append)  # fmt: skip
        assert again.counts() == {"sent": 0, "refused": 0, "failed": 0, "skipped": 1}
        forced = run_digest(WANG, overrides=over, force=True, environ={}, progress=said.append,
                            echo=said.append)  # fmt: skip
        assert forced.counts()["sent"] == 1
    assert [rcpt for rcpt, _ in handler.messages] == [[WANG_ADDRESS], [WANG_ADDRESS]]
    subject, text, html = parts(handler.messages[0][1])
    assert subject == WORDS[locale]["subject"]
    for line in WORDS[locale]["lines"]:
        assert line in text
    assert "Call the purchaser &lt;urgent&gt;" in html and "<urgent>" not in html
    assert "The other manager's" not in text and "After the window" not in text
    # the re-sent (forced) digest is the same email: compared with what the first one was
    assert parts(handler.messages[1][1])[1] == text
    log = [json.loads(x) for x in (out / "email" / "send-log.jsonl").read_text().splitlines()]
    assert {r["manager"] for r in log} == {WANG} and {r["report"] for r in log} == {"digest"}
    record = json.loads(run.snapshot.read_text(encoding="utf-8"))
    assert record["key"] == f"digest:{WANG}"
    assert sorted(record["sent"]["accounts"]) == ["KA0001", "KA0002", "KA0003", "KA0004"]


def test_dry_run_without_an_address_uses_a_placeholder(tmp_path, data_dir):
    said: list[str] = []
    over = overrides(data_dir, tmp_path / "out", 25, "en")
    over["email"] = {}
    run = run_digest(WANG, overrides=over, dry_run=True, environ={}, progress=said.append)
    [eml] = run.eml_files
    assert eml.parent.name.startswith("digest-") and run.recipients == (DRY_RUN_MANAGER,)
    assert any(f"placeholder {DRY_RUN_MANAGER}" in line for line in said)
    assert not (tmp_path / "out" / "email").exists()  # no snapshot, no send log
    with pytest.raises(EmailConfigError, match="No address for KA manager 'Wang Manager'"):
        run_digest(WANG, overrides={**over, "email": {"sender": "k@example.com"}}, environ={},
                   progress=said.append)  # fmt: skip


def test_unknown_manager_exits_2_listing_the_known_ones(tmp_path, data_dir, capsys):
    code = cli.main(["digest", "--manager", "Nobody", "--source", str(data_dir), "--as-of", AS_OF,
                     "--output-dir", str(tmp_path / "out"), "--dry-run"])  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "error: No KA manager 'Nobody'" in err
    assert "Known managers: Li Manager, Wang Manager" in err


def test_cli_dry_run_says_where_the_files_are(tmp_path, data_dir, capsys):
    code = cli.main(["digest", "--manager", WANG, "--source", str(data_dir), "--as-of", AS_OF,
                     "--output-dir", str(tmp_path / "out"), "--locale", "zh-CN",
                     "--dry-run"])  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Subject: {WORDS['zh-CN']['subject']}"
    assert out[1].startswith("written  ") and out[1].endswith(".eml")
    assert Path(out[1].split(maxsplit=1)[1]).is_file()


def test_make_digest_translates_its_variables():
    make = shutil.which("make")
    if make is None:
        pytest.skip("needs make")
    args = [make, "-o", "data/sample/.complete", "-o", ".venv/.installed-stamp"]
    result = subprocess.run(
        [*args, "-n", "digest", "MANAGER=黄俊", "DRY_RUN=1", "FORCE=1", "LOCALE=zh-CN",
         "AS_OF=2026-06-30"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    command = " ".join(result.stdout.replace("\\\n", " ").split())
    assert (
        '.venv/bin/kamreport digest --manager "黄俊" --dry-run --force --as-of 2026-06-30 '
        "--locale zh-CN"
    ) in command
    missing = subprocess.run([*args, "digest"], cwd=ROOT, capture_output=True, text=True,
                             timeout=60)  # fmt: skip
    assert missing.returncode != 0 and "Usage: make digest MANAGER=<name>" in missing.stderr
    help_text = subprocess.run([make, "help"], cwd=ROOT, capture_output=True, text=True,
                               timeout=60, check=True).stdout  # fmt: skip
    assert "make digest MANAGER=<name>" in help_text


def test_the_next_digest_says_what_changed_on_the_managers_accounts(tmp_path, data_dir):
    import csv

    def ltm(end: dt.date) -> dict[str, float]:
        out: dict[str, float] = {}
        with (data_dir / "order_lines.csv").open(encoding="utf-8") as handle:
            for r in csv.DictReader(handle):
                day = dt.date.fromisoformat(r["order_date"])
                if end.replace(year=end.year - 1) < day <= end:
                    out[r["account_id"]] = out.get(r["account_id"], 0.0) + float(r["net_amount"])
        return out

    out = tmp_path / "out"
    handler = Recorder()
    with smtp_server(handler) as port:
        for as_of in ("2026-08-31", AS_OF):
            over = overrides(data_dir, out, port, "en")
            over["report"]["as_of"] = as_of
            run_digest(WANG, overrides=over, environ={}, progress=lambda _: None,
                       echo=lambda _: None)  # fmt: skip
    _subject, text, _html = parts(handler.messages[1][1])
    assert "What changed since your last digest" in text
    assert "Compared with your digest of Aug 31, 2026." in text
    before, after = ltm(dt.date(2026, 8, 31)), ltm(dt.date(2026, 9, 30))
    mine = ["KA0001", "KA0002", "KA0003", "KA0004"]
    top = max(mine, key=lambda a: abs(after[a] - before[a]))
    assert f"({top}): Revenue, last 12 months: " in text
    assert "(KA0005)" not in text and "(KA0006)" not in text  # the other manager's
    assert not [line for line in text.splitlines() if line.endswith(" · ")]


def test_an_invalid_manager_address_is_named(tmp_path, data_dir):
    over = overrides(data_dir, tmp_path / "out", 25, "en")
    over["email"]["managers"] = {WANG: "wang-at-example"}
    with pytest.raises(EmailConfigError, match=r"'wang-at-example' in recipient list "
                       r"'email.managers\[Wang Manager\]' is not an e-mail address"):  # fmt: skip
        run_digest(WANG, overrides=over, dry_run=True, environ={}, progress=lambda _: None)
