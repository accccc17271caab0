"""The traffic audit on captures others made (../shared/realworld/traffic), against recorded floors.

Runs the shared scorer as a user would (the real `auditor traffic` command on every capture) and checks
its SUMMARY figures, plus one the scorer does not print: high findings on the benign loads (ordinary page
loads with no PI of the user), of which there must be none.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from realworld import auditor_cmd, check_floors, figure, realworld_dir, run_scorer


def _benign_high(work: Path, shared: Path) -> int:
    """High findings on the captures judged benign."""
    unlabelled = set(json.loads((shared / "truth" / "benign_judgments.json").read_text(encoding="utf-8"))
                     ["unlabelled_files"])
    for t in (shared / "truth").glob("*.har.json"):
        doc = json.loads(t.read_text(encoding="utf-8"))
        if not doc.get("request") and not doc.get("response"):
            unlabelled.add(doc["file"])
    n = 0
    for name in unlabelled:
        out = work / "results" / "auditor" / f"{name}.json"
        if out.exists():
            doc = json.loads(out.read_text(encoding="utf-8"))
            n += sum(f["severity"] == "high" for f in doc["findings"])
    return n


def test_real_captures_hold_their_floors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = realworld_dir("traffic")
    monkeypatch.setenv("WORK", str(tmp_path))  # run_all.sh keeps its outputs there
    out = run_scorer(["bash", str(shared / "run_all.sh"), auditor_cmd()])
    measured = {
        "format_ok": figure(out, r"format_ok=(\d+)/"),
        "crashes": figure(out, r"crashes=(\d+)"),
        "request_precision": figure(out, r"auditor request P=([\d.]+)"),
        "request_recall": figure(out, r"auditor request P=[\d.]+ R=([\d.]+)"),
        "response_precision": figure(out, r"\| response P=([\d.]+)"),
        "benign_false_observations": figure(out, r"benign: (\d+)/"),
        "benign_high_findings": float(_benign_high(tmp_path, shared)),
    }
    check_floors("traffic", measured,
                 lower_is_better=frozenset({"crashes", "benign_false_observations", "benign_high_findings"}))
