"""Inputs sent to a worker that cannot read the driver's files (auditor/batch/shipping.py): streamed in
bounded chunks, recreated under their own name, used only with the hash the driver computed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditor.batch.shipping import fetch, read_entries, usable_in_place
from auditor.batch.task import HashedInput
from auditor.errors import InputError
from auditor.pipeline import sha256_of

CHUNK = 1024


def stream(path: str):  # type: ignore[no-untyped-def]
    return read_entries(path, chunk_bytes=CHUNK)


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    tree = tmp_path / "mp"
    (tree / "pages" / "index").mkdir(parents=True)
    (tree / "pages" / "index" / "index.js").write_bytes(os.urandom(3000))
    (tree / "empty.json").write_bytes(b"")
    (tree / "app.json").symlink_to("pages/index/index.js")
    os.mkfifo(tree / "pipe")
    big = tmp_path / "big.apk"
    big.write_bytes(os.urandom(10_000))
    return tree, big


def test_file_and_folder_arrive_in_bounded_chunks_with_their_hash(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    for src in inputs:
        item = HashedInput("apk", str(src), *sha256_of(src))
        batches = list(stream(str(src)))
        assert len(batches) > 1 and all(sum(len(e[2]) for e in b) < 2 * CHUNK for b in batches)
        dest = tmp_path / f"copy-{src.name}"
        dest.mkdir()
        got = fetch(item, dest, stream)
        assert got == dest / src.name and sha256_of(got)[0] == item.sha256
    assert (tmp_path / "copy-mp" / "mp" / "app.json").is_symlink()


def test_an_input_changed_since_it_was_hashed_is_refused(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    tree, big = inputs
    for src, change in ((tree, lambda: (tree / "empty.json").write_bytes(b"{}")),
                        (big, lambda: big.write_bytes(os.urandom(10_000)))):
        item = HashedInput("apk", str(src), *sha256_of(src))
        change()
        dest = tmp_path / f"stale-{src.name}"
        dest.mkdir()
        with pytest.raises(InputError, match="changed since the batch hashed it"):
            fetch(item, dest, stream)
    grown = HashedInput("apk", str(big), *sha256_of(big))
    big.write_bytes(os.urandom(50_000))  # the copy stops at the size hashed instead of filling the disk
    dest = tmp_path / "grown"
    dest.mkdir()
    with pytest.raises(InputError, match="changed since"):
        fetch(grown, dest, stream)
    assert (dest / "big.apk").stat().st_size <= grown.size + CHUNK


def test_a_path_is_used_in_place_only_with_the_same_content(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    _, big = inputs
    item = HashedInput("apk", str(big), *sha256_of(big))
    assert usable_in_place(item)
    assert not usable_in_place(HashedInput("apk", str(tmp_path / "elsewhere.apk"), item.sha256, item.size))
    big.write_bytes(b"another version")
    assert not usable_in_place(item)
