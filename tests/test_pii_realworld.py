"""The recognizers on the shared real-world PI set (../shared/realworld/pii), against recorded floors.

Texts nobody on the project wrote (peers' tests, CLUENER dev half, hand-labelled), structured records,
hard negatives and 2,000 issue-time-valid resident IDs, scored by the set's own scorer through the
`auditor scan` command. Floors are in tests/floors/pii.json and only ever raised.
"""

from __future__ import annotations

import re

from tests.realworld import auditor_cmd, check_floors, figure, realworld_dir, run_scorer

_ENTITY_ROW = r"^{}\s+\d+\s+\d+\s+\d+\s+\d+\s+([0-9.]+)\s+([0-9.]+)"


def test_shared_pii_set_stays_above_its_floors() -> None:
    here = realworld_dir("pii")
    out = run_scorer(["bash", str(here / "run_all.sh"), auditor_cmd(), "--table"])

    def entity(name: str, column: int) -> float:
        m = re.search(_ENTITY_ROW.format(name), out, re.M)
        return float(m.group(column)) if m else 0.0

    measured = {
        "text_precision": figure(out, r"text P ([0-9.]+) R"),
        "text_recall": figure(out, r"text P [0-9.]+ R ([0-9.]+)"),
        "structured_precision": figure(out, r"structured P ([0-9.]+) R"),
        "structured_recall": figure(out, r"structured P [0-9.]+ R ([0-9.]+)"),
        "hard_negatives_flagged": figure(out, r"hard negatives flagged ([0-9]+)/"),
        "issue_time_ids_rejected": figure(out, r"issue-time-valid IDs rejected ([0-9]+)/"),
        "person_name_precision": entity("PERSON_NAME", 1),
        "person_name_recall": entity("PERSON_NAME", 2),
        "address_recall": entity("ADDRESS", 2),
        "resident_id_recall": entity("RESIDENT_ID", 2),
        "bank_card_recall": entity("BANK_CARD", 2),
        "landline_recall": entity("LANDLINE", 2),
    }
    check_floors("pii", measured, lower_is_better=frozenset({"hard_negatives_flagged", "issue_time_ids_rejected"}))
