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
