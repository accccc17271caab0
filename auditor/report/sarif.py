"""SARIF 2.1.0 output, so findings land in code-scanning tools and CI next to a developer's code.

One result per finding, every result with a location, as GitHub code scanning needs:
- paths are relative to the repository that holds the input (the folder with ``.git`` above it, else the
  working directory) under the base id ``%SRCROOT%``, so a mini-program built into
  ``unpackage/dist/build/mp-weixin`` lands on the repository's own files;
- mini-program code as file:line:column (a ``.wxapkg`` is the file, the inner path a logical location);
- APK code as the .apk with logical locations (class and method: there are no source lines);
- traffic as the capture file with logical locations for the flow's field path and its URL (query
  stripped: it may hold raw PI);
- findings with no observation behind them (no_policy, declaration findings) at the mini-program's
  app.json, or the main input.
Rules carry ``security-severity`` so code scanning ranks them; ``automationDetails`` names the kind of
audit. The output is checked against the official schema shipped in auditor/schema/.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema

from auditor.model import SEVERITY_ORDER, Audit, Finding, InputFile, Observation
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


#: GitHub's scale: 9.0+ critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low
SECURITY_SEVERITY = {"high": "8.0", "medium": "5.5", "low": "3.0"}
BASE_ID = "%SRCROOT%"


def _uri(path: str) -> str:
    return quote(path.replace("\\", "/"), safe="/:@-._~!$&'()*+,;=")


def repository_root(path: Path) -> Path | None:
    """The nearest folder above ``path`` holding ``.git`` (a folder, or a file in worktrees and submodules)."""
    for folder in [path, *path.parents]:
        if (folder / ".git").exists():
            return folder
    return None


class _Places:
    """Where each input lives relative to its repository, so observations can be placed in it."""

    def __init__(self, audit: Audit) -> None:
        self.bases: dict[Path, str] = {}
        self.inputs: dict[str, list[tuple[InputFile, str, str]]] = {}  # kind -> (input, base id, relative uri)
        cwd = Path.cwd()
        for i in audit.inputs:
            absolute = (cwd / i.path).resolve()
            root = repository_root(absolute.parent if not absolute.is_dir() else absolute)
            if root is None:
                root = cwd if absolute.is_relative_to(cwd) else absolute.parent
            base = self.bases.setdefault(root, BASE_ID if not self.bases else f"INPUT{len(self.bases) + 1}ROOT")
            rel = absolute.relative_to(root).as_posix() if absolute != root else ""
            self.inputs.setdefault(i.kind, []).append((i, base, rel))
        self.app = audit.app

    def artifact(self, kind: str, name: str | None = None, inner: str | None = None) -> dict[str, Any] | None:
        """artifactLocation of an input of ``kind`` (the one whose file name is ``name``), or of a file
        ``inner`` inside a folder input."""
        found = self.inputs.get(kind) or []
        chosen = next((f for f in found if name and Path(f[0].path).name == name), found[0] if found else None)
        if chosen is None:
            return None
        _, base, rel = chosen
        if inner is not None:
            rel = f"{rel}/{inner}" if rel else inner
        return {"uri": _uri(rel or "."), "uriBaseId": base}

    def is_folder(self, kind: str) -> bool:
        found = self.inputs.get(kind) or []
        return bool(found) and not Path(found[0][0].path).suffix

    def bases_section(self) -> dict[str, Any]:
        return {base: {"description": {"text": "the repository (folder with .git) holding the audited inputs, "
                                               "else the working directory of the audit"}}
                for base in self.bases.values()}


def _rule_descriptor(ruleset: Ruleset, rule: dict[str, Any]) -> dict[str, Any]:
    clauses = [ruleset.clauses[c] for c in rule["clauses"] if c in ruleset.clauses]
    text_lines = [f"{c['id']}: {c['instrument']} {c['article']}: {c['text']}" for c in clauses]
    md_lines = [f"- **{c['instrument']} {c['article']}** (`{c['id']}`): {c['text']}" for c in clauses]
    worst = min(rule["severity"], rule.get("severity_sensitive", rule["severity"]), key=SEVERITY_ORDER.__getitem__)
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
            "tags": ["privacy", "PIPL", "security"],
            "precision": "high",
            "security-severity": SECURITY_SEVERITY[worst],
            "clauses": list(rule["clauses"]),
            "source": rule.get("source", ""),
        },
    }


def _miniprogram_location(w: dict[str, Any], places: _Places) -> dict[str, Any] | None:
    file = str(w["file"])
    if not places.is_folder("miniprogram"):  # a .wxapkg: the package is the file, the inner path is logical
        artifact = places.artifact("miniprogram")
        if artifact is None:
            return None
        where = f"{file}:{w['line']}" if isinstance(w.get("line"), int) else file
        return {"physicalLocation": {"artifactLocation": artifact},
                "logicalLocations": [{"name": file, "fullyQualifiedName": where, "kind": "module"}]}
    artifact = places.artifact("miniprogram", inner=file)
    if artifact is None:
        return None
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if isinstance(w.get("line"), int) and w["line"] >= 1:
        physical["region"] = {"startLine": w["line"]}
        if isinstance(w.get("column"), int) and w["column"] >= 1:
            physical["region"]["startColumn"] = w["column"]
    loc: dict[str, Any] = {"physicalLocation": physical}
    if w.get("api"):
        loc["logicalLocations"] = [{"name": str(w["api"]), "kind": "function"}]
    return loc


def _apk_location(w: dict[str, Any], places: _Places) -> dict[str, Any] | None:
    logical = []
    if w.get("class"):
        cls, method = str(w["class"]), w.get("method")
        logical.append(
            {"name": str(method), "fullyQualifiedName": f"{cls}.{method}", "kind": "function"}
            if method
            else {"name": cls, "fullyQualifiedName": cls, "kind": "type"}
        )
    if w.get("permission"):
        logical.append({"name": str(w["permission"]), "fullyQualifiedName": f"AndroidManifest.xml/{w['permission']}",
                        "kind": "resource"})
    artifact = places.artifact("apk")
    if not logical or artifact is None:
        return None
    return {"physicalLocation": {"artifactLocation": artifact}, "logicalLocations": logical}


def _traffic_location(w: dict[str, Any], places: _Places) -> dict[str, Any] | None:
    artifact = places.artifact("traffic", name=str(w.get("file") or ""))
    if artifact is None:
        return None
    logical = []
    if w.get("path") or w.get("flow") is not None:
        name = str(w.get("path") or "")
        fq = f"flow[{w.get('flow')}].{w.get('side', 'request')}.{name}".rstrip(".")
        logical.append({"name": name or fq, "fullyQualifiedName": fq, "kind": "member"})
    if w.get("url"):
        url = strip_query(str(w["url"]), marker="")
        logical.append({"name": url, "fullyQualifiedName": url, "kind": "resource"})
    loc: dict[str, Any] = {"physicalLocation": {"artifactLocation": artifact}}
    if logical:
        loc["logicalLocations"] = logical
    return loc


def _location(o: Observation, places: _Places) -> dict[str, Any] | None:
    w = o.where
    if o.source == "miniprogram" and w.get("file"):
        loc = _miniprogram_location(w, places)
    elif o.source == "apk":
        loc = _apk_location(w, places)
    elif o.source == "traffic":
        loc = _traffic_location(w, places)
    else:
        loc = None
    if loc is None:
        return None
    text = f"{o.category} ({o.entity}) by {o.party.sdk or o.party.name}"
    loc["message"] = {"text": f"{text}: {o.value}" if o.value else text}
    return loc


def _finding_location(f: Finding, places: _Places) -> dict[str, Any] | None:
    """The place a finding itself names (``Finding.where``), read like a mini-program observation's."""
    w = f.where or {}
    loc = _miniprogram_location(w, places) if w.get("file") and places.inputs.get("miniprogram") else None
    if loc is not None:
        key = w.get("key")
        loc["message"] = {"text": f"{f.title_en or f.title}" + (f": {key}" if key else "")}
    return loc


def _fallback_location(f: Finding, places: _Places) -> dict[str, Any]:
    """Where a finding with no placed observation belongs: a mini-program's app.json for its
    declarations, else the first input of the kinds the finding came from, else the main input."""
    config = (places.app.get("miniprogram_privacy") or {}).get("config_file") or places.app.get("config_file")
    kinds = [*f.sources, "miniprogram", "apk", "policy", "traffic", "scope"]
    if f.rule.startswith("miniprogram_") or f.rule in {"no_policy", "undeclared"}:
        kinds.insert(0, "miniprogram")
    for kind in kinds:
        if kind == "miniprogram" and places.is_folder(kind):
            artifact = places.artifact(kind, inner=str(config or "app.json"))
        else:
            artifact = places.artifact(kind)
        if artifact is not None:
            return {"physicalLocation": {"artifactLocation": artifact}}
    return {"physicalLocation": {"artifactLocation": {"uri": ".", "uriBaseId": BASE_ID}}}


def _result(f: Finding, index: dict[str, int], obs: dict[str, Observation], places: _Places) -> dict[str, Any]:
    clause_ids = [c.id for c in f.clauses]
    title = f.title_en or f.title
    subject = f.category or "-"
    party = f.party.sdk or f.party.name if f.party else None
    text = f"{title}: {subject}" + (f" by {party}" if party else "") + f" [{', '.join(clause_ids)}]"
    if f.detail_en:
        text += f". {f.detail_en}"
    locations: list[dict[str, Any]] = []
    seen: set[str] = set()
    # Where the fix goes comes first (app.json's requiredPrivateInfos for an undeclared API), then the
    # observations: code scanning shows a result on its first location.
    from_miniprogram = "miniprogram" in f.sources or f.rule.startswith("miniprogram_")
    placed = [_finding_location(f, places)] if f.where and from_miniprogram else []
    for loc in chain(placed, (_location(o, places) if o else None for o in map(obs.get, f.observations))):
        if loc is None:
            continue
        key = json.dumps({k: v for k, v in loc.items() if k != "message"}, sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        locations.append(loc)
        if len(locations) >= MAX_LOCATIONS:
            break
    if not locations:
        locations.append(_fallback_location(f, places))
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
            "needs_review": f.needs_review,
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
    places = _Places(audit)
    kinds = "+".join(sorted({i.kind for i in audit.inputs} - {"scope"})) or "audit"
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
        # code scanning keeps one analysis per category (the part before the last '/') and compares runs in it
        "automationDetails": {"id": f"pi-auditor/{kinds}/{audit.id}",
                              "description": {"text": f"pi-auditor audit of {kinds.replace('+', ', ')}"}},
        "originalUriBaseIds": places.bases_section(),
        "artifacts": [
            {"location": places.artifact(i.kind, name=Path(i.path).name) or {"uri": _uri(i.path)}, "length": i.size,
             "hashes": {"sha-256": i.sha256}, "properties": {"kind": i.kind}}
            for i in audit.inputs
        ],
        "invocations": [invocation],
        # auditor/miniprogram counts columns in characters (code points), 1-based
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, obs, places) for f in audit.findings],
        "properties": {
            "auditId": audit.id,
            "app": {k: audit.app[k] for k in ("name", "package", "version", "category") if audit.app.get(k)},
        },
    }
    return without_surrogates({"$schema": sarif_schema()["id"], "version": "2.1.0", "runs": [run]})
