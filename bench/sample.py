"""The sample data the benchmarks run on, exported when it is not there yet."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def sample_data(folder: Path) -> Path:
    """``folder`` (resolved) holding the bundled sample as CSV files, exported first when
    it holds none (as ``make sample`` does)."""
    folder = folder.resolve()
    if not (folder / "accounts.csv").exists():
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from kamreport.sample import export_sample

        export_sample(folder, "csv")
    return folder
