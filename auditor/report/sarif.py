"""SARIF 2.1.0 output, so findings land in code-scanning tools and CI next to a developer's code.

One result per finding. Locations come from the finding's observations: mini-program code as
file:line:column, APK code as logical locations (class and method, since we have no source lines),
traffic as the request URL (query stripped: it may hold raw PI) with the field path as a logical
location. The output is checked against the official schema shipped in auditor/schema/.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema

from auditor.model import Audit, Finding, Observation
from auditor.report.fmt import strip_query
from auditor.ruleset import Ruleset
from auditor.safetext import without_surrogates

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "sarif-2.1.0.json"
LEVELS = {"high": "error", "medium": "warning", "low": "note"}
# SARIF tools show the first few locations; the full list is in the JSON export.
MAX_LOCATIONS = 50


@cache
def sarif_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate_sarif(doc: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError when ``doc`` breaks the official SARIF 2.1.0 schema."""
    jsonschema.Draft4Validator(sarif_schema(), format_checker=jsonschema.FormatChecker()).validate(doc)


def _utc(stamp: str) -> str | None:
    try:
        t = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    t = t if t.tzinfo else t.replace(tzinfo=UTC)
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _uri(path: str) -> str:
    return quote(path.replace("\\", "/"), safe="/:@-._~!$&'()*+,;=")


def _rule_descriptor(ruleset: Ruleset, rule: dict[str, Any]) -> dict[str, Any]:
    clauses = [ruleset.clauses[c] for c in rule["clauses"] if c in ruleset.clauses]
    text_lines = [f"{c['id']}: {c['instrument']} {c['article']}: {c['text']}" for c in clauses]
    md_lines = [f"- **{c['instrument']} {c['article']}** (`{c['id']}`): {c['text']}" for c in clauses]
    return {
        "id": rule["id"],
        "name": "".join(part.capitalize() for part in rule["id"].split("_")),
        "shortDescription": {"text": rule.get("title_en") or rule["title"]},
        "fullDescription": {"text": f"{rule['title']} / {rule.get('title_en', '')}".strip(" /")},
        "help": {
            "text": "Clauses:\n" + "\n".join(text_lines),
            "markdown": "**Clauses**\n\n" + "\n".join(md_lines),
        },
        "defaultConfiguration": {"level": LEVELS[rule["severity"]]},
        "properties": {
            "tags": ["privacy", "PIPL"],
            "clauses": list(rule["clauses"]),
            "source": rule.get("source", ""),
        },
    }


def _location(o: Observation, artifacts: dict[str, str]) -> dict[str, Any] | None:
    w = o.where
    loc: dict[str, Any] = {}
    if o.source == "miniprogram" and w.get("file"):
        region: dict[str, int] = {}
        if isinstance(w.get("line"), int) and w["line"] >= 1:
            region["startLine"] = w["line"]
            if isinstance(w.get("column"), int) and w["column"] >= 1:
                region["startColumn"] = w["column"]
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(str(w["file"]))}}
        if region:
            physical["region"] = region
        loc["physicalLocation"] = physical
        if w.get("api"):
            loc["logicalLocations"] = [{"name": str(w["api"]), "kind": "function"}]
    elif o.source == "apk":
        logical = []
        if w.get("class"):
            cls, method = str(w["class"]), w.get("method")
            logical.append(
                {"name": str(method), "fullyQualifiedName": f"{cls}.{method}", "kind": "function"}
                if method
                else {"name": cls, "fullyQualifiedName": cls, "kind": "type"}
            )
        if w.get("permission"):
            logical.append({"name": str(w["permission"]), "kind": "resource"})
        if not logical:
            return None
        loc["logicalLocations"] = logical
        if "apk" in artifacts:
            loc["physicalLocation"] = {"artifactLocation": {"uri": artifacts["apk"]}}
    elif o.source == "traffic":
        if w.get("url"):
            loc["physicalLocation"] = {"artifactLocation": {"uri": strip_query(str(w["url"]), marker="")}}
        if w.get("path") or w.get("flow") is not None:
            name = str(w.get("path") or "")
            fq = f"flow[{w.get('flow')}].{w.get('side', 'request')}.{name}".rstrip(".")
            loc["logicalLocations"] = [{"name": name or fq, "fullyQualifiedName": fq, "kind": "member"}]
        if not loc:
            return None
    else:
        return None
    text = f"{o.category} ({o.entity}) by {o.party.sdk or o.party.name}"
    loc["message"] = {"text": f"{text}: {o.value}" if o.value else text}
    return loc


def _result(f: Finding, index: dict[str, int], obs: dict[str, Observation],
            artifacts: dict[str, str]) -> dict[str, Any]:
    clause_ids = [c.id for c in f.clauses]
    title = f.title_en or f.title
    subject = f.category or "-"
    party = f.party.sdk or f.party.name if f.party else None
    text = f"{title}: {subject}" + (f" by {party}" if party else "") + f" [{', '.join(clause_ids)}]"
    locations: list[dict[str, Any]] = []
    seen: set[str] = set()
    for oid in f.observations:
        o = obs.get(oid)
        loc = _location(o, artifacts) if o else None
        if loc is None:
            continue
        key = json.dumps({k: v for k, v in loc.items() if k != "message"}, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        locations.append(loc)
        if len(locations) >= MAX_LOCATIONS:
            break
    fingerprint = hashlib.sha256(f"{f.rule}|{f.category}|{f.party.key if f.party else ''}".encode()).hexdigest()
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "level": LEVELS.get(f.severity, "warning"),
        "message": {"text": text},
        "locations": locations,
        "partialFingerprints": {"piAuditorFinding/v1": fingerprint[:32]},
        "properties": {
            "severity": f.severity,
            "category": f.category,
            "title_zh": f.title,
            "clauses": clause_ids,
            "observations": len(f.observations),
            "weak": f.weak,
        },
    }
    if f.rule in index:
        result["ruleIndex"] = index[f.rule]
    if party:
        result["properties"]["party"] = party
    return result


def to_sarif(audit: Audit, ruleset: Ruleset) -> dict[str, Any]:
    rules = list(ruleset.rules["by_id"].values())
    index = {r["id"]: i for i, r in enumerate(rules)}
    obs = {o.id: o for o in audit.observations}
    artifacts = {i.kind: _uri(i.path) for i in audit.inputs}
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if end := _utc(audit.created):
        invocation["endTimeUtc"] = end
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "pi-auditor",
                "version": audit.tool_version,
                "semanticVersion": audit.tool_version,
                "rules": [_rule_descriptor(ruleset, r) for r in rules],
                "properties": {"rulesVersion": audit.rules_version},
            }
        },
        "artifacts": [
            {"location": {"uri": _uri(i.path)}, "length": i.size, "hashes": {"sha-256": i.sha256},
             "properties": {"kind": i.kind}}
            for i in audit.inputs
        ],
        "invocations": [invocation],
        # auditor/miniprogram counts columns in characters (code points), 1-based
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, obs, artifacts) for f in audit.findings],
        "properties": {
            "auditId": audit.id,
            "app": {k: audit.app[k] for k in ("name", "package", "version", "category") if audit.app.get(k)},
        },
    }
    return without_surrogates({"$schema": sarif_schema()["id"], "version": "2.1.0", "runs": [run]})
