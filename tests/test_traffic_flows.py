"""Reading captures: HAR and mitmproxy flow files, and every way they can be bad."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.traffic.flows import read_capture

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "traffic" / "gov_service.har"


def test_sample_har_reads_every_entry() -> None:
    r = read_capture(SAMPLE)
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert len(r.flows) == len(doc["log"]["entries"])
    assert [f.index for f in r.flows] == list(range(len(r.flows)))
    assert r.flows[7].scheme == "http" and r.flows[7].host == "api.wst.example.gov.cn"
    assert r.flows[0].time is not None and r.flows[0].time.tzinfo is not None


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_capture(tmp_path / "nope.har")


@pytest.mark.parametrize("content,message", [
    (b"", "empty"),
    (b"<html>not a capture</html>", "not a HAR"),
    (b'{"log": {"entries": [ {"request": ', "not valid JSON"),
    (b'{"hello": 1}', "no log.entries"),
])
def test_bad_captures_name_the_problem(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "bad.har"
    p.write_bytes(content)
    with pytest.raises(InputError, match=message) as e:
        read_capture(p)
    assert str(p) in str(e.value)


def test_entry_without_request_is_a_warning(tmp_path: Path) -> None:
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc["log"]["entries"].insert(1, {"startedDateTime": "2026-11-20T09:30:00Z", "response": {"status": 200}})
    p = tmp_path / "partly.har"
    p.write_text(json.dumps(doc), encoding="utf-8")
    r = read_capture(p)
    assert len(r.flows) == len(doc["log"]["entries"]) - 1
    assert any("entry 1 skipped" in w for w in r.warnings)


def test_huge_body_is_capped_with_warning(tmp_path: Path) -> None:
    doc = {"log": {"version": "1.2", "entries": [{
        "startedDateTime": "2026-11-20T09:30:00Z",
        "request": {"method": "POST", "url": "https://x.example.cn/up", "headers": [],
                    "postData": {"mimeType": "text/plain", "text": "a" * (200 * 1024 * 1024)}},
        "response": {"status": 200, "headers": [], "content": {"mimeType": "text/plain", "text": "ok"}},
    }]}}
    p = tmp_path / "big.har"
    with p.open("w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    del doc
    r = read_capture(p, body_cap=1024 * 1024)
    assert len(r.flows[0].request.body) == 1024 * 1024 and r.flows[0].request.truncated
    assert any("cut at" in w for w in r.warnings)


def test_mitmproxy_flow_file_and_truncation(tmp_path: Path) -> None:
    from mitmproxy import io
    from mitmproxy.test import tflow

    p = tmp_path / "c.mitm"
    with p.open("wb") as fh:
        w = io.FlowWriter(fh)
        for i in range(3):
            f = tflow.tflow(resp=True)
            f.request.url = f"https://api.wst.example.gov.cn/api/item/{i}?sfzh=340104199003071236"
            w.add(f)
    r = read_capture(p)
    assert len(r.flows) == 3 and r.flows[2].url.endswith("sfzh=340104199003071236")
    data = p.read_bytes()
    cut = tmp_path / "cut.mitm"
    cut.write_bytes(data[: int(len(data) * 0.8)])
    r2 = read_capture(cut)
    assert 1 <= len(r2.flows) < 3
    assert any("damaged" in w for w in r2.warnings)


def test_parallel_scan_gives_the_same_observations_as_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.traffic.scan as scan
    from auditor.ruleset import default_ruleset

    def run() -> list[dict]:
        r = scan.analyze_traffic([SAMPLE], ruleset=default_ruleset(), salt="s", consent_at="@3")
        return [o.to_dict() for o in r.observations]

    serial = run()
    monkeypatch.setattr(scan, "PARALLEL_MIN_FLOWS", 2)
    monkeypatch.setattr(scan, "_CHUNK", 4)
    monkeypatch.setattr(scan.os, "sched_getaffinity", lambda _pid: {0, 1})
    assert run() == serial and serial


def test_uploaded_address_book_is_contacts_not_the_users_phone(tmp_path: Path) -> None:
    from auditor.ruleset import default_ruleset
    from auditor.traffic.scan import analyze_traffic

    book = [{"name": "李娜", "mobile": "13512345678"}, {"name": "王芳", "mobile": "13687654321"},
            {"name": "赵敏", "mobile": "13711112222"}]
    r = analyze_traffic([_sync_har(tmp_path, book)], ruleset=default_ruleset(), salt="s")
    cats = {(o.where["path"], o.category, o.where.get("occurrences", 1), o.where.get("distinct", 1))
            for o in r.observations if o.entity == "CN_MOBILE"}
    # the book is one piece of evidence: three entries, three different numbers, at body.txl[*].mobile
    assert cats == {("body.phone", "phone_number", 1, 1), ("body.txl[*].mobile", "contacts", 3, 3)}


def test_one_or_two_contacts_under_a_list_key_are_names_and_phone_numbers(tmp_path: Path) -> None:
    """Two people a user typed in (under `txl` all the same) are not an uploaded address book."""
    from auditor.ruleset import default_ruleset
    from auditor.traffic.scan import analyze_traffic

    book = [{"name": "李娜", "mobile": "13512345678"}, {"name": "王芳", "mobile": "13687654321"}]
    r = analyze_traffic([_sync_har(tmp_path, book)], ruleset=default_ruleset(), salt="s")
    cats = {(o.where["path"], o.entity, o.category) for o in r.observations if o.where["path"].startswith("body.txl")}
    assert cats == {("body.txl[*].mobile", "CN_MOBILE", "phone_number"), ("body.txl[*].name", "PERSON_NAME", "name")}


def _sync_har(tmp_path: Path, book: list[dict[str, str]]) -> Path:
    doc = {"log": {"version": "1.2", "entries": [{
        "startedDateTime": "2026-11-20T09:30:00Z",
        "request": {"method": "POST", "url": "https://api.example.cn/user/sync", "headers": [],
                    "postData": {"mimeType": "application/json",
                                 "text": json.dumps({"phone": "13912345678", "txl": book}, ensure_ascii=False)}},
        "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": "{}"}},
    }]}}
    p = tmp_path / "sync.har"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return p


def _flow_file(path: Path, n: int) -> list[bytes]:
    """A real mitmproxy flow file of ``n`` flows; returns each flow's tnetstring bytes."""
    from mitmproxy.io import tnetstring
    from mitmproxy.test import tflow

    records = []
    for i in range(n):
        f = tflow.tflow(resp=True)
        f.request.url = f"https://api.wst.example.gov.cn/api/item/{i}?sfzh=11010519491231002X"
        records.append(tnetstring.dumps(f.get_state()))
    path.write_bytes(b"".join(records))
    return records


def test_a_damaged_record_inside_a_flow_file_is_skipped_and_later_flows_kept(tmp_path: Path) -> None:
    from mitmproxy.io import tnetstring

    p = tmp_path / "c.mitm"
    records = _flow_file(p, 4)
    records[1] = tnetstring.dumps({b"not": b"a flow"})  # framing intact, content no flow
    p.write_bytes(b"".join(records))
    r = read_capture(p)
    assert [f.index for f in r.flows] == [0, 2, 3]
    assert any("flow 1 unreadable" in w for w in r.warnings)


def test_a_file_of_tnetstrings_that_are_no_flows_is_an_input_error(tmp_path: Path) -> None:
    from mitmproxy.io import tnetstring

    p = tmp_path / "notflows.mitm"
    p.write_bytes(tnetstring.dumps({b"a": 1}) + tnetstring.dumps({b"b": 2}))
    with pytest.raises(InputError, match="none of its records"):
        read_capture(p)


def test_parallel_workers_read_their_own_records_and_keep_damage_semantics(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same capture audited serially and by forked workers gives the same observations, flows and warnings,
    including a skipped record in the middle and a cut tail."""
    from mitmproxy.io import tnetstring

    import auditor.traffic.scan as scan
    from auditor.ruleset import default_ruleset

    p = tmp_path / "c.mitm"
    records = _flow_file(p, 12)
    records[5] = tnetstring.dumps({b"not": b"a flow"})
    p.write_bytes(b"".join(records)[:-40])  # the last record is cut short

    def run() -> tuple[list[dict], list[int], list[str]]:
        r = scan.analyze_traffic([p], ruleset=default_ruleset(), salt="s", consent_at="@7")
        return [o.to_dict() for o in r.observations], [f["index"] for f in r.flows], r.warnings

    serial = run()
    monkeypatch.setattr(scan, "PARALLEL_MIN_FLOWS", 2)
    monkeypatch.setattr(scan, "_CHUNK", 3)
    monkeypatch.setattr(scan.os, "sched_getaffinity", lambda _pid: {0, 1})
    parallel = run()
    assert parallel == serial
    obs, indexes, warnings = serial
    assert indexes == [0, 1, 2, 3, 4, 6, 7, 8, 9, 10]
    assert {o["where"]["path"] for o in obs} == {"query.sfzh"}
    assert {o["before_consent"] for o in obs if o["where"]["flow"] < 7} == {True}
    assert {o["before_consent"] for o in obs if o["where"]["flow"] >= 7} == {False}
    assert any("flow 5 unreadable" in w for w in warnings) and any("damaged after flow 10" in w for w in warnings)


def test_flows_of_an_older_mitmproxy_format_are_migrated_and_read_the_same(tmp_path: Path) -> None:
    """Current-format flows take the short way (request and response only); a version-20 file goes through
    mitmproxy's migrations. Both must give the same flows; a TCP flow in between is no HTTP flow, and
    the audit says it did not scan it."""
    from mitmproxy.io import tnetstring
    from mitmproxy.test import tflow

    states = []
    for i in range(3):
        f = tflow.tflow(resp=i != 1)
        f.request.url = f"https://api.example.cn/u/{i}?sfzh=11010519491231002X"
        f.request.headers["Host"] = "www.example.cn:8443"
        states.append(f.get_state())
    tcp = tflow.ttcpflow().get_state()
    current, old = tmp_path / "v21.mitm", tmp_path / "v20.mitm"
    current.write_bytes(b"".join(tnetstring.dumps(s) for s in [states[0], tcp, *states[1:]]))
    old.write_bytes(b"".join(tnetstring.dumps({**s, "version": 20}) for s in [states[0], tcp, *states[1:]]))
    a, b = read_capture(current), read_capture(old)
    tcp_warning = "flow 1: a tcp flow, not HTTP: its messages were not scanned"
    assert [w.split(": ", 1)[1] for w in a.warnings] == [w.split(": ", 1)[1] for w in b.warnings] == [tcp_warning]
    assert [f.index for f in a.flows] == [0, 2, 3]
    assert [(f.url, f.method, f.status, f.request.body, f.time) for f in a.flows] == \
        [(f.url, f.method, f.status, f.request.body, f.time) for f in b.flows]
    assert a.flows[0].url == "https://www.example.cn:8443/u/0?sfzh=11010519491231002X"  # mitmproxy's pretty_url
    assert a.flows[1].response is None and a.flows[0].response is not None


def test_a_flow_that_breaks_the_scanner_is_a_warning_and_the_others_are_scanned(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.traffic.scan as scan
    from auditor.ruleset import default_ruleset

    real = scan.FlowScanner.scan

    def flaky(self: scan.FlowScanner, flow: scan.Flow) -> object:
        if flow.index == 2:
            raise MemoryError("simulated")
        return real(self, flow)

    monkeypatch.setattr(scan.FlowScanner, "scan", flaky)
    p = tmp_path / "c.mitm"
    _flow_file(p, 4)
    r = scan.analyze_traffic([p], ruleset=default_ruleset(), salt="s")
    assert sorted(o.where["flow"] for o in r.observations) == [0, 1, 3]
    assert [f["index"] for f in r.flows] == [0, 1, 2, 3]
    assert any("flow 2: not scanned: MemoryError" in w for w in r.warnings)


@pytest.mark.parametrize("damage", ["missing field", "wrong type", "extra field"])
def test_a_flow_with_a_malformed_request_is_skipped_with_a_warning(tmp_path: Path, damage: str) -> None:
    from mitmproxy.io import tnetstring
    from mitmproxy.test import tflow

    states = [tflow.tflow(resp=True).get_state() for _ in range(3)]
    req = states[1]["request"]
    if damage == "missing field":
        del req["path"]
    elif damage == "wrong type":
        req["method"] = 12345
    else:
        req["surprise"] = b"x"
    p = tmp_path / "bad.mitm"
    p.write_bytes(b"".join(tnetstring.dumps(s) for s in states))
    r = read_capture(p)
    assert [f.index for f in r.flows] == [0, 2]
    assert any("flow 1 unreadable" in w for w in r.warnings)


def test_a_negative_or_padded_length_inside_a_flow_is_unreadable_not_a_hang(tmp_path: Path) -> None:
    from mitmproxy.io import tnetstring

    p = tmp_path / "c.mitm"
    records = _flow_file(p, 3)
    for bad in (b"-5", b" 5"):
        inner = b"7:version;" + bad + b":abcde,"  # a top-level field whose length is not plain digits
        records[1] = str(len(inner)).encode() + b":" + inner + b"}"
        p.write_bytes(b"".join(records))
        r = read_capture(p)
        assert [f.index for f in r.flows] == [0, 2] and any("flow 1 unreadable" in w for w in r.warnings)
    assert tnetstring.loads(records[0])  # the good records are real flows


def _har(path: Path, bodies: list[object]) -> Path:
    entries = [{
        "startedDateTime": f"2026-11-20T09:30:0{i}Z",
        "request": {"method": "POST", "url": f"https://api.example.cn/batch/{i}", "headers": [],
                    "postData": {"mimeType": "application/json", "text": json.dumps(b, ensure_ascii=False)}},
        "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json",
                                                                "text": json.dumps(b, ensure_ascii=False)}},
    } for i, b in enumerate(bodies)]
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}, ensure_ascii=False), encoding="utf-8")
    return path


_OAIDS = [f"{i:02x}a1b2c3d4e5f60718293a4b5c6d7e8f" for i in range(30)]
_BATCHES: list[object] = [
    {"events": [{"imei": "864512030617459", "oaid": _OAIDS[i], "ts": 1795000000000 + i, "name": "张伟",
                 "loc": {"la": "39.912345", "lo": "116.412345"}, "phone": "13912345678" if i % 3 else "13812345678",
                 "ext": json.dumps({"sfzh": "340104199003071235"}) if i == 3 else "x"} for i in range(30)]},
    {"points": [{"la": 39.9 + j * 1e-4, "lo": 116.4 + j * 1e-4} for j in range(4)] + [{"la": 39.91}],
     "one": [{"sfzh": "340104199003071235"}],
     "mixed": [{"phone": "13912345678"}, "13812345678", {"phone": 13912345678}],
     "nested": [{"inner": [{"mobile": "13700001111"}, {"mobile": "13700001112"}]},
                {"inner": [{"mobile": "13700001111"}]}],
     "users": [{"name": "王芳", "aid": "340104199003071235"}, {"aid": "340104199003071235"}, {"name": None, "aid": 0}]},
    [{"idcard": "340104199003071235", "addr": "北京市朝阳区建国路88号院3号楼"}, {"idcard": "11010519491231002X"}],
]


def test_record_arrays_give_the_evidence_their_leaves_give_one_by_one(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Columns are a shortcut, not a different reading: spelling every column out as leaves (the slow
    way) must give the same observations, counts, first values and confidences."""
    from auditor.ruleset import default_ruleset
    from auditor.traffic.decode import Column, Walker
    from auditor.traffic.scan import analyze_traffic

    capture = _har(tmp_path / "batches.har", _BATCHES)

    def run() -> list[dict]:
        r = analyze_traffic([capture], ruleset=default_ruleset(), salt="s")
        return sorted((o.to_dict() for o in r.observations),
                      key=lambda d: (d["where"]["flow"], d["where"]["side"], d["entity"], d["where"]["path"]))

    fast = run()
    for name in ("request_pieces", "response_pieces"):
        walk = getattr(Walker, name)
        monkeypatch.setattr(Walker, name, lambda self, *a, _walk=walk, **k: [
            leaf for p in _walk(self, *a, **k) for leaf in (p.leaves() if isinstance(p, Column) else [p])])
    assert run() == fast
    by_path = {(d["where"]["flow"], d["where"]["side"], d["where"]["path"], d["entity"]): d for d in fast}
    imei = by_path[0, "request", "body.events[*].imei", "IMEI"]
    assert imei["where"]["occurrences"] == 30 and "distinct" not in imei["where"]
    oaid = by_path[0, "request", "body.events[*].oaid", "OAID"]
    assert (oaid["where"]["occurrences"], oaid["where"]["distinct"]) == (30, 30)
    assert oaid["value"].startswith("00a") and oaid["value"].endswith("7e8f")  # the first record's value
    phone = by_path[0, "request", "body.events[*].phone", "CN_MOBILE"]
    assert (phone["where"]["occurrences"], phone["where"]["distinct"]) == (30, 2)
    assert (1, "request", "body.one[0].sfzh", "CN_RESIDENT_ID") in by_path  # one record: its exact path
    assert (0, "request", "body.events[3].ext.sfzh", "CN_RESIDENT_ID") in by_path
    assert by_path[1, "request", "body.nested[*].inner[*].mobile", "CN_MOBILE"]["where"]["occurrences"] == 3
