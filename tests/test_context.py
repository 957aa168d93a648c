"""The run context: data read and validated once, figures computed once, both reused from
the run cache while nothing they depend on changed, and handed to a kernel by snapshot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from kamreport.context import open_context, open_snapshot, write_snapshot
from kamreport.errors import KamReportError
from kamreport.figures import compute_figures


class Said(list):
    def __call__(self, message: str) -> None:
        self.append(message)

    def loaded(self) -> bool:
        return any(m.startswith("Loading and validating") for m in self)

    def computed(self) -> bool:
        return any(m.startswith("Computing the portfolio figures") for m in self)


@pytest.fixture
def data(sample_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the sample data, free to change."""
    return Path(shutil.copytree(sample_dir, tmp_path / "data"))


def overrides(data: Path, out: Path, **report) -> dict:
    return {"data": {"source": str(data)}, "report": {"output_dir": str(out), **report}}


def test_unchanged_files_are_read_once_and_figures_computed_once(data, tmp_path):
    first_said, again_said = Said(), Said()
    first = open_context(None, overrides(data, tmp_path), say=first_said)
    figures = first.figures(first_said)
    assert first_said.loaded() and first_said.computed()
    first.data_hash  # noqa: B018  (remembered for the next run)

    again = open_context(None, overrides(data, tmp_path), say=again_said)
    again_figures = again.figures(again_said)
    assert not again_said.loaded() and not again_said.computed()
    assert again.data_hash == first.data_hash == again.dataset.content_hash()
    pd.testing.assert_frame_equal(again_figures.metrics, figures.metrics)


def test_figures_are_those_computed_directly(sample_dir, tmp_path):
    context = open_context(None, overrides(sample_dir, tmp_path), say=Said())
    direct = compute_figures(context.dataset, context.as_of, context.params)
    pd.testing.assert_frame_equal(context.figures().metrics, direct.metrics)
    pd.testing.assert_frame_equal(context.figures().flags, direct.flags)


def test_a_changed_file_is_read_again(data, tmp_path):
    open_context(None, overrides(data, tmp_path), say=Said()).data_hash  # noqa: B018
    lines = pd.read_csv(data / "order_lines.csv")
    lines.loc[0, "net_amount"] += 1.0
    lines.to_csv(data / "order_lines.csv", index=False)
    said = Said()
    changed = open_context(None, overrides(data, tmp_path), say=said)
    assert said.loaded()
    assert changed.figures(said) is not None and said.computed()


def test_presentation_parameters_reuse_the_figures_shaping_ones_do_not(data, tmp_path):
    open_context(None, overrides(data, tmp_path), say=Said()).figures()
    chinese = Said()
    open_context(None, overrides(data, tmp_path, locale="zh-CN"), say=chinese).figures(chinese)
    assert not chinese.computed()
    stricter = Said()
    strict = overrides(data, tmp_path)
    strict["risk"] = {"order_gap_factor": 1.5}
    open_context(None, strict, say=stricter).figures(stricter)
    assert stricter.computed()


def test_a_damaged_cache_file_is_ignored(data, tmp_path):
    context = open_context(None, overrides(data, tmp_path), say=Said())
    context.figures()
    for path in (tmp_path / ".cache").glob("figures-*.pkl"):
        path.write_bytes(b"not a pickle")
    said = Said()
    again = open_context(None, overrides(data, tmp_path), say=said)
    pd.testing.assert_frame_equal(again.figures(said).metrics, context.figures().metrics)
    assert said.computed()


def test_snapshot_hands_the_same_context_to_a_kernel(sample_dir, tmp_path):
    context = open_context(None, overrides(sample_dir, tmp_path, locale="zh-CN"), say=Said())
    path = write_snapshot(context)
    opened = open_snapshot(path)
    assert opened.params == context.params and opened.as_of == context.as_of
    assert opened.data_hash == context.data_hash and opened.layout == context.layout
    pd.testing.assert_frame_equal(opened.figures().metrics, context.figures().metrics)
    assert open_snapshot(path) is opened  # read once per process


def test_an_unreadable_snapshot_is_explained(tmp_path):
    with pytest.raises(KamReportError, match="Cannot read the run snapshot"):
        open_snapshot(tmp_path / "missing.json")


def test_an_as_of_after_the_data_is_refused(sample_dir, tmp_path):
    with pytest.raises(KamReportError, match="after the last order in the data"):
        open_context(None, overrides(sample_dir, tmp_path, as_of="2027-01-31"), say=Said())


def test_the_metrics_command_hashes_no_data_ahead_and_a_report_does(monkeypatch, data, tmp_path):
    """``kamreport metrics`` names no data and keeps none: no hash computed beside its
    figures (it cost 2-3 s of CPU at 10M lines); the hash is still there when asked."""
    import kamreport.context as context_module
    from kamreport import cli

    started = []
    hashing = context_module.in_background
    monkeypatch.setattr(
        context_module, "in_background", lambda work: started.append(1) or hashing(work)
    )
    common = ["--source", str(data), "--output-dir", str(tmp_path / "out")]
    assert cli.main(["metrics", "--customer", "KA0001", *common]) == 0
    assert started == []
    context = open_context(None, overrides(data, tmp_path / "other"), say=Said())
    assert started == [1]  # a report's context hashes while its figures compute
    quiet = open_context(None, overrides(data, tmp_path / "third"), say=Said(), hash_ahead=False)
    assert quiet.data_hash == context.data_hash == quiet.dataset.content_hash()
