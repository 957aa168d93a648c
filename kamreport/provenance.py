"""How an output was made: parameters, data as-of date, input hash, version."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kamreport import __version__
from kamreport.params import Params
from kamreport.paths import NOTEBOOKS_DIR, TEMPLATES_DIR

if TYPE_CHECKING:
    from kamreport.dataset import Dataset

PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Provenance:
    version: str
    as_of: str
    data_hash: str
    params: dict[str, Any]
    params_hash: str
    source: str
    generated_at: str
    confidentiality: str
    locale: str
    python: str

    @property
    def generated_display(self) -> str:
        return self.generated_at.replace("T", " ")[:16]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def params_hash(params: Params) -> str:
    canonical = json.dumps(params.to_dict(), sort_keys=True, ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def make_provenance(
    params: Params,
    dataset: Dataset,
    as_of: dt.date,
    *,
    data_hash: str | None = None,
    now: dt.datetime | None = None,
) -> Provenance:
    """Provenance of a run; ``now`` defaults to the current UTC time."""
    generated = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    return Provenance(
        version=__version__,
        as_of=as_of.isoformat(),
        data_hash=data_hash or dataset.content_hash(),
        params=params.to_dict(),
        params_hash=params_hash(params),
        source=dataset.source,
        generated_at=generated.isoformat(),
        confidentiality=params.report.confidentiality,
        locale=params.report.locale,
        python=platform.python_version(),
    )


@cache
def code_version(without: tuple[str, ...] = ()) -> str:
    """A hash of kamreport's code: the package's Python files and catalogs, the notebooks
    and the templates; ``without`` leaves out subpackages (e.g. ``("sources", "mail")``)."""
    files = [
        *sorted(PACKAGE_DIR.rglob("*.py")),
        *sorted(PACKAGE_DIR.rglob("*.yaml")),
        *sorted(NOTEBOOKS_DIR.glob("*.ipynb")),
        *sorted(p for p in TEMPLATES_DIR.rglob("*") if p.is_file()),
    ]
    digest = hashlib.sha256(__version__.encode())
    for path in files:
        skip = "__pycache__" in path.parts or path.parent.name in without
        if path.is_file() and not skip:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()
