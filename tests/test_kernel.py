"""Warm kernels: nothing of one account's run reaches the next, and a batch report is
the same as the one ``make report`` writes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

from kamreport import kernel as warm
from kamreport.batch.plan import HASH_KEY
from kamreport.batch.worker import render_account
from kamreport.context import open_context, write_snapshot
from kamreport.engine import ENGINE
from kamreport.runner import Job, report_job

pytestmark = pytest.mark.slow
ACCOUNTS = ("KA0001", "KA0003")


@pytest.fixture(scope="module")
def batch(sample_dir: Path, tmp_path_factory):
    """A run context of the sample data with its snapshot, and this process's warm kernel."""
    out = tmp_path_factory.mktemp("batch-out")
    overrides = {"data": {"source": str(sample_dir)}, "report": {"output_dir": str(out)}}
    context = open_context(None, overrides, say=lambda _: None)
    snapshot = write_snapshot(context)
    yield context, snapshot, overrides
    warm.shutdown_kernel()


def job(batch, account_id: str) -> Job:
    context, snapshot, _ = batch
    return report_job(
        context, "customer", snapshot, account_id=account_id, extra={HASH_KEY: f"hash-{account_id}"}
    )


def notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("account = ''")]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "py"}
    nbformat.write(nb, path)
    return path


def test_a_variable_of_one_run_is_not_visible_in_the_next(batch, tmp_path: Path):
    first = notebook(
        tmp_path / "first.ipynb",
        "secret = account\nimport matplotlib.pyplot as plt\nplt.figure()\nsecret",
    )
    second = notebook(
        tmp_path / "second.ipynb",
        "import json, os\nimport matplotlib.pyplot as plt\n"
        "print(json.dumps({'secret': 'secret' in globals(), 'figures': plt.get_fignums(), "
        "'history': len(Out), 'pid': os.getpid()}))",
    )
    kernel = warm.current_kernel()
    runs = []
    for path, account in ((first, "A1"), (second, "A2")):
        papermill.execute_notebook(
            str(path), str(tmp_path / f"out-{path.name}"), parameters={"account": account},
            engine_name=ENGINE, kernel_name="python3", progress_bar=False,
        )  # fmt: skip
        runs.append(nbformat.read(tmp_path / f"out-{path.name}", as_version=4))
    assert runs[0].cells[-1].outputs[0]["data"]["text/plain"] == "'A1'"  # it ran, and set it
    probe = json.loads(runs[1].cells[-1].outputs[0]["text"])
    assert probe["secret"] is False
    assert probe["figures"] == []
    assert probe["history"] == 0
    # The same kernel process served both runs (it is warm, not restarted).
    assert kernel.run_code("import os; print(os.getpid())").strip() == str(probe["pid"])


CACHE_PROBE = """\
import functools, json, sys
from kamreport import context as _context
sizes = {}
for name, module in list(sys.modules.items()):
    if name.startswith("kamreport"):
        for attr, value in list(vars(module).items()):
            if isinstance(value, functools._lru_cache_wrapper):
                sizes[f"{name}.{attr}"] = value.cache_info().currsize
_run = next(iter(_context._opened.values()))
intact = _run.dataset.content_hash() == _run.data_hash
print(json.dumps({"names": sorted(n for n in globals() if not n.startswith("_")),
                  "caches": sizes, "data_intact": intact, "opened": len(_context._opened)}))
"""


def test_real_reports_leave_no_account_state_and_match_make_report(batch):
    """Three accounts on one warm kernel: after each, the namespace holds nothing of it, no
    cache grows per account, the shared data is unchanged; the report equals make report's."""
    context, _, overrides = batch
    kernel = warm.current_kernel()
    probes = []
    for account_id in (*ACCOUNTS, "KA0002"):
        outcome = render_account(job(batch, account_id))
        assert outcome.ok, outcome.error
        kernel.run_code(warm.RESET)
        probes.append(json.loads(kernel.run_code(CACHE_PROBE)))
    for probe in probes:
        assert not {"review", "run", "charts", "account_id", "html"} & set(probe["names"])
        assert probe["data_intact"]
        assert probe["opened"] == 1  # one snapshot, read once by the kernel
    assert probes[1]["caches"] == probes[2]["caches"], "a cache grows with every account"

    target = context.layout.customer_dir(ACCOUNTS[1])
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest[HASH_KEY] == f"hash-{ACCOUNTS[1]}"
    batch_html = (target / "report.html").read_text()
    shutil.rmtree(target)

    from kamreport.runner import run_customer_report

    run_customer_report(ACCOUNTS[1], overrides=overrides, progress=lambda _: None)
    single_html = (target / "report.html").read_text()
    assert strip_run_time(batch_html) == strip_run_time(single_html)
    assert len(batch_html) > 10_000


def strip_run_time(html: str) -> str:
    """The report minus when it was generated (the footer's and running header's time)."""
    return re.sub(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\+00:00)?", "<time>", html)


START_KERNEL = """
import time
from kamreport.kernel import WarmKernel
kernel = WarmKernel()  # launched, not waited for
print(kernel.pid, flush=True)
time.sleep(120)
"""

# Under a subreaper (as in many containers and service managers) an orphaned kernel is
# adopted by it, not by init; ipykernel's parent poller then no longer notices that its
# parent died if that happened before the poller started.
SUBREAPER = """
import ctypes, os, signal, subprocess, sys, time
ctypes.CDLL(None, use_errno=True).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
parent = subprocess.Popen([sys.executable, "-c", sys.argv[1]], stdout=subprocess.PIPE, text=True)
kernel = int(parent.stdout.readline())
os.kill(parent.pid, signal.SIGKILL)
parent.wait()
deadline = time.monotonic() + 8
while time.monotonic() < deadline:
    try:
        pid, _ = os.waitpid(kernel, os.WNOHANG)
    except ChildProcessError:  # not adopted: it ended before its parent did
        pid = kernel
    if pid == kernel:
        print("ended", flush=True)
        break
    time.sleep(0.05)
else:
    print("outlived its parent", flush=True)
    os.kill(kernel, signal.SIGKILL)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_kernel_ends_when_its_process_is_killed_outright():
    """SIGKILL the process right after it launched its kernel: the kernel ends too.

    Before, such a kernel stayed alive (adopted by the subreaper) for good.
    """
    result = subprocess.run(
        [sys.executable, "-c", SUBREAPER, START_KERNEL],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "ended", result.stdout + result.stderr
