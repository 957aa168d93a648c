"""Every account's review in one command: prepared data, warm kernels, parallel workers.

See :func:`run_batch`; ``make reports`` and ``kamreport reports`` call it.
"""

from kamreport.batch.run import BatchResult, run_batch

__all__ = ["BatchResult", "run_batch"]
