"""YAML read strictly: a key written twice is refused with its line, dates stay text."""

from __future__ import annotations

import pytest

from kamreport.errors import ParamsError
from kamreport.params import read_params_file
from kamreport.yaml_loader import load_strict


def test_a_key_written_twice_is_refused_with_both_lines():
    with pytest.raises(Exception, match=r"'scoring' a second time \(first on line 1\)"):
        load_strict("scoring:\n  a: 1\nreport:\n  locale: en\nscoring:\n  b: 2\n")


def test_dates_stay_text_and_nested_keys_may_repeat_across_mappings():
    assert load_strict("a:\n  x: 2026-09-30\nb:\n  x: 1\n") == {
        "a": {"x": "2026-09-30"},
        "b": {"x": 1},
    }


def test_a_params_file_with_a_section_twice_names_the_file_and_the_key(tmp_path):
    path = tmp_path / "my.yaml"
    path.write_text("scoring:\n  tier_key_max_accounts: 20\nscoring:\n  weights: {}\n", "utf-8")
    with pytest.raises(ParamsError, match=r"(?s)my\.yaml.*not valid YAML.*'scoring' a second time"):
        read_params_file(path)
