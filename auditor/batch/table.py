"""The cross-app table of a campaign, read from the database alone (no analysis is re-run).

Aggregates are computed in SQL over the store's tables joined to ``batch_items``, so the dashboard of a
few hundred apps costs a handful of queries rather than a few hundred audit loads. The same table feeds
the HTML dashboard and the CSV/JSON exports, so the three always agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from auditor.batch.ledger import TABLE, Ledger
from auditor.model import SEVERITY_ORDER
from auditor.ruleset import Ruleset
from auditor.store import Store

SEVERITIES = ("high", "medium", "low")


@dataclass
class Cell:
    """One app x category: how often it was observed and the worst finding about it."""

    observations: int = 0
    worst: str | None = None
    rules: set[str] = field(default_factory=set)

    def add_finding(self, rule: str, severity: str) -> None:
        self.rules.add(rule)
        if self.worst is None or SEVERITY_ORDER[severity] < SEVERITY_ORDER[self.worst]:
            self.worst = severity


@dataclass
class AppRow:
    key: str
    name: str
    status: str
    error: str | None = None
    audit_id: str | None = None
    package: str = ""
    app_category: str = ""
    app_category_name: str = ""
    findings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITIES, 0))
    rules: dict[str, int] = field(default_factory=dict)
    observations: int = 0
    before_consent: int = 0
    consent_known: int = 0
    sdks: set[str] = field(default_factory=set)
    cells: dict[str, Cell] = field(default_factory=dict)
    rank: int = 0

    @property
    def total_findings(self) -> int:
        return sum(self.findings.values())

    @property
    def before_consent_rate(self) -> float | None:
        """Share of timed observations made before consent; None when no consent moment was known."""
        return self.before_consent / self.consent_known if self.consent_known else None

    def sort_key(self) -> tuple[Any, ...]:
        """Worst first: any high finding outranks any number of medium ones, and so on down."""
        return (-self.findings["high"], -self.findings["medium"], -self.findings["low"], self.key)


@dataclass
class SdkRow:
    """One third-party SDK across the campaign."""

    id: str
    name: str
    apps: set[str] = field(default_factory=set)
    categories: dict[str, set[str]] = field(default_factory=dict)
    before_consent_apps: set[str] = field(default_factory=set)
    undisclosed_apps: set[str] = field(default_factory=set)


@dataclass
class CampaignTable:
    campaign: str
    rules_version: str
    apps: list[AppRow]
    failed: list[AppRow]
    sdks: list[SdkRow]
    categories: list[str]
    stale: list[str] = field(default_factory=list)  # apps last audited under other rules than rules_version

    @property
    def apps_with_before_consent(self) -> int:
        return sum(1 for a in self.apps if a.before_consent)

    @property
    def apps_with_consent_known(self) -> int:
        return sum(1 for a in self.apps if a.consent_known)


def build_table(store: Store, campaign: str, ruleset: Ruleset, keys: list[str] | None = None,
                lang: str = "zh") -> CampaignTable:
    """The campaign's apps as stored; ``keys`` limits it to the current manifest's apps."""
    wanted = set(keys) if keys is not None else None
    rows: dict[str, AppRow] = {}
    stale: list[str] = []
    for item in Ledger(store).items(campaign):
        if wanted is not None and item["key"] not in wanted:
            continue
        rows[item["key"]] = AppRow(key=item["key"], name=item["name"] or "", status=item["status"],
                                   error=item["error"], audit_id=item["audit_id"] if item["status"] == "done" else None)
        if item["status"] == "done" and item["rules_version"] != ruleset.version:
            stale.append(item["key"])
    conn = store.conn
    for key, app_json in conn.execute(f"SELECT b.key, a.app FROM audits a {_join('a.id')}", (campaign,)):
        if key in rows:
            _add_app_facts(rows[key], json.loads(app_json or "{}"), lang)
    sdk_rows: dict[str, SdkRow] = {}

    def sdk(sid: str) -> SdkRow:
        if sid not in sdk_rows:
            entry = ruleset.sdks.get(sid, {})
            sdk_rows[sid] = SdkRow(id=sid, name=entry.get("name_zh" if lang == "zh" else "name") or sid)
        return sdk_rows[sid]

    for key, category, party_sdk, before, n in conn.execute(
            f"SELECT b.key, o.category, o.party_sdk, o.before_consent, COUNT(*) FROM observations o "
            f"{_join('o.audit_id')} GROUP BY 1, 2, 3, 4", (campaign,)):
        row = rows.get(key)
        if row is None:
            continue
        row.observations += n
        row.cells.setdefault(category, Cell()).observations += n
        if before is not None:
            row.consent_known += n
            row.before_consent += n if before else 0
        if party_sdk:
            s = sdk(party_sdk)
            s.apps.add(key)
            s.categories.setdefault(category, set()).add(key)
            if before:
                s.before_consent_apps.add(key)
    for key, rule, category, severity, party_sdk in conn.execute(
            f"SELECT b.key, f.rule, f.category, f.severity, json_extract(f.doc, '$.party.sdk') FROM findings f "
            f"{_join('f.audit_id')}", (campaign,)):
        row = rows.get(key)
        if row is None:
            continue
        row.findings[severity] = row.findings.get(severity, 0) + 1
        row.rules[rule] = row.rules.get(rule, 0) + 1
        if category:
            row.cells.setdefault(category, Cell()).add_finding(rule, severity)
        if party_sdk and rule == "undisclosed_sdk":
            sdk(party_sdk).undisclosed_apps.add(key)
    for row in rows.values():
        for sid in row.sdks:
            sdk(sid).apps.add(row.key)
        row.sdks |= {s.id for s in sdk_rows.values() if row.key in s.apps}
    audited = sorted((r for r in rows.values() if r.status == "done"), key=AppRow.sort_key)
    for i, r in enumerate(audited, 1):
        r.rank = i
    seen = {c for r in audited for c in r.cells}
    return CampaignTable(
        campaign=campaign, rules_version=ruleset.version, apps=audited,
        failed=sorted((r for r in rows.values() if r.status != "done"), key=lambda r: r.key),
        sdks=sorted(sdk_rows.values(), key=lambda s: (-len(s.apps), s.id)),
        categories=[c for c in ruleset.categories if c in seen] + sorted(seen - set(ruleset.categories)),
        stale=stale,
    )


def _join(audit_id_column: str) -> str:
    """Restrict a store table to the audits that are the current result of the campaign's apps."""
    return f"JOIN {TABLE} b ON b.audit_id = {audit_id_column} AND b.status = 'done' AND b.campaign = ?"


def _add_app_facts(row: AppRow, app: dict[str, Any], lang: str) -> None:
    row.name = row.name or str(app.get("name") or app.get("label") or "")
    row.package = str(app.get("package") or "")
    row.app_category = str(app.get("category") or "")
    row.app_category_name = str(app.get("category_name" if lang == "zh" else "category_name_en") or "")
    row.sdks |= {str(s["id"]) for s in app.get("sdks") or [] if isinstance(s, dict) and s.get("id")}
