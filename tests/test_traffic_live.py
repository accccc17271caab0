"""The live proxy for real: mitmdump with the addon on loopback, a local server, consent marked from
the 'phone' by the magic URL, observations found in SQLite with the right before_consent values."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

from proxy_fixtures import ID_NO, free_port, rows, start, start_proxy, via_proxy, wait_port, wait_rows

ROOT = Path(__file__).resolve().parent.parent
ADDON = ROOT / "auditor" / "traffic" / "mitm_addon.py"


def test_proxy_marks_consent_and_stores_before_consent(tmp_path: Path, server: int) -> None:
    port = free_port()
    db = tmp_path / "live.db"
    proc = start_proxy(tmp_path, db, port)
    try:
        wait_port(port, proc)
        base = f"http://127.0.0.1:{server}"
        via_proxy(port, f"{base}/init?mobile=13912345678")                       # before consent
        wait_rows(db, "SELECT id FROM observations", 1)
        page = via_proxy(port, "http://consent.pi-auditor/")                        # the tester taps 同意
        assert "已记录同意时刻" in page.decode()
        via_proxy(port, f"{base}/login", json.dumps({"phone": "13812345678"}).encode())  # after consent
        via_proxy(port, f"{base}/profile")                                          # response carries an ID
        wait_rows(db, "SELECT id FROM observations", 3)
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    obs = rows(db, "SELECT category, before_consent, where_json FROM observations ORDER BY rowid")
    by_path = {(json.loads(w)["path"], c): b for c, b, w in obs}
    assert by_path[("query.mobile", "phone_number")] == 1
    assert by_path[("body.phone", "phone_number")] == 0
    assert by_path[("body.data.sfzh", "id_document")] == 0
    # raw values never reach the database or the console
    dump = "\n".join(str(r) for r in rows(db, "SELECT * FROM observations"))
    assert "13912345678" not in dump and ID_NO not in dump and ID_NO not in out
    status, consent = rows(db, "SELECT status, consent FROM audits")[0]
    assert status == "complete" and json.loads(consent)["how"] == "marker"
    assert rows(db, "SELECT COUNT(*) FROM findings WHERE rule = 'before_consent'")[0][0] >= 1
    assert "consent marked" in out and "findings" in out


def test_killed_proxy_keeps_what_it_stored(tmp_path: Path, server: int) -> None:
    """The addon loaded on its own by mitmdump; a kill -9 loses nothing already stored."""
    port = free_port()
    db = tmp_path / "k.db"
    proc = start([sys.executable, "-c", "from mitmproxy.tools.main import mitmdump; mitmdump()", "-s", str(ADDON),
                  "--set", f"pi_db={db}", "--listen-host", "127.0.0.1", "--listen-port", str(port),
                  "--set", f"confdir={tmp_path / 'conf'}"], tmp_path)
    try:
        wait_port(port, proc)
        for i in range(5):
            via_proxy(port, f"http://127.0.0.1:{server}/up", json.dumps({"sfzh": ID_NO, "n": i}).encode())
        stored = wait_rows(db, "SELECT id FROM observations", 5)
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    assert len(rows(db, "SELECT id FROM observations")) == len(stored)
    assert rows(db, "PRAGMA integrity_check")[0][0] == "ok"
    assert rows(db, "SELECT status FROM audits")[0][0] == "running"
