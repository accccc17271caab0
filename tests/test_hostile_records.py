"""One malformed record in a capture is a warning naming it; the rest is audited and stored, with
--db and --json too (a lone surrogate or a GBK path used to fail only at writing)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile_inputs import PHONE, flow_file, har_with, sample_entries, set_url


def _big_status(e: dict[str, Any]) -> None:
    e["response"]["status"] = "@BIG@"


HAR_CASES: dict[str, Callable[[], str]] = {
    "bad_ipv6": lambda: har_with(set_url("http://[::1/ping")),
    "bad_port": lambda: har_with(set_url("http://api.example.org:99999/x")),
    "lone_surrogate": lambda: har_with(set_url("http://api.example.org/a\udc80b/\ud800")),
    "control_chars": lambda: har_with(set_url("http://api.example.org/\x1b]0;owned\x07/x")),
    "digits_5000": lambda: har_with(_big_status).replace('"@BIG@"', "9" * 5000),
}


@pytest.mark.parametrize("case", sorted(HAR_CASES))
def test_one_bad_har_entry_does_not_lose_the_audit(run_cli, tmp_path: Path, case: str) -> None:
    har = tmp_path / f"{case}.har"
    har.write_text(HAR_CASES[case](), encoding="utf-8")
    db, out = tmp_path / "a.db", tmp_path / "a.json"
    r = run_cli(["traffic", str(har), "--db", str(db), "--json", str(out)])
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    flows = doc["audit"]["app"]["flows"]
    n = sample_entries()
    assert len(flows) >= n  # every good entry audited; the bad one kept (cleaned) or skipped with a warning
    if len(flows) == n:
        assert any(f"entry {n}" in w for w in doc["audit"]["warnings"]), doc["audit"]["warnings"]
    assert doc["observations"]
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM observations").fetchone()[0] == len(doc["observations"])
    con.close()


def _timestamp(v: float) -> Callable[[dict[str, Any]], None]:
    def change(state: dict[str, Any]) -> None:
        state["request"]["timestamp_start"] = v
    return change


def _gbk_path(state: dict[str, Any]) -> None:
    state["request"]["path"] = "/用户/张三/资料".encode("gbk")


def _escape_host(state: dict[str, Any]) -> None:
    state["request"]["headers"] = [[b"Host", b"evil\x1b]0;owned\x07.example.org"]]


FLOW_CASES = {"time_1e300": _timestamp(1e300), "time_nan": _timestamp(float("nan")), "gbk_path": _gbk_path,
              "escape_host": _escape_host}


@pytest.mark.parametrize("case", sorted(FLOW_CASES))
def test_one_bad_flow_record_does_not_lose_the_audit(run_cli, tmp_path: Path, case: str) -> None:
    path = flow_file(tmp_path / f"{case}.mitm", change=FLOW_CASES[case])
    db, out = tmp_path / "a.db", tmp_path / "a.json"
    r = run_cli(["traffic", str(path), "--db", str(db), "--json", str(out), "--html", str(tmp_path / "a.html")])
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    kept = len(doc["audit"]["app"]["flows"])
    assert kept == 5 or (kept == 4 and any("flow 2" in w for w in doc["audit"]["warnings"]))
    assert {o["where"]["flow"] for o in doc["observations"]} >= {0, 1, 3, 4}
    assert PHONE not in out.read_text(encoding="utf-8")
    if case.startswith("time"):
        assert any("flow 2" in w and "time unknown" in w for w in doc["audit"]["warnings"])


def test_a_5000_digit_integer_in_a_flow_record_skips_that_record(run_cli, tmp_path: Path) -> None:
    import sys

    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # to write it; the auditor reads with Python's default bound
    try:
        path = flow_file(tmp_path / "big.mitm", change=lambda s: s["response"].__setitem__("status_code", 10**5000))
    finally:
        sys.set_int_max_str_digits(limit)
    out = tmp_path / "a.json"
    r = run_cli(["traffic", str(path), "--json", str(out)])
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["audit"]["app"]["flows"]) == 4
    assert any("flow 2" in w for w in doc["audit"]["warnings"])
