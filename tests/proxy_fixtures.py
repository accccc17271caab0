"""A live proxy for tests: a local HTTP server standing in for the app's servers, mitmdump started as a
user would start it, requests sent through it, and the SQLite database it fills read back."""

from __future__ import annotations

import json
import os
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


def start(args: list[str], tmp: Path, *, own_group: bool = False) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(args, cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=own_group)


def start_proxy(tmp: Path, db: Path, port: int) -> subprocess.Popen:
    """`auditor proxy` on loopback as a tester starts it, in its own process group as a terminal's foreground
    job has (so a test can send Ctrl-C to the wrapper and mitmdump together)."""
    return start([sys.executable, "-m", "auditor.cli", "proxy", "--db", str(db), "--", "--listen-host", "127.0.0.1",
                  "--listen-port", str(port), "--set", f"confdir={tmp / 'conf'}"], tmp, own_group=True)
