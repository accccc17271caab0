"""scan_lines (behind `auditor scan`): JSON lines walked as structure, other lines as text, values masked."""

from __future__ import annotations

import json

from auditor.pii.cli_scan import scan_lines, walk

ID = "11010519491231002X"


def test_text_line_offsets_and_masking() -> None:
    line = f"收货人：张伟，身份证号{ID}"
    [row] = scan_lines([line])
    assert row["line"] == 1
    by_entity = {e["entity"]: e for e in row["entities"]}
    e = by_entity["CN_RESIDENT_ID"]
    assert line[e["start"]:e["end"]] == ID
    assert e["value"] == "110***********002X" and e["category"] == "id_document"
    assert ID not in json.dumps(row, ensure_ascii=False)
    assert by_entity["PERSON_NAME"]["value"] == "张*"


def test_json_line_is_walked_with_paths() -> None:
    doc = {"data": {"sfzh": ID, "xm": "李娜", "loc": {"la": 39.990475, "lo": 116.480512}},
           "items": [{"mobile": "13912345678"}], "phones": ["13812345678"], "ok": True}
    [row] = scan_lines([json.dumps(doc, ensure_ascii=False)])
    paths = {(e["path"], e["entity"]) for e in row["entities"]}
    assert paths == {("$.data.sfzh", "CN_RESIDENT_ID"), ("$.data.xm", "PERSON_NAME"),
                     ("$.data.loc.la", "COORDINATES"), ("$.data.loc.lo", "COORDINATES"),
                     ("$.items[0].mobile", "CN_MOBILE"), ("$.phones[0]", "CN_MOBILE")}
    text = json.dumps(row, ensure_ascii=False)
    assert ID not in text and "13912345678" not in text and "李娜" not in text


def test_walk_gives_list_items_the_list_key() -> None:
    leaves = list(walk({"phones": ["a", "b"], "x": {"y": 1}}))
    assert [(p, k, v) for p, k, v, _ in leaves] == [("$.phones[0]", "phones", "a"), ("$.phones[1]", "phones", "b"),
                                                    ("$.x.y", "y", 1)]


def test_broken_json_and_blank_lines_fall_back_to_text() -> None:
    rows = scan_lines(["", "{not json 13812345678", "[1, 2"])
    assert [r["line"] for r in rows] == [1, 2, 3]
    assert rows[0]["entities"] == [] and rows[2]["entities"] == []
    assert [e["entity"] for e in rows[1]["entities"]] == ["CN_MOBILE"]


def test_deeply_nested_json_does_not_crash() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert scan_lines([deep]) == [{"line": 1, "entities": []}]
