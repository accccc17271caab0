"""Inputs for a worker that cannot read the driver's files: streamed in bounded chunks, checked by hash.

On a cluster without shared storage, a path in a task names a file on the driver's machine only. The
driver's side reads the input (a file, or a mini-program folder) as a stream of batches of at most
about ``CHUNK_BYTES`` (``read_entries``); the worker writes each batch to its own disk as it arrives
(``materialise``), so neither side ever holds a whole APK or capture in memory, and the copy is used
only if its SHA-256 is the one the driver hashed when it built the task (``fetch``). Pure Python: the
engine (ray_engine.py) carries the batches through Ray's object store.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath

from auditor.batch.task import HashedInput
from auditor.errors import InputError
from auditor.pipeline import sha256_of

CHUNK_BYTES = 4 << 20
#: one entry of the stream: (kind, path relative to the input, payload); kinds: "dir", "file" (a new
#: file; its bytes follow as "data"), "data", "link" (payload: the link's target), "special"
Entry = tuple[str, str, bytes]


def read_entries(path: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[list[Entry]]:
    """The input at ``path`` as batches of entries of about ``chunk_bytes`` each (a file is the
    entries ("file", "", b"") and its "data"; a folder is walked as the hash walks it: links not followed)."""
    batch: list[Entry] = []
    size = 0
    for entry in _entries(Path(path), chunk_bytes):
        batch.append(entry)
        size += len(entry[2])
        if size >= chunk_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _entries(root: Path, chunk_bytes: int) -> Iterator[Entry]:
    if not root.is_dir():
        yield from _file_entries(root, "", chunk_bytes)
        return
    yield ("dir", "", b"")
    for folder, dirs, files in os.walk(root):
        for name in sorted(dirs) + sorted(files):
            p = Path(folder, name)
            rel = p.relative_to(root).as_posix()
            mode = p.lstat().st_mode
            if stat.S_ISLNK(mode):
                yield ("link", rel, os.fsencode(os.readlink(p)))
            elif stat.S_ISDIR(mode):
                yield ("dir", rel, b"")
            elif stat.S_ISREG(mode):
                yield from _file_entries(p, rel, chunk_bytes)
            else:
                yield ("special", rel, b"")


def _file_entries(path: Path, rel: str, chunk_bytes: int) -> Iterator[Entry]:
    yield ("file", rel, b"")
    with path.open("rb") as f:
        while data := f.read(chunk_bytes):
            yield ("data", rel, data)


def materialise(batches: Iterable[list[Entry]], dest: Path, max_bytes: int) -> None:
    """Recreate a streamed input at ``dest``, writing each batch as it arrives; stop past ``max_bytes``
    (the size the driver hashed: more means the input changed since)."""
    written = 0
    current = None
    try:
        for batch in batches:
            for kind, rel, payload in batch:
                target = _inside(dest, rel)
                if kind == "data":
                    written += len(payload)
                    if current is None or written > max_bytes:
                        raise ValueError(f"more than the {max_bytes} bytes hashed")
                    current.write(payload)
                    continue
                if current is not None:
                    current.close()
                    current = None
                if kind == "file":
                    current = target.open("wb")
                elif kind == "dir":
                    target.mkdir()
                elif kind == "link":
                    os.symlink(os.fsdecode(payload), target)
                else:  # a FIFO or device: hashed by its name only, so a FIFO stands in for it
                    os.mkfifo(target)
    finally:
        if current is not None:
            current.close()


def _inside(dest: Path, rel: str) -> Path:
    parts = PurePosixPath(rel).parts
    if rel.startswith("/") or ".." in parts:
        raise ValueError(f"entry outside the input: {rel!r}")
    return dest.joinpath(*parts)


def usable_in_place(item: HashedInput) -> bool:
    """Whether this machine sees the input at its path with the content the driver hashed (shared
    storage); a missing file or another version of it means the input must be sent."""
    try:
        return Path(item.path).exists() and sha256_of(Path(item.path))[0] == item.sha256
    except InputError:
        return False


def fetch(item: HashedInput, into: Path, stream: Callable[[str], Iterable[list[Entry]]]) -> Path:
    """Copy the input into the folder ``into`` through ``stream``, under its own file name (analysers
    and messages see the name the manifest gave), and check it is what the driver hashed."""
    dest = into / (Path(item.path).name or item.kind)
    try:
        materialise(stream(item.path), dest, item.size)
    except ValueError:
        raise InputError(item.path, "changed since the batch hashed it; run the batch again") from None
    if sha256_of(dest)[0] != item.sha256:
        raise InputError(item.path, "changed since the batch hashed it; run the batch again")
    return dest
