"""Checking an APK's zip structure before androguard reads it, by inflating what it will inflate.

androguard (through apkInspector) reads the whole file into memory and inflates entries with an
unbounded ``zlib.decompress`` of the compressed bytes the local header delimits: a truncated archive
ends in an obscure exception deep inside it, and a zip bomb exhausts memory. Headers can lie: an
entry whose local and central headers both say 1 MB, with the CRC of the first megabyte, can hold a
deflate stream of 8 GiB. Python's ``zipfile`` would stop reading at the declared size and find the
CRC right; apkInspector would not stop. So every entry androguard inflates (manifest, resources,
dex, signatures, res/xml) and every entry we read ourselves (nested APKs, policy files) goes through
one bounded inflater that counts the bytes the stream actually yields, in chunks, and stops as soon
as they pass the declared size or a limit. The dex files come out of that pass as bytes, so they are
inflated once.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from auditor.errors import InputError

MAX_APK_BYTES = 1 << 30  # store APKs reach ~500 MB; beyond this is not an APK a phone installs
MAX_ENTRY_BYTES = 512 << 20
MAX_TOTAL_BYTES = 4 << 30
MAX_RATIO = 200  # deflate of real content stays far below; bombs reach 1000:1
RATIO_FLOOR = 1 << 20  # small entries (padding, blank XML) may compress extremely well
_CHUNK = 1 << 20
# Entries androguard inflates whole: these are inflated (and counted) here first.
_ANDROGUARD_READS = re.compile(r"^(AndroidManifest\.xml|resources\.arsc|classes\d*\.dex|META-INF/.*|res/xml/.*)$")
_DEX = re.compile(r"^classes\d*\.dex$")
_LOCAL = struct.Struct("<4s5H3L2H")


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    compressed: int


@dataclass
class Archive:
    """What ``check_archive`` found: the entries, and the dex files already inflated."""

    entries: list[Entry]
    dex: dict[str, bytes] = field(default_factory=dict)

    @property
    def files(self) -> list[str]:
        return [e.name for e in self.entries]


class EntryError(Exception):
    """An entry that cannot be inflated within its declared size (the message says why)."""


def check_archive(source: Path | bytes, label: str) -> Archive:
    """Reject what androguard would choke on; return the entries and the inflated dex files.

    ``label`` names the input in errors (the file path, or 'outer.apk!assets/inner.apk').
    """
    size = source.stat().st_size if isinstance(source, Path) else len(source)
    if size > MAX_APK_BYTES:
        raise InputError(label, f"{size >> 20} MB is larger than the {MAX_APK_BYTES >> 20} MB an APK may have")
    archive = Archive([])
    try:
        with _open(source) as zf, _raw(source) as raw:
            infos = zf.infolist()
            archive.entries = [Entry(i.filename, i.file_size, i.compress_size) for i in infos]
            _check_sizes(archive.entries, label)
            for info in infos:
                if not _ANDROGUARD_READS.match(info.filename):
                    continue
                try:
                    data = inflate(raw, info, MAX_ENTRY_BYTES, keep=bool(_DEX.match(info.filename)))
                except EntryError as e:
                    raise InputError(label, f"{e} ({info.filename})") from None
                if data is not None:
                    archive.dex[info.filename] = data
    except zipfile.BadZipFile as e:
        raise InputError(label, f"not an APK: broken or truncated zip archive ({e})") from None
    except (OSError, EOFError, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as e:
        raise InputError(label, f"not an APK: unreadable zip archive ({e})") from None
    if not any(e.name == "AndroidManifest.xml" or _DEX.match(e.name) for e in archive.entries):
        raise InputError(label, "not an APK: the archive has neither AndroidManifest.xml nor classes.dex")
    return archive


def _open(source: Path | bytes) -> zipfile.ZipFile:
    if isinstance(source, Path):
        if not zipfile.is_zipfile(source):
            raise zipfile.BadZipFile("no zip end-of-central-directory record")
        return zipfile.ZipFile(source)
    return zipfile.ZipFile(io.BytesIO(source))


def _raw(source: Path | bytes) -> BinaryIO:
    return source.open("rb") if isinstance(source, Path) else io.BytesIO(source)


def inflate(raw: BinaryIO, info: zipfile.ZipInfo, limit: int, *, keep: bool = True) -> bytes | None:
    """Inflate one entry from its raw bytes as apkInspector would, counting what the stream yields.

    Raises EntryError when the local header disagrees with the central directory, when the stream
    yields more than the declared size (or ``limit``), less than it, or a different CRC. Returns the
    bytes when ``keep``, else None (the entry is only checked).
    """
    raw.seek(info.header_offset)
    head = raw.read(_LOCAL.size)
    if len(head) < _LOCAL.size:
        raise EntryError("truncated zip archive: local header is missing")
    _sig, _ver, _flags, method, _t, _d, _crc, compressed, size, n_name, n_extra = _LOCAL.unpack(head)
    if (
        0xFFFFFFFF not in (compressed, size)
        and (compressed or size)
        and (compressed, size)
        != (
            info.compress_size,
            info.file_size,
        )
    ):
        raise EntryError("zip bomb suspected: the local header disagrees with the central directory")
    declared = info.file_size
    if declared > limit:
        raise EntryError(f"zip bomb suspected: declares {declared >> 20} MB")
    raw.seek(info.header_offset + _LOCAL.size + n_name + n_extra)
    if method == zipfile.ZIP_STORED:
        inflater = None
    elif method == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
    else:
        raise EntryError(f"unsupported compression method {method}")
    out: list[bytes] = []
    total = crc = 0
    remaining = info.compress_size
    while remaining > 0 and not (inflater and inflater.eof):
        chunk = raw.read(min(_CHUNK, remaining))
        if not chunk:
            raise EntryError("truncated zip archive: entry data is cut short")
        remaining -= len(chunk)
        while chunk:
            try:
                piece = inflater.decompress(chunk, _CHUNK) if inflater else chunk
            except zlib.error as e:
                raise EntryError(f"corrupt entry: {e}") from None
            chunk = inflater.unconsumed_tail if inflater else b""
            total += len(piece)
            if total > declared:
                raise EntryError(f"zip bomb suspected: inflates beyond the {declared} bytes its headers declare")
            crc = zlib.crc32(piece, crc)
            if keep:
                out.append(piece)
            if inflater and inflater.eof:
                break
    if total != declared or crc != info.CRC:
        raise EntryError(
            f"corrupt entry: {total} bytes with CRC {crc:08x} where the headers say "
            f"{declared} bytes, CRC {info.CRC:08x}"
        )
    return b"".join(out) if keep else None


def _check_sizes(entries: list[Entry], label: str) -> None:
    total = 0
    for e in entries:
        total += e.size
        if e.size > MAX_ENTRY_BYTES:
            raise InputError(label, f"zip bomb suspected: entry {e.name} declares {e.size >> 20} MB")
        if e.size > RATIO_FLOOR and e.size > MAX_RATIO * max(e.compressed, 1):
            raise InputError(label, f"zip bomb suspected: entry {e.name} expands {e.size // max(e.compressed, 1)}:1")
    if total > MAX_TOTAL_BYTES:
        raise InputError(label, f"zip bomb suspected: entries declare {total >> 20} MB in total")


class EntryReader:
    """Bounded reads of single entries (policy files, nested APKs) after ``check_archive``."""

    def __init__(self, source: Path | bytes) -> None:
        self._zf = _open(source)
        self._raw = _raw(source)
        self.problems: dict[str, str] = {}

    def __enter__(self) -> EntryReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zf.close()
        self._raw.close()

    def read(self, name: str, limit: int) -> bytes | None:
        """The entry's bytes, or None when it is larger than ``limit`` or unreadable (``problems`` says why)."""
        try:
            return inflate(self._raw, self._zf.getinfo(name), limit)
        except KeyError:
            self.problems[name] = "no such entry"
        except (EntryError, OSError) as e:
            self.problems[name] = str(e)
        return None
