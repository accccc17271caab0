"""The plain data that flows one way through the auditor.

sources -> Observation / Declaration -> (scope rules) -> Finding -> store / report.

Every stage takes and returns these dataclasses, so a stage can be tested on its own and the store
and reports never need to re-run analysis. ``to_dict`` gives the ``pi-auditor/1`` JSON shape
(published as ``auditor/schema/audit.schema.json``); ``from_dict`` reads it back from the store.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SCHEMA_ID = "pi-auditor/1"

Source = Literal["apk", "traffic", "miniprogram", "policy"]
DeclSource = Literal["policy", "scope", "manifest", "miniprogram"]
DeclStatus = Literal["declared", "negated", "conditional"]
Severity = Literal["high", "medium", "low"]
SEVERITY_ORDER: dict[str, int] = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class Party:
    """Who collects: the app itself (first) or a named third party (an SDK id or a domain)."""

    kind: Literal["first", "third"]
    name: str
    sdk: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Party:
        return cls(kind=d["kind"], name=d["name"], sdk=d.get("sdk"))

    @property
    def key(self) -> str:
        """Grouping key for findings. The app itself is one party whether seen as a package (APK code)
        or as a domain (traffic); a third party is its SDK id when known, else its name."""
        return "first" if self.kind == "first" else f"third:{self.sdk or self.name}"


#: Evidence tags of an observation that shows what the code *could* read without being collection by
#: itself: a read behind a permission the app never requests, library code the app never reaches, an API
#: that gives access to content which may hold PI. Kept visible, never a finding on its own.
NOT_COLLECTION = frozenset({"no_permission", "unreached_library", "evidence_only"})


@dataclass
class Observation:
    """One piece of evidence that PI of a category is collected or accessed.

    ``value`` is always the masked form; ``value_hash`` is a salted hash of the raw value so that
    equal values can be correlated across flows without keeping them.
    """

    category: str
    entity: str
    source: Source
    party: Party
    where: dict[str, Any]
    value: str | None = None
    value_hash: str | None = None
    confidence: float = 0.5
    evidence: list[str] = field(default_factory=list)
    before_consent: bool | None = None
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "category": self.category,
            "entity": self.entity,
            "source": self.source,
            "party": self.party.to_dict(),
            "where": {k: v for k, v in self.where.items() if v is not None},
            "value": self.value,
            "value_hash": self.value_hash,
            "confidence": round(self.confidence, 3),
            "evidence": list(self.evidence),
        }
        if self.before_consent is not None:
            d["before_consent"] = self.before_consent
        return d

    @property
    def collects(self) -> bool:
        """False for evidence of a possibility only (``NOT_COLLECTION``)."""
        return NOT_COLLECTION.isdisjoint(self.evidence)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Observation:
        return cls(
            id=d.get("id", ""),
            category=d["category"],
            entity=d["entity"],
            source=d["source"],
            party=Party.from_dict(d["party"]),
            where=dict(d.get("where") or {}),
            value=d.get("value"),
            value_hash=d.get("value_hash"),
            confidence=float(d.get("confidence", 0.5)),
            evidence=list(d.get("evidence") or []),
            before_consent=d.get("before_consent"),
        )


@dataclass
class Declaration:
    """What the app says it collects (or that it does not), and where it says so.

    A declared third-party SDK is a Declaration with ``sdk`` set and ``sdk_categories`` listing what the
    policy says that SDK collects; its ``category`` is then None.
    """

    category: str | None
    status: DeclStatus
    source: DeclSource
    text: str
    party: Party | None = None
    sdk: str | None = None
    sdk_name: str | None = None
    sdk_company: str | None = None  # the company the policy names for the SDK, as written
    sdk_categories: list[str] = field(default_factory=list)
    separate_consent: bool = False
    function: str | None = None
    position: int | None = None
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["party"] = self.party.to_dict() if self.party else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Declaration:
        return cls(
            id=d.get("id", ""),
            category=d.get("category"),
            status=d["status"],
            source=d["source"],
            text=d.get("text", ""),
            party=Party.from_dict(d["party"]) if d.get("party") else None,
            sdk=d.get("sdk"),
            sdk_name=d.get("sdk_name"),
            sdk_company=d.get("sdk_company"),
            sdk_categories=list(d.get("sdk_categories") or []),
            separate_consent=bool(d.get("separate_consent", False)),
            function=d.get("function"),
            position=d.get("position"),
        )


@dataclass
class Clause:
    """A legal clause a finding cites, with its short text so the JSON stands on its own."""

    id: str
    instrument: str
    article: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Finding:
    """A judged problem: one per rule x category x party, with the observations behind it."""

    rule: str
    category: str | None
    severity: Severity
    title: str
    clauses: list[Clause]
    observations: list[str]
    party: Party | None = None
    title_en: str = ""
    detail: str = ""
    detail_en: str = ""
    weak: bool = False
    count: int = 0
    first_seen: str | None = None
    last_seen: str | None = None
    sources: list[str] = field(default_factory=list)
    id: str = ""
    #: where the fix goes when that is not an observation's place (app.json's requiredPrivateInfos for a
    #: mini-program declaration finding): ``file``, ``line``, ``column`` and ``key`` like an observation's
    where: dict[str, Any] | None = None
    #: the evidence cannot settle it and a person must check (e.g. a policy that may be online only)
    needs_review: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["party"] = self.party.to_dict() if self.party else None
        d["clauses"] = [c.to_dict() for c in self.clauses]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        return cls(
            id=d.get("id", ""),
            rule=d["rule"],
            category=d.get("category"),
            severity=d["severity"],
            title=d["title"],
            title_en=d.get("title_en", ""),
            clauses=[Clause(**c) for c in d.get("clauses", [])],
            observations=list(d.get("observations", [])),
            party=Party.from_dict(d["party"]) if d.get("party") else None,
            detail=d.get("detail", ""),
            detail_en=d.get("detail_en", ""),
            weak=bool(d.get("weak", False)),
            needs_review=bool(d.get("needs_review", False)),
            count=int(d.get("count", 0)),
            first_seen=d.get("first_seen"),
            last_seen=d.get("last_seen"),
            sources=list(d.get("sources", [])),
            where=dict(d["where"]) if d.get("where") else None,
        )


@dataclass
class ChecklistEntry:
    """One scenario of the 2019 认定方法 answered for this audit (GUIDE.md §2 ``checklist``).

    ``automatic`` is true when the verdict needs no person (violation, compliant or not_applicable
    reached from the evidence); ``evidence`` holds what it rests on (a quoted sentence with its section,
    a file and line, a call site, a flow), ``findings`` the ids of the findings behind a violation, and
    ``review`` what a person must look at when the audit cannot settle it.
    """

    id: str
    verdict: Literal["violation", "compliant", "needs_review", "not_applicable", "not_checked"]
    automatic: bool
    text: str
    text_en: str
    reason: str = ""
    reason_en: str = ""
    findings: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    review: str = ""
    review_en: str = ""
    measures: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChecklistEntry:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass
class InputFile:
    """An input named by path and content hash, so a report proves what it was made from."""

    kind: str
    path: str
    sha256: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Audit:
    """One audit: its inputs, what was observed and declared, and what was found."""

    id: str
    created: str
    tool_version: str
    rules_version: str
    inputs: list[InputFile] = field(default_factory=list)
    app: dict[str, Any] = field(default_factory=dict)
    consent: dict[str, Any] | None = None
    observations: list[Observation] = field(default_factory=list)
    declarations: list[Declaration] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: the 31 scenarios of the 2019 认定方法, answered (auditor/checklist)
    checklist: list[ChecklistEntry] = field(default_factory=list)
    #: the moment the user refused consent in the capture (认定方法 三.2), like ``consent``
    refusal: dict[str, Any] | None = None
    #: what changed since an earlier audit of the same app (认定方法 二.2, 四.3)
    changes: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_ID,
            "audit": {
                "id": self.id,
                "created": self.created,
                "tool_version": self.tool_version,
                "rules_version": self.rules_version,
                "inputs": [i.to_dict() for i in self.inputs],
                "app": self.app,
                "consent": self.consent,
                "refusal": self.refusal,
                "changes": self.changes,
                "warnings": list(self.warnings),
            },
            "observations": [o.to_dict() for o in self.observations],
            "declarations": [d.to_dict() for d in self.declarations],
            "findings": [f.to_dict() for f in self.findings],
            "checklist": [c.to_dict() for c in self.checklist],
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Audit:
        a = doc["audit"]
        return cls(
            id=a["id"],
            created=a["created"],
            tool_version=a["tool_version"],
            rules_version=a["rules_version"],
            inputs=[InputFile(**i) for i in a.get("inputs", [])],
            app=dict(a.get("app") or {}),
            consent=a.get("consent"),
            warnings=list(a.get("warnings", [])),
            observations=[Observation.from_dict(o) for o in doc.get("observations", [])],
            declarations=[Declaration.from_dict(d) for d in doc.get("declarations", [])],
            findings=[Finding.from_dict(f) for f in doc.get("findings", [])],
            checklist=[ChecklistEntry.from_dict(c) for c in doc.get("checklist", [])],
            refusal=a.get("refusal"),
            changes=a.get("changes"),
        )

    def observation(self, oid: str) -> Observation | None:
        for o in self.observations:
            if o.id == oid:
                return o
        return None


def number(items: list[Any], prefix: str) -> None:
    """Give every item a stable id (o1, o2...) in list order, so findings can cite observations."""
    for i, item in enumerate(items, 1):
        item.id = f"{prefix}{i}"
