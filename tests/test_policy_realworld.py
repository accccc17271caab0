"""The policy reader on real published policies (../shared/realworld/policies), scored by the shared
scorer against floors recorded in tests/floors/policy.json (raised as the reader improves, never
lowered). Skipped in a checkout without the shared folder."""

from __future__ import annotations

import re
from pathlib import Path

from policy_sdk_labels import current_id_figures
from realworld import check_floors, figure

# The scorer's summary line: categories P=0.86 R=0.77 | negations P=0.00 R=0.00 | SDKs P=0.97 R=0.74
FIGURES = {
    "categories_p": r"categories P=(\d\.\d+)",
    "categories_r": r"categories P=\S+ R=(\d\.\d+)",
    "negations_p": r"negations P=(\d\.\d+)",
    "negations_r": r"negations P=\S+ R=(\d\.\d+)",
    "sdks_r": r"SDKs P=\S+ R=(\d\.\d+)",
}


def test_real_policies_hold_their_floors(policies_scored: tuple[str, Path, Path]) -> None:
    out, cases, predictions = policies_scored
    assert not re.search(r"^\s+\S+: exit \d+", out, re.MULTILINE), out  # every policy read without an error
    measured = {name: figure(out, pattern) for name, pattern in FIGURES.items()}
    # SDK precision against the catalogue as it is: the shared labels only know the ids of an older
    # catalogue, so the raw precision counts every SDK learnt since as wrong (tests/policy_sdk_labels.py;
    # the raw figures are kept by tests/test_sdk_realworld.py)
    p, r = current_id_figures(cases, predictions)
    measured |= {"sdks_p": round(p, 2), "sdks_r_current_ids": round(r, 2)}
    check_floors("policy", measured)
