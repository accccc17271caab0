"""The checklist: every scenario of the 2019 认定方法 answered from the findings and the facts.

A scenario is a ``violation`` when a finding of one of its rules (rules/checklist.yaml) stands; it
``needs_review`` when only findings a person must confirm stand, or a reader could not settle it; it is
``compliant`` (or ``not_applicable``) when the audit had what the scenario needs (``answers``) and
nothing breached it; otherwise it is ``not_checked``, and the entry says which input would answer it.
Every verdict carries the evidence it stands on, and a scenario no input can answer carries what a
person must look at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from auditor.checklist.facts import Evidence, ItemFact
from auditor.model import ChecklistEntry, Finding, Observation
from auditor.ruleset import Ruleset

#: evidence items kept per entry (the findings and the JSON have the rest)
MAX_EVIDENCE = 8

#: what each fact of the `answers` vocabulary is called when it is missing
_NEEDS = {
    "policy_text": ("隐私政策（--policy）", "a privacy policy (--policy)"),
    "collection": ("APK、抓包或小程序", "an APK, a capture or a mini-program"),
    "capture": ("抓包（--traffic）", "a capture (--traffic)"),
    "consent_moment": ("抓包中的同意时刻（--consent-at）", "the consent moment in a capture (--consent-at)"),
    "refusal_moment": ("抓包中的拒绝时刻（--refused-at）", "the refusal moment in a capture (--refused-at)"),
    "app_category": ("App类型（--app-category）", "the app category (--app-category)"),
    "apk": ("APK（--apk）", "an APK (--apk)"),
    "miniprogram": ("小程序（--miniprogram）", "a mini-program (--miniprogram)"),
    "consent_ui": ("同意界面（小程序、APK布局或抓包中的H5页面）",
                   "the consent screens (a mini-program, APK layouts or H5 pages in a capture)"),
    "permissions": ("APK的权限清单", "the APK's permissions"),
    "previous_audit": ("同一App的上一次审计（--db）", "an earlier audit of the same app (--db)"),
}


@dataclass
class ChecklistFacts:
    """What the audit had and what the readers said, for the checklist rules and the checklist."""

    have: set[str] = field(default_factory=set)
    items: list[ItemFact] = field(default_factory=list)

    def of(self, scenario: str) -> list[ItemFact]:
        return [f for f in self.items if f.scenario == scenario]


@cache
def scenarios(ruleset: Ruleset) -> list[dict[str, Any]]:
    """rules/checklist.yaml's scenarios, each rule id checked against rules/rules.yaml."""
    data = ruleset.load("checklist")
    for s in data["scenarios"]:
        for rule in s["rules"]:
            ruleset.rule(rule)  # KeyError names an unknown rule at load
    return data["scenarios"]


def checklist_source(ruleset: Ruleset) -> dict[str, Any]:
    data = ruleset.load("checklist")
    return {"source": data["source"], "sections": data["sections"]}


def _missing(answers: list[Any], have: set[str]) -> list[str]:
    """The groups of ``answers`` not met: a fact, or a list of which any one will do."""
    out = []
    for group in answers:
        options = group if isinstance(group, list) else [group]
        if not any(o in have for o in options):
            out.append(options[0])
    return out


#: where-keys of an observation that locate it (a flow, a call site, a file and line)
_PLACE = ("file", "flow", "side", "path", "url", "class", "method", "api", "line", "permission")


def _finding_evidence(f: Finding, observations: dict[str, Observation]) -> Evidence:
    """A finding as evidence, in no language: its id, rule, category, party, and the place of its first
    observation (the flow, call site or file a person opens), or the finding's own place."""
    where: dict[str, Any] = {"finding": f.id}
    first = next((observations[o] for o in f.observations if o in observations), None)
    if first is not None:
        where.update({k: first.where[k] for k in _PLACE if first.where.get(k) not in (None, "")})
    elif f.where:
        where.update({k: v for k, v in f.where.items() if k != "evidence"})
    quote = (f.where or {}).get("quote")
    parts = [f.id, f.rule, f.category or "", f.party.name if f.party else "",
             f"×{f.count}" if f.count else "", str(quote) if quote and first is None else ""]
    return Evidence("finding", " · ".join(p for p in parts if p), where)


def _entry(s: dict[str, Any], verdict: str, reason: tuple[str, str], evidence: Iterable[Evidence],
           findings: Iterable[Finding] = (), measures: dict[str, Any] | None = None) -> ChecklistEntry:
    ev = [e.to_dict() for e in evidence][:MAX_EVIDENCE]
    automatic = verdict in ("violation", "compliant", "not_applicable")
    return ChecklistEntry(
        id=s["id"], verdict=verdict, automatic=automatic, text=s["text"], text_en=s["text_en"],  # type: ignore[arg-type]
        reason=reason[0], reason_en=reason[1], findings=[f.id for f in findings], evidence=ev,
        review="" if automatic else s["review"]["zh"], review_en="" if automatic else s["review"]["en"],
        measures=measures or {},
    )


def _fact_evidence(items: list[ItemFact]) -> list[Evidence]:
    return [e for f in items for e in f.evidence]


def _measures(items: list[ItemFact]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in items:
        out.update(f.measures)
    return out


def answer(s: dict[str, Any], findings: list[Finding], facts: ChecklistFacts,
           observations: dict[str, Observation] | None = None) -> ChecklistEntry:
    """One scenario's entry (see the module docstring for the order of the rules)."""
    obs = observations or {}
    mine = [f for f in findings if f.rule in s["rules"]]
    items = facts.of(s["id"])
    hard = [f for f in mine if not f.needs_review]
    soft = [f for f in mine if f.needs_review]
    if hard:
        reason = "；".join(dict.fromkeys(f.detail or f.title for f in hard))
        reason_en = "; ".join(dict.fromkeys(f.detail_en or f.title_en for f in hard))
        evidence = _fact_evidence([i for i in items if i.status == "violation"]) + [
            _finding_evidence(f, obs) for f in hard]
        return _entry(s, "violation", (reason, reason_en), evidence, hard, _measures(items))
    unsettled = [i for i in items if i.status in ("review", "unclear")]
    if soft or unsettled:
        reasons = [(f.detail or f.title, f.detail_en or f.title_en) for f in soft] + [
            (i.reason, i.reason_en) for i in unsettled]
        evidence = [_finding_evidence(f, obs) for f in soft] + _fact_evidence(unsettled)
        return _entry(s, "needs_review", ("；".join(dict.fromkeys(r for r, _ in reasons)),
                                          "; ".join(dict.fromkeys(r for _, r in reasons))),
                      evidence, soft, _measures(items))
    missing = _missing(s["answers"], facts.have)
    if items and not missing:
        verdict = "not_applicable" if all(i.status == "not_applicable" for i in items) else "compliant"
        return _entry(s, verdict, ("；".join(i.reason for i in items), "; ".join(i.reason_en for i in items)),
                      _fact_evidence(items), measures=_measures(items))
    if not s["answers"]:
        return _entry(s, "needs_review", ("此情形无法从输入中自动判断，需人工检查",
                                          "No input can answer this scenario automatically; a person must check"),
                      _fact_evidence(items), measures=_measures(items))
    if missing:
        zh = "、".join(_NEEDS[m][0] for m in missing)
        en = ", ".join(_NEEDS[m][1] for m in missing)
        return _entry(s, "not_checked", (f"未检查：需要{zh}", f"Not checked: needs {en}"), _fact_evidence(items))
    rules = "、".join(s["rules"])
    inputs = sorted(o for g in s["answers"] for o in (g if isinstance(g, list) else [g]) if o in facts.have)
    return _entry(s, "compliant", (f"已检查（规则 {rules}），未发现问题", f"Checked (rules {rules}); nothing found"),
                  [Evidence("input", ", ".join(inputs), {"rules": list(s["rules"]), "inputs": inputs})])


def build_checklist(findings: list[Finding], facts: ChecklistFacts, ruleset: Ruleset,
                    observations: list[Observation] | None = None) -> list[ChecklistEntry]:
    """All 31 entries, in the regulator's order; ``observations`` locate the findings' evidence."""
    by_id = {o.id: o for o in observations or []}
    return [answer(s, findings, facts, by_id) for s in scenarios(ruleset)]


def summary(entries: list[ChecklistEntry]) -> dict[str, int]:
    """How many scenarios got each verdict, and how many were answered without a person."""
    out: dict[str, int] = {"automatic": sum(e.automatic for e in entries)}
    for e in entries:
        out[e.verdict] = out.get(e.verdict, 0) + 1
    return out


def live_checklist(audit: Any, ruleset: Ruleset, *, app_category: str | None = None) -> list[ChecklistEntry]:
    """The checklist of a live proxy session: what a capture alone answers, with its consent and
    refusal moments when they were marked."""
    have = {"capture", "collection"}
    if audit.consent:
        have.add("consent_moment")
    if audit.refusal:
        have.add("refusal_moment")
    if app_category:
        have.add("app_category")
    return build_checklist(audit.findings, ChecklistFacts(have=have), ruleset, audit.observations)
