"""Decoding of captured bodies: wrappers peeled, paths right, bombs bounded, Chinese charsets read."""

from __future__ import annotations

import base64
import gzip
import json
import zlib

import brotli
import zstandard

from auditor.traffic.decode import Blob, Leaf, Text, Walker, decompress, to_text


def leaves(pieces) -> dict[str, object]:
    return {p.path: p.value for p in pieces if isinstance(p, Leaf)}


def test_gzip_bomb_stops_at_limit() -> None:
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))
    assert len(bomb) < 100_000
    out, warnings = decompress(bomb, "gzip", limit=1024 * 1024)
    assert len(out) == 1024 * 1024
    assert any("limit" in w for w in warnings)


def test_brotli_and_zstd_bombs_stop_at_limit() -> None:
    data = b"A" * (20 * 1024 * 1024)
    for enc, packed in (("br", brotli.compress(data)), ("zstd", zstandard.ZstdCompressor().compress(data))):
        out, warnings = decompress(packed, enc, limit=256 * 1024)
        assert len(out) <= 256 * 1024 + 0
        assert warnings, enc


def test_stacked_and_raw_deflate() -> None:
    payload = b'{"sfzh":"x"}'
    raw_deflate = zlib.compressobj(wbits=-15)
    body = raw_deflate.compress(payload) + raw_deflate.flush()
    assert decompress(body, "deflate")[0] == payload
    stacked = brotli.compress(gzip.compress(payload))
    assert decompress(stacked, "gzip, br")[0] == payload


def test_broken_gzip_is_scanned_as_is_with_warning() -> None:
    out, warnings = decompress(b"\x1f\x8bnot really gzip", "gzip")
    assert out == b"\x1f\x8bnot really gzip"
    assert warnings and "gzip" in warnings[0]


def test_gbk_declared_and_sniffed() -> None:
    text = "姓名：张伟，家庭地址：安徽省合肥市蜀山区长江西路189号"
    assert to_text(text.encode("gbk"), "text/plain; charset=GBK") == text
    assert to_text(text.encode("gb18030"), "text/plain") == text


def test_json_in_string_in_base64_in_form() -> None:
    inner = json.dumps({"user": {"sfzh": "340104199003071234", "xm": "张伟"}}, ensure_ascii=False)
    field = base64.b64encode(inner.encode()).decode()
    body = f"appid=zt&payload={field}&sign=abc".encode()
    w = Walker()
    got = leaves(w.body_pieces([("Content-Type", "application/x-www-form-urlencoded")], body, decoded=True))
    assert got["body.payload{base64}.user.sfzh"] == "340104199003071234"
    assert got["body.payload{base64}.user.xm"] == "张伟"
    assert got["body.appid"] == "zt"


def test_json_string_field_and_list_paths() -> None:
    body = json.dumps({"data": json.dumps({"points": [{"la": 31.82, "lo": 117.22}, {"la": 31.83, "lo": 117.23}]})})
    got = leaves(Walker().body_pieces([("Content-Type", "application/json")], body.encode(), decoded=True))
    assert got["body.data.points[1].la"] == 31.83
    assert got["body.data.points[0].lo"] == 117.22


def test_siblings_are_passed_as_parent() -> None:
    body = json.dumps({"loc": {"lat": 31.82, "lng": 117.22}}).encode()
    pieces = [p for p in Walker().body_pieces([], body, decoded=True) if isinstance(p, Leaf)]
    lat = next(p for p in pieces if p.key == "lat")
    assert lat.parent == {"lat": 31.82, "lng": 117.22}


def test_jwt_header_and_cookies_and_query() -> None:
    payload = base64.urlsafe_b64encode(json.dumps({"mobile": "13912345678"}).encode()).decode().rstrip("=")
    token = f"eyJhbGciOiJIUzI1NiJ9.{payload}.sig"
    w = Walker()
    pieces = list(w.request_pieces(
        "https://a.example.cn/x?did=9f3c2a71b04e6d58&page=1",
        [("Authorization", f"Bearer {token}"), ("Cookie", "uid=77; phone=13912345678"), ("Accept", "*/*")],
        b"", decoded=True))
    got = leaves(pieces)
    assert got["headers.authorization{jwt}.mobile"] == "13912345678"
    assert got["cookies.phone"] == "13912345678"
    assert got["query.did"] == "9f3c2a71b04e6d58"
    assert "headers.accept" not in got


def test_multipart_file_part_is_a_blob_with_its_name() -> None:
    jpeg = b"\xff\xd8\xff\xe0" + b"\0" * 64
    b = "XyZ"
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n张伟\r\n"
            f"--{b}\r\nContent-Disposition: form-data; name=\"faceImage\"; filename=\"f.jpg\"\r\n"
            f"Content-Type: image/jpeg\r\n\r\n").encode() + jpeg + f"\r\n--{b}--\r\n".encode()
    pieces = list(Walker().body_pieces([("Content-Type", f"multipart/form-data; boundary={b}")], body, decoded=True))
    blob = next(p for p in pieces if isinstance(p, Blob))
    assert blob.path == "body.faceImage" and blob.mime == "image/jpeg" and blob.data.startswith(b"\xff\xd8")
    assert leaves(pieces)["body.name"] == "张伟"


def test_plain_text_and_binary_bodies() -> None:
    pieces = list(Walker().body_pieces([("Content-Type", "text/plain")], "联系电话 13912345678".encode(), decoded=True))
    assert isinstance(pieces[0], Text) and "13912345678" in pieces[0].text
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    assert isinstance(next(iter(Walker().body_pieces([], png, decoded=True))), Blob)


def test_garbage_does_not_crash() -> None:
    w = Walker()
    for junk in (b"\xff\xfe\x00garbage", b"{not json", b"%%%===&&&", bytes(range(256)) * 10):
        list(w.body_pieces([("Content-Type", "application/json")], junk, decoded=True))
        list(w.body_pieces([("Content-Type", "multipart/form-data; boundary=zz")], junk, decoded=True))


def _pb_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _pb_field(num: int, wire: int, payload: bytes) -> bytes:
    return _pb_varint(num << 3 | wire) + payload


def _pb_str(num: int, s: bytes) -> bytes:
    return _pb_field(num, 2, _pb_varint(len(s)) + s)


def test_protobuf_without_schema_and_grpc_frames() -> None:
    import struct

    inner = (_pb_str(1, b"340104199003071235") + _pb_field(2, 1, struct.pack("<d", 31.820586))
             + _pb_field(3, 1, struct.pack("<d", 117.227239)))
    msg = _pb_field(1, 0, _pb_varint(42)) + _pb_str(2, inner) + _pb_str(4, "张伟".encode())
    got = leaves(Walker().body_pieces([("Content-Type", "application/x-protobuf")], msg, decoded=True))
    assert got["body.#2.#1"] == "340104199003071235"
    assert got["body.#2.#2"] == 31.820586 and got["body.#2.#3"] == 117.227239
    assert got["body.#4"] == "张伟" and got["body.#1"] == 42
    framed = b"\0" + len(msg).to_bytes(4, "big") + msg
    got2 = leaves(Walker().body_pieces([("Content-Type", "application/grpc")], framed, decoded=True))
    assert got2["body.#2.#1"] == "340104199003071235"
    w = Walker()
    pieces = list(w.body_pieces([("Content-Type", "application/x-protobuf")], b"\xff\xff\xff", decoded=True))
    assert isinstance(pieces[0], Blob) and any("protobuf" in x for x in w.warnings)
