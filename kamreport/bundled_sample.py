"""Whether a run reads the bundled sample (``data/sample``), for the Makefile.

``make validate PARAMS=my.yaml`` (and every other target that reads data) generates
the bundled sample first only when the run reads it: without ``PARAMS``, or with a
params file whose ``data.source`` is ``data/sample``. A run on your own data never
generates, rewrites or waits for the sample. The Makefile asks::

    python -m kamreport.bundled_sample my.yaml   # exit 0: reads the sample, 1: does not

It imports only the parameters (no pandas), so asking costs a fraction of a second.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from kamreport.errors import KamReportError
from kamreport.params import load_params
from kamreport.paths import source_path

BUNDLED_SAMPLE = Path("data/sample")


def reads_bundled_sample(params_file: str | Path | None, base: Path | None = None) -> bool:
    """Whether ``data.source`` of ``params_file`` (defaults below it) is the bundled sample
    folder, relative paths taken from ``base`` (default: the current folder) as a run does."""
    base = Path.cwd() if base is None else Path(base)
    source = str(load_params(params_file).data.source).strip()
    if not source or "://" in source:
        return False
    return source_path(source, base).resolve() == (base / BUNDLED_SAMPLE).resolve()


def main(argv: Sequence[str] | None = None) -> int:
    """Exit 0 when the run with the params file in ``argv`` reads the bundled sample, else 1.

    A params file that cannot be read is answered with 1: the run itself then reports
    the problem, once, without generating the sample first.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return 0 if reads_bundled_sample(args[0] if args else None) else 1
    except KamReportError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
