"""Checking an APK's zip structure before androguard reads it.

androguard (through apkInspector) reads the whole file into memory and inflates entries with an
unbounded ``zlib.decompress``: a truncated archive ends in an obscure exception deep inside it, and a
zip bomb exhausts memory. Python's ``zipfile`` reads only the central directory, and when it reads an
entry it stops at the declared size and verifies the CRC, so checking declared sizes and then
inflating the entries androguard will inflate (manifest, resources, dex, signatures) through it
bounds memory whatever the headers claim. apkInspector prefers the sizes of the *local* headers, so
those must agree with the central directory that zipfile trusts.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import InputError

MAX_APK_BYTES = 1 << 30  # store APKs reach ~500 MB; beyond this is not an APK a phone installs
MAX_ENTRY_BYTES = 512 << 20
MAX_TOTAL_BYTES = 4 << 30
MAX_RATIO = 200  # deflate of real content stays far below; bombs reach 1000:1
RATIO_FLOOR = 1 << 20  # small entries (padding, blank XML) may compress extremely well
_CHUNK = 1 << 20
# Entries androguard inflates whole: these are streamed through zipfile first.
_ANDROGUARD_READS = re.compile(r"^(AndroidManifest\.xml|resources\.arsc|classes\d*\.dex|META-INF/.*|res/xml/.*)$")


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    compressed: int


def check_archive(source: Path | bytes, label: str) -> list[Entry]:
    """Reject what androguard would choke on; return the entries for later lookups.

    ``label`` names the input in errors (the file path, or 'outer.apk!assets/inner.apk').
    """
    size = source.stat().st_size if isinstance(source, Path) else len(source)
    if size > MAX_APK_BYTES:
        raise InputError(label, f"{size >> 20} MB is larger than the {MAX_APK_BYTES >> 20} MB an APK may have")
    try:
        with _open(source) as zf, _raw(source) as raw:
            infos = zf.infolist()
            entries = [Entry(i.filename, i.file_size, i.compress_size) for i in infos]
            _check_sizes(entries, label)
            for info in infos:
                if _ANDROGUARD_READS.match(info.filename):
                    _check_local_header(raw, info, label)
                    _inflate(zf, info, label)
    except zipfile.BadZipFile as e:
        raise InputError(label, f"not an APK: broken or truncated zip archive ({e})") from None
    except (OSError, EOFError, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as e:
        raise InputError(label, f"not an APK: unreadable zip archive ({e})") from None
    if not any(e.name == "AndroidManifest.xml" or re.fullmatch(r"classes\d*\.dex", e.name) for e in entries):
        raise InputError(label, "not an APK: the archive has neither AndroidManifest.xml nor classes.dex")
    return entries


def _open(source: Path | bytes) -> zipfile.ZipFile:
    if isinstance(source, Path):
        if not zipfile.is_zipfile(source):
            raise zipfile.BadZipFile("no zip end-of-central-directory record")
        return zipfile.ZipFile(source)
    return zipfile.ZipFile(io.BytesIO(source))


def _raw(source: Path | bytes) -> io.BufferedIOBase:
    return source.open("rb") if isinstance(source, Path) else io.BytesIO(source)


_LOCAL = struct.Struct("<4s5H3L2H")


def _check_local_header(raw: io.BufferedIOBase, info: zipfile.ZipInfo, label: str) -> None:
    raw.seek(info.header_offset)
    head = raw.read(_LOCAL.size)
    if len(head) < _LOCAL.size:
        raise InputError(label, f"truncated zip archive: local header of {info.filename} is missing")
    _sig, _ver, _flags, _method, _t, _d, _crc, compressed, size, _n, _x = _LOCAL.unpack(head)
    if 0xFFFFFFFF in (compressed, size):  # zip64: the real sizes are in an extra field
        return
    if (compressed or size) and (compressed, size) != (info.compress_size, info.file_size):
        raise InputError(
            label, f"zip bomb suspected: local header of {info.filename} disagrees with the central directory"
        )


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


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> None:
    """Stream one entry to its end: zipfile stops at the declared size and checks the CRC."""
    try:
        with zf.open(info) as f:
            while f.read(_CHUNK):
                pass
    except zipfile.BadZipFile as e:
        raise InputError(label, f"corrupt entry {info.filename}: {e}") from None
    except Exception as e:  # noqa: BLE001 - zlib.error, EOFError...: any failure to inflate is a corrupt entry
        raise InputError(label, f"corrupt entry {info.filename}: {type(e).__name__}: {e}") from None


class EntryReader:
    """Bounded reads of single entries (policy files, nested APKs) after ``check_archive``."""

    def __init__(self, source: Path | bytes) -> None:
        self._zf = _open(source)

    def __enter__(self) -> EntryReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zf.close()

    def read(self, name: str, limit: int) -> bytes | None:
        """The entry's bytes, or None when it is larger than ``limit`` or unreadable."""
        try:
            info = self._zf.getinfo(name)
            if info.file_size > limit:
                return None
            with self._zf.open(info) as f:
                data = f.read(limit + 1)
        except Exception:  # noqa: BLE001 - a corrupt entry outside the code path: skip it, the caller warns
            return None
        return data if len(data) <= limit else None
