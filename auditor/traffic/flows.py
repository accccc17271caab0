"""Captured HTTP flows in one shape, whatever tool captured them.

HAR files (browsers, Charles, mitmproxy's export) and mitmproxy's own flow files are read into
``Flow`` objects that keep the raw body bytes and the headers needed to decode them; decoding and
scanning happen later (auditor.traffic.decode / scan), so the readers stay small and a new capture
format only needs a reader.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from functools import cache, cached_property
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

from auditor.errors import InputError, parse_json_bytes
from auditor.masking import clip
from auditor.traffic import tnetstring

#: Bodies longer than this are cut before scanning (the audit notes it); configurable per call.
DEFAULT_BODY_CAP = 8 * 1024 * 1024
#: HAR files are parsed whole; beyond this size we refuse rather than exhaust memory.
MAX_HAR_BYTES = 4 * 1024 * 1024 * 1024


@dataclass
class Message:
    """One side of an exchange. ``body`` is as captured; ``content_decoded`` says whether the capture
    tool already removed the Content-Encoding (HAR does, mitmproxy's raw_content does not)."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    content_decoded: bool = False
    truncated: bool = False
    mime: str = ""

    def header(self, name: str) -> str:
        """The first header of this name (any case), "" when absent; names are indexed at the first call
        (the scan, the consent patterns and the first-party hints each ask for a few)."""
        index = self.__dict__.get("_index")
        if index is None:
            index = self.__dict__["_index"] = {}
            for k, v in self.headers:
                index.setdefault(k.lower(), v)
        return index.get(name.lower(), "")


@dataclass(slots=True)
class WsMessage:
    """One WebSocket message of a flow: who sent it, whether it is text, its bytes and when."""

    from_client: bool
    text: bool
    content: bytes
    time: datetime | None = None


@dataclass
class Flow:
    file: str
    index: int
    method: str
    url: str
    time: datetime | None
    request: Message
    response: Message | None = None
    status: int | None = None
    #: WebSocket messages exchanged over this flow after the upgrade (mitmproxy flows, Chrome's HAR)
    messages: list[WsMessage] = field(default_factory=list)

    @cached_property
    def _parts(self) -> SplitResult:
        """Split once: scanning, the timeline, parties and the consent moment all ask for pieces of the URL."""
        return urlsplit(self.url)

    @property
    def scheme(self) -> str:
        return self._parts.scheme.lower()

    @property
    def host(self) -> str:
        return (self._parts.hostname or "").lower()

    @property
    def url_without_query(self) -> str:
        """The URL as shown in evidence: query values can carry PI, so they are reported per field."""
        s = self._parts
        return f"{s.scheme}://{s.netloc}{s.path}"

    def without_bodies(self) -> Flow:
        """The flow as the timeline and the consent moment need it, small enough to send between processes."""
        slim = Flow(self.file, self.index, self.method, self.url, self.time, Message(), None, self.status)
        slim.__dict__["_parts"] = self._parts  # what cached_property would store: the URL is not split again
        return slim


@dataclass
class ReadResult:
    flows: list[Flow]
    warnings: list[str]
    pages: list[str] = field(default_factory=list)  # hosts of the pages a browser recorded (HAR log.pages)


def checked_url(url: str) -> str:
    """A captured URL as the audit keeps it, or ValueError naming what is wrong with it.

    Bytes no decoder could read (a GBK path in a flow file, a lone surrogate in a HAR) and control
    characters are percent-encoded, as they travelled, so every writer can store and print the URL;
    a URL whose authority cannot be parsed (``http://[::1/ping``, a port of 99999) is refused here,
    so its record is skipped with a warning instead of failing the audit later, where it is split.
    """
    if not url.isascii() or not url.isprintable():
        url = "".join(c if c.isprintable() and not ("\ud800" <= c <= "\udfff") else _escaped(c) for c in url)
    parts = urlsplit(url)
    if parts.netloc.count(":") > 1 and "[" not in parts.netloc:
        # mitmproxy's pretty_url leaves an IPv6 host unbracketed (``http://::1:8080/``): bracket it so
        # the URL can be split; anything else with several colons stays malformed
        url, parts = _bracketed_ipv6(url, parts)
    _ = parts.hostname, parts.port  # both raise ValueError on a malformed authority
    return url


def _bracketed_ipv6(url: str, parts: SplitResult) -> tuple[str, SplitResult]:
    netloc = parts.netloc
    for host, port in (netloc.rpartition(":")[::2], (netloc, "")):  # host:port first, as mitmproxy writes it
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            continue
        if port == "" or port.isdigit():
            fixed = parts._replace(netloc=f"[{host}]" + (f":{port}" if port else ""))
            return urlunsplit(fixed), fixed
    return url, parts


def _escaped(c: str) -> str:
    return quote(c.encode("utf-8", "surrogateescape" if "\udc80" <= c <= "\udcff" else "surrogatepass"), safe="")


def checked_status(value: Any) -> int | None:
    """An HTTP status as kept: an int in 100..999, or None (a 5,000-digit status must not reach a writer)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 999 else None


def _parse_time(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _cap(body: bytes, cap: int) -> tuple[bytes, bool]:
    return (body[:cap], True) if len(body) > cap else (body, False)


def _har_content(content: dict[str, Any], cap: int) -> tuple[bytes, bool]:
    text = content.get("text")
    if not isinstance(text, str) or not text:
        return b"", False
    if content.get("encoding") == "base64":
        # decode only what the cap allows: 4 base64 chars -> 3 bytes
        limit = (cap // 3 + 1) * 4
        try:
            raw = base64.b64decode(text[:limit], validate=False)
        except (binascii.Error, ValueError):
            raw = text.encode("utf-8", "surrogatepass")
        return _cap(raw, cap)[0], len(text) > limit or len(raw) > cap
    return _cap(text.encode("utf-8", "surrogatepass"), cap)


def _har_headers(items: Any) -> list[tuple[str, str]]:
    out = []
    for h in items or []:
        if isinstance(h, dict) and "name" in h:
            out.append((str(h["name"]), str(h.get("value", ""))))
    return out


def _har_post_data(post: Any, cap: int) -> tuple[bytes, str, bool]:
    if not isinstance(post, dict):
        return b"", "", False
    mime = str(post.get("mimeType", ""))
    if isinstance(post.get("text"), str) and post["text"]:
        body, cut = _har_content(post, cap)
        return body, mime, cut
    params = post.get("params")
    if isinstance(params, list) and params:
        from urllib.parse import urlencode

        pairs = [(str(p.get("name", "")), str(p.get("value", ""))) for p in params if isinstance(p, dict)]
        body, cut = _cap(urlencode(pairs).encode(), cap)
        return body, mime or "application/x-www-form-urlencoded", cut
    return b"", mime, False


def read_har(path: Path, *, label: str | None = None, body_cap: int = DEFAULT_BODY_CAP) -> ReadResult:
    """Read a HAR 1.2 file. A file that is not a HAR is an InputError; a bad entry is a warning."""
    label = label or path.name
    try:
        size = path.stat().st_size
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    if size > MAX_HAR_BYTES:
        raise InputError(path, f"HAR is {size} bytes, more than the {MAX_HAR_BYTES} this reader accepts")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    doc = parse_json_bytes(path, raw, what="a HAR file")
    del raw
    log = doc.get("log") if isinstance(doc, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise InputError(path, "not a HAR file: no log.entries")
    flows: list[Flow] = []
    warnings: list[str] = []
    for i, entry in enumerate(log["entries"]):
        try:
            flows.append(_har_entry(entry, label, i, body_cap, warnings))
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, RecursionError) as e:
            warnings.append(f"{label}: entry {i} skipped: {type(e).__name__}: {clip(e)}")
    return ReadResult(flows, warnings, _har_pages(log))


def _har_pages(log: dict[str, Any]) -> list[str]:
    """The hosts of the pages a browser recorded: a page's title when it is a URL (Chrome, Safari),
    else the host of the first entry loaded for that page (its document; Firefox titles are words)."""
    pages = log.get("pages")
    if not isinstance(pages, list):
        return []
    first: dict[str, str] = {}
    for entry in log["entries"]:
        if isinstance(entry, dict) and isinstance(entry.get("pageref"), str) and entry["pageref"] not in first:
            req = entry.get("request")
            url = req.get("url") if isinstance(req, dict) else None
            if isinstance(url, str):
                first[entry["pageref"]] = url_host(url)
    hosts = []
    for page in pages:
        if not isinstance(page, dict):
            continue
        title = page.get("title")
        host = url_host(title) if isinstance(title, str) and "://" in title else ""
        host = host or first.get(str(page.get("id")), "")
        if host and host not in hosts:
            hosts.append(host)
    return hosts


def url_host(url: str) -> str:
    """The lower-case host a URL names, or "" when it names none or cannot be split."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _har_entry(entry: dict[str, Any], label: str, i: int, cap: int, warnings: list[str]) -> Flow:
    req = entry.get("request")
    if not isinstance(req, dict) or not req.get("url"):
        raise ValueError("no request")
    body, mime, cut = _har_post_data(req.get("postData"), cap)
    request = Message(_har_headers(req.get("headers")), body, content_decoded=True, truncated=cut, mime=mime)
    if cut:
        warnings.append(f"{label}: flow {i}: request body cut at {cap} bytes for scanning")
    response = None
    status = None
    resp = entry.get("response")
    if isinstance(resp, dict):
        content = resp.get("content") if isinstance(resp.get("content"), dict) else {}
        rbody, rcut = _har_content(content, cap)
        if rcut:
            warnings.append(f"{label}: flow {i}: response body cut at {cap} bytes for scanning")
        response = Message(
            _har_headers(resp.get("headers")), rbody, content_decoded=True, truncated=rcut,
            mime=str(content.get("mimeType", "")),
        )
        status = checked_status(resp.get("status"))
    return Flow(
        file=label, index=i, method=checked_method(str(req.get("method", "GET"))),
        url=checked_url(_har_url(req["url"])),
        time=_parse_time(entry.get("startedDateTime")), request=request, response=response, status=status,
        messages=_har_ws_messages(entry.get("_webSocketMessages"), label, i, cap, warnings),
    )


def _har_url(url: object) -> str:
    """The entry's URL; separators an exporter wrote HTML-escaped (``?a=1&amp;b=2``) put back. A raw
    ``&amp;`` never belongs to a query's data (RFC 3986: a literal '&' in a value is percent-encoded),
    and left in place it turns every later key into ``amp;b``."""
    text = str(url)
    head, sep, query = text.partition("?")
    return f"{head}?{query.replace('&amp;', '&')}" if sep and "&amp;" in query else text


def _har_ws_messages(items: Any, label: str, i: int, cap: int, warnings: list[str]) -> list[WsMessage]:
    """Chrome's ``_webSocketMessages`` (type send/receive, opcode 1 text / 2 binary in base64, time in
    epoch seconds). A message of another shape is a warning: it is not scanned, and the audit says so."""
    if not isinstance(items, list):
        return []
    shaped = [m for m in items if isinstance(m, dict) and m.get("type") in ("send", "receive")
              and isinstance(m.get("data"), str)]
    out = _ws_messages(((_WS_BINARY if m.get("opcode", 1) == 2 else _WS_TEXT, m["type"] == "send",
                         _har_ws_content(m["data"], m.get("opcode", 1) == 2), m.get("time")) for m in shaped),
                       label, i, cap, warnings)
    if len(shaped) < len(items):
        warnings.append(f"{label}: flow {i}: {len(items) - len(shaped)} WebSocket message(s) of an unknown shape "
                        "not scanned")
    return out


def _har_ws_content(data: str, binary: bool) -> bytes:
    """A HAR message's bytes: a binary one is base64 (kept as text when it is not)."""
    if binary:
        try:
            return base64.b64decode(data, validate=False)
        except (binascii.Error, ValueError):
            pass
    return data.encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class Record:
    """One flow's bytes in a mitmproxy flow file: its index in the file and where its tnetstring lies."""

    index: int
    offset: int
    length: int


def frame_mitm(path: Path) -> tuple[list[Record], str | None]:
    """Where each flow lies in a mitmproxy flow file, without parsing any of them.

    A flow file is a sequence of tnetstrings (``<length>:<payload><type>``), one per flow, so finding
    the boundaries costs one small read per flow. Parsing can then happen anywhere, in any order: in
    worker processes that read their own records, which is what makes big captures fast. Damage to the
    framing (a cut file, garbage) ends the list there; the reason comes back as the second value.
    """
    records: list[Record] = []
    try:
        fh = path.open("rb")
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    with fh:
        size = os.fstat(fh.fileno()).st_size
        offset = 0
        while offset < size:
            head = fh.read(tnetstring.MAX_PREFIX_DIGITS + 1)
            digits, colon, _ = head.partition(b":")
            if not colon or not digits.isdigit():
                return records, f"no tnetstring length prefix at byte {offset}"
            length = len(digits) + 1 + int(digits) + 1
            if offset + length > size:
                return records, f"flow {len(records)} is cut short ({size - offset} of {length} bytes present)"
            fh.seek(offset + length - 1)
            if fh.read(1) != b"}":
                return records, f"flow {len(records)} is not a tnetstring dictionary"
            records.append(Record(len(records), offset, length))
            offset += length
    return records, None


def load_mitm_record(data: bytes, label: str, index: int, cap: int, warnings: list[str]) -> Flow | None:
    """One record of a flow file as a Flow (None when it is no HTTP flow, e.g. TCP).

    Records in mitmproxy's current format take a short way: only the request and response are parsed,
    straight into a Flow (see flow_from_state), not the client and server connection records, which
    are half of every record and hold no evidence. Records of older mitmproxy versions go the whole
    way, through mitmproxy's format migrations and classes.
    """
    from mitmproxy.version import FLOW_FORMAT_VERSION

    top = tnetstring.members(data)
    if _member(data, top, "version") == FLOW_FORMAT_VERSION:
        kind = _member(data, top, "type")
        if kind != "http":
            warnings.append(_not_http(label, index, kind))
            return None
        return flow_from_state(_member(data, top, "request"), _member(data, top, "response"), label, index, cap,
                               warnings, _member(data, top, "websocket"))
    from mitmproxy import flow, http
    from mitmproxy.io import compat

    state = tnetstring.loads(data)
    try:
        state = compat.migrate_flow(state)
    except ValueError as e:  # mitmproxy's words for a format version it no longer reads
        raise FormatVersionError(str(e)) from None
    f = flow.Flow.from_state(state)
    if not isinstance(f, http.HTTPFlow):
        warnings.append(_not_http(label, index, getattr(f, "type", type(f).__name__)))
        return None
    return flow_from_mitmproxy(f, label, index, cap, warnings)


def _not_http(label: str, index: int, kind: object) -> str:
    """What an audit says of a flow it does not scan (a TCP, UDP or DNS flow): never silence."""
    name = kind.decode("utf-8", "replace") if isinstance(kind, bytes) else str(kind)
    return f"{label}: flow {index}: a {name} flow, not HTTP: its messages were not scanned"


def _member(data: bytes, top: dict[Any, tuple[int, int]], name: str) -> Any:
    """A top-level member's value (None when absent, which the format check then refuses)."""
    where = top.get(name)
    return tnetstring.parse(data, where[0], where[1])[0] if where else None


class FormatVersionError(ValueError):
    """A record in a flow format the installed mitmproxy refuses to migrate (its message says which)."""


@dataclass
class RecordRead:
    """One record of a flow file as read: its HTTP flow (None for other kinds, e.g. TCP, or when
    unreadable), the warnings met, and why mitmproxy could not read it (None when it could)."""

    record: Record
    flow: Flow | None
    warnings: list[str]
    unreadable: str | None = None  # mitmproxy's message for a refused format version, else ""


def read_mitm_records(path: Path, records: list[Record], *, label: str,
                      body_cap: int = DEFAULT_BODY_CAP) -> Iterator[RecordRead]:
    """The HTTP flows of the given records, each with its warnings.

    A record whose framing was fine but whose content mitmproxy cannot read is skipped with a warning:
    the flows after it are still evidence.
    """
    with path.open("rb") as fh:
        for rec in records:
            fh.seek(rec.offset)
            warnings: list[str] = []
            try:
                f = load_mitm_record(fh.read(rec.length), label, rec.index, body_cap, warnings)
            except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError, OverflowError) as e:
                warning = f"{label}: flow {rec.index} unreadable, skipped ({type(e).__name__}: {clip(e)})"
                yield RecordRead(rec, None, [warning], str(e) if isinstance(e, FormatVersionError) else "")
                continue
            yield RecordRead(rec, f, warnings)


def check_framing(path: Path, records: list[Record], damage: str | None, label: str) -> list[str]:
    """A file with no readable frame is not a flow file (an error); damage later is a warning."""
    if damage is None:
        return []
    if not records:
        raise InputError(path, f"not a mitmproxy flow file: {damage}")
    return [f"{label}: damaged after flow {len(records) - 1}: kept the {len(records)} flows before it ({damage})"]


def read_mitm(path: Path, *, label: str | None = None, body_cap: int = DEFAULT_BODY_CAP) -> ReadResult:
    """Read a mitmproxy flow file as mitmproxy reads it (see load_mitm_record); damage keeps the flows before it."""
    label = label or path.name
    records, damage = frame_mitm(path)
    warnings = check_framing(path, records, damage, label)
    flows: list[Flow] = []
    reasons: list[str] = []
    for read in read_mitm_records(path, records, label=label, body_cap=body_cap):
        warnings += read.warnings
        if read.flow is not None:
            flows.append(read.flow)
        elif read.unreadable is not None:
            reasons.append(read.unreadable)
    check_readable(path, len(records), reasons)
    return ReadResult(flows, warnings)


def check_readable(path: Path, framed: int, reasons: list[str]) -> None:
    """A flow file none of whose records mitmproxy can read is not a flow file: an error, not warnings.

    When every record is of a format version mitmproxy refuses, its own words are the message ("cannot
    read files with flow format version (0, 10)"): they tell the user what to do, where "none of its
    records is a flow" does not. ``reasons``: one per unreadable record, "" when not a version refusal."""
    if not framed or len(reasons) < framed:
        return
    if len(set(reasons)) == 1 and reasons[0]:
        raise InputError(path, f"not readable as a mitmproxy flow file: {reasons[0].rstrip('.')}")
    raise InputError(path, "not a mitmproxy flow file: none of its records is a flow mitmproxy can read")


def flow_from_mitmproxy(f: Any, label: str, index: int, cap: int, warnings: list[str]) -> Flow:
    """Convert a mitmproxy HTTPFlow (the live proxy addon; flow files of older mitmproxy versions)."""
    req, resp = f.request, f.response
    flow = _flow(label, index, req.method, req.pretty_url, req.timestamp_start,
                 list(req.headers.items(multi=True)), req.raw_content,
                 None if resp is None else (list(resp.headers.items(multi=True)), resp.raw_content, resp.status_code),
                 cap, warnings)
    ws = getattr(f, "websocket", None)
    if ws is not None:
        flow.messages = _ws_messages(((int(m.type), m.from_client, m.content, m.timestamp) for m in ws.messages),
                                     label, index, cap, warnings)
    return flow


def flow_from_state(req: dict[str, Any], resp: dict[str, Any] | None, label: str, index: int, cap: int,
                    warnings: list[str], websocket: dict[str, Any] | None = None) -> Flow:
    """A request and response record of a current-format flow file, read as mitmproxy's Request and
    Response would present them (same text decoding, same URL), without building those: making them
    and their headers was a third of reading a record. Malformed fields raise ValueError, TypeError,
    KeyError or AttributeError, and the record is skipped with a warning like any unreadable one."""
    if req.keys() != _USUAL_REQUEST or (resp is not None and resp.keys() != _USUAL_RESPONSE):
        request_fields, response_fields = _record_fields()
        if req.keys() != request_fields or (resp is not None and resp.keys() != response_fields):
            raise ValueError("request or response record has other fields than mitmproxy's")  # mitmproxy refuses it
    headers = _state_headers(req["headers"])
    method = _text(req["method"])
    response = None
    if resp is not None:
        response = (_state_headers(resp["headers"]), resp["content"], resp["status_code"])
    flow = _flow(label, index, method, _pretty_url(req, method, headers), req["timestamp_start"], headers,
                 req["content"], response, cap, warnings)
    if websocket:
        # mitmproxy's WebSocketMessage state: (type, from_client, content, timestamp, dropped, injected)
        flow.messages = _ws_messages(((m[0], m[1], m[2], m[3]) for m in websocket["messages"]), label, index, cap,
                                     warnings)
    return flow


#: WebSocket opcodes (RFC 6455 §5.2) that carry data: 1 text, 2 binary (ping, pong and close carry none).
_WS_TEXT, _WS_BINARY = 1, 2


def _ws_messages(items: Iterable[tuple[int, bool, bytes | str, Any]], label: str, index: int, cap: int,
                 warnings: list[str]) -> list[WsMessage]:
    """The data messages (text, binary) of a flow, each cut at ``cap``; a time that is not a number is unknown."""
    out = []
    for opcode, from_client, content, ts in items:
        if opcode not in (_WS_TEXT, _WS_BINARY):
            continue
        # older flow formats migrate text messages as str
        raw = content.encode("utf-8", "surrogateescape") if isinstance(content, str) else bytes(content or b"")
        body, cut = _cap(raw, cap)
        if cut:
            warnings.append(f"{label}: flow {index}: WebSocket message {len(out)} cut at {cap} bytes for scanning")
        out.append(WsMessage(bool(from_client), opcode == _WS_TEXT, body,
                             _from_timestamp(ts, label, index, warnings) if isinstance(ts, int | float) else None))
    return out


#: The fields of mitmproxy 11's request and response records. A record with exactly these is checked no
#: further; any other goes to the installed mitmproxy's own list (importing mitmproxy.http costs a worker
#: 0.15 s, so it is done only then), so a mitmproxy with other fields reads as mitmproxy reads it.
_USUAL_REQUEST = frozenset({"authority", "content", "headers", "host", "http_version", "method", "path", "port",
                            "scheme", "timestamp_end", "timestamp_start", "trailers"})
_USUAL_RESPONSE = frozenset({"content", "headers", "http_version", "reason", "status_code", "timestamp_end",
                             "timestamp_start", "trailers"})


@cache
def _record_fields() -> tuple[frozenset[str], frozenset[str]]:
    """The fields of mitmproxy's request and response records in the installed version."""
    from mitmproxy import http

    return (frozenset(f.name for f in fields(http.RequestData)), frozenset(f.name for f in fields(http.ResponseData)))


def _text(raw: bytes) -> str:
    """How mitmproxy decodes methods, paths, schemes and header fields."""
    return raw.decode("utf-8", "surrogateescape")


def _state_headers(raw: list[list[bytes]]) -> list[tuple[str, str]]:
    return [(_text(k), _text(v)) for k, v in raw]


def _folded(headers: list[tuple[str, str]], name: str) -> str:
    """A header's value as mitmproxy's ``headers.get`` gives it: repeats folded with ", ", "" when absent."""
    return ", ".join(v for k, v in headers if k.lower() == name)


def _pretty_url(req: dict[str, Any], method: str, headers: list[tuple[str, str]]) -> str:
    """mitmproxy's ``Request.pretty_url`` (mitmproxy 11), from the record: the Host header (or an
    HTTP/2 and HTTP/3 :authority) names the host, as the app addressed it."""
    from mitmproxy.net.http import url

    scheme, path = _text(req["scheme"]), _text(req["path"])
    try:
        authority = req["authority"].decode("idna")
    except UnicodeError:
        authority = _text(req["authority"])
    if method.upper() == "CONNECT":
        return authority
    host_header = _folded(headers, "host") or None
    if req["http_version"] in (b"HTTP/2.0", b"HTTP/3"):
        host_header = authority or host_header
    if not host_header:
        return url.unparse(scheme, req["host"], req["port"], path)
    host, port = url.parse_authority(host_header, check=False)
    return url.unparse(scheme, host, port or url.default_port(scheme) or 443, path)


def _flow(label: str, index: int, method: str, url: str, started: float | None, headers: list[tuple[str, str]],
          raw: bytes | None, response: tuple[list[tuple[str, str]], bytes | None, int] | None, cap: int,
          warnings: list[str]) -> Flow:
    body, cut = _cap(raw or b"", cap)
    if cut:
        warnings.append(f"{label}: flow {index}: request body cut at {cap} bytes for scanning")
    resp = None
    status = None
    if response is not None:
        rheaders, rraw, status = response
        rbody, rcut = _cap(rraw or b"", cap)
        if rcut:
            warnings.append(f"{label}: flow {index}: response body cut at {cap} bytes for scanning")
        resp = Message(rheaders, rbody, truncated=rcut, mime=_folded(rheaders, "content-type"))
    return Flow(
        file=label, index=index, method=checked_method(method), url=checked_url(url),
        time=_from_timestamp(started, label, index, warnings), status=checked_status(status),
        request=Message(headers, body, truncated=cut, mime=_folded(headers, "content-type")), response=resp,
    )


def _from_timestamp(started: float | None, label: str, index: int, warnings: list[str]) -> datetime | None:
    """A record's start time; one out of any calendar (1e300, NaN) leaves the flow's time unknown."""
    if not started:
        return None
    try:
        return datetime.fromtimestamp(started, tz=UTC)
    except (OverflowError, OSError, ValueError, TypeError):
        warnings.append(f"{label}: flow {index}: start time {clip(started)} is out of range; time unknown")
        return None


def checked_method(method: str) -> str:
    """An HTTP method as kept: upper case, at most 32 printable ASCII characters (it is printed and stored)."""
    method = method.upper()
    return method if len(method) <= 32 and method.isascii() and method.isprintable() else "INVALID"



def sniff_format(path: Path) -> str:
    """'har' or 'mitm' by content, so a capture with a wrong extension still reads."""
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "har"
    if not head:
        raise InputError(path, "empty file: not a HAR or mitmproxy flow file")
    # mitmproxy flow files are tnetstrings: "<digits>:" then a dict
    digits = head.split(b":", 1)[0]
    if digits.isdigit() and len(head) > len(digits) + 1:
        return "mitm"
    raise InputError(path, "not a HAR (JSON) or mitmproxy flow file")


def capture_format(path: Path) -> str:
    """'har' or 'mitm' for a capture path; a missing file or a directory is an InputError."""
    if not path.exists():
        raise InputError(path, "no such file")
    if path.is_dir():
        raise InputError(path, "is a directory, not a capture file")
    return sniff_format(path)


def read_capture(path: Path, *, body_cap: int = DEFAULT_BODY_CAP) -> ReadResult:
    reader = read_har if capture_format(path) == "har" else read_mitm
    return reader(path, body_cap=body_cap)
