"""Score the checklist on real policies: `auditor policy CASE --json OUT/<name>.json` per case, then the
shared scorer (../shared/realworld/policies/checklist_eval.py) on OUT.

    python benchmarks/checklist_realworld.py [CASES_DIR] [OUT_DIR] [-v]

CASES_DIR defaults to the shared set; any folder of .txt/.md/.html/.pdf policies works (the scorer then
only counts cases with *.checklist.json labels, and OUT_DIR keeps every JSON to read). It also prints
how many scenarios each case answered without a person. Runs the installed console script, as a user
would: the figures are those of the CLI.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "realworld" / "policies"
SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("-")]
    cases = Path(args[0]) if args else SHARED / "cases"
    out = Path(args[1]) if len(args) > 1 else Path(tempfile.mkdtemp(prefix="checklist-"))
    out.mkdir(parents=True, exist_ok=True)
    auditor = Path(sys.executable).with_name("auditor")
    automatic = []
    for p in sorted(cases.iterdir()):
        if not p.is_file() or p.suffix.lower() not in SUFFIXES or p.name.endswith(".ORIGIN.txt"):
            continue
        name = p.name.split(".")[0]
        target = out / f"{name}.json"
        proc = subprocess.run([str(auditor), "policy", str(p), "--json", str(target)], capture_output=True,
                              text=True, check=False)
        if proc.returncode not in (0, 1):
            print(f"{name}: auditor exited {proc.returncode}: {proc.stderr.strip()[-300:]}")
            continue
        entries = json.loads(target.read_text(encoding="utf-8")).get("checklist", [])
        automatic.append(sum(e["automatic"] for e in entries))
        violations = [e["id"][5:] for e in entries if e["verdict"] == "violation"]
        print(f"{name}: {automatic[-1]}/31 automatic; violations: {', '.join(violations) or '-'}")
    scorer = SHARED / "checklist_eval.py"
    if (cases / "blurrr.checklist.json").exists() or any(cases.glob("*.checklist.json")):
        res = subprocess.run([sys.executable, str(scorer), str(cases), str(out), *[a for a in argv if a == "-v"]],
                             capture_output=True, text=True, check=False)
        print(res.stdout.strip())
    if automatic:
        print(f"policy only: {min(automatic)}-{max(automatic)} of 31 scenarios answered automatically "
              f"(output in {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
