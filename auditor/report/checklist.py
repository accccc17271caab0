"""The report's checklist section: the 31 scenarios of the 2019 认定方法 as rows a reader scans.

Violations come first, then what needs a person, then what was not checked, then what holds; within
each group the regulator's order. Nothing is judged here: the rows are the audit's stored checklist
(auditor/checklist/build.py), labelled in the reader's language, with the evidence and what to check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor.model import Audit
from auditor.report.i18n import Catalogue

ORDER = {"violation": 0, "needs_review": 1, "not_checked": 2, "compliant": 3, "not_applicable": 4}
SECTION_ZH = "一二三四五六"
#: evidence lines shown per row in the report (the JSON keeps every one the checklist kept)
EVIDENCE_PER_ROW = 4
_WHERE_KEYS = ("section", "line", "file", "class", "method", "url", "flow")


@dataclass
class ChecklistRow:
    id: str
    number: str
    verdict: str
    automatic: bool
    text: str
    original: str  # the Chinese text when the report is in another language
    reason: str
    evidence: list[tuple[str, str]]
    findings: list[str]
    review: str


@dataclass
class ChecklistView:
    rows: list[ChecklistRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    automatic: int = 0


def _where(where: dict[str, Any]) -> str:
    parts = []
    for key in _WHERE_KEYS:
        value = where.get(key)
        if value not in (None, ""):
            parts.append(f"{key} {value}" if key in ("line", "flow") else str(value))
    return " · ".join(parts)


def build_checklist_view(audit: Audit, t: Catalogue) -> ChecklistView | None:
    if not audit.checklist:
        return None
    en = t.lang != "zh"
    rows = []
    for e in audit.checklist:
        _, sec, item = e.id.split("-")
        rows.append(ChecklistRow(
            id=e.id,
            number=f"{sec}.{item}" if en else f"{SECTION_ZH[int(sec) - 1]}.{item}",
            verdict=e.verdict,
            automatic=e.automatic,
            text=e.text_en if en else e.text,
            original=e.text if en else "",
            reason=(e.reason_en if en else e.reason) or e.reason,
            evidence=[(ev.get("text", ""), _where(ev.get("where") or {})) for ev in e.evidence[:EVIDENCE_PER_ROW]],
            findings=list(e.findings),
            review=(e.review_en if en else e.review) or e.review,
        ))
    rows.sort(key=lambda r: (ORDER.get(r.verdict, 9), [int(x) for x in r.id.split("-")[1:]]))
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    return ChecklistView(rows, counts, sum(r.automatic for r in rows))


@dataclass
class ChangesView:
    previous: str
    previous_created: str
    categories: list[str]
    sdks: list[str]
    permissions: list[str]
    policy_changed: bool | None


def build_changes_view(audit: Audit, category_name: Any) -> ChangesView | None:
    c = audit.changes
    if not c:
        return None
    return ChangesView(
        previous=str(c.get("previous", "")),
        previous_created=str(c.get("previous_created", "")),
        categories=[category_name(x) for x in c.get("categories", [])],
        sdks=list(c.get("sdks", [])),
        permissions=list(c.get("permissions", [])),
        policy_changed=c.get("policy_changed"),
    )
