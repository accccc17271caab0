"""WebSocket messages are evidence like bodies (mitmproxy flows and Chrome's HAR), and what is not scanned
is said: other flow kinds, binary messages, a flow format mitmproxy no longer reads."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from traffic_fixtures import MOBILE, RESIDENT_ID, audit, entry, found, mitm_flow, write_flows, write_har

from auditor.errors import InputError
from auditor.traffic.flows import read_capture


def _ws_flow(messages: list[tuple[bool, bytes | str]]) -> object:
    from mitmproxy import websocket
    from mitmproxy.test import tflow

    f = tflow.twebsocketflow()
    f.request.url = "wss://im.chat.example.cn/socket?token=abc"
    f.websocket.messages = [
        websocket.WebSocketMessage(1 if isinstance(c, str) else 2, from_client,
                                   c.encode() if isinstance(c, str) else c, timestamp=1_795_000_100.0 + i)
        for i, (from_client, c) in enumerate(messages)]
    return f


def test_websocket_messages_of_a_flow_file_are_scanned_with_side_and_message_index(tmp_path: Path) -> None:
    path = write_flows(tmp_path / "ws.mitm", [
        mitm_flow("https://www.chat.example.cn/"),
        _ws_flow([
            (True, "2probe"),
            (True, json.dumps({"cmd": "bind", "mobile": MOBILE})),
            (False, '42["profile", ' + json.dumps({"sfzh": RESIDENT_ID}) + "]"),  # Socket.IO type, then JSON
            (True, "hello, the weather is fine"),
            (True, bytes(range(256)) * 4),
        ]),
    ])
    r = audit(path)
    assert found(r) == {(1, "request", "phone_number"), (1, "response", "id_document")}
    where = {o.category: o.where for o in r.observations}
    assert (where["phone_number"]["message"], where["phone_number"]["path"]) == (1, "websocket[1].mobile")
    assert (where["id_document"]["message"], where["id_document"]["side"]) == (2, "response")
    assert where["phone_number"]["time"] == datetime.fromtimestamp(1_795_000_101, UTC).isoformat()  # its own time
    assert any("flow 1: 1 binary WebSocket message(s)" in w for w in r.warnings)


def test_messages_after_the_consent_moment_are_not_before_it(tmp_path: Path) -> None:
    """A socket opened before the user agreed carries messages sent after: each message has its own time."""
    consent = mitm_flow("https://www.chat.example.cn/privacy/agree", time=1_795_000_200.0)
    path = write_flows(tmp_path / "ws.mitm", [_ws_flow([(True, json.dumps({"mobile": MOBILE})),
                                                         (True, json.dumps({"sfzh": RESIDENT_ID}))]), consent])
    # between the two messages (sent at 1795000100 and 1795000101)
    r = audit(path, consent_at=datetime.fromtimestamp(1_795_000_100.5, UTC).isoformat())
    before = {o.category: o.before_consent for o in r.observations}
    assert before == {"phone_number": True, "id_document": False}


def test_chrome_har_websocket_messages_are_scanned(tmp_path: Path) -> None:
    frames = [
        {"type": "send", "time": 1795000100.1, "opcode": 1, "data": json.dumps({"phone": MOBILE})},
        {"type": "receive", "time": 1795000100.2, "opcode": 1, "data": json.dumps({"idcard": RESIDENT_ID})},
        {"type": "send", "time": 1795000100.3, "opcode": 2,
         "data": base64.b64encode(json.dumps({"phone": MOBILE}).encode()).decode()},
        {"type": "ping"},
    ]
    har = write_har(tmp_path / "ws.har", [entry("wss://im.chat.example.cn/ws", status=101, _webSocketMessages=frames)])
    r = audit(har)
    assert found(r) == {(0, "request", "phone_number"), (0, "response", "id_document")}
    assert {o.where["message"] for o in r.observations} == {0, 1}
    assert {o.where.get("occurrences", 1) for o in r.observations if o.category == "phone_number"} == {2}
    assert any("1 WebSocket message(s) of an unknown shape not scanned" in w for w in r.warnings)


def test_flows_that_are_not_http_are_named_in_a_warning(tmp_path: Path) -> None:
    from mitmproxy.test import tflow

    path = write_flows(tmp_path / "mixed.mitm", [mitm_flow(f"https://api.example.cn/u?sfzh={RESIDENT_ID}"),
                                                 tflow.ttcpflow(), tflow.tudpflow()])
    r = audit(path)
    assert found(r) == {(0, "request", "id_document")}
    assert [w.split(": ", 1)[1] for w in r.warnings if "not HTTP" in w] == [
        "flow 1: a tcp flow, not HTTP: its messages were not scanned",
        "flow 2: a udp flow, not HTTP: its messages were not scanned"]


def test_a_flow_file_of_a_format_mitmproxy_refuses_says_what_mitmproxy_says(tmp_path: Path) -> None:
    from mitmproxy.io import tnetstring
    from mitmproxy.test import tflow

    state = tflow.tflow(resp=True).get_state()
    path = tmp_path / "old.mitm"
    path.write_bytes(tnetstring.dumps({**state, "version": (0, 10)}) * 2)
    with pytest.raises(InputError, match=r"cannot read files with flow format version \(0, 10\)") as e:
        read_capture(path)
    assert str(path) in str(e.value)
