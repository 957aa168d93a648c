"""How an output was made: parameters, data as-of date, input hash, version."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from dataclasses import asdict, dataclass
from typing import Any

from kamreport import __version__
from kamreport.dataset import Dataset
from kamreport.params import Params


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
    canonical = json.dumps(params.to_dict(), sort_keys=True, ensure_ascii=False)
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
