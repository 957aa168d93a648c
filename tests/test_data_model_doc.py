"""docs/data-model.md describes exactly the model in kamreport.schema, and its example works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kamreport.loading import load_dataset
from kamreport.params import load_params
from kamreport.schema import TABLES, Table

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
FIXTURES = Path(__file__).parent / "fixtures" / "data"


def section(name: str) -> str:
    """The text under ``### name`` up to the next heading."""
    match = re.search(rf"^### {re.escape(name)}\n(.*?)(?=^#{{2,3}} )", DOC, re.M | re.S)
    assert match, f"docs/data-model.md has no '### {name}' section"
    return match.group(1)


def documented_columns(text: str) -> list[str]:
    return re.findall(r"^\| `([a-z_]+)` \|", text, re.M)


@pytest.mark.parametrize("spec", TABLES, ids=lambda t: t.name)
def test_every_table_and_column_is_documented(spec: Table):
    text = section(spec.name)
    assert documented_columns(text) == list(spec.column_names)
    for column in spec.columns:
        for value in column.allowed:
            assert f"`{value}`" in text, f"{spec.name}.{column.name}: allowed value {value}"


@pytest.mark.parametrize("spec", TABLES, ids=lambda t: t.name)
def test_required_marks_and_keys_match_the_schema(spec: Table):
    text = section(spec.name)
    assert text.lstrip().startswith("**Required.**" if spec.required else "Optional")
    key_line = re.search(r"Key:\s*(.*?)\.\s*(?:\n\n|`account_id` must|$)", text, re.S)
    assert key_line, spec.name
    assert re.findall(r"`([a-z_]+)`", key_line.group(1).split("(")[0]) == list(spec.key)
    for row in re.findall(r"^\| `([a-z_]+)` \| [^|]+ \| ([^|]*) \|", text, re.M):
        column, required = row
        assert (required.strip() == "yes") == spec.column(column).required, column


def test_no_undocumented_tables():
    headings = re.findall(r"^### ([a-z_]+)$", DOC, re.M)
    assert headings == [t.name for t in TABLES]


def test_yaml_mapping_example_loads_the_matching_export(tmp_path: Path):
    example = re.search(r"```yaml\n(data:\n  source: exports/.*?)```", DOC, re.S)
    assert example, "the Chinese-header mapping example is missing"
    params_file = tmp_path / "params.yaml"
    params_file.write_text(example.group(1), encoding="utf-8")
    params = load_params(params_file, {"data": {"source": str(FIXTURES / "mapped_export")}})
    dataset = load_dataset(params.data)
    assert dataset.order_lines["account_id"].tolist() == ["A1", "A2"]
    assert dataset.accounts["name"].tolist() == ["上海华新化工有限公司", "苏州明达电子"]
