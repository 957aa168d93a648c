"""Templates lay out view models and do nothing else: no formatting, no arithmetic, no
comparisons, no walking of DataFrames. Every rule of what a figure reads like lives in
kamreport/views (display.py), where it is tested."""

from __future__ import annotations

import re

import pytest

from kamreport.paths import TEMPLATES_DIR

TEMPLATES = sorted(p for p in TEMPLATES_DIR.rglob("*.j2"))
FORBIDDEN = (
    "fmt.", "fv(", "iterrows", "itertuples", ".sum(", ".mean(", ".head(", ".items(",
    ".loc", ".iloc", ".at[", "sort_values", "value_counts", "groupby",
)  # fmt: skip
# arithmetic or comparison with a number, equality tests, and filters that compute
COMPUTING = re.compile(
    r"[-+*/%<>]=?\s*\d|==|!=|\s[<>]=?\s|\s(\*|//?|\+|-)\s|\|\s*(round|length|sum|abs|int|float)\b"
)
CODE = re.compile(r"{[{%](.*?)[%}]}", re.S)


def code_of(text: str) -> str:
    """The Jinja expressions and statements of a template, without its static labels."""
    code = " ".join(part.strip().strip("-+") for part in CODE.findall(text))  # {%- … -%}
    return re.sub(r"""t\(\s*["'][^"']*["']""", "t(", code)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_a_template_formats_and_computes_nothing(path):
    code = code_of(path.read_text(encoding="utf-8"))
    found = [needle for needle in FORBIDDEN if needle in code]
    found += [m.group(0) for m in COMPUTING.finditer(code)]
    assert found == [], f"{path.name} computes or formats: {found}"


def test_the_check_catches_formatting_and_arithmetic():
    assert "fmt." in code_of("{{ fmt.money(x) }}")
    assert COMPUTING.search(code_of("{% if row.growth > 0.0005 %}"))
    assert COMPUTING.search(code_of("{{ (points * 6) | round(1) }}"))
    assert COMPUTING.search(code_of("{{ a / b }}")) and COMPUTING.search(
        code_of("{{ n | length }}")
    )
    assert not COMPUTING.search(code_of('{{ t("a.b") }} {% for c in row.cells %}{% endfor %}'))
