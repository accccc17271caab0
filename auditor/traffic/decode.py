"""Turning captured bytes into scannable pieces: leaves with field paths, free text, binary parts.

Apps hide PI in layers: gzip'd JSON, a JSON string inside a JSON field, base64 inside a form field, a
JWT in a header, a multipart upload of a face image. ``walk_message`` peels those layers and yields
every leaf with a path such as ``body.data.sfzh``, ``query.did``, ``headers.authorization{jwt}.sub`` or
``body.points[3].la``, so findings can point at the exact field. Decompression is bounded so a gzip
bomb stops at the limit with a warning instead of exhausting memory.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.cookies import SimpleCookie
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urlsplit

import brotli
import zstandard
from charset_normalizer import from_bytes

from auditor.traffic import protobuf

#: Decompressed bodies stop growing here (a gzip bomb is cut, with a warning).
DEFAULT_INFLATE_LIMIT = 64 * 1024 * 1024
#: How deep nested wrappers (JSON in base64 in a form field...) are followed.
MAX_DEPTH = 6
#: Strings shorter than this are never tried as base64 wrappers (too many false decodes).
MIN_B64 = 16

#: Headers that never carry PI of their own and only add noise.
SKIP_HEADERS = {
    "content-length", "content-encoding", "transfer-encoding", "connection", "accept", "accept-encoding",
    "accept-language", "cache-control", "pragma", "date", "expires", "last-modified", "etag", "vary",
    "host", "content-type", "keep-alive", "server", "age", "access-control-allow-origin",
    "access-control-allow-headers", "access-control-allow-methods", "strict-transport-security",
    "x-content-type-options", "x-frame-options", "if-none-match", "if-modified-since", "upgrade",
    "sec-fetch-mode", "sec-fetch-site", "sec-fetch-dest", "origin", "referer", "cookie", "set-cookie",
}


@dataclass(slots=True)
class Leaf:
    """A scalar value at a field path, with the mapping it sits in (for sibling pairing, e.g. lat/lng)."""

    path: str
    key: str
    value: Any
    parent: Mapping[str, Any] | None = None


@dataclass(slots=True)
class Text:
    """Unstructured text (a plain-text or HTML body, a free-text field) to scan as prose."""

    path: str
    text: str


@dataclass(slots=True)
class Blob:
    """Binary content (an uploaded file, a base64 image) judged by context: key, MIME, magic bytes."""

    path: str
    key: str
    data: bytes
    mime: str = ""


@dataclass(slots=True)
class Column:
    """One member across the records of a JSON array: ``oaid`` in every event of an analytics batch.

    Arrays of records (event batches, location tracks, order lines) hold most of a capture's leaves,
    and a column costs one list entry per value instead of a Leaf, a path string and a generator
    resume each; the scanner folds the column's repeats at ``array[*].key`` and works out an exact
    path only for the first hit. Only plain scalars are gathered: a member holding a container or a
    string that may wrap something (JSON, base64, a form) is walked on its own, with its exact path.
    """

    array: str  # the array's path, e.g. body.events
    key: str
    records: list[Any]  # the array itself; each row index in ``rows`` points at a mapping in it
    rows: list[int]

    def path(self, row: int) -> str:
        return f"{self.array}[{row}].{self.key}"

    def leaves(self) -> Iterator[Leaf]:
        """The column as the leaves it stands for, each with its exact path and its record as parent."""
        for i in self.rows:
            record = self.records[i]
            yield Leaf(self.path(i), self.key, record[self.key], record)


Piece = Leaf | Text | Blob | Column


class DecodeLimit(Exception):
    """Raised inside decompression when the output limit is reached."""


def decompress(data: bytes, encoding: str, limit: int = DEFAULT_INFLATE_LIMIT) -> tuple[bytes, list[str]]:
    """Undo Content-Encoding (possibly stacked: 'gzip, br'), never producing more than ``limit`` bytes."""
    warnings: list[str] = []
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
    for coding in reversed(codings):
        if coding in ("identity", ""):
            continue
        try:
            data, cut = _inflate(data, coding, limit)
        except (zlib.error, brotli.error, zstandard.ZstdError, ValueError) as e:
            warnings.append(f"could not undo Content-Encoding {coding}: {e}; scanned as is")
            return data, warnings
        if cut:
            warnings.append(
                f"decompressed body reached the {limit}-byte limit (possible decompression bomb); cut there"
            )
    return data, warnings


def _inflate(data: bytes, coding: str, limit: int) -> tuple[bytes, bool]:
    if coding in ("gzip", "x-gzip", "deflate"):
        if coding == "deflate" and not (len(data) > 1 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0):
            d = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send
        else:
            d = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, auto-detected
        out = d.decompress(data, limit + 1)
        return (out[:limit], True) if len(out) > limit else (out, False)
    if coding == "br":
        # Brotli 1.1 (pinned by mitmproxy) has no output limit: feed small pieces, check as we go.
        dec = brotli.Decompressor()
        parts: list[bytes] = []
        size = 0
        step = 256
        for i in range(0, len(data), step):
            chunk = dec.process(data[i : i + step])
            parts.append(chunk)
            size += len(chunk)
            if size > limit:
                return b"".join(parts)[:limit], True
        return b"".join(parts), False
    if coding == "zstd":
        reader = zstandard.ZstdDecompressor().stream_reader(data)
        out = reader.read(limit + 1)
        return (out[:limit], True) if len(out) > limit else (out, False)
    raise ValueError(f"unknown coding '{coding}'")


_CHARSET_RE = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.I)


def to_text(data: bytes, content_type: str = "") -> str | None:
    """Decode body bytes as text: declared charset first, then UTF-8, then GB18030, then detection.

    GBK/GB2312 are read as GB18030 (a superset), which is what Chinese servers mean by them.
    Returns None for what is not text at all.
    """
    if not data:
        return ""
    m = _CHARSET_RE.search(content_type)
    candidates: list[str] = []
    if m:
        cs = m.group(1).lower()
        candidates.append("gb18030" if cs in ("gbk", "gb2312", "gb_2312-80", "cp936", "x-gbk") else cs)
    candidates += ["utf-8", "gb18030"]
    sample_is_binary = b"\x00" in data[:4096]
    if sample_is_binary:
        return None
    for cs in candidates:
        try:
            return data.decode(cs)
        except (UnicodeDecodeError, LookupError):
            continue
    best = from_bytes(data[:65536]).best()
    if best is None:
        return None
    return data.decode(best.encoding, errors="replace")


_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF", b"BM")


def looks_binary(data: bytes) -> bool:
    if data.startswith(_IMAGE_MAGIC):
        return True
    head = data[:2048]
    return b"\x00" in head


class Walker:
    """Peels one message into pieces; holds the warnings met on the way."""

    def __init__(self, inflate_limit: int = DEFAULT_INFLATE_LIMIT) -> None:
        self.inflate_limit = inflate_limit
        self.warnings: list[str] = []
        self.sealed = 0  # values encrypted with a passphrase (OpenSSL / CryptoJS 'Salted__'), unreadable

    # --- messages -------------------------------------------------------------------------------
    def request_pieces(self, url: str, headers: list[tuple[str, str]], body: bytes, *, decoded: bool,
                       mime: str = "") -> Iterator[Piece]:
        parts = urlsplit(url)
        if parts.query:
            yield from self._pairs("query", parse_qsl(parts.query, keep_blank_values=True), 0)
        if parts.path:
            yield Leaf("url.path", "path", unquote(parts.path) if "%" in parts.path else parts.path)
        yield from self._headers(headers, "cookie")
        yield from self._message_body(headers, body, decoded, mime)

    def response_pieces(self, headers: list[tuple[str, str]], body: bytes, *, decoded: bool,
                        mime: str = "") -> Iterator[Piece]:
        yield from self._headers(headers, "set-cookie")
        yield from self._message_body(headers, body, decoded, mime)

    def _headers(self, headers: list[tuple[str, str]], cookie_header: str) -> Iterator[Piece]:
        for name, value in headers:
            lname = name.lower()
            if lname[:1] == ":":
                continue  # HTTP/2 pseudo-headers (Chrome's HAR keeps them): the URL and method again
            if lname == cookie_header:
                yield from self._cookies(value, lname)
            elif lname not in SKIP_HEADERS:
                yield from self._value(f"headers.{lname}", lname, value, None, 0)

    def _cookies(self, value: str, lname: str) -> Iterator[Piece]:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(value)
        except Exception:  # noqa: BLE001 - http.cookies raises CookieError and others on bad input
            pairs = [p.split("=", 1) for p in value.split(";") if "=" in p]
            for k, v in pairs:
                yield from self._value(f"cookies.{k.strip()}", k.strip(), v.strip(), None, 0)
            return
        for k, morsel in jar.items():
            yield from self._value(f"cookies.{k}", k, morsel.value, None, 0)

    def body_pieces(self, headers: list[tuple[str, str]], body: bytes, *, decoded: bool,
                    mime: str = "") -> Iterator[Piece]:
        yield from self._message_body(headers, body, decoded, mime)

    def message_pieces(self, content: bytes, *, text: bool, path: str) -> Iterable[Piece]:
        """One WebSocket message: JSON, a form or prose when text (Socket.IO's packet-type digits before
        the JSON are skipped), a binary payload otherwise, as bodies are read."""
        if not content:
            return ()
        if text:
            decoded = to_text(content)
            if decoded is not None:
                m = _SOCKET_IO.match(decoded)
                return self._text_body(decoded[m.end():] if m else decoded, "", path, 0)
        return self._body(content, "", path, 0)

    def _message_body(self, headers: list[tuple[str, str]], body: bytes, decoded: bool, mime: str) -> Iterable[Piece]:
        """The body's pieces, returned rather than yielded (see ``_body``)."""
        if not body:
            return ()
        ctype = mime or next((v for k, v in headers if k.lower() == "content-type"), "")
        if not decoded:
            enc = next((v for k, v in headers if k.lower() == "content-encoding"), "")
            if enc:
                body, warns = decompress(body, enc, self.inflate_limit)
                self.warnings.extend(warns)
        elif body[:2] == b"\x1f\x8b":
            body, warns = decompress(body, "gzip", self.inflate_limit)
            self.warnings.extend(warns)
        return self._body(body, ctype, "body", 0)

    # --- bodies ---------------------------------------------------------------------------------
    def _body(self, body: bytes, ctype: str, path: str, depth: int) -> Iterable[Piece]:
        """The pieces of a body, returned rather than yielded: every generator a piece passes through
        costs it a resume, and the bodies' pieces are most of a capture's."""
        low = ctype.lower()
        if "multipart/" in low:
            return self._multipart(body, ctype, path, depth)
        if "protobuf" in low or "grpc" in low:
            try:
                doc = protobuf.parse_body(body, ctype)
            except protobuf.NotProtobuf as e:
                self.warnings.append(f"{ctype} body does not parse as protobuf ({e}); scanned as binary")
                return (Blob(path, path.rsplit(".", 1)[-1], body, ctype),)
            return self._json(doc, path, None, depth)
        if looks_binary(body) or low.startswith(("image/", "audio/", "video/", "application/octet-stream")):
            return (Blob(path, path.rsplit(".", 1)[-1], body, ctype),)
        text = to_text(body, ctype)
        if text is None:
            return (Blob(path, path.rsplit(".", 1)[-1], body, ctype),)
        return self._text_body(text, low, path, depth)

    def _text_body(self, text: str, ctype: str, path: str, depth: int) -> Iterable[Piece]:
        stripped = text.strip()
        inner: str | None = None
        if stripped[:1] in "{[":
            inner = stripped
        elif stripped[-1:] in ");" and (jsonp := _JSONP.match(stripped)) is not None:
            # cb({...}); : API data in a function call, read with its keys like any JSON body
            inner = stripped[jsonp.end() - 1:].rstrip(";").rstrip()[:-1]
        if inner is not None:
            doc = _json_or_none(inner)
            if isinstance(doc, dict | list):
                return self._json(doc, path, None, depth)
        if "x-www-form-urlencoded" in ctype or _looks_form(stripped):
            pairs = parse_qsl(stripped, keep_blank_values=True)
            if pairs:
                return self._pairs(path, pairs, depth)
        return (Text(path, text),) if stripped else ()

    def _multipart(self, body: bytes, ctype: str, path: str, depth: int) -> Iterator[Piece]:
        parts = _plain_multipart(body, ctype)
        if parts is None:
            head = f"Content-Type: {ctype}\r\nMIME-Version: 1.0\r\n\r\n".encode()
            try:
                msg = BytesParser(policy=HTTP).parsebytes(head + body)
                # the part headers are parsed lazily, so garbage in them (`name*`) raises here, not above
                parts = [_Part(part.get_param("name", header="content-disposition"), bool(part.get_filename()),
                               part.get_payload(decode=True) or b"", part.get_content_type(),
                               part.get("content-type", ""))
                         for part in msg.iter_parts()] if msg.is_multipart() else None
            except Exception as e:  # noqa: BLE001 - the email parser raises many kinds on garbage
                self.warnings.append(f"multipart body could not be parsed ({type(e).__name__}); scanned as text")
                parts = None
            if parts is None:
                yield from self._body(body, "text/plain", path, depth)
                return
        for i, part in enumerate(parts):
            name = part.name or f"part{i}"
            payload = part.payload
            ppath = f"{path}.{name}"
            if part.has_filename or looks_binary(payload) or part.mime.startswith(("image/", "audio/", "video/")):
                yield Blob(ppath, str(name), payload, part.mime)
            else:
                text = to_text(payload, part.content_type)
                if text is None:
                    yield Blob(ppath, str(name), payload, part.mime)
                else:
                    yield from self._value(ppath, str(name), text, None, depth + 1)

    # --- structures ------------------------------------------------------------------------------
    def _json(self, node: dict[str, Any] | list[Any], path: str, key: str | None, depth: int,
              parent: Mapping[str, Any] | None = None) -> Iterator[Piece]:
        """The leaves under a JSON (or protobuf) container, depth first.

        A scalar in a list gets the list's own key and the mapping around the list as parent. The
        members of objects are most of a capture's leaves (an analytics batch has a thousand per body),
        so they are yielded here, not through a generator each, and a string goes to ``_unwrap``
        only when it could be a wrapper at all. Containers from json.loads and protobuf are exact
        dicts and lists with str keys, hence ``type(v) is`` and no str(key).
        """
        if type(node) is dict:
            for k, v in node.items():
                vpath = f"{path}.{k}"
                vtype = type(v)
                if vtype is dict or vtype is list:
                    yield from self._json(v, vpath, k, depth, node)
                elif vtype is str and _may_wrap(v):
                    yield from self._value(vpath, k, v, node, depth)
                else:
                    yield Leaf(vpath, k, v, node)
        else:
            columns: dict[str, list[int]] = {}
            for i, v in enumerate(node):
                vtype = type(v)
                if vtype is dict:
                    # A record: its plain scalars join the array's columns, the rest is walked here.
                    for k, m in v.items():
                        mtype = type(m)
                        if mtype is dict or mtype is list:
                            yield from self._json(m, f"{path}[{i}].{k}", k, depth, v)
                            continue
                        if mtype is str and depth < MAX_DEPTH and _may_wrap(m):
                            inner = self._unwrap(f"{path}[{i}].{k}", k, m, depth)
                            if inner is not None:
                                yield from inner
                                continue
                        rows = columns.get(k)
                        if rows is None:
                            columns[k] = [i]
                        else:
                            rows.append(i)
                    continue
                vpath = f"{path}[{i}]"
                if vtype is list:
                    yield from self._json(v, vpath, key, depth, parent)
                else:
                    yield from self._value(vpath, key or vpath.rsplit(".", 1)[-1], v, parent, depth)
            for k, rows in columns.items():
                yield Column(path, k, node, rows)

    def _pairs(self, path: str, pairs: list[tuple[str, str]], depth: int) -> Iterator[Piece]:
        parent = dict(pairs)
        for k, v in pairs:
            yield from self._value(f"{path}.{k}", k, v, parent, depth)

    def _value(self, path: str, key: str, value: Any, parent: Mapping[str, Any] | None,
               depth: int) -> Iterator[Piece]:
        """A scalar; strings are tried as wrappers (JSON, JWT, base64, URL-encoded form) first."""
        if isinstance(value, str) and depth < MAX_DEPTH:
            inner = self._unwrap(path, key, value, depth, parent)
            if inner is not None:
                yield from inner
                return
        yield Leaf(path, key, value, parent)

    def _unwrap(self, path: str, key: str, s: str, depth: int,
                parent: Mapping[str, Any] | None = None) -> Iterable[Piece] | None:
        """The pieces inside a wrapped string, or None for a plain one (most strings: kept cheap)."""
        t = s.strip()
        if len(t) < 2:
            return None
        if t.startswith(_SEALED):
            self.sealed += 1
            return None
        if t[0] in "{[" and t[-1] in "}]":
            doc = _json_or_none(t)
            if doc is None and t[0] == "{" and t[-1] == "}" and "},{" in t:
                # objects joined by commas: an array whose brackets a logger left out ({..},{..})
                doc = _json_or_none(f"[{t}]")
            if isinstance(doc, dict | list):
                return self._json(doc, path, key, depth + 1)
        jwt = _jwt_payload(t)
        if jwt is not None:
            return self._json(jwt, f"{path}{{jwt}}", key, depth + 1)
        if len(t) >= MIN_B64 and t[:2] in _B64_HEADS and _B64_RE.fullmatch(t):
            raw = _b64(t)
            if raw is not None:
                if raw.startswith(_IMAGE_MAGIC):
                    return (Blob(f"{path}{{base64}}", key, raw, ""),)
                try:
                    inner = raw.decode("utf-8")
                except UnicodeDecodeError:
                    inner = None
                if inner and inner.strip()[:1] in "{[" and _printable(inner):
                    return self._text_body(inner, "", f"{path}{{base64}}", depth + 1)
        if "=" in t and ("&" in t or "%" in t) and _looks_form(t):
            pairs = parse_qsl(t, keep_blank_values=True)
            if len(pairs) >= 2:
                return self._pairs(f"{path}{{form}}", pairs, depth + 1)
        if "%" in t and _PERCENT.search(t):
            # percent-encoded once more than its container decoded (licensePlate=%25E8%258B%258F...), or
            # URL-encoded JSON in a JSON string or a cookie: the decoded value is the field's value
            plain = _percent_decoded(t)
            if plain is not None and plain != t:
                return self._value(path, key, plain, parent, depth + 1)
        return None


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's stack
        return None


_B64_RE = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
#: A JSONP body's head: an optional /**/ guard, the callback's name and its opening bracket.
_JSONP = re.compile(r"(?:/\*\*/\s*)?[\w$.]+\s*\(\s*[\[{]")
#: Engine.IO / Socket.IO packet types before a message's JSON (42["event", {...}]).
_SOCKET_IO = re.compile(r"\d{1,3}(?=[\[{])")


def _percent_decoded(t: str) -> str | None:
    """The text under percent-encoding, as UTF-8 or else GB18030 (what Chinese servers send); None if neither."""
    raw = unquote_to_bytes(t)
    for cs in ("utf-8", "gb18030"):
        try:
            return raw.decode(cs)
        except UnicodeDecodeError:
            continue
    return None


_FORM_RE = re.compile(r"^[\w.\-\[\]%]+=[^&]*(&[\w.\-\[\]%]+=[^&]*)*$")


#: The characters str.isspace() (and so str.strip()) takes for blanks; a test checks the list against
#: the running Python, where working it out at import would cost every start 70 ms.
_SPACES = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000"
                    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a")
#: What a string ``_unwrap`` can make something of may start with (JSON, a JWT or "Bearer ", or blanks
#: it strips first); any other string needs a "=" (a form) or a base64 head (``_B64_HEADS``).
_WRAP_LEADS = frozenset("{[ebB") | _SPACES


def _b64_heads() -> frozenset[str]:
    """The first two characters of every base64 string ``_unwrap`` can make something of.

    Two base64 characters fix the first decoded byte, and only an image signature, '{', '[' or the
    first byte of a whitespace character (blank or all-space inner text counts too) lead anywhere;
    every other string (hex IDs, digits...) skips the decoding attempt, which mostly failed anyway.
    """
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    index = {c: i for i, c in enumerate(alphabet)} | {"-": 62, "_": 63}
    leads = {magic[0] for magic in _IMAGE_MAGIC} | {ord("{"), ord("[")} | {c.encode()[0] for c in _SPACES}
    return frozenset(a + b for a in index for b in index if (index[a] << 2 | index[b] >> 4) in leads)


_B64_HEADS = _b64_heads()
#: A passphrase-encrypted value in OpenSSL's format ("Salted__" + salt + ciphertext), CryptoJS.AES's
#: default output: base64 of it, or that base64 once more (web apps that 'encrypt' a request body).
_SEALED = ("U2FsdGVkX1", "VTJGc2RHVmtYM")


def _may_wrap(s: str) -> bool:
    """Whether ``_unwrap`` could make anything of the string; most strings are plain and skip it."""
    return (s[:1] in _WRAP_LEADS or "=" in s or "%" in s or (len(s) >= MIN_B64 and s[:2] in _B64_HEADS)
            or s.startswith(_SEALED))


def _looks_form(s: str) -> bool:
    return len(s) < 1_000_000 and bool(_FORM_RE.match(s)) and "=" in s


def _printable(s: str) -> bool:
    sample = s[:512]
    return sum(ch.isprintable() or ch in "\r\n\t" for ch in sample) >= 0.95 * len(sample)


def _b64(s: str) -> bytes | None:
    pad = "=" * (-len(s) % 4)
    try:
        if "-" in s or "_" in s:
            return base64.urlsafe_b64decode(s + pad)
        return base64.b64decode(s + pad, validate=True)
    except (binascii.Error, ValueError):
        return None


def _jwt_payload(s: str) -> dict[str, Any] | None:
    if s.startswith("eyJ"):
        token = s
    elif s[:1] in "bB" and s[:7].lower() == "bearer ":
        token = s[7:].strip()
    else:
        return None
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].startswith("eyJ"):
        return None
    raw = _b64(parts[1])
    if raw is None:
        return None
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


# --- multipart without the email package ---------------------------------------------------------


class _Part(NamedTuple):
    """One part of a multipart body, as ``Walker._multipart`` reads it (email.message names in brackets)."""

    name: Any  # the form field name or None [get_param("name", header="content-disposition")]
    has_filename: bool  # a non-blank filename was given [bool(get_filename())]
    payload: bytes  # [get_payload(decode=True)]
    mime: str  # lower-case type/subtype, text/plain when absent [get_content_type()]
    content_type: str  # the Content-Type header, "" when absent; only its charset is used


_PLAIN_MULTIPART_RE = re.compile(
    r"multipart/(?:form-data|mixed|related)[ \t]*;[ \t]*boundary=(?:\"([\w.+-]{1,70})\"|([\w.+-]{1,70}))"
    r"(?:[ \t]*;[ \t]*charset=[\w.:-]+)?", re.I | re.A)
_PLAIN_PART_HEADER_RE = re.compile(
    rb"(?i:(content-disposition)):[ \t]*(?:form-data|attachment|inline)"
    rb"(?:[ \t]*;[ \t]*name=\"([\w.\[\]-]*)\")?(?:[ \t]*;[ \t]*filename=\"([\w.()\[\] +-]*)\")?"
    rb"|(?i:(content-type)):[ \t]*((?!(?i:message|multipart)/)[\w.+-]+/[\w.+-]+"
    rb"(?:[ \t]*;[ \t]*charset=(?:\"[\w.:-]+\"|[\w.:-]+))?)")
_LINE_RE = re.compile(rb"([^\r\n]*)(\r\n|\r|\n)?")
_BOUNDARY_TAIL_RE = re.compile(rb"(--)?[ \t]*(?:\r\n|\r|\n|\Z)")


def _plain_multipart(body: bytes, ctype: str) -> list[_Part] | None:
    """The parts of a plainly built multipart body, exactly as the email package would read them.

    The email parser costs milliseconds per upload (it splits a JPEG into hundreds of lines and
    decodes each), so bodies built the usual way (a token boundary, parts with only a simple
    Content-Disposition and Content-Type, a closing boundary) are split here; anything else, and
    every oddity the email package has rules for, returns None and goes to the email package.
    Its line rules are kept: a boundary line starts after CR, LF or CRLF and may end in blanks, and
    the line break before a boundary belongs to the boundary.
    """
    m = _PLAIN_MULTIPART_RE.fullmatch(ctype)
    if m is None:
        return None
    sep = b"--" + (m.group(1) or m.group(2)).encode("ascii")
    found = _next_boundary(body, sep, 0)
    if found is None or found[1]:
        return None  # no opening boundary, or a closing one first: the email package's defects
    pos = found[2]
    parts: list[_Part] = []
    while True:
        if body.startswith(sep, pos) and _BOUNDARY_TAIL_RE.match(body, pos + len(sep)):
            return None  # repeated boundary lines, merged by the email package
        fields: dict[bytes, re.Match[bytes]] = {}
        while True:
            line = _LINE_RE.match(body, pos)
            if not line.group(2):
                return None
            pos = line.end()
            if not line.group(1):
                break
            header = _PLAIN_PART_HEADER_RE.fullmatch(line.group(1))
            if header is None:
                return None
            hname = (header.group(1) or header.group(4)).lower()
            if hname in fields:
                return None
            fields[hname] = header
        found = _next_boundary(body, sep, pos)
        if found is None:
            return None
        start, closing, after = found
        payload = body[pos:start]
        if payload.endswith(b"\r\n"):
            payload = payload[:-2]
        elif payload.endswith((b"\r", b"\n")):
            payload = payload[:-1]
        disposition = fields.get(b"content-disposition")
        ctype_header = fields.get(b"content-type")
        filename = disposition.group(3) if disposition else None
        parts.append(_Part(
            disposition.group(2).decode("ascii") if disposition and disposition.group(2) is not None else None,
            bool(filename and filename.strip()),
            payload,
            ctype_header.group(5).split(b";", 1)[0].strip().lower().decode("ascii") if ctype_header else "text/plain",
            ctype_header.group(5).decode("ascii") if ctype_header else "",
        ))
        if closing:
            return parts
        pos = after


def _next_boundary(body: bytes, sep: bytes, pos: int) -> tuple[int, bool, int] | None:
    """The first boundary line from ``pos`` (a line start): its start, whether it closes, where it ends."""
    at = body.find(sep, pos)
    while at >= 0:
        if at == pos or body[at - 1] in b"\r\n":
            tail = _BOUNDARY_TAIL_RE.match(body, at + len(sep))
            if tail:
                return at, tail.group(1) is not None, tail.end()
        at = body.find(sep, at + 1)
    return None
