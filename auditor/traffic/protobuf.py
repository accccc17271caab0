"""Reading protobuf bodies without their schema.

Many apps (and gRPC) send protobuf. Without the .proto we cannot know field names, but the wire format
still tells numbers from strings from nested messages, and a string field holding an ID number or a
double pair holding coordinates is PI all the same. Fields get paths like ``body.#2.#1[3]``.
A length-delimited field is read as a nested message when it parses cleanly to the end, else as UTF-8
text, else as bytes. Anything that does not parse is left to the caller as an opaque blob.
"""

from __future__ import annotations

import struct
from typing import Any

MAX_DEPTH = 8


class NotProtobuf(ValueError):
    pass


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = 0
    value = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise NotProtobuf("bad varint")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


def parse_message(buf: bytes, depth: int = 0) -> dict[str, Any]:
    """Decode one message into {"#field": value or [values]}; raises NotProtobuf if it is not one."""
    if depth > MAX_DEPTH:
        raise NotProtobuf("too deep")
    out: dict[str, Any] = {}
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if field == 0:
            raise NotProtobuf("field 0")
        value: Any
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            if i + 8 > len(buf):
                raise NotProtobuf("short fixed64")
            value = _fixed(buf[i:i + 8], "<d", "<q")
            i += 8
        elif wire == 5:
            if i + 4 > len(buf):
                raise NotProtobuf("short fixed32")
            value = _fixed(buf[i:i + 4], "<f", "<i")
            i += 4
        elif wire == 2:
            n, i = _varint(buf, i)
            if i + n > len(buf):
                raise NotProtobuf("short length-delimited")
            value = _length_delimited(buf[i:i + n], depth)
            i += n
        else:
            raise NotProtobuf(f"wire type {wire}")
        name = f"#{field}"
        if name in out:
            # values are never lists themselves, so a list here is the repeats gathered so far;
            # appending in place keeps a field repeated n times linear, not quadratic
            prev = out[name]
            if isinstance(prev, list):
                prev.append(value)
            else:
                out[name] = [prev, value]
        else:
            out[name] = value
    return out


def _fixed(raw: bytes, float_fmt: str, int_fmt: str) -> float | int:
    """A fixed-width field is a float when it reads as a plausible one (coordinates), else an int."""
    f = struct.unpack(float_fmt, raw)[0]
    if f == f and 1e-6 < abs(f) < 1e7:
        return round(f, 7) if float_fmt == "<d" else round(f, 5)
    return struct.unpack(int_fmt, raw)[0]


def _length_delimited(chunk: bytes, depth: int) -> Any:
    if chunk:
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        # printable but for line breaks and tabs (str.isprintable, not a loop over the characters)
        if text is not None and text.replace("\r", "").replace("\n", "").replace("\t", "").isprintable():
            return text
        try:
            return parse_message(chunk, depth + 1)
        except NotProtobuf:
            pass
    return chunk.hex() if len(chunk) <= 64 else f"<{len(chunk)} bytes>"


def parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """A protobuf or gRPC body (gRPC frames: 1 flag byte + 4-byte length, possibly several)."""
    if "grpc" in content_type.lower():
        messages = []
        i = 0
        while i + 5 <= len(body):
            flag = body[i]
            n = int.from_bytes(body[i + 1:i + 5], "big")
            if flag not in (0, 1) or i + 5 + n > len(body):
                raise NotProtobuf("bad gRPC frame")
            if flag == 1:
                raise NotProtobuf("compressed gRPC frame")
            messages.append(parse_message(body[i + 5:i + 5 + n]))
            i += 5 + n
        if i != len(body) or not messages:
            raise NotProtobuf("trailing bytes after gRPC frames")
        return messages[0] if len(messages) == 1 else {"#frames": messages}
    return parse_message(body)
