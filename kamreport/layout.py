"""Where every output goes: folders, file names, manifests and links, in one place.

One run of one report writes one folder, and the report's language is part of
its path, so an English and a Chinese run never overwrite each other::

    <output_dir>/<as-of>/<locale>/customers/<account id>/report.html, report.pdf, manifest.json
    <output_dir>/<as-of>/<locale>/portfolio/portfolio.html, accounts.csv, …
    <output_dir>/<as-of>/<locale>/targets/targets-<year>.xlsx, targets-<year>.html, …
    <output_dir>/<as-of>/<locale>/plans/account-plans.xlsx  the account-plan workbook(s)
    <output_dir>/<as-of>/<locale>/books/<manager>/book-<month>-<manager>-<locale>.html, .pdf
    <output_dir>/<as-of>/<locale>/index.html               the batch's index page
    <output_dir>/<as-of>/<locale>/qbr/<account id>/qbr-<id>-<quarter>-<locale>[-internal].pptx, .pdf
    <output_dir>/<as-of>/<locale>/visits/visit-<id>-<locale>.html, .pdf   visit cards
    <output_dir>/<as-of>/<locale>/email/<report>/*.eml      dry-run emails
    <output_dir>/email/send-log.jsonl                       every delivery, all runs
    <output_dir>/plans/plans-<timestamp>.json, current.json  imported account plans, versioned
    <output_dir>/.cache/                                    validated data and figures

A folder's ``manifest.json`` lists exactly the files its last run made; a file a
previous run made and this one did not is removed when the run is published,
and nothing is linked or attached unless the manifest of its run lists it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kamreport.outputs import atomic_write_bytes, atomic_write_json

MANIFEST = "manifest.json"
PROVENANCE = "provenance.json"  # written by a notebook into its staging folder, read by the runner
REPORT_HTML = "report.html"
PORTFOLIO_HTML = "portfolio.html"
ACCOUNTS_CSV = "accounts.csv"
INDEX_HTML = "index.html"
SEND_LOG = "send-log.jsonl"
CACHE = ".cache"
NOTEBOOKS = {
    "customer": "customer_report.ipynb",
    "portfolio": "portfolio_report.ipynb",
    "targets": "target_setting.ipynb",
}
STAGING_PREFIX = "staging-"

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def targets_workbook(year: int) -> str:
    return f"targets-{year}.xlsx"


def targets_page(year: int) -> str:
    return f"targets-{year}.html"


def targets_part_workbook(year: int, manager: str) -> str:
    """One KA manager's workbook of a split workshop: ``targets-<year>-<manager>.xlsx``.
    A name with characters a file name cannot hold gets them replaced and a short hash."""
    slug = manager_slug(manager)
    if slug == "merged":  # the name of the merged workbook
        slug = f"{slug}-{hashlib.sha256(manager.encode()).hexdigest()[:6]}"
    return f"targets-{year}-{slug}.xlsx"


def qbr_file(account_id: str, quarter: str, locale: str, variant: str, suffix: str) -> str:
    """A QBR deck's file name: ``qbr-<id>-<quarter>-<locale>[-internal].<suffix>``. The
    language and the internal variant are in the name, so an English, a Chinese and an
    internal deck of one quarter never overwrite each other, even when copied together."""
    extra = "-internal" if variant == "internal" else ""
    return f"qbr-{safe_dir_name(str(account_id))}-{quarter}-{locale}{extra}.{suffix}"


def plans_workbook(manager: str = "", customer: str = "") -> str:
    """The account-plan workbook: ``account-plans.xlsx`` for every account,
    ``account-plans-<manager>.xlsx`` or ``account-plans-<account id>.xlsx`` for a part."""
    part = customer or manager
    return f"account-plans-{manager_slug(part)}.xlsx" if part else "account-plans.xlsx"


def plans_version(stamp: str) -> str:
    """A stored version of the imported account plans: ``plans-<YYYYMMDD-HHMMSS>.json``."""
    return f"plans-{stamp}.json"


PLANS_CURRENT = "current.json"  # the pointer to the current version of the plans


def visit_card_name(account_id: str, locale: str, suffix: str) -> str:
    """A visit card's file name, language included: ``visit-KA0001-zh-CN.pdf``."""
    return f"visit-{safe_dir_name(str(account_id))}-{locale}.{suffix}"


def manager_slug(manager: str) -> str:
    """A KA manager's name (or an account id) as a file-name part: letters (Chinese ones
    too), digits, ``.``, ``_`` and ``-`` kept; a name with anything else gets it replaced
    and a short hash."""
    slug = re.sub(r"[^\w.-]+", "_", manager).strip("._")[:40] or "manager"
    if slug != manager:
        slug = f"{slug}-{hashlib.sha256(manager.encode()).hexdigest()[:6]}"
    return slug


def book_html(month: str, manager: str, locale: str) -> str:
    """A KA manager's monthly book: ``book-<YYYY-MM>-<manager>-<locale>.html``."""
    return f"book-{month}-{manager_slug(manager)}-{locale}.html"


def pdf_name(html_name: str) -> str:
    """The PDF printed from a report's HTML file: same name, ``.pdf``."""
    return str(Path(html_name).with_suffix(".pdf"))


def failed_notebook(notebook: str) -> str:
    """Where a failed run keeps its notebook, beside the report it did not replace."""
    return notebook.replace(".ipynb", ".failed.ipynb")


def safe_dir_name(identifier: str) -> str:
    """A directory name for an account id that cannot climb out of its parent.

    Plain ids (letters, digits, ``.``, ``_``, ``-``) are used as they are; any
    other id gets its safe characters plus a short hash, so ``../../etc`` or
    ``KA/01`` still map to one fixed directory inside the output folder.
    """
    if _SAFE_NAME.match(identifier) and ".." not in identifier:
        return identifier
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", identifier).strip("_")[:40] or "account"
    digest = hashlib.sha256(identifier.encode()).hexdigest()[:8]
    return f"{stem}-{digest}"


def inside(root: Path, path: Path) -> Path:
    """``path`` resolved, after checking that it stays inside ``root``."""
    resolved_root = root.resolve()
    resolved = path.resolve()
    if resolved != resolved_root and resolved_root not in resolved.parents:
        raise ValueError(f"{path} is outside {root}")
    return resolved


@dataclass(frozen=True)
class Layout:
    """The output folders of one as-of date and language under ``root``."""

    root: Path
    as_of: dt.date
    locale: str

    @classmethod
    def of(cls, output_dir: str | Path, as_of: dt.date, locale: str) -> Layout:
        return cls(Path(output_dir), as_of, locale)

    def _checked(self, path: Path) -> Path:
        inside(self.root, path)
        return path

    @property
    def run_dir(self) -> Path:
        """Everything of this as-of date in this language."""
        return self._checked(self.root / self.as_of.isoformat() / self.locale)

    def customer_dir(self, account_id: str) -> Path:
        return self._checked(self.run_dir / "customers" / safe_dir_name(str(account_id)))

    def qbr_dir(self, account_id: str) -> Path:
        """The quarterly business reviews of one account (every quarter and variant)."""
        return self._checked(self.run_dir / "qbr" / safe_dir_name(str(account_id)))

    def review_link(self, from_id: str, to_id: str) -> str:
        """A link from the review of ``from_id`` to the review of ``to_id``."""
        return relative_link(self.customer_dir(to_id) / REPORT_HTML, self.customer_dir(from_id))

    def book_dir(self, manager: str) -> Path:
        """The folder of a KA manager's monthly book."""
        return self._checked(self.run_dir / "books" / manager_slug(manager))

    @property
    def portfolio_dir(self) -> Path:
        return self.run_dir / "portfolio"

    @property
    def targets_dir(self) -> Path:
        return self.run_dir / "targets"

    @property
    def plans_dir(self) -> Path:
        """The account-plan workbooks of this as-of date and language."""
        return self.run_dir / "plans"

    @property
    def plans_store(self) -> Path:
        """The imported account plans, every version (shared by dates and languages)."""
        return self.root / "plans"

    @property
    def visits_dir(self) -> Path:
        """The visit cards of every account, one HTML and one PDF each (no manifest: each
        file is replaced atomically on its own)."""
        return self.run_dir / "visits"

    def visit_card(self, account_id: str, suffix: str) -> Path:
        """``visits/visit-<id>-<locale>.<suffix>`` (html or pdf)."""
        return self._checked(self.visits_dir / visit_card_name(account_id, self.locale, suffix))

    @property
    def index_file(self) -> Path:
        return self.run_dir / INDEX_HTML

    def email_dir(self, report: str, account_id: str | None = None) -> Path:
        """``email/portfolio``, ``email/customer-<id>``, or ``email/digest-<manager>``
        (``account_id`` is the manager's name for a digest)."""
        label = report if report == "portfolio" else f"{report}-{safe_dir_name(str(account_id))}"
        return self._checked(self.run_dir / "email" / label)

    @property
    def send_log(self) -> Path:
        return self.root / "email" / SEND_LOG

    @property
    def cache_dir(self) -> Path:
        return self.root / CACHE

    def report_dir(self, report: str, account_id: str | None = None) -> Path:
        """The folder of ``report`` (customer, portfolio or targets)."""
        if report == "customer":
            return self.customer_dir(str(account_id))
        if report == "portfolio":
            return self.portfolio_dir
        if report == "targets":
            return self.targets_dir
        raise ValueError(f"unknown report {report!r}")


def report_html(report: str, year: int | None = None) -> str:
    """The HTML file name of ``report``."""
    if report == "customer":
        return REPORT_HTML
    if report == "portfolio":
        return PORTFOLIO_HTML
    return targets_page(int(year or 0))


# --- manifests -------------------------------------------------------------------


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of the last run published into ``folder`` (None when there is none)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def run_file(
    folder: Path,
    name: str,
    *,
    locale: str | None = None,
    data_hash: str | None = None,
) -> Path | None:
    """``folder/name`` when the manifest of the folder's last run lists it, the file is
    there, and the run was made in ``locale`` from ``data_hash`` (when given); else None.

    A file that another run or language left behind is never returned.
    """
    manifest = read_manifest(folder)
    if manifest is None or name not in manifest.get("outputs", ()):
        return None
    if locale is not None and manifest.get("locale") != locale:
        return None
    if data_hash is not None and manifest.get("data_hash") != data_hash:
        return None
    path = folder / name
    return path if path.is_file() else None


def relative_link(path: Path, start: Path) -> str:
    """A link from a page in folder ``start`` to ``path``, with forward slashes."""
    return Path(os.path.relpath(path.resolve(), start.resolve())).as_posix()


def publish(staging: Path, target: Path, manifest: Mapping[str, Any]) -> list[Path]:
    """Move every file of ``staging`` into ``target``; write ``manifest`` last.

    Each move is an atomic rename. Files the previous run of ``target`` listed
    and this run did not make are removed, so the folder holds exactly the
    files of this run. The staging folder is removed afterwards.
    """
    target.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(target) or {}
    names = sorted(p.name for p in staging.iterdir() if p.is_file() and p.name != MANIFEST)
    moved = []
    for name in names:
        os.replace(staging / name, target / name)
        moved.append(target / name)
    made = {*names, MANIFEST}
    for stale in _names(previous.get("outputs", ())):
        if stale not in made:
            (target / stale).unlink(missing_ok=True)
    atomic_write_json(target / MANIFEST, dict(manifest))
    moved.append(target / MANIFEST)
    shutil.rmtree(staging, ignore_errors=True)
    return moved


def staging_prefix(target: Path) -> str:
    """The name every staging folder of ``target`` starts with: ``.<name>.staging-``."""
    return f".{target.name}.{STAGING_PREFIX}"


def make_staging(target: Path) -> Path:
    """A new, empty staging folder beside ``target`` for one run's files."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=staging_prefix(target), dir=target.parent))


def write_staged(
    staging_dir: str | Path, provenance: Mapping[str, Any], files: Mapping[str, bytes | str]
) -> list[Path]:
    """Write a notebook's outputs and its provenance into its run's staging folder; the
    paths of ``files``, in their order.

    The folder must exist: a run that was interrupted has removed it, and a late write
    from its kernel must fail rather than make it again (it would stay as debris).
    """
    staging = Path(staging_dir)
    atomic_write_json(staging / PROVENANCE, dict(provenance), parents=False)
    return [
        atomic_write_bytes(
            staging / name, data.encode("utf-8") if isinstance(data, str) else data, parents=False
        )
        for name, data in files.items()
    ]


def remove_stale_staging(target: Path, older_than: float | None = None) -> list[Path]:
    """Remove what killed runs of ``target`` left: staging folders beside it and
    half-written ``.<name>.*.tmp`` files in it, made before ``older_than`` (a time.time()).

    Call it while holding ``target``'s lock (:func:`kamreport.locking.folder_lock`):
    no other run of the report is then running, so such a folder is what a killed run
    left behind. The paths removed.
    """
    cutoff = time.time() if older_than is None else older_than
    prefix = staging_prefix(target)
    candidates = [p for p in _listing(target.parent) if p.name.startswith(prefix)]
    candidates += [
        p for p in _listing(target) if p.name.startswith(".") and p.name.endswith(".tmp")
    ]
    removed = []
    for path in candidates:
        try:
            if path.is_symlink() or path.stat().st_mtime >= cutoff:
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    return removed


def _listing(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []


def _names(values: Iterable[Any]) -> list[str]:
    """File names from a manifest, ignoring anything that is not a plain name."""
    return [str(v) for v in values if isinstance(v, str) and v == Path(v).name and v]


__all__ = [
    "ACCOUNTS_CSV",
    "CACHE",
    "INDEX_HTML",
    "MANIFEST",
    "NOTEBOOKS",
    "PLANS_CURRENT",
    "PORTFOLIO_HTML",
    "PROVENANCE",
    "REPORT_HTML",
    "SEND_LOG",
    "Layout",
    "book_html",
    "failed_notebook",
    "inside",
    "make_staging",
    "manager_slug",
    "pdf_name",
    "plans_version",
    "plans_workbook",
    "publish",
    "qbr_file",
    "read_manifest",
    "relative_link",
    "remove_stale_staging",
    "report_html",
    "run_file",
    "safe_dir_name",
    "staging_prefix",
    "targets_page",
    "targets_workbook",
    "visit_card_name",
    "write_staged",
]
