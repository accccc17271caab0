"""Reading the tnetstrings mitmproxy writes its flow files in, by index, without copying as it goes.

mitmproxy's own reader finds each length prefix one byte at a time in Python and was most of the
time spent reading a flow; this one finds it with ``bytes.index`` and slices only the leaves it
returns. It reads the same values (tests compare it with mitmproxy's reader on real flow files and
on generated values), and like that reader it raises ValueError on anything that is not a
well-formed tnetstring, so a damaged flow is skipped with a warning, not a crash.
"""

from __future__ import annotations

from typing import Any

#: mitmproxy's reader refuses longer length prefixes; so does this one.
MAX_PREFIX_DIGITS = 12

_BYTES, _STR, _INT, _FLOAT, _BOOL, _NULL, _LIST, _DICT = b",;#^!~]}"


def span(data: bytes, pos: int, stop: int) -> tuple[int, int, int]:
    """(payload start, payload end, type tag) of the tnetstring at ``pos``, which must end by ``stop``."""
    colon = data.find(b":", pos, pos + MAX_PREFIX_DIGITS + 1)
    if colon < 0:
        raise ValueError(f"no tnetstring length prefix at byte {pos}")
    digits = data[pos:colon]
    if not digits.isdigit():  # int() would take " 5" or "-5", and a negative length never ends
        raise ValueError(f"no tnetstring length prefix at byte {pos}")
    end = colon + 1 + int(digits)
    if end >= stop:
        raise ValueError(f"tnetstring at byte {pos} runs past its container")
    return colon + 1, end, data[end]


def loads(data: bytes) -> Any:
    """The value of a whole tnetstring; trailing bytes are an error, as in mitmproxy."""
    value, end = parse(data, 0, len(data))
    if end != len(data):
        raise ValueError(f"{len(data) - end} bytes after the tnetstring")
    return value


def parse(data: bytes, pos: int, stop: int) -> tuple[Any, int]:
    """The value of the tnetstring at ``pos`` and where the next one starts."""
    start, end, tag = span(data, pos, stop)
    if tag == _BYTES:
        return data[start:end], end + 1
    if tag == _STR:
        return data[start:end].decode(), end + 1
    if tag == _DICT:
        d = {}
        while start < end:
            key, start = parse(data, start, end)
            d[key], start = parse(data, start, end)
        if start != end:
            raise ValueError(f"tnetstring dictionary at byte {pos} overruns its length")
        return d, end + 1
    if tag == _LIST:
        items = []
        while start < end:
            item, start = parse(data, start, end)
            items.append(item)
        if start != end:
            raise ValueError(f"tnetstring list at byte {pos} overruns its length")
        return items, end + 1
    return _scalar(data[start:end], tag, pos), end + 1


def _scalar(raw: bytes, tag: int, pos: int) -> Any:
    if tag == _INT:
        if not raw.lstrip(b"-").isdigit():
            raise ValueError(f"invalid tnetstring integer at byte {pos}")
        return int(raw)
    if tag == _FLOAT:
        return float(raw)  # ValueError on garbage, as wanted
    if tag == _BOOL and raw in (b"true", b"false"):
        return raw == b"true"
    if tag == _NULL and not raw:
        return None
    raise ValueError(f"invalid tnetstring value (type {chr(tag)!r}) at byte {pos}")


def members(data: bytes) -> dict[Any, tuple[int, int]]:
    """The top-level dictionary's keys with where each value's tnetstring lies (start, stop), unparsed.

    A flow's connection records are half its bytes and hold no evidence: the reader parses only the
    members it needs.
    """
    start, end, tag = span(data, 0, len(data))
    if tag != _DICT or end + 1 != len(data):
        raise ValueError("not a tnetstring dictionary")
    out = {}
    pos = start
    while pos < end:
        key, pos = parse(data, pos, end)
        value_end = span(data, pos, end)[1] + 1
        out[key] = (pos, value_end)
        pos = value_end
    return out
