"""Reading a WeChat ``.wxapkg`` package into memory, without ever writing its entries to disk.

Layout (all integers big-endian u32; sources: the Kaitai description ``wxapkg.ksy`` by coolzilj and
the unpacker ``wux1an/wxapkg``, summarised in DOMAIN.md §3)::

    0   u8   0xBE            first mark
    1   u32  edition         (0 in every package seen)
    5   u32  index length    bytes of the index that follows the header, file count included
    9   u32  body length     bytes of file data after the index
    13  u8   0xED            last mark
    14  u32  file count
        then per file: u32 name length, name (UTF-8, e.g. ``/app-config.json``), u32 absolute offset,
        u32 size
    body: the files' bytes at their absolute offsets

Packages downloaded by the PC client start with ``V1MMWX`` and are AES-encrypted with a key derived
from the appid; decrypting them needs the appid and is the job of a dedicated tool, so they are refused
with a message saying so. Entries are kept in a dict keyed by a normalised relative path: a name that
would leave the package root (``../x``, absolute drive paths) is dropped with a warning, so nothing a
package says can reach the file system.
"""

from __future__ import annotations

import posixpath
import struct
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import InputError

FIRST_MARK = 0xBE
LAST_MARK = 0xED
HEADER = struct.Struct(">BIIIB")
U32 = struct.Struct(">I")
PC_ENCRYPTED_MAGIC = b"V1MMWX"
MAX_NAME_BYTES = 4096


@dataclass
class Package:
    files: dict[str, bytes]
    warnings: list[str] = field(default_factory=list)


def safe_name(name: str) -> str | None:
    """The entry's path relative to the package root, or None when it would escape it."""
    name = name.replace("\\", "/")
    parts = name.strip("/").split("/")
    if ".." in parts or any(":" in p or "\0" in p for p in parts):
        return None
    norm = posixpath.normpath("/" + "/".join(parts))
    return norm.lstrip("/") or None


#: Entries a package may list; WeChat's own packages hold a few thousand at most.
MAX_ENTRIES = 50_000
#: Largest package read (WeChat caps a package at 2 MB and a whole mini-program at 20 MB).
MAX_PACKAGE_BYTES = 256 << 20


def read_wxapkg(path: Path, data: bytes | None = None, *, max_files: int = MAX_ENTRIES) -> Package:
    """Parse a package; InputError names the file on any structural problem.

    Entries must not share bytes: real packages lay files end to end, and a package whose index points
    many entries at one region would otherwise be analysed once per entry (a 4 MiB file turning into
    gigabytes); an entry overlapping an earlier one is skipped with a warning.
    """
    if data is None:
        try:
            size = path.stat().st_size
            if size > MAX_PACKAGE_BYTES:
                raise InputError(path, f"{size} bytes is above the {MAX_PACKAGE_BYTES}-byte package limit")
            data = path.read_bytes()
        except OSError as e:
            raise InputError(path, f"cannot read: {e.strerror or e}") from None
    if data.startswith(PC_ENCRYPTED_MAGIC):
        raise InputError(
            path,
            "encrypted PC-client package (V1MMWX): decrypt it with the appid first "
            "(e.g. with wxapkg tooling), then audit the decrypted .wxapkg",
        )
    if len(data) < HEADER.size + U32.size:
        raise InputError(path, f"not a .wxapkg: {len(data)} bytes is shorter than the header (truncated?)")
    first, _edition, index_len, body_len, last = HEADER.unpack_from(data, 0)
    if first != FIRST_MARK or last != LAST_MARK:
        raise InputError(path, "not a .wxapkg: header marks 0xBE/0xED missing")
    index_end = HEADER.size + index_len
    if index_end > len(data):
        raise InputError(path, f"truncated package: index needs {index_end} bytes, file has {len(data)}")
    if index_end + body_len > len(data):
        raise InputError(
            path, f"truncated package: body needs {index_end + body_len} bytes, file has {len(data)}"
        )
    (count,) = U32.unpack_from(data, HEADER.size)
    if count > max_files:
        raise InputError(path, f"package lists {count} entries, more than the limit of {max_files} (limits.max_files)")
    pos = HEADER.size + U32.size
    pkg = Package(files={})
    taken: list[tuple[int, int, str]] = []
    for n in range(count):
        if pos + U32.size > index_end:
            raise InputError(path, f"truncated package: index ends inside entry {n} of {count}")
        (name_len,) = U32.unpack_from(data, pos)
        pos += U32.size
        if name_len > MAX_NAME_BYTES or pos + name_len + 2 * U32.size > index_end:
            raise InputError(path, f"corrupt package: entry {n} name length {name_len} runs past the index")
        raw_name = data[pos : pos + name_len].decode("utf-8", "replace")
        pos += name_len
        offset, size = struct.unpack_from(">II", data, pos)
        pos += 2 * U32.size
        if offset < index_end or offset + size > len(data):
            raise InputError(
                path, f"truncated package: entry {n} ({raw_name!r}) data ends at byte {offset + size}, "
                f"file has {len(data)}"
            )
        name = safe_name(raw_name)
        if name is None:
            pkg.warnings.append(f"{path.name}: entry {raw_name!r} points outside the package; skipped")
            continue
        taken.append((offset, offset + size, name))
    taken.sort()
    end_so_far = 0
    overlapping: list[str] = []
    for start, end, name in taken:
        if start < end_so_far:
            overlapping.append(name)
            continue
        end_so_far = max(end_so_far, end)
        pkg.files[name] = data[start:end]
    if overlapping:
        shown = ", ".join(repr(n) for n in overlapping[:5]) + (", ..." if len(overlapping) > 5 else "")
        pkg.warnings.append(f"{path.name}: {len(overlapping)} entries overlap bytes of earlier entries (entries "
                            f"must not share bytes); skipped: {shown}")
    return pkg


def write_wxapkg(files: dict[str, bytes]) -> bytes:
    """Build a package in the layout above; used by the sample packer and the tests."""
    names = [("/" + n.lstrip("/")).encode("utf-8") for n in files]
    index_len = U32.size + sum(2 * U32.size + U32.size + len(n) for n in names)
    body_start = HEADER.size + index_len
    index = bytearray(U32.pack(len(files)))
    body = bytearray()
    for name, blob in zip(names, files.values(), strict=True):
        index += U32.pack(len(name)) + name + struct.pack(">II", body_start + len(body), len(blob))
        body += blob
    return HEADER.pack(FIRST_MARK, 0, index_len, len(body), LAST_MARK) + bytes(index) + bytes(body)
