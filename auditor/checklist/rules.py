"""The checklist's finding rules: facts that show a breach become cited findings.

Two kinds of evidence: readers' facts (a policy sentence, a WXML line, a call site: ``ItemFact`` with
status ``violation`` or ``review``), which become one finding per scenario under the scenario's rule
(rules/checklist.yaml names it first), and observations collected after the user refused (认定方法
三.2), grouped like ``before_consent``. The engine (auditor/scope/engine.py) adds severity and clauses.
"""

from __future__ import annotations

from typing import Any

from auditor.checklist.build import scenarios
from auditor.scope.engine import FindingDraft, JudgeContext, group


def check_item_facts(ctx: JudgeContext) -> list[FindingDraft]:
    facts = ctx.checklist
    if facts is None:
        return []
    rule_of = {s["id"]: s["rules"][0] for s in scenarios(ctx.ruleset) if s["rules"]}
    drafts = []
    for scenario, rule in rule_of.items():
        bad = [f for f in facts.of(scenario) if f.status in ("violation", "review")]
        if not bad:
            continue
        hard = [f for f in bad if f.status == "violation"]
        shown = hard or bad
        first = next((e for f in shown for e in f.evidence), None)
        where: dict[str, Any] = {"scenario": scenario}
        if first is not None:
            where.update(first.where)
            where["quote"] = first.text
        drafts.append(FindingDraft(
            rule=rule, category=None, party=None,
            detail="；".join(dict.fromkeys(f.reason for f in shown)),
            detail_en="; ".join(dict.fromkeys(f.reason_en for f in shown)),
            where=where, needs_review=not hard, severity=None if hard else "low",
        ))
    return drafts


def check_after_refusal(ctx: JudgeContext) -> list[FindingDraft]:
    """Collected after the user said no (the capture's refusal moment, where['after_refusal'])."""
    return group(
        (o for o in ctx.collected() if o.where.get("after_refusal")),
        "after_refusal",
        "用户拒绝同意隐私政策后仍发生收集",
        "Collected after the user refused the privacy policy",
    )


CHECKS = [check_item_facts, check_after_refusal]
