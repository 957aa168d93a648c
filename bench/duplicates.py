"""Likely duplicate accounts at 5,000, 20,000 and 50,000 accounts: time, comparisons, pairs.

Usage: ``.venv/bin/python bench/duplicates.py [--sizes 5000,20000,50000] [--old REV]``

Each size is ``kamreport.sample.name_mix.accounts_with_duplicates``: 70 % Chinese
names from the sample's pools, 10 % Latin names, 20 % templated ("Customer
12346", …), and 1 % more accounts that are planted duplicates (one of those names
written differently). For each size it times ``likely_duplicates`` (wall and CPU
seconds, names normalised included) and counts the candidate comparisons, the
pairs found, the planted pairs found, and the other pairs (by what matched). Then
the same for 50,000 templated names alone, which must give no pair. ``--old REV``
also times the module as it was at git revision REV on the smallest size.
Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kamreport.analytics.duplicates import likely_duplicates, normalise_name  # noqa: E402
from kamreport.analytics.name_blocking import candidate_pairs  # noqa: E402
from kamreport.sample.name_mix import FIRST_TEMPLATED, accounts_with_duplicates  # noqa: E402

THRESHOLD = 0.9


def timed(find, accounts: pd.DataFrame) -> tuple[pd.DataFrame, float, float]:
    """The pairs ``find`` returns, its wall seconds and its CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    found = find(accounts, THRESHOLD)
    return found, time.perf_counter() - wall, time.process_time() - cpu


def comparisons(accounts: pd.DataFrame) -> int:
    """Candidate name pairs the blocking leaves to score."""
    ordered = accounts.sort_values("account_id")["name"]
    return len(candidate_pairs([normalise_name(n) for n in ordered]))


def old_module(revision: str) -> ModuleType:
    """``kamreport/analytics/duplicates.py`` as it was at ``revision``, imported."""
    source = subprocess.run(
        ["git", "show", f"{revision}:kamreport/analytics/duplicates.py"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    path = Path(tempfile.mkdtemp()) / "old_duplicates.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_duplicates", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def one_size(n: int) -> dict:
    mix = accounts_with_duplicates(n, n // 100, seed=n)
    found, wall, cpu = timed(likely_duplicates, mix.accounts)
    pairs = list(zip(found["account_a"], found["account_b"], strict=True))
    others = found.loc[[p not in mix.planted for p in pairs]]
    pairs = set(pairs)
    row = {
        "accounts": len(mix.accounts),
        "seconds": round(wall, 2),
        "cpu_seconds": round(cpu, 2),
        "comparisons": comparisons(mix.accounts),
        "pairs": len(pairs),
        "planted": len(mix.planted),
        "planted_found": len(pairs & mix.planted),
        "other_pairs_by_name": int((others["field"] == "name").sum()),
        "other_pairs_by_name_en": int((others["field"] == "name_en").sum()),
    }
    per_account = row["comparisons"] / row["accounts"]
    print(
        f"{row['accounts']:>6} accounts: {wall:6.2f} s ({cpu:.2f} s CPU), "
        f"{row['comparisons']:,} comparisons ({per_account:.1f} per account), "
        f"{row['pairs']} pairs: {row['planted_found']} of {row['planted']} planted, "
        f"{row['other_pairs_by_name']} others by name, "
        f"{row['other_pairs_by_name_en']} by English name"
    )
    for field, a, b in (
        others.groupby("field").head(2)[["field", "name_a", "name_b"]].itertuples(index=False)
    ):
        print(f"        e.g. by {field}: {a} | {b}")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000,20000,50000")
    parser.add_argument("--old", metavar="REV", help="also time the module at this git revision")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = [one_size(n) for n in sizes]

    n = sizes[-1]
    ids = [f"C{k:06d}" for k in range(n)]
    templated = pd.DataFrame(
        {"account_id": ids, "name": [f"Customer {FIRST_TEMPLATED + k}" for k in range(n)]}
    )
    found, wall, cpu = timed(likely_duplicates, templated)
    print(f"{n:>6} templated names alone: {wall:.2f} s ({cpu:.2f} s CPU), {len(found)} pairs, "
          f"{comparisons(templated)} comparisons")  # fmt: skip
    summary = dict(rows[-1])
    summary |= {"sizes": rows, "templated_accounts": n, "templated_seconds": round(wall, 2),
                "templated_pairs": len(found)}  # fmt: skip

    if args.old:
        mix = accounts_with_duplicates(sizes[0], sizes[0] // 100, seed=sizes[0])
        found, wall, cpu = timed(old_module(args.old).likely_duplicates, mix.accounts)
        planted = len(set(zip(found["account_a"], found["account_b"], strict=True)) & mix.planted)
        print(
            f"{len(mix.accounts):>6} accounts with the module at {args.old}: {wall:.2f} s "
            f"({cpu:.2f} s CPU), {len(found)} pairs, {planted} of {len(mix.planted)} planted"
        )
        summary |= {"old_accounts": len(mix.accounts), "old_seconds": round(wall, 2),
                    "old_pairs": len(found), "old_planted_found": planted}  # fmt: skip
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
