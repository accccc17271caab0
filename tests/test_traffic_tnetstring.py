"""Our tnetstring reader against mitmproxy's: the same values, and only ValueError on damage."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mitmproxy.io import tnetstring as mitm_tnetstring

from auditor.traffic import tnetstring
from auditor.traffic.flows import frame_mitm

_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.binary() | st.text()
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=5)
                       | st.dictionaries(st.text(max_size=8) | st.binary(max_size=8), inner, max_size=5),
                       max_leaves=30)


@given(_values)
def test_reads_what_mitmproxy_writes(value: object) -> None:
    assert tnetstring.loads(mitm_tnetstring.dumps(value)) == value


@given(_values, st.data())
def test_damage_is_a_value_error_or_the_same_reading_as_mitmproxy(value: object, data: st.DataObject) -> None:
    raw = bytearray(mitm_tnetstring.dumps(value))
    pos = data.draw(st.integers(0, len(raw) - 1))
    raw[pos] = data.draw(st.integers(0, 255))
    cut = bytes(raw[:data.draw(st.integers(0, len(raw)))])
    for damaged in (bytes(raw), cut):
        try:
            ours = tnetstring.loads(damaged)
        except ValueError:
            continue
        # what we accept, mitmproxy reads the same way (we may refuse more: "+5" or " 5" as numbers)
        assert mitm_tnetstring.loads(damaged) == ours


def test_real_flow_records_read_as_mitmproxy_reads_them(tmp_path: Path) -> None:
    from mitmproxy import io
    from mitmproxy.test import tflow

    path = tmp_path / "c.mitm"
    with path.open("wb") as fh:
        writer = io.FlowWriter(fh)
        for i in range(5):
            f = tflow.tflow(resp=True, err=i == 3, ws=i == 4)
            f.request.content = "姓名 张伟 sfzh 340104199003071235".encode() * (i + 1)
            writer.add(f)
        writer.add(tflow.ttcpflow())
    records, damage = frame_mitm(path)
    assert damage is None and len(records) == 6
    data = path.read_bytes()
    for rec in records:
        raw = data[rec.offset:rec.offset + rec.length]
        assert tnetstring.loads(raw) == mitm_tnetstring.loads(raw)
        top = tnetstring.members(raw)
        assert {k: tnetstring.parse(raw, *where)[0] for k, where in top.items()} == mitm_tnetstring.loads(raw)


@pytest.mark.parametrize("raw", [b"", b"5:abc,", b"3:abc", b"3:abc?", b"-1:,", b" 1:a,", b"2:ab,x", b"4:true!x",
                                 b"5:maybe!", b"1:x~", b"2:1a#", b"3:abc^", b"4:1:a,}", b"9:1:a,1:b,]",
                                 b"9999999999999:x,", b"\xff\xfe:;"])
def test_malformed_tnetstrings_are_value_errors(raw: bytes) -> None:
    with pytest.raises(ValueError):
        tnetstring.loads(raw)


def _variants() -> list[object]:
    """Flows whose URL, headers and bodies mitmproxy presents in less obvious ways."""
    from mitmproxy import http
    from mitmproxy.test import tflow

    flows = []

    def add(**request: object) -> http.HTTPFlow:
        f = tflow.tflow(resp=True)
        for k, v in request.items():
            setattr(f.request, k, v)
        flows.append(f)
        return f

    add()
    add(headers=http.Headers(Host=b"api.example.cn:8443", content_type=b"application/json"))
    f = add(http_version="HTTP/2.0")
    f.request.headers.pop("Host", None)
    f.request.authority = "h2.example.cn"
    add(http_version="HTTP/3", authority="h3.example.cn")
    add(method="CONNECT", authority="tunnel.example.cn:443", path="")
    add(headers=http.Headers([(b"Host", b"[::1]:8080"), (b"X-Raw", b"\xff\xfe caf\xc3\xa9")]))
    add(method="OPTIONS", path="*")
    add(headers=http.Headers([(b"Host", b"a.example.cn"), (b"host", b"b.example.cn"),
                              (b"Content-Type", b"text/plain"), (b"content-type", b"charset=gbk")]))
    add(authority="xn--fiqs8s.example.cn", http_version="HTTP/2.0")
    add(path="/路径?q=张伟&sfzh=11010519491231002X", scheme="http", port=8080)
    f = add(content=None)
    f.response = None
    f = add(timestamp_start=0.0)
    f.response.headers["Content-Type"] = "application/json; charset=utf-8"
    f.response.content = "{\"xm\": \"张伟\"}".encode()
    return flows


def test_records_read_straight_into_flows_as_mitmproxy_presents_them(tmp_path: Path) -> None:
    """The short way (our reader, no mitmproxy objects) gives the Flow mitmproxy's own reader and
    classes give: same URL (pretty_url), method, headers, bodies, time and status."""
    from mitmproxy import io

    from auditor.traffic.flows import flow_from_mitmproxy, load_mitm_record

    flows = _variants()
    path = tmp_path / "variants.mitm"
    with path.open("wb") as fh:
        writer = io.FlowWriter(fh)
        for f in flows:
            writer.add(f)
    with path.open("rb") as fh:
        theirs = [flow_from_mitmproxy(f, "v", i, 1 << 20, []) for i, f in enumerate(io.FlowReader(fh).stream())]
    records, damage = frame_mitm(path)
    data = path.read_bytes()
    ours = [load_mitm_record(data[r.offset:r.offset + r.length], "v", r.index, 1 << 20, []) for r in records]
    assert damage is None and len(ours) == len(flows)
    for mine, reference in zip(ours, theirs, strict=True):
        assert mine == reference
        assert (mine.host, mine.scheme, mine.url_without_query) == (reference.host, reference.scheme,
                                                                   reference.url_without_query)
    urls = {f.url for f in ours}
    assert {"http://api.example.cn:8443/path", "http://address:8080/路径?q=张伟&sfzh=11010519491231002X"} <= urls
    assert any(f.request.header("x-raw").startswith("\udcff") for f in ours)  # bytes kept, as mitmproxy does


def test_the_usual_record_fields_are_the_installed_mitmproxys() -> None:
    """Not needed for correctness (other fields are checked against mitmproxy itself), but a mitmproxy
    upgrade that changes them would make every record take the slow check: this says so."""
    from auditor.traffic.flows import _USUAL_REQUEST, _USUAL_RESPONSE, _record_fields

    assert _record_fields() == (_USUAL_REQUEST, _USUAL_RESPONSE)
