"""The report's view of an audit: plain rows in the reader's language, computed once.

Templates stay free of logic (and so of translation conditionals) because every table the report
shows is prepared here from the Audit and the Ruleset. Nothing here re-runs analysis: it only
orders, groups, counts and labels what the pipeline found. Evidence lists are capped per finding so
that an audit with tens of thousands of observations still gives a readable, printable report.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from auditor.errors import AuditorError
from auditor.masking import mask_host
from auditor.model import SEVERITY_ORDER, Audit, Finding, Observation, Party
from auditor.report.checklist import ChangesView, ChecklistView, build_changes_view, build_checklist_view
from auditor.report.fmt import as_list, clip, format_time, short_label, strip_query
from auditor.report.i18n import Catalogue
from auditor.report.timeline import Timeline, build_timeline
from auditor.ruleset import Ruleset

EVIDENCE_PER_FINDING = 8
# where-keys that repeat what the URL already shows
HIDDEN_WHERE = frozenset({"scheme", "host"})
SEVERITIES = ("high", "medium", "low")
QUOTE_CHARS = 120  # a policy sentence quoted in the matrix; the JSON export has it whole


@dataclass
class ClauseRow:
    id: str
    instrument: str
    article: str
    text: str
    translated: bool = False


@dataclass
class EvidenceRow:
    """One observation as a reader checks it: where, by whom, when, what (masked)."""

    source: str
    where: list[tuple[str, str]]
    party: str
    entity: str
    value: str
    time: str
    before_consent: bool | None
    confidence: float


@dataclass
class FindingRow:
    id: str
    rule: str
    severity: str
    title: str
    category: str
    sensitive: bool
    party: str
    weak: bool
    needs_review: bool
    detail: str
    count: int
    first_seen: str
    last_seen: str
    sources: list[str]
    clauses: list[ClauseRow]
    evidence: list[EvidenceRow]
    more: int


@dataclass
class MatrixRow:
    label: str
    sensitive: bool
    observed: int
    sources: list[str]
    declared: str
    quote: str
    necessary: bool | None
    flags: list[str]


@dataclass
class NecessaryScope:
    """The app category's necessary PI: the rule's own words and their mapping onto our categories."""

    label: str
    text: str
    categories: set[str]
    names: list[str]  # the categories in the report's language, where that is not the rule's own (中文)


@dataclass
class SdkRow:
    name: str
    vendor: str
    kind: str
    evidence: list[str]
    known: list[str]
    observed: list[str]
    declared: bool


@dataclass
class PermissionRow:
    name: str
    dangerous: bool
    categories: list[str]
    used_by: list[str]
    uses: int


@dataclass
class Summary:
    by_severity: dict[str, int]
    findings: int
    observations: int
    declarations: int
    sensitive: list[str]
    before_consent: int
    before_consent_categories: list[str]
    verdict: str
    verdict_level: str


@dataclass
class ReportView:
    audit: Audit
    app: dict[str, str]
    created: str
    consent: dict[str, str] | None
    summary: Summary
    findings: list[FindingRow]
    matrix: list[MatrixRow]
    necessary: NecessaryScope | None
    sdks: list[SdkRow]
    permissions: list[PermissionRow] | None
    timeline: Timeline | None
    warnings: list[str] = field(default_factory=list)
    checklist: ChecklistView | None = None
    changes: ChangesView | None = None


class _Builder:
    def __init__(self, audit: Audit, ruleset: Ruleset, t: Catalogue) -> None:
        self.audit = audit
        self.rs = ruleset
        self.t = t
        self.lang = t.lang
        self.obs_by_id = {o.id: o for o in audit.observations}
        # what the app was seen collecting; policy observations are statements, not collection
        self.collected = [o for o in audit.observations if o.source != "policy" and o.collects]
        self.warnings: list[str] = list(audit.warnings)

    def category(self, cat: str | None) -> str:
        return self.rs.category_name(cat, self.lang) if cat else self.t.gettext("category.none")

    def sdk_name(self, sdk_id: str) -> str:
        entry = self.rs.sdks.get(sdk_id)
        if not entry:
            return sdk_id
        if self.lang == "zh" and entry.get("name_zh") and entry["name_zh"] != entry["name"]:
            return f"{entry['name_zh']}（{entry['name']}）"
        return str(entry["name"])

    def party(self, party: Party | None) -> str:
        if party is None:
            return "—"
        if party.kind == "first":
            return self.t.gettext("party.first")
        return self.sdk_name(party.sdk) if party.sdk else party.name

    # --- findings ---------------------------------------------------------------------------

    def where(self, o: Observation) -> list[tuple[str, str]]:
        """Label/value pairs that let a reader find the evidence: code, file position, or flow and field."""
        w = o.where
        rows: list[tuple[str, str]] = []
        shown: set[str] = {"time", *HIDDEN_WHERE}

        def add(key: str, value: Any, *used: str) -> None:
            shown.update(used or (key,))
            if value is not None and value != "":
                rows.append((self.t.label("where", key), str(value)))

        if o.source == "apk":
            cls, method = w.get("class"), w.get("method")
            add("code", f"{cls}.{method}" if cls and method else cls, "class", "method")
        elif o.source == "miniprogram" and w.get("file"):
            pos = [w["file"], *(str(w[k]) for k in ("line", "column") if w.get(k) is not None)]
            add("file", ":".join(map(str, pos)), "file", "line", "column")
        elif o.source == "traffic" and w.get("flow") is not None:
            flow = " ".join(str(p) for p in (w.get("file"), f"#{w['flow']}", w.get("method")) if p)
            side = self.t.label("side", str(w["side"])) if w.get("side") else ""
            add("flow", f"{flow} ({side})" if side else flow, "file", "flow", "method", "side")
        add("path", w.get("path"))
        add("url", strip_query(str(w["url"])) if w.get("url") else None)
        add("host", mask_host(str(w["host"])) if w.get("host") else None)  # audits stored unmasked
        for key in sorted(set(w) - shown):
            if isinstance(w[key], str | int | float) and not isinstance(w[key], bool):
                add(key, w[key])
        return rows

    def evidence(self, o: Observation) -> EvidenceRow:
        return EvidenceRow(
            source=self.t.label("source", o.source),
            where=self.where(o),
            party=self.party(o.party),
            entity=o.entity,
            value=o.value or "",
            time=format_time(o.where.get("time")),
            before_consent=o.before_consent,
            confidence=o.confidence,
        )

    def clauses(self, f: Finding) -> list[ClauseRow]:
        rows = []
        for c in f.clauses:
            if self.lang == "zh":
                rows.append(ClauseRow(id=c.id, instrument=c.instrument, article=c.article, text=c.text))
                continue
            data = self.rs.clauses.get(c.id, {})  # translations are data (rules/clauses.yaml)
            text = data.get(f"text_{self.lang}")
            rows.append(ClauseRow(
                id=c.id, instrument=data.get(f"instrument_{self.lang}", c.instrument),
                article=data.get(f"article_{self.lang}", c.article), text=text or c.text, translated=bool(text),
            ))
        return rows

    def title(self, f: Finding) -> str:
        if self.lang == "zh":
            return f.title
        if f.title_en:
            return f.title_en
        rule = self.rs.rules["by_id"].get(f.rule, {})
        return str(rule.get(f"title_{self.lang}") or f.title)

    def finding(self, f: Finding) -> FindingRow:
        shown: list[EvidenceRow] = []
        present = 0
        for oid in f.observations:
            o = self.obs_by_id.get(oid)
            if o is None:
                continue
            present += 1
            if len(shown) < EVIDENCE_PER_FINDING:
                shown.append(self.evidence(o))
        total = max(f.count, present)
        return FindingRow(
            id=f.id,
            rule=f.rule,
            severity=f.severity,
            title=self.title(f),
            category=self.category(f.category),
            sensitive=self.rs.is_sensitive(f.category),
            party=self.party(f.party),
            weak=f.weak,
            needs_review=f.needs_review,
            detail=(f.detail_en or f.detail) if self.lang == "en" else f.detail,
            count=total,
            first_seen=format_time(f.first_seen),
            last_seen=format_time(f.last_seen),
            sources=[self.t.label("source", s) for s in f.sources],
            clauses=self.clauses(f),
            evidence=shown,
            more=total - len(shown),
        )

    def findings(self) -> list[FindingRow]:
        rule_order = {r: i for i, r in enumerate(self.rs.rules["by_id"])}
        ordered = sorted(
            self.audit.findings,
            key=lambda f: (
                SEVERITY_ORDER.get(f.severity, 9),
                f.weak,
                rule_order.get(f.rule, len(rule_order)),
                -max(f.count, len(f.observations)),
                f.category or "",
            ),
        )
        return [self.finding(f) for f in ordered]

    # --- summary ----------------------------------------------------------------------------

    def summary(self) -> Summary:
        by_sev = Counter(f.severity for f in self.audit.findings)
        collected = self.collected
        sensitive = sorted({o.category for o in collected if self.rs.is_sensitive(o.category)})
        before = [o for o in collected if o.before_consent]
        level = "high" if by_sev["high"] else "some" if self.audit.findings else "none"
        return Summary(
            by_severity={s: by_sev.get(s, 0) for s in SEVERITIES},
            findings=len(self.audit.findings),
            observations=len(collected),
            declarations=len(self.audit.declarations),
            sensitive=[self.category(c) for c in sensitive],
            before_consent=len(before),
            before_consent_categories=[self.category(c) for c in sorted({o.category for o in before})],
            verdict=self.t.gettext(f"verdict.{level}"),
            verdict_level=level,
        )

    # --- matrix -----------------------------------------------------------------------------

    def necessary(self) -> NecessaryScope | None:
        """The necessary scope of the app's category, or None when it is unknown or not yet defined."""
        cat = self.audit.app.get("category")
        if not cat:
            return None
        try:
            scope = self.rs.necessary_scope
        except AuditorError as e:
            self.warnings.append(self.t.gettext("warning.no_necessary_scope") + f" ({e})")
            return None
        entry = scope.get(cat)
        if entry is None:
            self.warnings.append(self.t.gettext("warning.unknown_app_category") + f": {cat}")
            return None
        return NecessaryScope(
            label=str(entry.get(self.lang) or entry.get("zh") or cat),
            text=str(entry.get("necessary_text", "")),
            categories=set(entry.get("necessary", [])),
            names=[] if self.lang == "zh" else [self.category(c) for c in entry.get("necessary", [])],
        )

    def matrix(self, scope: NecessaryScope | None) -> list[MatrixRow]:
        necessary = scope.categories if scope else None
        observed: Counter[str] = Counter()
        sources: dict[str, set[str]] = defaultdict(set)
        for o in self.collected:
            observed[o.category] += 1
            sources[o.category].add(o.source)
        status: dict[str, str] = {}
        quote: dict[str, str] = {}
        precedence = {"declared": 0, "conditional": 1, "negated": 2}
        for d in self.audit.declarations:
            if d.category and precedence[d.status] < precedence.get(status.get(d.category, ""), 9):
                status[d.category] = d.status
                quote[d.category] = d.text
        cats = set(observed) | set(status) | (necessary or set())
        order = {c: i for i, c in enumerate(self.rs.categories)}
        rows = []
        for c in sorted(cats, key=lambda c: (order.get(c, len(order)), c)):
            declared = status.get(c, "none")
            flags = []
            if observed[c] and declared == "none":
                flags.append("undeclared")
            if observed[c] and declared == "negated":
                flags.append("contradicts")
            if observed[c] and necessary is not None and c not in necessary:
                flags.append("beyond")
            rows.append(
                MatrixRow(
                    label=self.category(c),
                    sensitive=self.rs.is_sensitive(c),
                    observed=observed[c],
                    sources=[self.t.label("source", s) for s in sorted(sources[c])],
                    declared=self.t.gettext(f"declared.{declared}"),
                    quote=clip(quote.get(c, ""), QUOTE_CHARS),
                    necessary=None if necessary is None else c in necessary,
                    flags=[self.t.gettext(f"flag.{f}") for f in flags],
                )
            )
        return rows

    # --- SDKs and permissions ---------------------------------------------------------------

    def sdks(self) -> list[SdkRow]:
        inventory = {str(s.get("id") or s.get("name")): s for s in self.audit.app.get("sdks") or []}
        observed: dict[str, set[str]] = defaultdict(set)
        for o in self.collected:
            if o.party.kind == "third" and o.party.sdk:
                observed[o.party.sdk].add(o.category)
        declared = {d.sdk for d in self.audit.declarations if d.sdk}
        rows = []
        for sid in sorted(set(inventory) | set(observed), key=lambda s: (s not in observed, s)):
            inv = inventory.get(sid, {})
            entry = self.rs.sdks.get(sid, {})
            known = inv.get("categories") or entry.get("categories") or []
            rows.append(
                SdkRow(
                    name=self.sdk_name(sid) if entry else str(inv.get("name") or sid),
                    vendor=str(entry.get("vendor", "")),
                    kind=str(entry.get("kind", "")),
                    evidence=self.sdk_evidence(inv.get("evidence")),
                    known=[self.category(c) for c in known],
                    observed=[self.category(c) for c in sorted(observed.get(sid, set()))],
                    declared=sid in declared,
                )
            )
        return rows

    def sdk_evidence(self, evidence: Any) -> list[str]:
        """APK analysis gives {kind: {item: count} | [items]}; other producers give strings."""
        if not isinstance(evidence, dict):
            return as_list(evidence)
        lines = []
        for kind, items in evidence.items():
            if isinstance(items, dict):
                shown = [f"{k} ×{n}" if isinstance(n, int) and n > 1 else str(k) for k, n in items.items()]
            else:
                shown = as_list(items)
            if shown:
                lines.append(f"{self.t.label('sdk_evidence', str(kind))}: {', '.join(shown)}")
        return lines

    def permissions(self) -> list[PermissionRow] | None:
        perms = self.audit.app.get("permissions")
        if perms is None:
            return None
        rows = []
        for p in perms:
            if isinstance(p, str):
                p = {"name": p}
            used = p.get("used_by")
            counted = isinstance(used, int) and not isinstance(used, bool)  # APK analysis gives a count
            rows.append(
                PermissionRow(
                    name=str(p.get("name", "")),
                    dangerous=bool(p.get("dangerous")),
                    categories=[self.category(c) for c in as_list(p.get("categories"))],
                    used_by=[] if counted else as_list(used),
                    uses=int(used) if counted else len(as_list(used)),
                )
            )
        rows.sort(key=lambda r: (not r.dangerous, r.name))
        return rows

    # --- cover ------------------------------------------------------------------------------

    def app(self, scope: NecessaryScope | None) -> dict[str, str]:
        a = self.audit.app
        cat_name = scope.label if scope else str(a.get("category_name") or a.get("category") or "")
        return {
            "name": str(a.get("name") or self.t.gettext("app.unnamed")),
            "package": str(a.get("package") or ""),
            "version": str(a.get("version") or ""),
            "category": str(cat_name),
        }

    def consent(self) -> dict[str, str] | None:
        c = self.audit.consent
        if not c:
            return None
        rows: dict[str, str] = {}
        for key in ("time", "file", "flow", "index", "url", "how", "spec"):
            value = c.get(key)
            if value is None or value == "":
                continue
            if key == "url":
                value = strip_query(str(value))
            elif key == "time":
                value = format_time(value)
            elif key == "how":
                value = self.t.label("consent_how", str(value))
            rows[key] = str(value)
        return rows

    def build(self) -> ReportView:
        necessary = self.necessary()
        return ReportView(
            audit=self.audit,
            app=self.app(necessary),
            created=format_time(self.audit.created),
            consent=self.consent(),
            summary=self.summary(),
            findings=self.findings(),
            matrix=self.matrix(necessary),
            necessary=necessary,
            sdks=self.sdks(),
            permissions=self.permissions(),
            timeline=build_timeline(self.audit, lambda c: short_label(self.category(c)), self.t),
            warnings=self.warnings,
            checklist=build_checklist_view(self.audit, self.t),
            changes=build_changes_view(self.audit, self.category),
        )


def build_view(audit: Audit, ruleset: Ruleset, t: Catalogue) -> ReportView:
    return _Builder(audit, ruleset, t).build()
