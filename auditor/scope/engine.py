"""The judge: rule checks over observations and declarations, merged into cited findings.

Each check is a plain function ``JudgeContext -> list[FindingDraft]`` that says *what* is wrong and
which observations show it. Everything shared by all rules lives here instead: one finding per
rule x category x party, severity from rules/rules.yaml (raised for sensitive categories, lowered one
step when every observation behind it is weak), clause texts copied in, first/last seen and counts.
Keeping that out of the checks means a new rule is a few lines and cannot get the citation wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from auditor.model import SEVERITY_ORDER, Clause, Declaration, Finding, Observation, Party
from auditor.ruleset import Ruleset

#: Observations below this confidence are "weak" (e.g. a field name alone, a permission alone).
WEAK_CONFIDENCE = 0.6
#: Declaration sources that state what the app collects (a manifest permission is not a statement).
STATEMENT_SOURCES = {"policy", "scope", "miniprogram"}


@dataclass
class FindingDraft:
    """What a check reports; the engine turns drafts into findings."""

    rule: str
    category: str | None
    party: Party | None
    observations: list[str] = field(default_factory=list)
    detail: str = ""
    severity: str | None = None
    weak: bool | None = None
    detail_en: str = ""
    where: dict[str, Any] | None = None
    needs_review: bool = False
    cap: str | None = None  # the highest severity the evidence allows (a guess of the first party)


@dataclass
class JudgeContext:
    """Everything a rule may look at. Plain data: checks never reach back into the sources."""

    observations: list[Observation]
    declarations: list[Declaration]
    app: dict[str, Any]
    ruleset: Ruleset
    app_category: str | None = None
    policy_given: bool = False
    policy_unreadable: str | None = None
    scope_given: bool = False
    #: sources whose own bundle was searched for a privacy policy and holds none ("apk", "miniprogram")
    policy_absent_in: tuple[str, ...] = ()
    #: URLs of privacy-policy pages the capture loaded; None when no capture was given
    policy_pages: list[str] | None = None
    #: the readers' facts for the 2019 认定方法 checklist (auditor.checklist.ChecklistFacts)
    checklist: Any = None

    @cached_property
    def statements(self) -> list[Declaration]:
        return [d for d in self.declarations if d.source in STATEMENT_SOURCES]

    @cached_property
    def declared(self) -> set[str]:
        """Categories the app says it collects (declared, or conditionally for a function).

        Declaring the precise location covers the coarse one: a city is less than a position.
        """
        cats = {d.category for d in self.statements if d.category and d.status in ("declared", "conditional")}
        return _with_implied(cats)

    @cached_property
    def negated(self) -> set[str]:
        """Categories the app says it does not collect, and never declares elsewhere."""
        neg = {d.category for d in self.statements if d.category and d.status == "negated"}
        return neg - self.declared

    @cached_property
    def separately_consented(self) -> set[str]:
        """Categories with a separate-consent statement, or a platform dialog that asks each time (a
        mini-program permission scope shown by WeChat's authorization dialog, declared in app.json)."""
        return {d.category for d in self.declarations if d.category and d.separate_consent}

    @cached_property
    def declared_sdks(self) -> dict[str, set[str]]:
        """SDK id (or lower-cased name when unknown) -> categories the policy says it collects."""
        out: dict[str, set[str]] = {}
        for d in self.statements:
            if d.sdk or d.sdk_name:
                key = d.sdk or (d.sdk_name or "").lower()
                out.setdefault(key, set()).update(d.sdk_categories)
        return out

    @property
    def has_statement(self) -> bool:
        """Whether the app published any collection rules we could read."""
        return bool(self.statements) or self.scope_given or (self.policy_given and not self.policy_unreadable)

    @cached_property
    def necessary(self) -> set[str] | None:
        if not self.app_category:
            return None
        entry = self.ruleset.necessary_scope.get(self.app_category)
        return _with_implied(set(entry["necessary"])) if entry else None

    def collected(self) -> list[Observation]:
        """Observations of actual collection or access: a requested permission alone is not one, nor a
        read the app cannot perform (``Observation.collects``)."""
        return self._collected

    @cached_property
    def _collected(self) -> list[Observation]:
        # every check walks it; a big capture has hundreds of thousands of observations
        return [o for o in self.observations if o.entity != "PERMISSION" and o.collects]

    def sdk_declared(self, party: Party) -> bool:
        sdks = self.declared_sdks
        if party.sdk and party.sdk in sdks:
            return True
        return party.name.lower() in sdks


Check = Callable[[JudgeContext], list[FindingDraft]]

#: A category that, declared or necessary, also covers another (less precise) one.
IMPLIES = {"precise_location": "coarse_location"}


def _with_implied(cats: set[str]) -> set[str]:
    return cats | {IMPLIES[c] for c in cats if c in IMPLIES}


def group(observations: Iterable[Observation], rule: str, detail: str = "", detail_en: str = "") -> list[FindingDraft]:
    """One draft per category x party over the given observations (details in Chinese and English)."""
    drafts: dict[tuple[str, str], FindingDraft] = {}
    for o in observations:
        key = (o.category, o.party.key)
        d = drafts.get(key)
        if d is None:
            d = drafts[key] = FindingDraft(
                rule=rule, category=o.category, party=o.party, detail=detail, detail_en=detail_en
            )
        d.observations.append(o.id)
    return list(drafts.values())


def _lower(severity: str) -> str:
    return {"high": "medium", "medium": "low", "low": "low"}[severity]


def judge(ctx: JudgeContext, checks: Iterable[Check]) -> list[Finding]:
    """Run every check and turn the drafts into findings ordered by severity."""
    by_id = {o.id: o for o in ctx.observations}
    merged: dict[tuple[str, str | None, str], FindingDraft] = {}
    for check in checks:
        for draft in check(ctx):
            key = (draft.rule, draft.category, draft.party.key if draft.party else "")
            prev = merged.get(key)
            if prev is None:
                merged[key] = draft
            else:
                have = set(prev.observations)
                prev.observations.extend(i for i in draft.observations if i not in have)
    findings = [_finish(d, ctx.ruleset, by_id) for d in merged.values()]
    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.rule, f.category or "", f.party.key if f.party else ""))
    return findings


def _finish(d: FindingDraft, ruleset: Ruleset, by_id: dict[str, Observation]) -> Finding:
    rule = ruleset.rule(d.rule)
    obs = [by_id[i] for i in d.observations if i in by_id]
    weak = d.weak if d.weak is not None else bool(obs) and all(o.confidence < WEAK_CONFIDENCE for o in obs)
    if d.severity:
        severity = d.severity
    else:
        severity = rule["severity_sensitive"] if ruleset.is_sensitive(d.category) else rule["severity"]
        if weak:
            severity = _lower(severity)
    if d.cap and SEVERITY_ORDER[severity] < SEVERITY_ORDER[d.cap]:
        severity = d.cap
    times = sorted(str(o.where["time"]) for o in obs if o.where.get("time"))
    clauses = [
        Clause(
            id=c,
            instrument=ruleset.clauses[c]["instrument"],
            article=ruleset.clauses[c]["article"],
            text=ruleset.clauses[c]["text"],
        )
        for c in rule["clauses"]
    ]
    return Finding(
        rule=d.rule,
        category=d.category,
        severity=severity,  # type: ignore[arg-type]
        title=rule["title"],
        title_en=rule["title_en"],
        clauses=clauses,
        observations=[o.id for o in obs],
        party=d.party,
        detail=d.detail,
        detail_en=d.detail_en,
        weak=weak,
        needs_review=d.needs_review,
        count=len(obs),
        first_seen=times[0] if times else None,
        last_seen=times[-1] if times else None,
        sources=sorted({o.source for o in obs}),
        where=d.where,
    )
