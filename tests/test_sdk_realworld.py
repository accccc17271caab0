"""The SDK figures of the shared real policies (../shared/realworld/policies) hold their floors.

The scorer counts an SDK id as a true positive only if the policy's labels list it among the ids the
catalogue had when they were written; SDKs the catalogue has learnt since (微博SDK, X5内核, 移动一键登录…)
count as false positives until the labels are renewed, so the precision floor is low and only rises. The
same run is also scored against the catalogue as it is (tests/policy_sdk_labels.py), where the floors
are the ones that matter."""

from __future__ import annotations

from pathlib import Path

from policy_sdk_labels import current_id_figures
from realworld import check_floors, figure


def test_policy_sdk_figures_hold_their_floors(policies_scored: tuple[str, Path, Path]) -> None:
    out, cases, predictions = policies_scored
    measured = {
        "policy_sdk_recall": figure(out, r"SDKs P=\s*\S+ R=([0-9.]+)"),
        "policy_sdk_precision": figure(out, r"SDKs P=([0-9.]+)"),
    }
    p, r = current_id_figures(cases, predictions)
    measured |= {"policy_sdk_precision_current_ids": round(p, 2), "policy_sdk_recall_current_ids": round(r, 2)}
    check_floors("sdk", measured)
