"""Warm kernels: one Jupyter kernel per process, reused across reports.

The papermill engine of :mod:`kamreport.engine` hands papermill's own notebook
client the process's running kernel instead of starting a new one, so a report
pays for neither the kernel start nor the imports. The kernel process is started as
early as possible (by :mod:`kamreport.kernel_launch`, without waiting; the command
launches it before importing anything else), so it boots and imports the report code
while the command loads its data. Before each report the kernel's
namespace is reset (``%reset -f``: every variable and the output history go,
matplotlib figures are closed), so nothing of one run is visible to the next;
imported modules stay, which is what makes the kernel warm.

A single ``make report`` and every worker of a batch run their notebooks here,
through :func:`kamreport.runner.run_job`.

A kernel never outlives the process that started it: it is shut down at exit
(also after SIGINT or SIGTERM, see :mod:`kamreport.interruption`), and if that
process is killed outright (SIGKILL) the kernel ends too: on Linux the system
sends it SIGTERM (``PR_SET_PDEATHSIG``), and ipykernel's own parent poller
(``JPY_PARENT_PID``) ends it within a second elsewhere.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import time
import uuid

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from jupyter_core.utils import run_sync

from kamreport import kernel_launch
from kamreport.errors import KamReportError

# What %reset -f does, without its full garbage collection (a tenth of a second or more
# on a heap holding the run's data): every name the notebook made, the output history and
# its references go; open figures are closed; young objects are collected.
RESET = """\
import sys as _sys
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
def _reset(ip=get_ipython()):
    import gc
    hidden = ip.user_ns_hidden
    for name in [n for n in ip.user_ns if n not in hidden]:
        del ip.user_ns[name]
    ip.history_manager.output_hist.clear()
    ip.history_manager.outputs.clear()
    ip.user_ns["_oh"].clear()
    ip.displayhook._, ip.displayhook.__, ip.displayhook.___ = "", "", ""
    ip.user_ns.update({"_": "", "__": "", "___": ""})
    hidden.update({"_": "", "__": "", "___": ""})
    gc.collect(1)
_reset()  # which removes itself and _sys with every other name
"""


WARM_UP = "import kamreport.reports.customer, kamreport.context, kamreport.provenance"


class WarmKernel:
    """A python3 kernel with its client, started once and reset between uses.

    The constructor only launches the kernel process and queues the import of
    the report code; :meth:`ready` waits for both.
    """

    def __init__(self, launched: kernel_launch.Launched | None = None) -> None:
        launched = launched or kernel_launch.launch()
        self.launched = launched
        self.km = adopt(launched)
        self.kc = self.km.client()
        self.kc.start_channels()
        self._warm_up = self.kc.execute(WARM_UP, silent=True, store_history=False)
        self._ready = False
        self.runs = 0

    def ready(self) -> None:
        """Wait until the kernel answers and has imported the report code."""
        if self._ready:
            return
        # The warm-up was the first request: its reply means the kernel is up and warm.
        deadline = time.monotonic() + 120
        while True:
            reply = run_sync(self.kc.get_shell_msg)(timeout=max(deadline - time.monotonic(), 1))
            if reply.get("parent_header", {}).get("msg_id") == self._warm_up:
                break
        self.launched.remove_connection_file()  # read by the kernel that answered
        if reply["content"].get("status") != "ok":
            content = reply["content"]
            raise KamReportError(
                f"The report kernel could not import kamreport: {content.get('ename')}: "
                f"{content.get('evalue')}. Reinstall with `make venv`."
            )
        self._ready = True

    def preload(self, snapshot: str) -> None:
        """Start reading the run snapshot in the kernel now, without waiting: the notebook's
        own ``open_snapshot`` then finds it read (kamreport.context reads it once)."""
        code = f"import kamreport.context as _c\n_c.open_snapshot({snapshot!r})\ndel _c"
        self.kc.execute(code, silent=True, store_history=False)

    def reset(self) -> None:
        """Empty the kernel's namespace (see :data:`RESET`) before a notebook, unless none ran
        yet; raise if that fails."""
        self.ready()
        self.runs += 1
        if self.runs == 1:
            return
        reply = run_sync(self.kc.execute_interactive)(
            RESET, store_history=False, timeout=120, output_hook=lambda _msg: None
        )
        if reply["content"]["status"] != "ok":
            content = reply["content"]
            raise KamReportError(
                f"Resetting the worker's kernel failed: {content.get('ename')}: "
                f"{content.get('evalue')}"
            )

    def run_code(self, code: str) -> str:
        """Execute ``code`` in the kernel through nbclient; its printed text. Raises if it fails."""
        import nbformat
        from nbclient import NotebookClient

        self.ready()
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        client = NotebookClient(notebook, km=self.km, kernel_name="python3")
        client.kc = self.kc
        client.execute()
        outputs = notebook.cells[0].get("outputs", [])
        return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")

    def alive(self) -> bool:
        return bool(run_sync(self.km.is_alive)())

    @property
    def pid(self) -> int | None:
        """The kernel's process id (None when it is not running here)."""
        process = getattr(self.km.provisioner, "process", None)
        return getattr(process, "pid", None)

    def shutdown(self) -> None:
        """Stop the kernel now (it may be in the middle of a cell); never raises.

        Killed outright rather than through jupyter_client's shutdown, which polls for the
        process's end in steps of a tenth of a second: the kernel holds nothing to save
        (every output is written by this process), and a command ends 0.1 s sooner.
        """
        with contextlib.suppress(BaseException):
            self.kc.stop_channels()
        self.kill()

    def kill(self) -> None:
        """End the kernel process outright (when a clean shutdown failed)."""
        self.launched.discard()
        with contextlib.suppress(Exception):  # the connection file is already gone
            run_sync(self.km.cleanup_resources)()


def adopt(launched: kernel_launch.Launched) -> AsyncKernelManager:
    """A kernel manager for a process :mod:`kamreport.kernel_launch` started: it talks
    to it, tells whether it is alive and cleans up after it as if it had started it."""
    km = AsyncKernelManager(kernel_name="python3", connection_file=str(launched.connection_file))
    km.load_connection_file()
    km.kernel_id = str(uuid.uuid4())
    provisioner = LocalProvisioner(kernel_id=km.kernel_id, kernel_spec=None, parent=km)
    provisioner.process = launched.process
    provisioner.pid = launched.process.pid
    provisioner.pgid = launched.process.pid  # started in a session of its own
    provisioner.ip = km.ip
    km.provisioner = provisioner
    km._connect_control_socket()  # what starting a kernel does last
    return km


_kernel: WarmKernel | None = None


def start_kernel() -> WarmKernel:
    """This process's kernel, launched now without waiting for it (restarted if it died)."""
    global _kernel
    if _kernel is not None and not _kernel.alive():
        _kernel.shutdown()
        _kernel = None
    if _kernel is None:
        _kernel = WarmKernel(kernel_launch.take())
        atexit.register(shutdown_kernel)
        try:  # worker processes of multiprocessing skip atexit; their finalizers run
            from multiprocessing import util

            util.Finalize(None, shutdown_kernel, exitpriority=10)
        except Exception:  # not in a multiprocessing worker
            pass
    return _kernel


def current_kernel() -> WarmKernel:
    """This process's warm kernel, ready to run a notebook."""
    kernel = start_kernel()
    kernel.ready()
    return kernel


def shutdown_kernel() -> None:
    global _kernel
    if _kernel is not None:
        _kernel.shutdown()
        _kernel = None


def warm_up() -> int:
    """Start this process's kernel and import the report code into it; the process id."""
    current_kernel()
    return os.getpid()
