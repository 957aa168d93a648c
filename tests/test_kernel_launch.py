"""The kernel a command launches first: private connection file, adopted by the warm
kernel, ended with it, and never left running when nothing adopted it."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kamreport import kernel as warm
from kamreport import kernel_launch
from kamreport.cli import NOTEBOOK_COMMANDS

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def no_kernel_left():
    yield
    warm.shutdown_kernel()
    kernel_launch.discard_early()


def test_the_connection_file_is_private_and_names_five_distinct_ports():
    launched = kernel_launch.launch()
    try:
        info = json.loads(launched.connection_file.read_text())
        folder_mode = stat.S_IMODE(launched.connection_file.parent.stat().st_mode)
        file_mode = stat.S_IMODE(launched.connection_file.stat().st_mode)
    finally:
        launched.discard()
    ports = [info[name] for name in kernel_launch.PORTS]
    assert len(set(ports)) == 5 and all(1024 < p < 65536 for p in ports)
    assert (folder_mode, file_mode) == (0o700, 0o600)
    assert info["ip"] == "127.0.0.1" and len(info["key"]) == 32
    assert not launched.connection_file.parent.exists()
    assert launched.process.poll() is not None


def test_the_kernel_launched_first_is_the_one_the_command_runs_and_it_ends_with_it():
    kernel_launch.launch_early()
    launched = kernel_launch._early
    assert launched is not None
    kernel = warm.start_kernel()
    assert kernel.pid == launched.process.pid
    assert kernel_launch.take() is None  # handed over once
    printed = kernel.run_code("import sys\nprint(sys.modules.get('debugpy'), 6 * 7)")
    assert printed.split() == ["None", "42"]  # a working kernel, without the debugger
    warm.shutdown_kernel()
    assert launched.process.poll() is not None
    assert not launched.connection_file.parent.exists()


def test_a_kernel_launched_early_that_nothing_adopted_is_ended():
    kernel_launch.launch_early()
    launched = kernel_launch._early
    assert launched is not None
    kernel_launch.discard_early()
    assert launched.process.wait(5) is not None
    assert not launched.connection_file.parent.exists()
    assert kernel_launch.take() is None


def test_a_dead_early_kernel_is_not_handed_over():
    kernel_launch.launch_early()
    launched = kernel_launch._early
    assert launched is not None
    launched.process.kill()
    launched.process.wait(5)
    assert kernel_launch.take() is None
    assert not launched.connection_file.parent.exists()


def test_a_command_that_fails_before_its_report_leaves_no_kernel(tmp_path):
    """A missing data folder: the command stops with the error, the kernel launched first
    is gone and its folder with it."""
    before = {p.name for p in _kernel_folders()}
    command = ["report", "--customer", "NOPE", "--source", str(tmp_path / "missing")]
    done = subprocess.run(
        [sys.executable, "-m", "kamreport.cli", *command], capture_output=True, text=True
    )
    assert done.returncode != 0 and "error:" in done.stderr
    assert {p.name for p in _kernel_folders()} <= before
    assert {"report", "portfolio", "targets"} == NOTEBOOK_COMMANDS


def test_the_folder_of_a_command_killed_before_its_kernel_answered_is_removed_later(tmp_path):
    """A command killed outright (SIGKILL) while its kernel boots cannot clean up; the
    next launch removes the folders of launching processes that are gone."""
    command = (
        "import os, time\nfrom kamreport import kernel_launch\n"
        "print(kernel_launch.launch().connection_file, flush=True)\ntime.sleep(60)"
    )
    killed = subprocess.Popen([sys.executable, "-c", command], stdout=subprocess.PIPE, text=True)
    folder = Path(killed.stdout.readline().strip()).parent
    killed.kill()
    killed.wait(5)
    assert folder.exists() and folder.name.startswith(f"kamreport-kernel-{killed.pid}-")
    kernel_launch.launch().discard()
    assert not folder.exists()


def _kernel_folders():
    import tempfile

    return list(Path(tempfile.gettempdir()).glob("kamreport-kernel-*"))
