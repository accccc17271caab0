"""The live proxy's refusal marker (认定方法 三.2): the tester taps 不同意 and opens
http://refusal.pi-auditor/ on the phone; what the app sends afterwards is collection after refusal, and
the session's stored checklist says so."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from proxy_fixtures import free_port, rows, start_proxy, via_proxy, wait_port, wait_rows


def test_proxy_marks_the_refusal_and_judges_what_follows(tmp_path: Path, server: int) -> None:
    port = free_port()
    db = tmp_path / "live.db"
    proc = start_proxy(tmp_path, db, port)
    try:
        wait_port(port, proc)
        page = via_proxy(port, "http://refusal.pi-auditor/")                        # the tester taps 不同意
        assert "已记录拒绝时刻" in page.decode()
        via_proxy(port, f"http://127.0.0.1:{server}/init?mobile=13912345678")       # the app sends anyway
        wait_rows(db, "SELECT id FROM observations", 1)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    [(where,)] = rows(db, "SELECT where_json FROM observations WHERE category = 'phone_number'")
    assert json.loads(where)["after_refusal"] is True
    assert json.loads(rows(db, "SELECT refusal FROM audits")[0][0])["how"] == "refusal:marker"
    [(verdict,)] = rows(db, "SELECT verdict FROM checklist WHERE id = 'rdff-3-2'")
    assert verdict == "violation" and "refusal marked" in out
