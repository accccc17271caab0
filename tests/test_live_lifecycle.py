"""`auditor proxy` as a tester and a service manager use it: the https form of the consent marker,
SIGTERM (systemd, docker stop) and Ctrl-C all end with the audit judged and closed."""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import urllib.request
from pathlib import Path

import pytest
from proxy_fixtures import ID_NO, free_port, rows, start_proxy, via_proxy, wait_port, wait_rows


def via_https_proxy(port: int, url: str) -> bytes:
    """A phone that trusts mitmproxy's CA; here the test does not check certificates at all."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"https": f"http://127.0.0.1:{port}"}),
                                         urllib.request.HTTPSHandler(context=context))
    with opener.open(url, timeout=30) as r:
        return r.read()


def finish(proc: subprocess.Popen) -> str:
    """Its output once it has exited; a proxy that does not stop is killed with its whole group."""
    try:
        return proc.communicate(timeout=90)[0]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise


def closed_audit(db: Path) -> dict:
    status, consent = rows(db, "SELECT status, consent FROM audits")[0]
    return {"status": status, "consent": json.loads(consent) if consent else None}


def test_https_marker_marks_consent_and_sigterm_finishes_the_audit(tmp_path: Path, server: int) -> None:
    port = free_port()
    db = tmp_path / "live.db"
    proc = start_proxy(tmp_path, db, port)
    try:
        wait_port(port, proc)
        via_proxy(port, f"http://127.0.0.1:{server}/up", json.dumps({"sfzh": ID_NO}).encode())
        wait_rows(db, "SELECT id FROM observations", 1)
        page = via_https_proxy(port, "https://consent.pi-auditor/")
        assert "已记录同意时刻" in page.decode()
    finally:
        proc.send_signal(signal.SIGTERM)  # to the wrapper only, as a service manager does
        out = finish(proc)
    assert proc.returncode == 128 + signal.SIGTERM, out
    audit = closed_audit(db)
    assert audit["status"] == "complete"
    assert audit["consent"]["how"] == "marker" and audit["consent"]["url"] == "https://consent.pi-auditor/"
    assert rows(db, "SELECT before_consent FROM observations") == [(1,)]
    assert "Traceback" not in out and "findings high" in out


@pytest.mark.parametrize("group", [True, False], ids=["ctrl-c", "kill-int"])
def test_ctrl_c_exits_130_with_the_audit_finished(tmp_path: Path, server: int, group: bool) -> None:
    port = free_port()
    db = tmp_path / "live.db"
    proc = start_proxy(tmp_path, db, port)
    try:
        wait_port(port, proc)
        via_proxy(port, f"http://127.0.0.1:{server}/profile")
        wait_rows(db, "SELECT id FROM observations", 1)
    finally:
        if group:  # a terminal's Ctrl-C reaches the whole foreground group: wrapper and mitmdump
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGINT)
        out = finish(proc)
    assert proc.returncode == 130, out
    assert closed_audit(db)["status"] == "complete"
    assert "Traceback" not in out and "findings high" in out
