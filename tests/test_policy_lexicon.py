"""A bad edit to rules/policy_lexicon.yaml fails at load time, naming the file and the entry."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.errors import RulesError
from auditor.policy.lexicon import load_lexicon
from auditor.ruleset import PROJECT_ROOT, Ruleset


def edited_rules(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Ruleset:
    root = tmp_path / "rules"
    shutil.copytree(PROJECT_ROOT / "rules", root)
    path = root / "policy_lexicon.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return Ruleset(root)


def test_the_shipped_lexicon_loads_and_every_entry_has_a_source() -> None:
    data = Ruleset().load("policy_lexicon")
    assert all(c["source"] for c in data["categories"])
    assert load_lexicon().info("精确地理位置").category == "precise_location"
    assert load_lexicon().info("Android ID").category == "device_id"


def test_unknown_category_names_the_entry(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["categories"][0]["id"] = "faces"

    with pytest.raises(RulesError, match=r"policy_lexicon.yaml: categories\[0\] \(id=faces\): unknown category"):
        load_lexicon(edited_rules(tmp_path, edit))


def test_bad_regex_names_the_entry(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["conditions"][1]["pattern"] = "(如您"

    with pytest.raises(RulesError, match=r"conditions\[1\] \(id=\w+\): bad regex"):
        load_lexicon(edited_rules(tmp_path, edit))


def test_a_term_with_two_meanings_is_refused(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["categories"][1]["terms"].append("人脸")

    with pytest.raises(RulesError, match="already means something else"):
        load_lexicon(edited_rules(tmp_path, edit))


def test_missing_source_is_a_schema_error(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        del d["stop_terms"][0]["source"]

    with pytest.raises(RulesError, match=r"stop_terms\[0\]"):
        load_lexicon(edited_rules(tmp_path, edit))
