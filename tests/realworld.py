"""Running a scorer of ../shared/realworld/ from a test, against a floor recorded in the project.

The shared sets are the measure of accuracy on inputs nobody on the project wrote. A test that runs one
must fail when a change makes the figures drop, so each area keeps its floors in
``tests/floors/<area>.json`` (figure name -> lowest accepted value). Floors are only ever raised: when a
change improves a figure, raise its floor in the same commit. Where the shared folder is absent (a
checkout without ``../shared``), the tests are skipped, not passed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "realworld"
FLOORS = Path(__file__).resolve().parent / "floors"


def realworld_dir(area: str) -> Path:
    """The shared folder of one area, or skip the test when this checkout has none beside it."""
    d = SHARED / area
    if not d.is_dir():
        pytest.skip(f"{d} not present: real-world scorer not run")
    return d


def auditor_cmd() -> str:
    """The `auditor` console script of the interpreter running the tests."""
    exe = Path(sys.executable).with_name("auditor")
    if not exe.exists():
        pytest.fail(f"{exe} missing: install the project (scripts/setup.sh) before running real-world tests")
    return str(exe)


def run_scorer(args: list[str], *, cwd: Path | None = None, timeout: int = 1800) -> str:
    """Run a scorer and return everything it printed; a scorer that fails fails the test."""
    proc = subprocess.run(args, cwd=cwd or ROOT, capture_output=True, text=True, errors="replace", timeout=timeout,
                          check=False)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        pytest.fail(f"scorer {' '.join(args)} exited {proc.returncode}:\n{out[-4000:]}")
    return out


@pytest.fixture(scope="session")
def policies_scored(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """The shared policy scorer, run once per session for every floor test that reads it (policy, SDK):
    (what it printed, the shared cases folder, the folder of the auditor's outputs)."""
    here = realworld_dir("policies")
    out = tmp_path_factory.mktemp("policies")
    return run_scorer(["bash", str(here / "run_all.sh"), auditor_cmd(), str(out)]), here / "cases", out


def figure(text: str, pattern: str) -> float:
    """One number from a scorer's output, by a regex with one group; a missing figure fails the test."""
    m = re.search(pattern, text)
    if not m:
        pytest.fail(f"figure /{pattern}/ not found in scorer output:\n{text[-2000:]}")
    return float(m.group(1))


def floors(area: str) -> dict[str, float]:
    return json.loads((FLOORS / f"{area}.json").read_text(encoding="utf-8"))


def check_floors(area: str, measured: dict[str, float], *, lower_is_better: frozenset[str] = frozenset()) -> None:
    """Every recorded floor holds. Names in ``lower_is_better`` are ceilings (e.g. false positives)."""
    below = []
    for name, floor in floors(area).items():
        if name not in measured:
            below.append(f"{name}: not measured")
            continue
        got = measured[name]
        ok = got <= floor if name in lower_is_better else got >= floor
        if not ok:
            below.append(f"{name}: {got} (recorded {'ceiling' if name in lower_is_better else 'floor'} {floor})")
    assert not below, f"real-world figures of {area} fell below their floors: " + "; ".join(below)
