"""Broken recognizer data fails at load time with the file and the entry named."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.errors import RulesError
from auditor.pii.data import fast_start, load_recognizer_data
from auditor.ruleset import PROJECT_ROOT, Ruleset


@pytest.fixture
def recognizers(tmp_path: Path) -> Path:
    dst = tmp_path / "recognizers"
    shutil.copytree(PROJECT_ROOT / "recognizers", dst)
    return dst


def _edit(path: Path, change: Callable[[dict[str, Any]], object]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _load(root: Path) -> None:
    load_recognizer_data(Ruleset(recognizers=root))


def test_shipped_data_loads() -> None:
    data = load_recognizer_data()
    assert {"CN_RESIDENT_ID", "CN_MOBILE", "COORDINATES", "FACE_IMAGE"} <= set(data.entities)


@pytest.mark.parametrize("change,needle", [
    (lambda d: d["entities"][0].update(category="idcard"), "unknown category 'idcard'"),
    (lambda d: d["entities"][0]["patterns"][0].update(validator="luhn_mod_97"), "unknown validator 'luhn_mod_97'"),
    (lambda d: d["entities"][0]["patterns"][0].update(regex="([0-9]"), "regex does not compile"),
    (lambda d: d["entities"][1].pop("source"), "'source' is a required property"),
])
def test_bad_entity_entries_are_named(recognizers: Path, change: Callable[[dict[str, Any]], object],
                                      needle: str) -> None:
    _edit(recognizers / "entities.yaml", change)
    with pytest.raises(RulesError) as e:
        _load(recognizers)
    assert "entities.yaml" in str(e.value) and needle in str(e.value)
    assert "entities[" in str(e.value)


def test_field_naming_an_unknown_entity(recognizers: Path) -> None:
    _edit(recognizers / "fields.yaml", lambda d: d["fields"][0].update(entity="CN_HUKOU"))
    with pytest.raises(RulesError, match=r"fields.yaml: fields\[0\] \(id=resident_id\): unknown entity 'CN_HUKOU'"):
        _load(recognizers)


def test_not_yaml(recognizers: Path) -> None:
    (recognizers / "surnames.yaml").write_text("single: [王\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"surnames\.yaml"):
        _load(recognizers)


def test_fast_start_keeps_matches() -> None:
    import re

    cases = [r"(?<![0-9])[0-9]{15}(?![0-9])", r"(?<![0-9A-Za-z])[HM][0-9]{8}", r"(?<![0-9])[0-9]{2,}x"]
    texts = ["123456789012345", "a123456789012345", "1234567890123456", "H12345678", "xH12345678", "12x", "7x"]
    for rx in cases:
        assert fast_start(rx) != rx
        for t in texts:
            assert [m.span() for m in re.finditer(rx, t)] == [m.span() for m in re.finditer(fast_start(rx), t)]
    assert fast_start(r"(?<![0-9])(?:a|b)") == r"(?<![0-9])(?:a|b)"  # not a one-character start: unchanged


def test_entity_without_field_must_be_a_payload(recognizers: Path) -> None:
    _edit(recognizers / "entities.yaml", lambda d: d["entities"][0].pop("field"))
    with pytest.raises(RulesError, match=r"id=CN_RESIDENT_ID\): no `field` and not a payload"):
        _load(recognizers)
