"""One audit, end to end: inputs -> observations and declarations -> findings -> an Audit.

This is the only place that knows every source. Each source module turns its input into plain
observations/declarations; the judge turns those into findings; nothing here writes files, so the
CLI, the batch runner and the tests all call ``run_audit`` the same way and decide where output goes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.errors import InputError, UsageError
from auditor.masking import new_salt
from auditor.model import Audit, Declaration, Finding, InputFile, Observation, number
from auditor.ruleset import Ruleset, default_ruleset
from auditor.scope import JudgeContext, all_checks, judge
from auditor.scopefile import load_scope


@dataclass
class AuditInputs:
    apk: Path | None = None
    traffic: list[Path] = field(default_factory=list)
    policy: Path | None = None
    scope: Path | None = None
    miniprogram: Path | None = None
    app_category: str | None = None
    consent_at: str | None = None
    first_party: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.apk or self.traffic or self.policy or self.scope or self.miniprogram)


def resolve_app_category(value: str | None, ruleset: Ruleset) -> str | None:
    """Accept an id (``ride_hailing``), the 中文 name (``网络约车``) or the rule's number (``2``)."""
    if value is None or str(value).strip() == "":
        return None
    v = str(value).strip()
    for cid, entry in ruleset.necessary_scope.items():
        if v in (cid, entry["zh"], str(entry["number"])) or v.lower() == entry["en"].lower():
            return cid
    choices = ", ".join(f"{cid} ({e['zh']})" for cid, e in ruleset.necessary_scope.items())
    raise UsageError(f"unknown app category '{v}'; choose one of: {choices}")


def sha256_of(path: Path) -> tuple[str, int]:
    """Content hash of a file, or of a directory tree (relative names and file hashes, sorted)."""
    try:
        if path.is_dir():
            h = hashlib.sha256()
            size = 0
            for p in sorted(q for q in path.rglob("*") if q.is_file()):
                fh, n = sha256_of(p)
                h.update(p.relative_to(path).as_posix().encode() + b"\0" + fh.encode() + b"\n")
                size += n
            return h.hexdigest(), size
        h = hashlib.sha256()
        size = 0
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
                size += len(chunk)
        return h.hexdigest(), size
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None


def new_audit_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


@dataclass
class _Collected:
    app: dict[str, Any] = field(default_factory=dict)
    observations: list[Observation] = field(default_factory=list)
    declarations: list[Declaration] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    consent: dict[str, Any] | None = None
    policy_given: bool = False
    policy_unreadable: str | None = None


def run_audit(inputs: AuditInputs, *, ruleset: Ruleset | None = None, salt: str | None = None,
              progress: Any = None) -> Audit:
    """Run every source given, judge, and return the Audit (not yet stored)."""
    ruleset = ruleset or default_ruleset()
    ruleset.check()
    salt = salt or new_salt()
    if inputs.is_empty():
        raise UsageError("nothing to audit: give at least one of --apk, --traffic, --policy, --scope, --miniprogram")
    input_files = _hash_inputs(inputs)
    c = _Collected()
    scope = load_scope(inputs.scope, ruleset) if inputs.scope else None
    first_party = list(inputs.first_party)
    consent_at = inputs.consent_at
    category_value = inputs.app_category
    if scope is not None:
        c.app.update({k: v for k, v in scope.app.items() if v is not None})
        c.declarations.extend(scope.declarations)
        first_party = first_party or scope.first_party
        consent_at = consent_at or scope.consent_at
        category_value = category_value or scope.app_category
    app_category = resolve_app_category(category_value, ruleset)

    if inputs.apk:
        _add_apk(c, inputs.apk, salt, has_policy=inputs.policy is not None)
    if inputs.miniprogram:
        _add_miniprogram(c, inputs.miniprogram, salt)
    if inputs.traffic:
        _add_traffic(c, inputs.traffic, ruleset, salt, consent_at, first_party, progress)
    if inputs.policy:
        _add_policy(c, inputs.policy)

    if app_category:
        entry = ruleset.necessary_scope[app_category]
        c.app["category"] = app_category
        c.app["category_name"] = entry["zh"]
        c.app["category_name_en"] = entry["en"]
    number(c.observations, "o")
    number(c.declarations, "d")
    findings = judge_findings(c.observations, c.declarations, c.app, ruleset, app_category=app_category,
                              policy_given=c.policy_given, policy_unreadable=c.policy_unreadable,
                              scope_given=scope is not None)
    return Audit(
        id=new_audit_id(),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        tool_version=__version__,
        rules_version=ruleset.version,
        inputs=input_files,
        app=c.app,
        consent=c.consent,
        observations=c.observations,
        declarations=c.declarations,
        findings=findings,
        warnings=c.warnings,
    )


def judge_findings(observations: list[Observation], declarations: list[Declaration], app: dict[str, Any],
                   ruleset: Ruleset, *, app_category: str | None, policy_given: bool = False,
                   policy_unreadable: str | None = None, scope_given: bool = False) -> list[Finding]:
    """Judge numbered observations and declarations into numbered findings (also used by the live proxy)."""
    ctx = JudgeContext(
        observations=observations, declarations=declarations, app=app, ruleset=ruleset,
        app_category=app_category, policy_given=policy_given, policy_unreadable=policy_unreadable,
        scope_given=scope_given,
    )
    findings = judge(ctx, all_checks())
    number(findings, "f")
    return findings


def _hash_inputs(inputs: AuditInputs) -> list[InputFile]:
    named: list[tuple[str, Path]] = []
    if inputs.apk:
        named.append(("apk", inputs.apk))
    named += [("traffic", p) for p in inputs.traffic]
    if inputs.policy:
        named.append(("policy", inputs.policy))
    if inputs.scope:
        named.append(("scope", inputs.scope))
    if inputs.miniprogram:
        named.append(("miniprogram", inputs.miniprogram))
    out = []
    for kind, p in named:
        digest, size = sha256_of(p)
        out.append(InputFile(kind=kind, path=str(p), sha256=digest, size=size))
    return out


def _add_traffic(c: _Collected, paths: list[Path], ruleset: Ruleset, salt: str, consent_at: str | None,
                 first_party: list[str], progress: Any) -> None:
    from auditor.traffic.first_party import AppHints
    from auditor.traffic.scan import analyze_traffic

    # what the APK and the mini-program say of whose app this is (their own party names are no domains)
    hints = AppHints(packages=[c.app["package"]] if c.app.get("package") else [],
                     domains=list(c.app.get("request_domains") or []))
    r = analyze_traffic(paths, ruleset=ruleset, salt=salt, consent_at=consent_at, first_party=first_party,
                        progress=progress, app=hints)
    c.observations.extend(r.observations)
    c.warnings.extend(r.warnings)
    c.app["flows"] = r.flows
    c.app["flow_count"] = r.flow_count
    c.app.setdefault("first_party", r.first_party)
    if r.inferred is not None:
        c.app["first_party_inferred"] = r.inferred.to_dict()
        c.app["first_party_confidence"] = r.inferred.confidence
        c.warnings.append(f"first party inferred as {', '.join(r.inferred.domains)} ({r.inferred.confidence} "
                          f"confidence): {'; '.join(r.inferred.how)}")
    if r.consent is not None:
        c.consent = r.consent.to_dict()
        if r.consent.how == "auto":
            c.warnings.append(
                f"consent moment taken from flow {r.consent.flow} of {r.consent.file} "
                f"({r.consent.url}) by pattern '{r.consent.spec}'"
            )
    else:
        c.warnings.append("no consent moment given or found: before_consent was not judged")


def _add_policy(c: _Collected, path: Path) -> None:
    from auditor.policy import read_policy

    r = read_policy(path)
    c.policy_given = True
    c.declarations.extend(r.declarations)
    c.warnings.extend(f"{path.name}: {w}" for w in r.warnings)
    if r.unreadable:
        c.policy_unreadable = r.unreadable
        c.warnings.append(f"{path.name}: privacy policy unreadable: {r.unreadable}")


def _add_apk(c: _Collected, path: Path, salt: str, *, has_policy: bool) -> None:
    from auditor.apk import analyze_apk

    r = analyze_apk(path, salt=salt)
    c.observations.extend(r.observations)
    c.warnings.extend(r.warnings)
    for k, v in r.app.items():
        c.app.setdefault(k, v)
    c.app.setdefault("name", r.app.get("label"))
    c.app.setdefault("version", r.app.get("version_name"))
    c.app["permissions"] = r.permissions
    c.app["sdks"] = r.sdks
    c.app["components"] = r.components
    c.app["cleartext_allowed"] = r.cleartext_allowed
    c.app["policy_urls"] = r.policy_urls
    if r.policy_texts and not has_policy:
        from auditor.policy import parse_policy_text

        name, text = r.policy_texts[0]
        pr = parse_policy_text(text, html=text if name.lower().endswith((".html", ".htm")) else None)
        c.policy_given = True
        c.declarations.extend(pr.declarations)
        c.app["bundled_policy"] = name
        if pr.unreadable:
            c.policy_unreadable = pr.unreadable


def _add_miniprogram(c: _Collected, path: Path, salt: str) -> None:
    from auditor.miniprogram import analyze_miniprogram

    r = analyze_miniprogram(path, salt=salt)
    c.observations.extend(r.observations)
    c.declarations.extend(r.declarations)
    c.warnings.extend(r.warnings)
    for k, v in r.app.items():
        c.app.setdefault(k, v)
    c.app["miniprogram_privacy"] = r.privacy
