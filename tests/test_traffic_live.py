"""The live proxy for real: mitmdump with the addon on loopback, a local server, consent marked from
the 'phone' by the magic URL, observations found in SQLite with the right before_consent values."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDON = ROOT / "auditor" / "traffic" / "mitm_addon.py"
ID_NO = "340104199003071235"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._answer(b"")

    def do_POST(self) -> None:
        n = int(self.headers.get("Content-Length", 0))
        self._answer(self.rfile.read(n))

    def _answer(self, body: bytes) -> None:
        out = json.dumps({"code": 0, "echo": len(body)}).encode()
        if self.path.startswith("/profile"):
            out = json.dumps({"code": 0, "data": {"sfzh": ID_NO}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[int]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv.server_address[1]
    srv.shutdown()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"proxy exited early: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("proxy did not start")


def via_proxy(proxy_port: int, url: str, data: bytes | None = None) -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{proxy_port}"}))
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    with opener.open(req, timeout=30) as r:
        return r.read()


def rows(db: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def wait_rows(db: Path, sql: str, n: int, timeout: float = 30) -> list[tuple]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            r = rows(db, sql)
            if len(r) >= n:
                return r
        except sqlite3.OperationalError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"expected {n} rows for {sql}")


def start(args: list[str], tmp: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(args, cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_proxy_marks_consent_and_stores_before_consent(tmp_path: Path, server: int) -> None:
    port = free_port()
    db = tmp_path / "live.db"
    proc = start([sys.executable, "-m", "auditor.cli", "proxy", "--db", str(db), "--",
                  "--listen-host", "127.0.0.1", "--listen-port", str(port), "--set", f"confdir={tmp_path / 'conf'}"],
                 tmp_path)
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
