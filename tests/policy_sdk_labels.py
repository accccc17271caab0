"""SDK precision and recall of the shared real policies against the catalogue as it is.

The shared scorer counts an SDK id as right only when the labels list it among the ids the catalogue had
when they were written; ``tests/floors/policy_sdk_label_ids.json`` maps the names the labels keep aside
(``sdks_not_in_rules``) to the ids the catalogue has now (why: see its ``_why``). Predictions are read the
way the shared scorer reads them: non-null ``sdk`` ids of third-party declarations.
"""

from __future__ import annotations

import json
from pathlib import Path

LABEL_IDS = Path(__file__).resolve().parent / "floors" / "policy_sdk_label_ids.json"


def _predicted(path: Path) -> set[str]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {d["sdk"] for d in doc.get("declarations", []) if d.get("category") is None and d.get("sdk")}


def current_id_figures(cases: Path, out: Path) -> tuple[float, float]:
    """(precision, recall) over every labelled case whose prediction ``out/<name>.json`` was written."""
    mapping = json.loads(LABEL_IDS.read_text(encoding="utf-8"))
    tp = fp = fn = 0
    for truth_path in sorted(cases.glob("*.truth.json")):
        name = truth_path.name.removesuffix(".truth.json")
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        want = set(truth.get("sdks", [])) | {
            mapping.get(name, {})[n] for n in truth.get("sdks_not_in_rules", []) if n in mapping.get(name, {})
        }
        got = _predicted(out / f"{name}.json")
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)
