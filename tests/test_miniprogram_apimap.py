"""rules/miniprogram_apis.yaml: cross-checks at load time, and the limits it sets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from auditor.errors import RulesError
from auditor.miniprogram import analyze_miniprogram
from auditor.miniprogram.apimap import default_api_map, load_api_map
from auditor.ruleset import PROJECT_ROOT, Ruleset


def edited_rules(tmp_path: Path, edit: object) -> Ruleset:
    root = tmp_path / "rules"
    shutil.copytree(PROJECT_ROOT / "rules", root)
    path = root / "miniprogram_apis.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return Ruleset(root=root)


def test_table_covers_the_required_private_infos_of_wechat() -> None:
    m = default_api_map()
    # the eight names app.json accepts (DOMAIN.md §3)
    assert {a.required_private_info for a in m.apis if a.required_private_info} == {
        "getFuzzyLocation", "getLocation", "onLocationChange", "startLocationUpdate",
        "startLocationUpdateBackground", "chooseLocation", "choosePoi", "chooseAddress",
    }
    assert m.fuzzy_infos == {"getFuzzyLocation"}
    assert "getFuzzyLocation" not in m.precise_infos and "getLocation" in m.precise_infos


def test_unknown_category_names_the_entry(tmp_path: Path) -> None:
    def edit(d: dict) -> None:
        d["apis"][3]["category"] = "gps"

    with pytest.raises(RulesError, match=r"apis\[3\] \(id=wx\.startLocationUpdateBackground\): unknown category 'gps'"):
        load_api_map(edited_rules(tmp_path, edit))


def test_entry_with_both_js_and_wxml_is_rejected(tmp_path: Path) -> None:
    def edit(d: dict) -> None:
        d["apis"][0]["wxml"] = {"tag": "map"}

    with pytest.raises(RulesError, match=r"apis\[0\] \(id=wx\.getLocation\)"):
        load_api_map(edited_rules(tmp_path, edit))


def test_file_above_the_size_limit_is_skipped_with_a_warning(tmp_path: Path) -> None:
    def edit(d: dict) -> None:
        d["limits"]["max_file_bytes"] = 2048

    rules = edited_rules(tmp_path, edit)
    mp = tmp_path / "mp"
    (mp / "pages" / "a").mkdir(parents=True)
    (mp / "app.json").write_text('{"pages": ["pages/a/a"]}', encoding="utf-8")
    big = mp / "pages" / "a" / "a.js"
    big.write_text("wx.getLocation({})\n" + "// 填充\n" * 400, encoding="utf-8")  # 19 + 400 x 10 bytes
    (mp / "pages" / "a" / "a.wxml").write_text("<camera></camera>", encoding="utf-8")
    r = analyze_miniprogram(mp, salt="s", ruleset=rules)
    assert [o.entity for o in r.observations] == ["camera"]
    assert r.warnings[0] == "pages/a/a.js: 4019 bytes is above the 2048-byte limit; file skipped"
