"""The papermill engine that runs a notebook on this process's warm kernel.

``kamreport-warm`` is papermill's own nbclient engine, handed the running kernel of
:mod:`kamreport.kernel` (reset before each notebook) instead of starting one.
"""

from __future__ import annotations

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

from kamreport.kernel import current_kernel

ENGINE = "kamreport-warm"


class WarmEngine(NBClientEngine):
    """papermill's nbclient engine, on this process's warm kernel.

    papermill still writes the executed notebook (or, on failure, the notebook with
    its error banner) when the run ends; the saves after every cell, there so a
    person can watch a long run, are skipped.
    """

    @classmethod
    def execute_notebook(cls, nb, kernel_name, output_path=None, **kwargs):
        return super().execute_notebook(nb, kernel_name, output_path=None, **kwargs)

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        kernel = current_kernel()
        kernel.reset()
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(
            kwargs,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client = PapermillNotebookClient(nb_man, km=kernel.km, **final)
        client.kc = kernel.kc
        return client.execute()


papermill_engines.register(ENGINE, WarmEngine)
