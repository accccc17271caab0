"""The consent moment a tester gives is checked against the capture it splits.

A moment past the end of the capture turns every observation into a HIGH before_consent, which could
accuse an app falsely; one before its start clears everything. Both are refused (exit 2, one line).
A time without an offset is read as this machine's local time, and the audit says so.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from traffic_fixtures import entry, write_har


@pytest.fixture
def har8(tmp_path: Path) -> Path:
    """Eight flows, ten seconds apart, each sending a phone number."""
    return write_har(tmp_path / "eight.har",
                     [entry(f"https://api.example.cn/step{i}?mobile=1391234567{i}", at=10 * i) for i in range(8)])


def before_flows(doc: dict) -> set[int]:
    return {o["where"]["flow"] for o in doc["observations"] if o.get("before_consent")}


@pytest.mark.parametrize(("spec", "needle"), [
    ("@999", "past the end of eight.har, whose flows are @0 to @7"),
    ("@8", "past the end"),
    ("2026-11-20T09:29:59Z", "outside the capture, which runs from 2026-11-20T09:30:00+00:00 to"),
    ("2026-11-20T09:31:11+00:00", "outside the capture"),
    ("2099-01-01T00:00:00Z", "is in the future"),
])
def test_a_moment_outside_the_capture_is_refused(run_cli, har8: Path, spec: str, needle: str) -> None:
    res = run_cli(["traffic", str(har8), "--consent-at", spec, "--json", "-"])
    assert res.returncode == 2
    assert res.stdout == ""
    [line] = res.stderr.strip().splitlines()
    assert line.startswith("auditor: error: --consent-at") and needle in line


def test_a_moment_inside_the_capture_splits_it(run_cli, har8: Path) -> None:
    res = run_cli(["traffic", str(har8), "--consent-at", "@7", "--json", "-"])
    assert res.returncode == 0, res.stderr
    assert before_flows(json.loads(res.stdout)) == set(range(7))
    res = run_cli(["traffic", str(har8), "--consent-at", "2026-11-20T17:30:25+08:00", "--json", "-"])
    assert before_flows(json.loads(res.stdout)) == {0, 1, 2}


def test_a_time_without_offset_is_local_time_and_the_audit_says_so(run_cli, har8: Path) -> None:
    """A tester on Beijing time types the clock they saw; read as UTC it would be 8 hours off."""
    beijing = {"TZ": "CST-8"}  # POSIX form: needs no tz database
    res = run_cli(["traffic", str(har8), "--consent-at", "2026-11-20 17:30:25", "--json", "-"], env=beijing)
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert before_flows(doc) == {0, 1, 2}
    [warning] = [w for w in doc["audit"]["warnings"] if "no UTC offset" in w]
    assert "this machine's local time, UTC+08:00" in warning
    assert "no UTC offset" in res.stderr
    # the same clock reading on a machine running on UTC lies after the capture: refused, saying how it was read
    res = run_cli(["traffic", str(har8), "--consent-at", "2026-11-20 17:30:25"], env={"TZ": "UTC0"})
    assert res.returncode == 2
    assert "(read as 2026-11-20T17:30:25+00:00) is outside the capture" in res.stderr
