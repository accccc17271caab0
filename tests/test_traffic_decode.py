"""Decoding of captured bodies: wrappers peeled, paths right, bombs bounded, Chinese charsets read."""

from __future__ import annotations

import base64
import gzip
import json
import zlib

import brotli
import zstandard

from auditor.traffic.decode import Blob, Column, Leaf, Text, Walker, decompress, to_text


def expand(pieces) -> list[object]:
    """Pieces with every column of a record array spelled out as the leaves it stands for."""
    return [leaf for p in pieces for leaf in (p.leaves() if isinstance(p, Column) else [p])]


def leaves(pieces) -> dict[str, object]:
    return {p.path: p.value for p in expand(pieces) if isinstance(p, Leaf)}


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


def test_record_arrays_walk_as_columns_with_wrapped_members_apart() -> None:
    events = [{"imei": "864512030617459", "ts": 1795000000000 + i, "loc": {"la": 31.82, "lo": 117.22},
               "ext": json.dumps({"sfzh": "340104199003071235"}) if i == 2 else "x"} for i in range(4)]
    pieces = list(Walker().body_pieces([("Content-Type", "application/json")],
                                       json.dumps({"events": events}).encode(), decoded=True))
    columns = {p.key: p for p in pieces if isinstance(p, Column)}
    # plain scalars of all four records are one column each; the string wrapping JSON is not one of them
    assert sorted(columns) == ["ext", "imei", "ts"]
    assert columns["imei"].rows == [0, 1, 2, 3] and columns["ext"].rows == [0, 1, 3]
    assert [leaf.path for leaf in columns["ts"].leaves()] == [f"body.events[{i}].ts" for i in range(4)]
    assert next(columns["ts"].leaves()).parent == events[0]
    got = leaves(pieces)
    assert got["body.events[2].ext.sfzh"] == "340104199003071235"
    assert got["body.events[3].loc.lo"] == 117.22
    assert got["body.events[1].ext"] == "x"


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


def test_json_nested_deeper_than_the_stack_is_scanned_as_text() -> None:
    w = Walker()
    deep = ("[" * 50_000 + "]" * 50_000).encode()
    pieces = list(w.body_pieces([("Content-Type", "application/json")], deep, decoded=True))
    assert pieces and all(isinstance(p, Text) for p in pieces)
    wrapped = json.dumps({"data": "[" * 50_000 + "]" * 50_000, "sfzh": "11010519491231002X"}).encode()
    got = leaves(w.body_pieces([("Content-Type", "application/json")], wrapped, decoded=True))
    assert got["body.sfzh"] == "11010519491231002X"


def test_garbage_in_a_multipart_part_header_is_a_warning() -> None:
    w = Walker()
    body = (b"--zz\r\nContent-Disposition: form-data; name*\r\nContent-Type: text/plain\r\n\r\n"
            b"13912345678\r\n--zz--\r\n")
    pieces = list(w.body_pieces([("Content-Type", "multipart/form-data; boundary=zz")], body, decoded=True))
    assert pieces and any("multipart body could not be parsed" in x for x in w.warnings)


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


def test_blank_characters_list_matches_this_python() -> None:
    import sys

    from auditor.traffic.decode import _SPACES

    assert {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()} == _SPACES


def _wrapped_and_plain_strings() -> list[str]:
    inner = json.dumps({"sfzh": "340104199003071234"})
    payload = base64.urlsafe_b64encode(inner.encode()).decode().rstrip("=")
    out = ["", "a", "864512030617459", "1e9865c93d244cf31a79fa2975be98de", "340104199003071234", "page_view",
           inner, f" {inner}\n", f"eyJhbGciOiJIUzI1NiJ9.{payload}.sig", f"Bearer eyJhbGciOiJIUzI1NiJ9.{payload}.x",
           "a=1&b=2", "x=%41", "ICAgICAgICAgICAgICAgIA==", "e" * 40, "{[}", "Bearer"]
    raws = [inner.encode(), b"   " * 6, b"\xff\xd8\xff\xe0" + bytes(20), b"\x89PNG\r\n\x1a\n" + bytes(16)]
    raws += [(sp + inner).encode() for sp in ("\u3000", "\xa0", "\x1c", "\u2028", "\t")]
    for raw in raws:
        out += [base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("="),
                " " + base64.b64encode(raw).decode()]
    return out


def test_object_members_unwrap_exactly_like_any_value() -> None:
    # object members skip _unwrap when the string cannot be a wrapper; that shortcut must never
    # hide one, so every candidate gives the same pieces as the general path
    w = Walker()
    for s in _wrapped_and_plain_strings():
        doc = {"k": s}
        assert list(w._json(doc, "body", None, 0)) == list(w._value("body.k", "k", s, doc, 0)), s


def test_base64_after_any_blank_or_image_signature_is_unwrapped() -> None:
    import sys

    inner = '{"sfzh": "340104199003071234"}'
    blanks = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    signatures = [b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"RIFF", b"BM"]
    raws = [(b + inner).encode() for b in ["", *blanks]] + [b"[1, 2, 3, 4, 5, 6]"] + [s + bytes(20) for s in signatures]
    for raw in raws:
        for text in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("=")):
            pieces = list(Walker().body_pieces([], json.dumps({"k": text}).encode(), decoded=True))
            assert pieces and all("{base64}" in p.path for p in pieces), raw


_MULTIPART_BODIES = [
    # (content type, body): browser-style, bare LF, CR, blanks after the boundary, a boundary-like
    # line in a payload, a closing boundary without line break, charset in a part, blank filename
    ("multipart/form-data; boundary=XyZ",
     b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--XyZX\r\n--XyZ\r\n'
     b'Content-Disposition: form-data; name="f"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
     b"\xff\xd8\xff\r\n\r\n--XyZ--\r\nepilogue"),
    ('multipart/form-data; boundary="a.b"', b'--a.b\nContent-Disposition: form-data; name="n"\n\n\xd5\xc5\n--a.b-- \n'),
    ("multipart/mixed;boundary=b", b"--b\rContent-Type: text/plain; charset=gbk\r\r\xd5\xc5\xce\xb0\r--b--"),
    ("multipart/form-data; boundary=b",
     b'--b \t\r\nContent-Disposition: form-data; name=""; filename=" "\r\n\r\nv\n\n--b--'),
]


def test_plain_multipart_reads_parts_as_the_email_package_does() -> None:
    from email.parser import BytesParser
    from email.policy import HTTP

    from auditor.traffic.decode import _plain_multipart

    for ctype, body in _MULTIPART_BODIES:
        parts = _plain_multipart(body, ctype)
        assert parts is not None, ctype
        msg = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body)
        expected = [(p.get_param("name", header="content-disposition"), bool(p.get_filename()),
                     p.get_payload(decode=True) or b"", p.get_content_type()) for p in msg.iter_parts()]
        assert [(p.name, p.has_filename, p.payload, p.mime) for p in parts] == expected


def test_unusual_multipart_goes_to_the_email_package() -> None:
    from auditor.traffic.decode import _plain_multipart

    part = b'Content-Disposition: form-data; name="a"\r\n\r\nx\r\n'
    for ctype, body in [
        ("multipart/form-data; boundary=b", b"--b\r\n" + part),  # no closing boundary
        ("multipart/form-data; boundary=b", b"--b\r\n--b\r\n" + part + b"--b--"),  # repeated boundary
        ("multipart/form-data; boundary=b", b"--b\r\nContent-Transfer-Encoding: base64\r\n\r\neA==\r\n--b--"),
        ("multipart/form-data; boundary=b", b"--b\r\n X-Folded: y\r\n\r\nx\r\n--b--"),
        ("multipart/form-data; boundary=b", b"--b\r\nContent-Type: message/rfc822\r\n\r\nx\r\n--b--"),
        ("multipart/form-data; boundary=b",
         b"--b\r\nContent-Disposition: form-data; name*=utf-8''%E5%BC%A0\r\n\r\nx\r\n--b--"),
        ("multipart/form-data; boundary=b", b"--b--\r\n"),
        ("multipart/digest; boundary=b", b"--b\r\n" + part + b"--b--"),
    ]:
        assert _plain_multipart(body, ctype) is None, body
    # and the email package's reading is what comes out
    body = (b'--b\r\nContent-Disposition: form-data; name="a"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            b"MTM5MTIzNDU2Nzg=\r\n--b--")
    got = leaves(Walker().body_pieces([("Content-Type", "multipart/form-data; boundary=b")], body, decoded=True))
    assert got == {"body.a": "13912345678"}


def test_protobuf_repeated_field_and_text_with_line_breaks() -> None:
    from auditor.traffic import protobuf

    msg = b"".join(_pb_field(1, 0, _pb_varint(i)) for i in range(5000)) + _pb_str(2, "第一行\r\n\t第二行".encode())
    doc = protobuf.parse_message(msg)
    assert doc["#1"] == list(range(5000))
    assert doc["#2"] == "第一行\r\n\t第二行"
    assert protobuf.parse_message(_pb_str(2, "a\u2028b".encode())) == {"#2": "61e280a862"}
