"""Interrupted and concurrent runs: SIGINT/SIGTERM stop cleanly, one run at a time per
report folder, and a fault test that kills real runs at random points and checks that
no good report was replaced, no debris remains and no kernel outlives its run."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kamreport import interruption
from kamreport.locking import FolderBusy, folder_lock, holder, lock_path_of

AS_OF_DIR = Path("2026-09-30") / "en" / "customers"


@pytest.fixture
def handlers():
    """Install kamreport's signal handlers for the test; pytest's own come back after."""
    saved = {s: signal.getsignal(s) for s in interruption.SIGNALS}
    interruption.install()
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)
    interruption._state.update(interrupted=0, deferring=0, pending=0)


def test_sigterm_raises_interrupted_once_and_a_second_signal_is_ignored(handlers):
    with pytest.raises(interruption.Interrupted) as caught:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)
    assert caught.value.name == "SIGTERM" and caught.value.exit_code == 143
    os.kill(os.getpid(), signal.SIGINT)  # during the clean-up: must not break it
    time.sleep(0.05)
    assert interruption.interrupted() == signal.SIGTERM


def test_a_signal_after_the_work_is_done_does_not_change_how_the_command_ends():
    """A SIGTERM that comes while a finished command exits (here from an exit handler)
    neither kills it nor prints a traceback: the command ends with its own status.

    Before: Python's exit restored the default action, and a finished report run
    ended as killed by SIGTERM (-15)."""
    code = textwrap.dedent(
        """
        import atexit, os, signal, sys
        from kamreport import cli
        atexit.register(lambda: os.kill(os.getpid(), signal.SIGTERM))
        sys.argv = ["kamreport", "params"]
        cli.run()
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Interrupted" not in done.stderr, done.stderr


def test_a_signal_waits_until_publishing_is_done(handlers):
    steps = []
    with pytest.raises(interruption.Interrupted):
        with interruption.deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            steps.append("renamed every file")
        time.sleep(1)
    assert steps == ["renamed every file"]


HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from kamreport.locking import folder_lock
    with folder_lock(Path(sys.argv[1])):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
    print("released", flush=True)
    """
)


def hold(folder: Path, seconds: float) -> subprocess.Popen:
    """Another process holding ``folder``'s lock for ``seconds``."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_run_says_who_holds_the_folder_and_gives_up_after_its_timeout(tmp_path):
    folder = tmp_path / "customers" / "KA0001"
    other = hold(folder, 30)
    try:
        info = holder(lock_path_of(folder))
        assert info["pid"] == other.pid and info["started"]
        said: list[str] = []
        started = time.monotonic()
        with pytest.raises(FolderBusy) as busy, folder_lock(folder, say=said.append, timeout=0.6):
            pytest.fail("two runs held one folder")
        assert 0.5 < time.monotonic() - started < 5
        assert said == [f"Waiting for {said[0].split('Waiting for ')[1]}"]
        assert f"process {other.pid}" in said[0] and str(folder) in said[0]
        assert f"process {other.pid}" in str(busy.value) and str(folder) in str(busy.value)
        assert busy.value.exit_code != 0
    finally:
        other.kill()
        other.wait()
    # The system released the lock of the killed holder: the next run gets it at once.
    with folder_lock(folder, timeout=0) as lock:
        assert holder(lock)["pid"] == os.getpid()
    assert holder(lock_path_of(folder)) == {}
    assert list(folder.iterdir()) == []  # the lock is beside the report folder, not in it


def test_a_second_run_waits_for_the_first_and_then_runs(tmp_path):
    folder = tmp_path / "portfolio"
    other = hold(folder, 1.0)
    said: list[str] = []
    with folder_lock(folder, say=said.append, timeout=30):
        assert other.stdout.readline().strip() == "released"  # the first run had finished
    other.wait()
    assert len(said) == 1 and f"process {other.pid}" in said[0]


# --- the fault test ----------------------------------------------------------------


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (its kernel), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_line = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat_line.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def kernels_of(pid: int) -> set[int]:
    """Live kernel processes started by ``pid``: ipykernel with JPY_PARENT_PID=pid."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        mine = f"JPY_PARENT_PID={pid}".encode() in environ
        if b"ipykernel" in cmdline and mine and state != "Z":
            found.add(int(entry.name))
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def report_command(sample_dir: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "kamreport.cli",
        "report",
        "--customer",
        "KA0008",
        "--source",
        str(sample_dir),
        "--output-dir",
        str(out),
    ]


def debris(out: Path) -> list[str]:
    """Staging folders and temporary files anywhere under ``out``."""
    return sorted(
        str(p.relative_to(out))
        for p in out.rglob(".*")
        if ".staging-" in p.name or p.name.endswith(".tmp")
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    """The report's files."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def check_whole(folder: Path) -> None:
    """The folder holds one finished run: its manifest lists files that are all there."""
    manifest = json.loads((folder / "manifest.json").read_text())
    assert all((folder / name).is_file() for name in manifest["outputs"])
    assert (folder / "report.html").read_text().rstrip().endswith("</html>")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
def test_runs_killed_at_random_points_replace_nothing_and_leave_no_debris(
    sample_dir: Path, tmp_path: Path
):
    """SIGKILL and SIGTERM at seeded random moments of real ``kamreport report`` runs.

    Before: every killed run left a ``.KA0008.staging-*`` folder that no run removed.
    """
    out = tmp_path / "out"
    command = report_command(sample_dir, out)
    env = {**os.environ, "KAMREPORT_LOCK_WAIT": "60"}
    first = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    started = time.monotonic()  # a second run, as the killed ones: data and figures cached
    second = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert second.returncode == 0, second.stderr
    whole_run = time.monotonic() - started
    folder = out / AS_OF_DIR / "KA0008"
    good = snapshot(folder)

    rng = random.Random(18)
    cases = [(signal.SIGKILL, signal.SIGTERM)[i % 2] for i in range(6)]
    deadline = time.monotonic() + 75  # the whole test stays under 2 minutes
    stopped_mid_run: list[str] = []
    for signum in cases:
        if time.monotonic() > deadline:
            break
        # from once the command handles signals to a little after it would have ended
        delay = rng.uniform(0.3, max(whole_run * 1.1, 0.6))
        run = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        time.sleep(delay)
        kernels = descendants(run.pid) | kernels_of(run.pid)
        run.send_signal(signum)
        _, stderr = run.communicate(timeout=60)
        waited = time.monotonic() + 5
        while (alive(kernels) or kernels_of(run.pid)) and time.monotonic() < waited:
            time.sleep(0.1)
        case = f"{signum.name} after {delay:.1f} s"
        assert not alive(kernels) and not kernels_of(run.pid), f"{case}: a kernel outlived its run"
        now = snapshot(folder)
        if run.returncode != 0:
            stopped_mid_run.append(signum.name)
        if run.returncode == 0:  # the run finished before the signal: a whole new report
            check_whole(folder)
            good = now
        elif signum == signal.SIGTERM:
            assert run.returncode == 128 + signal.SIGTERM, f"{case}: {stderr}"
            assert stderr.strip().splitlines()[-1].startswith("Interrupted by SIGTERM")
            assert "Traceback" not in stderr, f"{case}: {stderr}"
            assert now == good, f"{case}: the good report was changed"
            assert debris(out) == [], f"{case}: a clean stop left {debris(out)}"
        else:
            check_whole(folder)  # killed outright: at worst while renaming a finished run
            if now.get("report.html") != good.get("report.html"):
                assert now["manifest.json"] != good["manifest.json"], case
            good = now

    print(f"stopped mid-run: {stopped_mid_run}")
    assert {"SIGKILL", "SIGTERM"} <= set(stopped_mid_run), "no kill landed inside a run"
    last = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert last.returncode == 0, last.stderr
    check_whole(folder)
    assert debris(out) == []
