"""The frame of every report page: title, header lines, confidentiality and provenance."""

from __future__ import annotations

import datetime as dt

from kamreport.provenance import Provenance
from kamreport.views.blocks import Page
from kamreport.views.display import Display


def page(
    display: Display,
    provenance: Provenance,
    *,
    title: str,
    eyebrow: str,
    heading: str,
    subtitle: str,
    heading_note: str = "",
    nav: tuple[tuple[str, str], ...] = (),
) -> Page:
    """The page frame; provenance lines are shortened to what a reader can compare."""
    t = display.t
    return Page(
        lang=display.fmt.html_lang,
        title=title,
        eyebrow=eyebrow,
        heading=heading,
        heading_note=heading_note,
        subtitle=subtitle,
        period=t("report.as_of", as_of=display.date(dt.date.fromisoformat(provenance.as_of))),
        confidentiality=display.fmt.confidentiality(provenance.confidentiality),
        generated=t(
            "report.generated", generated=provenance.generated_display, version=provenance.version
        ),
        provenance=t(
            "report.provenance",
            as_of=provenance.as_of,
            data_hash=provenance.data_hash[:12],
            params_hash=provenance.params_hash[:12],
        ),
        version=provenance.version,
        nav=nav,
    )
