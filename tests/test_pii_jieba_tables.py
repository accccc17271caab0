"""jieba's tables from our cache are exactly what jieba loads itself; a bad cache is rebuilt."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.pii import jieba_tables


@pytest.fixture(scope="module")
def jieba_own() -> tuple[dict[str, int], int, dict[str, str]]:
    import jieba.posseg

    jieba.dt.check_initialized()
    return jieba.dt.FREQ, jieba.dt.total, jieba.posseg.dt.word_tag_tab


def test_cached_tables_are_jiebas_own(tmp_path: Path, jieba_own: tuple[dict[str, int], int, dict[str, str]]) -> None:
    freq, total, tags = jieba_own
    first = jieba_tables.load(tmp_path)  # built, then written
    [cache] = tmp_path.iterdir()
    second = jieba_tables.load(tmp_path)  # read back from the file
    for t in (first, second):
        assert t.total == total and t.freq == freq and t.tags == tags
    assert second.tags["王一亭"] == "nr" and second.tags["上海"] == "ns" and second.freq["上"] > 0
    assert cache.stat().st_size > 1_000_000


@pytest.mark.parametrize("damage", [b"", b"garbage", None])
def test_a_damaged_cache_is_rebuilt(tmp_path: Path, damage: bytes | None,
                                    jieba_own: tuple[dict[str, int], int, dict[str, str]]) -> None:
    jieba_tables.load(tmp_path)
    [cache] = tmp_path.iterdir()
    data = cache.read_bytes()
    cache.write_bytes(damage if damage is not None else data[: len(data) // 2])  # None: cut in half
    t = jieba_tables.load(tmp_path)
    assert t.freq == jieba_own[0] and t.tags == jieba_own[2]
    assert cache.read_bytes() == data  # written again whole


def test_an_unwritable_cache_directory_only_costs_time(tmp_path: Path,
                                                        jieba_own: tuple[dict[str, int], int, dict[str, str]]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    t = jieba_tables.load(blocker / "cache")
    assert t.total == jieba_own[1] and t.tags == jieba_own[2]
