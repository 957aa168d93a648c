"""The run context: what a command resolves once and every step of it shares.

A command loads its parameters once, reads and validates the data once (or
takes it from the run cache when the source's files are unchanged), fixes the
as-of date, knows where its outputs go and computes the portfolio-wide figures
at most once per data, parameters and date (also cached). A notebook is handed
all of it as one parameter, the path of a snapshot file, and opens it with
:func:`open_snapshot`: a single report and every report of a batch run the
same cells on the same context, and nothing is loaded twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kamreport.cache import RunCache, figures_key, read_dataset, source_fingerprint
from kamreport.errors import KamReportError
from kamreport.i18n import Formatter
from kamreport.layout import CACHE, Layout
from kamreport.outputs import atomic_write_text
from kamreport.params import Params, load_params
from kamreport.provenance import code_version

if TYPE_CHECKING:
    from kamreport.dataset import Dataset
    from kamreport.figures import PortfolioFigures
    from kamreport.provenance import Provenance

Say = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _quiet(_message: str) -> None:
    pass


@dataclass(frozen=True)
class RunContext:
    """Parameters, as-of date and output layout; the data and the figures on first use.

    A context opened from the run cache knows the data's hash, currency, account
    ids and dates without opening the data itself, so a command that hands its
    work to a notebook never unpickles what only the kernel needs.
    """

    params: Params
    as_of: dt.date
    layout: Layout
    data_key: str  # what the data's figures are keyed by (files' fingerprint or content hash)
    _state: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def summary(self) -> Mapping[str, Any]:
        """The data's currency, source, dates and account ids (see :func:`summarise`)."""
        if "summary" not in self._state:
            self._state["summary"] = summarise(self.dataset)
        return self._state["summary"]

    @property
    def dataset(self) -> Dataset:
        """The validated data (from the run cache, or as loaded by :func:`open_context`)."""
        if "dataset" not in self._state:
            dataset = self.cache.load_dataset(self.data_hash)
            if dataset is None:  # the cache was cleared meanwhile: read the source again
                dataset = _load(self.params)
            self._state["dataset"] = dataset
        return self._state["dataset"]

    @property
    def fmt(self) -> Formatter:
        return Formatter(self.params.report.locale, str(self.summary["currency"]))

    @property
    def locale(self) -> str:
        return self.params.report.locale

    @property
    def accounts(self) -> int:
        """How many accounts the data has."""
        return len(self.summary["accounts"])

    @property
    def cache(self) -> RunCache:
        return RunCache(self.layout.cache_dir)

    def account_id(self, customer: str) -> str:
        """The account id ``customer``, or an error naming the closest ones."""
        if customer in set(self.summary["accounts"]):
            return customer
        return resolve_customer(self.dataset, customer)

    @property
    def data_hash(self) -> str:
        """SHA-256 of the data's contents (independent of file format and row order).

        Computed when a report needs it; the validated data is then kept in the run
        cache, and a source of files with the same fingerprint is not read again.
        """
        if "data_hash" not in self._state:
            dataset = self._state["dataset"]
            hashing = self._state.pop("hashing", None)
            data_hash = hashing.result() if hashing is not None else dataset.content_hash()
            self._state["data_hash"] = data_hash
            fingerprint = self._state.get("fingerprint")
            if fingerprint:
                self.cache.store_dataset(dataset, data_hash)
                self.cache.remember_source(fingerprint, {"data_hash": data_hash, **self.summary})
        return str(self._state["data_hash"])

    @property
    def figures_key(self) -> str:
        return figures_key(self.data_key, self.params, self.as_of, code_version())

    def has_figures(self) -> bool:
        """Whether the figures are known without computing them (in memory or cached)."""
        return "figures" in self._state or self.cache.figures_file(self.figures_key).is_file()

    def figures(self, say: Say = _quiet) -> PortfolioFigures:
        """The portfolio-wide figures: from the cache, else computed once and stored."""
        from kamreport.figures import PortfolioFigures, compute_figures

        if "figures" not in self._state:
            key = self.figures_key
            figures = self.cache.load("figures", key)
            if not isinstance(figures, PortfolioFigures) or figures.as_of != self.as_of:
                say(f"Computing the portfolio figures of {self.accounts} accounts…")
                figures = compute_figures(self.dataset, self.as_of, self.params)
                self.cache.store("figures", key, figures)
            self._state["figures"] = figures
        return self._state["figures"]

    def provenance(self, now: dt.datetime | None = None) -> Provenance:
        from kamreport.provenance import make_provenance

        return make_provenance(
            self.params, self.dataset, self.as_of, data_hash=self.data_hash, now=now
        )


def summarise(dataset: Dataset) -> dict[str, Any]:
    """What a run needs to know of the data before it opens it: currency, source label,
    last order date, the default as-of date and the account ids."""
    from kamreport.analytics.periods import default_as_of

    last = dataset.last_order_date()
    first = dataset.order_lines["order_date"].min()
    return {
        "currency": dataset.currency,
        "source": dataset.source,
        "first_order_date": first.date().isoformat(),
        "last_order_date": last.date().isoformat(),
        "default_as_of": default_as_of(last).isoformat(),
        "accounts": [str(a) for a in dataset.accounts["account_id"]],
    }


def resolve_as_of(params: Params, dataset: Dataset) -> dt.date:
    """The explicit as-of date, or the end of the last complete month of the data."""
    if params.report.as_of is not None:
        return params.report.as_of
    return dt.date.fromisoformat(summarise(dataset)["default_as_of"])


def check_as_of(as_of: dt.date, summary: Mapping[str, Any]) -> None:
    """Refuse an as-of date outside the order data, before any report starts."""
    last = dt.date.fromisoformat(summary["last_order_date"])
    first = summary.get("first_order_date")  # absent in caches of older versions
    first_date = dt.date.fromisoformat(first) if first else None
    span = f"from {first_date} to {last}" if first_date else f"up to {last}"
    if as_of > last:
        raise KamReportError(
            f"The as-of date {as_of} is after the last order in the data (orders run "
            f"{span}). Choose AS_OF on or before {last}."
        )
    if first_date is not None and as_of < first_date:
        raise KamReportError(
            f"The as-of date {as_of} is before the first order in the data (orders run "
            f"{span}). Choose AS_OF between {first_date} and {last}."
        )


def resolve_customer(dataset: Dataset, customer: str) -> str:
    from kamreport.analytics.lookup import closest_accounts
    from kamreport.errors import UnknownCustomerError

    ids = dataset.accounts["account_id"]
    if (ids == customer).any():
        return customer
    raise UnknownCustomerError(customer, closest_accounts(dataset.accounts, customer))


def open_context(
    params_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    params: Params | None = None,
    say: Say = _stderr,
    hash_ahead: bool = True,
) -> RunContext:
    """Load the parameters (unless given), find the data, fix the as-of date.

    A source of files whose names, sizes and modification times are unchanged
    since a report was last made from it is taken from the run cache instead of
    being read and validated again. A database source reads only the order lines
    up to the as-of date (docs/database.md); no figure looks past it.
    With ``hash_ahead`` the data just read is hashed in the background while the
    figures compute (a report names its data by that hash and keeps the data in the
    run cache); a command that does neither, such as ``kamreport metrics``, passes
    False and spends no time on it (its hash is still computed when asked for).
    """
    params = params or load_params(params_file or None, overrides or {})
    root = Path(params.report.output_dir)
    cache = RunCache(root / CACHE)
    fingerprint = source_fingerprint(params.data, code_version())
    state: dict[str, Any] = {"fingerprint": fingerprint} if fingerprint else {}
    entry = cache.source_entry(fingerprint) if fingerprint else None
    if entry is not None:
        state["data_hash"] = str(entry["data_hash"])
        state["summary"] = {k: v for k, v in entry.items() if k != "data_hash"}
    else:
        say("Loading and validating the data…")
        dataset = _load(params)
        state["dataset"] = dataset
        state["summary"] = summarise(dataset)
        if fingerprint and hash_ahead:  # needed to store the data: hashed meanwhile
            state["hashing"] = in_background(dataset.content_hash)
    summary = state["summary"]
    as_of = params.report.as_of or dt.date.fromisoformat(summary["default_as_of"])
    check_as_of(as_of, summary)
    if fingerprint:
        data_key = f"files:{fingerprint}"
    else:  # a database: the figures are keyed by the content itself
        state["data_hash"] = state["dataset"].content_hash()
        data_key = f"data:{state['data_hash']}"
    layout = Layout.of(root, as_of, params.report.locale)
    return RunContext(params, as_of, layout, data_key, state)


def in_background(work: Callable[[], str]) -> Future[str]:
    """``work`` running in a thread of its own, its result to be collected later.

    The content hash of ten million lines takes seconds, mostly in Arrow and NumPy,
    which release the interpreter: on a second core it costs the run nothing while the
    portfolio figures compute (they read the same tables; nothing writes to them).
    """
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kamreport-hash")
    try:
        return pool.submit(work)
    finally:
        pool.shutdown(wait=False)  # the thread ends when the work is done


def _load(params: Params) -> Dataset:
    from kamreport.loading import load_dataset
    from kamreport.sources.pushdown import ReadScope

    return load_dataset(params.data, scope=ReadScope(as_of=params.report.as_of))


# --- the snapshot a notebook is handed -----------------------------------------------


def write_snapshot(context: RunContext, say: Say = _quiet) -> Path:
    """Store the context's data and figures in the run cache; the snapshot file naming them.

    The snapshot is a small JSON file: the parameters, the as-of date, the data's
    hash and the cache files of the data and the figures. Workers of a batch and
    the kernel of a single report read the same file.
    """
    cache = context.cache
    figures_file = cache.figures_file(context.figures_key)
    if not context.has_figures():  # first: the data's hash may still be computing
        context.figures(say)
    elif not figures_file.is_file():  # computed here, not stored yet
        cache.store("figures", context.figures_key, context.figures())
    data_file = cache.dataset_file(context.data_hash)
    if not data_file.is_file():
        cache.store_dataset(context.dataset, context.data_hash)
    payload = {
        "params": context.params.to_dict(),
        "as_of": context.as_of.isoformat(),
        "data_hash": context.data_hash,
        "data_key": context.data_key,
        "data_file": str(data_file.resolve()),
        "figures_file": str(figures_file.resolve()),
    }
    text = json.dumps(
        payload, sort_keys=True, ensure_ascii=False, indent=1, default=str, allow_nan=False
    )
    key = hashlib.sha256(text.encode()).hexdigest()[:32]
    path = cache.folder / f"snapshot-{key}.json"
    if not path.is_file():
        atomic_write_text(path, text + "\n")
        cache.prune("snapshot", ".json")
    return path.resolve()


_opened: dict[tuple[str, int], RunContext] = {}
_datasets: dict[str, Dataset] = {}


def open_snapshot(path: str | Path) -> RunContext:
    """The context a command handed its notebook (read once per process and snapshot)."""
    snapshot = Path(path)
    try:
        key = (str(snapshot.resolve()), snapshot.stat().st_mtime_ns)
        payload = json.loads(snapshot.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KamReportError(
            f"Cannot read the run snapshot {snapshot}: {exc}. Every worker must see the "
            "output folder the command prepared (a shared filesystem on a cluster); run "
            "the command again."
        ) from exc
    if key in _opened:
        return _opened[key]
    params = load_params(None, payload["params"])
    data_file = payload["data_file"]
    dataset = _datasets.get(data_file) or read_dataset(Path(data_file))
    if dataset is None:
        raise KamReportError(
            f"The run snapshot {snapshot} names the data file {data_file}, which cannot be "
            "read any more (was the output folder's .cache removed?). Run the command again."
        )
    figures = RunCache(Path(data_file).parent).load("figures", _figures_key(payload))
    as_of = dt.date.fromisoformat(payload["as_of"])
    layout = Layout.of(params.report.output_dir, as_of, params.report.locale)
    state: dict[str, Any] = {"data_hash": payload["data_hash"], "dataset": dataset}
    if figures is not None:
        state["figures"] = figures
    context = RunContext(params, as_of, layout, payload["data_key"], state)
    _opened.clear()
    _datasets.clear()
    _opened[key] = context
    _datasets[data_file] = dataset
    return context


def _figures_key(payload: Mapping[str, Any]) -> str:
    name = Path(str(payload["figures_file"])).name
    return name.removeprefix("figures-").removesuffix(".pkl")


__all__ = [
    "RunContext",
    "open_context",
    "open_snapshot",
    "resolve_as_of",
    "resolve_customer",
    "write_snapshot",
]
