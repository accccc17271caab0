"""The checklist on real published policies (../shared/realworld/policies): each policy read by the CLI
(`auditor policy … --json`), its `checklist` scored by the shared checklist scorer against the hand
labels, figures held to tests/floors/checklist.json (raised as the readers improve, never lowered).
Skipped in a checkout without the shared folder."""

from __future__ import annotations

import sys
from pathlib import Path

from realworld import ROOT, auditor_cmd, check_floors, figure, realworld_dir, run_scorer

FIGURES = {
    "violations_p": r"checklist: items_scored=\d+ P=(\d\.\d+)",
    "violations_r": r"checklist: items_scored=\d+ P=\S+ R=(\d\.\d+)",
}


def test_real_policies_checklist_holds_its_floors(tmp_path: Path) -> None:
    here = realworld_dir("policies")
    auditor_cmd()  # the console script must be installed: the bench runs it per case
    out = run_scorer([sys.executable, str(ROOT / "benchmarks" / "checklist_realworld.py"), str(here / "cases"),
                      str(tmp_path)])
    assert "auditor exited" not in out, out
    assert "no checklist field" not in out, out
    measured = {name: figure(out, pattern) for name, pattern in FIGURES.items()}
    check_floors("checklist", measured)
