"""Bad input: empty, binary garbage, a 50 MB line, invalid UTF-8 and GBK through `auditor scan -`."""

from __future__ import annotations

import json
import subprocess
import tracemalloc
from collections.abc import Callable

from hypothesis import example, given, settings
from hypothesis import strategies as st

from auditor.pii import get_scanner
from auditor.pii.cli_scan import scan_lines

ID = "11010519491231002X"


def test_empty_and_whitespace() -> None:
    sc = get_scanner()
    assert sc.scan_text("") == []
    assert sc.scan_text(" \n\t ") == []
    assert scan_lines([]) == []


def test_binary_garbage_decoded_with_replacement() -> None:
    garbage = bytes((i * 197 + 89) % 256 for i in range(200_000)).decode("utf-8", errors="replace")
    assert get_scanner().scan_text(garbage) == []
    lone_surrogates = "\udcff\udc80" * 1000 + ID
    [hit] = get_scanner().scan_text(lone_surrogates)
    assert hit.entity == "CN_RESIDENT_ID"


def test_fifty_megabyte_line_in_bounded_memory() -> None:
    line = "a" * 50_000_000 + f" 身份证号{ID}"
    tracemalloc.start()
    try:
        [row] = scan_lines([line])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [e] = row["entities"]
    assert (e["entity"], e["start"]) == ("CN_RESIDENT_ID", 50_000_005)
    assert peak < 10_000_000, peak  # windows, not copies of the 50 MB line


def test_cli_scan_reads_gbk_and_invalid_utf8(run_cli: Callable[..., subprocess.CompletedProcess[bytes]]) -> None:
    gbk = f"联系人张伟，身份证号{ID}\n".encode("gbk")
    r = run_cli(["scan", "-"], input=gbk)
    assert r.returncode == 0, r.stderr
    row = json.loads(r.stdout.decode().splitlines()[0])
    assert {e["entity"] for e in row["entities"]} == {"PERSON_NAME", "CN_RESIDENT_ID"}
    r = run_cli(["scan", "-"], input=b"\xff\xfe\x00\x80garbage\xc3\n" + ID.encode())
    assert r.returncode == 0 and b"Traceback" not in r.stderr


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(list("0123456789:-.,@ 身份证号收货人路号")),
                    max_size=300))
def test_any_text_scans_without_error_and_spans_stay_inside(text: str) -> None:
    for h in get_scanner().scan_text(text):
        assert 0 <= h.start < h.end <= len(text) and text[h.start:h.end] == h.text


@settings(max_examples=300, deadline=None)
@example(key="", value=8.423642450819186e-94, parent={})  # "8423642450819186": a prefecture prefix with no county
@given(key=st.text(max_size=20),
       value=st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=120),
       parent=st.dictionaries(st.text(max_size=8), st.none() | st.integers() | st.text(max_size=20), max_size=4))
def test_any_field_scans_without_error(key: str, value: object, parent: dict[str, object]) -> None:
    for h in get_scanner().scan_field(f"body.{key}", key, value, parent=parent, url="https://x.cn/face"):
        assert 0 <= h.start <= h.end and 0.5 <= h.score <= 1.0


# -- the tagger path (names in prose): what reaches LAC is whatever text a capture holds -----------

_SURNAMES = "王李张刘陈欧阳司马艾和向"
_MIXED = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(list(_SURNAMES + "·•・雅宁伟芳是的了，。 a1:"))
                 | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=400)


@settings(max_examples=200, deadline=None)
@given(text=_MIXED)
def test_text_with_names_scans_without_error_and_spans_stay_inside(text: str) -> None:
    for h in get_scanner().scan_text(text):
        assert 0 <= h.start < h.end <= len(text) and text[h.start:h.end] == h.text
        if h.entity == "PERSON_NAME":
            assert all("\u4e00" <= ch <= "\u9fff" or ch in "·•・" for ch in h.text), h


@settings(max_examples=100, deadline=None)
@given(pieces=st.lists(_MIXED, max_size=40))
def test_tagger_words_cover_each_piece_exactly(pieces: list[str]) -> None:
    """Batched by length, any characters (lone surrogates, emoji, control codes): contiguous words, in order."""
    tagger = get_scanner().analyzer.tagger
    for piece, words in zip(pieces, tagger.tag(pieces), strict=True):
        ends = [0] + [e for _, e, _, _ in words]
        assert [s for s, _, _, _ in words] == ends[:-1] and ends[-1] == len(piece)
        assert all(0.0 <= c <= 1.0 + 1e-6 for _, _, _, c in words)


def test_dense_chinese_line_through_the_tagger_in_bounded_memory() -> None:
    """Half a megabyte of names, places and digits on one line: every window tagged, memory by the window."""
    import random

    rng = random.Random(5)
    given_names = ["雅宁", "伟", "芳", "建国", "丽华", "明远"]
    parts = [f"{rng.choice(_SURNAMES)}{rng.choice(given_names)}住在{rng.choice(['湘潭县', '库尔勒市'])}"
             f"{rng.choice(['城塘社区', '祥和镇'])}，电话1{rng.randint(3, 9)}{rng.randint(10**8, 10**9 - 1)}。"
             for _ in range(12_000)]
    line = "".join(parts) + "\udcff" + "身份证号" + ID
    tracemalloc.start()
    try:
        hits = get_scanner().scan_text(line)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    kinds = {h.entity for h in hits}
    assert {"PERSON_NAME", "ADDRESS", "CN_MOBILE", "CN_RESIDENT_ID"} <= kinds
    assert peak < 60_000_000, peak  # windows and their hits, not copies of the line per stage
