"""The run cache: validated data and portfolio figures kept between commands.

Loading and validating the data and computing the portfolio-wide figures are
the expensive steps of every command; both only depend on the data, the
parameters and the code. The cache keeps them under ``<output_dir>/.cache/``:

- ``source-<key>.json``: for a source of files, what its files were (names,
  sizes, modification times) mapped to the content hash of the data read from
  them, so an unchanged folder is not read and validated again;
- ``data-<hash>.pkl``: the validated tables of that content hash;
- ``figures-<key>.pkl``: :class:`~kamreport.figures.PortfolioFigures` per
  data, shaping parameters, as-of date and code version;
- ``snapshot-<key>.pkl``: what a notebook's kernel is handed (see
  :mod:`kamreport.context`).

Every file is written atomically and read only by kamreport; a file that cannot
be read is treated as absent. The newest few entries of each kind are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kamreport.outputs import atomic_write_text, atomic_write_with
from kamreport.params import DataParams, Params

if TYPE_CHECKING:
    from kamreport.dataset import Dataset

KEEP = 6  # entries of each kind kept; older ones are removed
# Parameter sections that shape the portfolio figures; the others only change how they read.
SHAPING = ("data", "scoring", "clv", "risk", "portfolio")


def figures_key(data_key: str, params: Params, as_of: dt.date, code: str) -> str:
    """What the figures depend on: the data, the shaping parameters, the date and the code."""
    plain = params.to_dict()
    text = json.dumps(
        {
            "data": data_key,
            "params": {name: plain[name] for name in SHAPING},
            "as_of": as_of.isoformat(),
            "code": code,
        },
        sort_keys=True,
        allow_nan=False,
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def source_fingerprint(data: DataParams, code: str, base_dir: Path | None = None) -> str | None:
    """A key of what a source of files holds (names, sizes, modification times), the
    data parameters and the code; None for a database, which cannot be fingerprinted."""
    source = str(data.source)
    if "://" in source:
        return None
    path = Path(source)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    elif path.is_file():
        files = [path]
    else:
        return None  # the loader reports a missing source
    stats = []
    for file in files:
        stat = file.stat()
        stats.append((file.name, stat.st_size, stat.st_mtime_ns))
    text = json.dumps(
        {"source": str(path.resolve()), "files": stats, "data": _plain(data), "code": code},
        sort_keys=True,
        allow_nan=False,
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(data: DataParams) -> dict[str, Any]:
    return {
        "format": data.format,
        "encoding": data.encoding,
        "tables": dict(data.tables),
        "columns": {k: dict(v) for k, v in data.columns.items()},
        "currency": data.currency,
    }


class RunCache:
    """The cache folder of one output directory."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _path(self, kind: str, key: str, suffix: str = ".pkl") -> Path:
        return self.folder / f"{kind}-{key}{suffix}"

    def _read(self, path: Path) -> Any | None:
        value = load_pickle(path)
        if value is not None:
            path.touch(exist_ok=True)  # recently used: kept by prune()
        return value

    def _write(self, kind: str, key: str, value: Any) -> Path:
        path = self._path(kind, key)
        if not path.is_file():
            atomic_write_with(
                path, lambda handle: pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
            )
            self.prune(kind)
        return path

    # --- sources ---------------------------------------------------------------

    def source_entry(self, fingerprint: str) -> dict[str, Any] | None:
        """What was read from a source with this fingerprint (see :meth:`remember_source`),
        when its validated data is still in the cache."""
        try:
            entry = json.loads(self._path("source", fingerprint, ".json").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or not entry.get("data_hash"):
            return None
        if not self.dataset_file(str(entry["data_hash"])).is_file():
            return None
        return entry

    def remember_source(self, fingerprint: str, entry: dict[str, Any]) -> None:
        """Map a source's fingerprint to its data: content hash, currency, source label,
        last order date, default as-of date and account ids (enough to start a run
        without opening the data)."""
        path = self._path("source", fingerprint, ".json")
        atomic_write_text(path, json.dumps(entry, ensure_ascii=False, allow_nan=False) + "\n")
        self.prune("source", ".json")

    # --- data ------------------------------------------------------------------

    def dataset_file(self, data_hash: str) -> Path:
        return self._path("data", data_hash)

    def load_dataset(self, data_hash: str) -> Dataset | None:
        """The validated data of this content hash, or None."""
        return read_dataset(self.dataset_file(data_hash), touch=True)

    def store_dataset(self, dataset: Dataset, data_hash: str) -> Path:
        payload = {
            "tables": dict(dataset.tables),
            "currency": dataset.currency,
            "source": dataset.source,
            "warnings": dataset.warnings,
            "latest_order_date": dataset.latest_order_date,
        }
        return self._write("data", data_hash, payload)

    # --- figures and snapshots --------------------------------------------------

    def figures_file(self, key: str) -> Path:
        return self._path("figures", key)

    def load(self, kind: str, key: str) -> Any | None:
        return self._read(self._path(kind, key))

    def store(self, kind: str, key: str, value: Any) -> Path:
        return self._write(kind, key, value)

    def prune(self, kind: str, suffix: str = ".pkl") -> None:
        """Keep the :data:`KEEP` most recently used entries of ``kind``."""
        entries = []
        for path in self.folder.glob(f"{kind}-*{suffix}"):
            try:
                entries.append((path.stat().st_mtime_ns, path))
            except OSError:
                continue
        for _, path in sorted(entries, reverse=True)[KEEP:]:
            path.unlink(missing_ok=True)


def load_pickle(path: Path) -> Any | None:
    """What ``path`` holds, read from the file as it is unpickled (the validated data is
    gigabytes at ten million lines: never held twice, as bytes and as tables); None when
    it is missing, from another version or damaged (then it is computed again)."""
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except Exception:
        return None


def read_dataset(path: Path, *, touch: bool = False) -> Dataset | None:
    """The Dataset stored by :meth:`RunCache.store_dataset`, or None."""
    from kamreport.dataset import Dataset
    from kamreport.heap import use_arrow_jemalloc

    use_arrow_jemalloc()  # before the tables are unpickled into Arrow's pool
    payload = load_pickle(Path(path))
    if payload is None:
        return None
    if touch:
        Path(path).touch(exist_ok=True)
    return Dataset(
        payload["tables"],
        currency=payload["currency"],
        source=payload["source"],
        warnings=payload["warnings"],
        latest_order_date=payload["latest_order_date"],
    )
