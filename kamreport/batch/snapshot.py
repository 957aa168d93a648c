"""The batch's prepared data: loaded, validated and valued once, read quickly by every worker.

The batch writes one pickle holding the validated tables, the resolved
parameters and as-of date, and the portfolio-wide figures of
:func:`kamreport.reports.customer.portfolio` (value layer, risk flags, metrics).
In a worker's kernel, :func:`install` makes the customer notebook's own calls
``open_session(params_file, overrides)`` and ``report.portfolio(...)`` answer
from the snapshot when they ask for exactly what it holds, so every account runs
the very cells of ``make report`` without reading and validating the sources again.
Any other call falls through to the original function.
"""

from __future__ import annotations

import copyreg
import datetime as dt
import io
import pickle
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from kamreport.dataset import Dataset
from kamreport.errors import KamReportError
from kamreport.outputs import atomic_write_bytes
from kamreport.params import Params, load_params
from kamreport.session import Session

SNAPSHOT_FILE = "snapshot.pkl"


class PreparedDataset(Dataset):
    """A Dataset whose content hash was computed once when the batch loaded it."""

    prepared_hash: str = ""

    def content_hash(self) -> str:
        return self.prepared_hash or super().content_hash()


@dataclass(frozen=True)
class Prepared:
    """What one batch shares with every account: session, portfolio context, data hash."""

    session: Session
    context: Any  # kamreport.reports.customer.Portfolio
    data_hash: str


def prepare(session: Session, context: Any) -> Prepared:
    """The batch's shared state from a loaded session and its portfolio context."""
    data_hash = session.dataset.content_hash()
    return Prepared(session=session, context=context, data_hash=data_hash)


def write_snapshot(prepared: Prepared, folder: Path) -> Path:
    """Pickle ``prepared`` into ``folder``; the path workers read it from."""
    ds = prepared.session.dataset
    payload = {
        "params": prepared.session.params,
        "as_of": prepared.session.as_of,
        "tables": dict(ds.tables),
        "currency": ds.currency,
        "source": ds.source,
        "warnings": ds.warnings,
        "latest_order_date": ds.latest_order_date,
        "data_hash": prepared.data_hash,
        "context": prepared.context,
    }
    return atomic_write_bytes(Path(folder) / SNAPSHOT_FILE, dumps(payload))


def read_only(mapping: dict) -> MappingProxyType:
    """A read-only view again, when unpickling."""
    return MappingProxyType(mapping)


def dumps(payload: Any) -> bytes:
    """Pickle ``payload``; read-only mappings (parameters, tables) travel as themselves."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table.copy()
    pickler.dispatch_table[MappingProxyType] = lambda m: (read_only, (dict(m),))
    pickler.dump(payload)
    return buffer.getvalue()


def read_snapshot(path: Path) -> Prepared:
    """The :class:`Prepared` state pickled by :func:`write_snapshot`."""
    try:
        payload = pickle.loads(Path(path).read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError) as exc:
        raise KamReportError(
            f"Cannot read the batch snapshot {path}: {exc}. Every worker must see the folder "
            "the batch prepared (a shared filesystem on a cluster); run the batch again."
        ) from exc
    dataset = PreparedDataset(
        payload["tables"],
        currency=payload["currency"],
        source=payload["source"],
        warnings=payload["warnings"],
        latest_order_date=payload["latest_order_date"],
    )
    object.__setattr__(dataset, "prepared_hash", payload["data_hash"])
    session = Session(params=payload["params"], dataset=dataset, as_of=payload["as_of"])
    return Prepared(session=session, context=payload["context"], data_hash=payload["data_hash"])


# --- inside a worker's kernel ---------------------------------------------------------------

_loaded: dict[str, Prepared] = {}
_originals: dict[str, Callable[..., Any]] = {}


def loaded(path: str | Path) -> Prepared:
    """The snapshot at ``path``, read once per process (portfolio data only, no account's)."""
    key = str(Path(path).resolve())
    if key not in _loaded:
        _loaded.clear()
        _loaded[key] = read_snapshot(Path(key))
    return _loaded[key]


def install(path: str | Path) -> None:
    """Make ``open_session`` and ``customer.portfolio`` answer from the snapshot at ``path``."""
    import kamreport.reports.customer as customer
    import kamreport.session as session_module

    prepared = loaded(path)
    _originals.setdefault("open_session", session_module.open_session)
    _originals.setdefault("portfolio", customer.portfolio)
    session_module.open_session = _prepared_open_session(prepared)
    customer.portfolio = _prepared_portfolio(prepared)


def uninstall() -> None:
    """Restore the original functions and forget the snapshot."""
    import kamreport.reports.customer as customer
    import kamreport.session as session_module

    if "open_session" in _originals:
        session_module.open_session = _originals.pop("open_session")
    if "portfolio" in _originals:
        customer.portfolio = _originals.pop("portfolio")
    _loaded.clear()


def _prepared_open_session(prepared: Prepared) -> Callable[..., Session]:
    original = _originals["open_session"]

    def open_session(
        params_file: str | Path | None = None,
        overrides: Mapping[str, Any] | None = None,
        *,
        params: Params | None = None,
    ) -> Session:
        """The prepared session when asked for its parameters; otherwise load as usual."""
        wanted = params or _params(params_file, overrides)
        if wanted == prepared.session.params:
            return prepared.session
        return original(params_file, overrides, params=params)

    return open_session


def _params(params_file: str | Path | None, overrides: Mapping[str, Any] | None) -> Params:
    """Parameters for a run; the params file is read once per (file, overrides) and process."""
    import json

    key = (str(params_file or ""), json.dumps(overrides or {}, sort_keys=True, default=str))
    if key not in _params_cache:
        _params_cache.clear()
        _params_cache[key] = load_params(params_file or None, overrides or {})
    return _params_cache[key]


_params_cache: dict[tuple[str, str], Params] = {}


def _prepared_portfolio(prepared: Prepared) -> Callable[..., Any]:
    original = _originals["portfolio"]

    def portfolio(dataset: Dataset, as_of: dt.date, params: Params) -> Any:
        """The prepared portfolio context for the prepared data; otherwise compute it."""
        session = prepared.session
        if dataset is session.dataset and as_of == session.as_of and params == session.params:
            return prepared.context
        return original(dataset, as_of, params)

    return portfolio
