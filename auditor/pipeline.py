"""One audit, end to end: inputs -> observations and declarations -> findings -> an Audit.

This is the only place that knows every source. Each source module turns its input into plain
observations/declarations; the judge turns those into findings; nothing here writes files, so the
CLI, the batch runner and the tests all call ``run_audit`` the same way and decide where output goes.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.checklist import ChecklistFacts, build_checklist
from auditor.checklist import gather as checklist_facts
from auditor.errors import InputError, UsageError
from auditor.limits import MAX_HASH_BYTES, MAX_HASH_FILES, limit, regular_file
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
    #: the moment the user refused consent in the capture (认定方法 三.2), given like consent_at
    refused_at: str | None = None
    #: finds an earlier audit of the same app (its ``app`` dict in), for 认定方法 二.2 and 四.3
    previous: Callable[[dict[str, Any]], Audit | None] | None = None

    def is_empty(self) -> bool:
        return not (self.apk or self.traffic or self.policy or self.scope or self.miniprogram)


def _category_key(name: str) -> str:
    """How category names are compared: case, spaces, hyphens, '类'/'App' suffixes and list numbers
    such as '（二）' do not matter, so 网络约车类, 网络约车, ride-hailing and Ride hailing all match."""
    key = re.sub(r"^[（(][一二三四五六七八九十\d]+[)）]\s*", "", name.strip()).lower()
    key = re.sub(r"[\s_\-·&]+|\band\b", "", key)
    return re.sub(r"(类)?(app|应用|应用程序)?$", "", key) or key


def _category_names(entry: dict[str, Any], cid: str) -> list[str]:
    return [cid, entry["zh"], f"{entry['zh']}类", entry["en"], *entry.get("aliases", [])]


def resolve_app_category(value: str | None, ruleset: Ruleset) -> str | None:
    """Accept an id (``ride_hailing``), a 中文 name as the 2021 rules write it (``网络约车类``) or short
    (``网络约车``), the English name (``Ride hailing``, ``ride-hailing``), an alias of the rules data, or
    the rules' number (``2``); suggest the closest name on a typo."""
    if value is None or str(value).strip() == "":
        return None
    v = str(value).strip()
    key = _category_key(v)
    names: dict[str, str] = {}
    for cid, entry in ruleset.necessary_scope.items():
        if v == str(entry["number"]):
            return cid
        for name in _category_names(entry, cid):
            names.setdefault(_category_key(name), cid)
            if _category_key(name) == key:
                return cid
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.5)
    if close:
        cid = names[close[0]]
        entry = ruleset.necessary_scope[cid]
        hint = f"did you mean '{cid}' ({entry['zh']}类, {entry['en']})?"
    else:
        hint = "give an id, a name of the 2021 rules (e.g. 网络约车类, 地图导航类) or its number 1-39"
    raise UsageError(f"--app-category: unknown app category '{v}'; {hint}")


def sha256_of(path: Path) -> tuple[str, int]:
    """Content hash of a file, or of a directory tree (relative names and file hashes, sorted).

    Bounded: a file must be a regular file of at most MAX_HASH_BYTES (a FIFO would block, a sparse
    40 GiB file read for minutes); inside a tree, symbolic links are hashed as the link text and never
    followed (a link to /dev/zero or out of the tree), other special files by their name only, and at
    most MAX_HASH_FILES files are hashed."""
    try:
        if path.is_dir():
            return _tree_sha256(path)
        regular_file(path, MAX_HASH_BYTES, "MAX_HASH_BYTES")
        return _file_sha256(path)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    except ValueError as e:
        raise InputError(path, str(e)) from None


def _file_sha256(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
            if size > MAX_HASH_BYTES:  # grew while read
                raise ValueError(f"more than {MAX_HASH_BYTES} bytes ({limit('MAX_HASH_BYTES')})")
    return h.hexdigest(), size


def _tree_sha256(root: Path) -> tuple[str, int]:
    entries: list[tuple[str, bytes]] = []
    size = 0
    for folder, dirs, files in os.walk(root):  # followlinks=False: linked folders are not entered
        for name in sorted(dirs) + sorted(files):
            p = Path(folder, name)
            st = p.lstat()
            rel = p.relative_to(root).as_posix()
            if stat.S_ISLNK(st.st_mode):
                entries.append((rel, b"link:" + os.fsencode(os.readlink(p))))
            elif stat.S_ISREG(st.st_mode):
                if st.st_size > MAX_HASH_BYTES:
                    raise ValueError(f"{rel}: {st.st_size} bytes, more than {MAX_HASH_BYTES} "
                                     f"({limit('MAX_HASH_BYTES')})")
                digest, n = _file_sha256(p)
                entries.append((rel, digest.encode()))
                size += n
            elif not stat.S_ISDIR(st.st_mode):
                entries.append((rel, b"special"))
            if len(entries) > MAX_HASH_FILES:
                raise ValueError(f"more than {MAX_HASH_FILES} files ({limit('MAX_HASH_FILES')})")
    h = hashlib.sha256()
    for rel, digest in sorted(entries):
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0" + digest + b"\n")
    return h.hexdigest(), size


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
    #: bundles searched for a privacy policy that hold none (see check_no_policy)
    policy_absent_in: list[str] = field(default_factory=list)
    #: privacy-policy pages the capture loaded; None without a capture
    policy_pages: list[str] | None = None
    #: what the sources say of the 2019 认定方法 scenarios (auditor/checklist)
    facts: ChecklistFacts = field(default_factory=ChecklistFacts)
    refusal: dict[str, Any] | None = None


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
        _add_apk(c, inputs.apk, ruleset, salt, has_policy=inputs.policy is not None)
    if inputs.miniprogram:
        _add_miniprogram(c, inputs.miniprogram, ruleset, salt, has_policy=inputs.policy is not None)
    if inputs.traffic:
        _add_traffic(c, inputs.traffic, ruleset, salt, consent_at, first_party, progress, inputs.refused_at)
    if inputs.policy:
        _add_policy(c, inputs.policy, ruleset)

    if app_category:
        c.facts.have.add("app_category")
        entry = ruleset.necessary_scope[app_category]
        c.app["category"] = app_category
        c.app["category_name"] = entry["zh"]
        c.app["category_name_en"] = entry["en"]
    number(c.observations, "o")
    number(c.declarations, "d")
    changes = _changes(inputs, c, input_files, ruleset)
    if inputs.traffic:
        c.policy_pages = policy_pages_in(c.app.get("flows", []), ruleset, c.app.get("policy_urls") or [])
    findings = judge_findings(c.observations, c.declarations, c.app, ruleset, app_category=app_category,
                              policy_given=c.policy_given, policy_unreadable=c.policy_unreadable,
                              scope_given=scope is not None, policy_absent_in=tuple(c.policy_absent_in),
                              policy_pages=c.policy_pages, checklist=c.facts)
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
        checklist=build_checklist(findings, c.facts, ruleset, c.observations),
        refusal=c.refusal,
        changes=changes,
    )


def _changes(inputs: AuditInputs, c: _Collected, input_files: list[InputFile],
             ruleset: Ruleset) -> dict[str, Any] | None:
    """What is new since the previous audit of the same app, when the caller can find one."""
    from auditor.checklist.diff import add_changes, compare

    old = inputs.previous(c.app) if inputs.previous is not None else None
    if old is None:
        return None
    now = Audit(id="", created="", tool_version=__version__, rules_version=ruleset.version, inputs=input_files,
                app=c.app, observations=c.observations)
    changes = compare(old, now)
    add_changes(c.facts, changes)
    return changes


def judge_findings(observations: list[Observation], declarations: list[Declaration], app: dict[str, Any],
                   ruleset: Ruleset, *, app_category: str | None, policy_given: bool = False,
                   policy_unreadable: str | None = None, scope_given: bool = False,
                   policy_absent_in: tuple[str, ...] = (), policy_pages: list[str] | None = None,
                   checklist: ChecklistFacts | None = None) -> list[Finding]:
    """Judge numbered observations and declarations into numbered findings (also used by the live proxy)."""
    ctx = JudgeContext(
        observations=observations, declarations=declarations, app=app, ruleset=ruleset,
        app_category=app_category, policy_given=policy_given, policy_unreadable=policy_unreadable,
        scope_given=scope_given, policy_absent_in=policy_absent_in, policy_pages=policy_pages,
        checklist=checklist,
    )
    findings = judge(ctx, all_checks())
    number(findings, "f")
    return findings


def policy_pages_in(flows: list[dict[str, Any]], ruleset: Ruleset, known_urls: list[str]) -> list[str]:
    """URLs of the capture's flows that fetched a privacy policy: a successful GET of an address the
    APK names as its policy, or one named like a policy (rules/apk_policy_files.yaml ``url``)."""
    pattern = re.compile(ruleset.load("apk_policy_files")["url"]["pattern"], re.I)
    known = tuple(u.split("?")[0].rstrip("/") for u in known_urls)
    out: list[str] = []
    for f in flows:
        url = str(f.get("url") or "")
        status = f.get("status")
        if f.get("method") != "GET" or (isinstance(status, int) and not 200 <= status < 400):
            continue
        path = url.split("://", 1)[-1].partition("/")[2]
        if ((known and url.rstrip("/").startswith(known)) or pattern.search(path)) and url not in out:
            out.append(url)
    return out


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
                 first_party: list[str], progress: Any, refused_at: str | None = None) -> None:
    from auditor.traffic.first_party import AppHints
    from auditor.traffic.scan import analyze_traffic

    # what the APK and the mini-program say of whose app this is (their own party names are no domains)
    hints = AppHints(packages=[c.app["package"]] if c.app.get("package") else [],
                     domains=list(c.app.get("request_domains") or []))
    r = analyze_traffic(paths, ruleset=ruleset, salt=salt, consent_at=consent_at, first_party=first_party,
                        progress=progress, app=hints, refused_at=refused_at)
    c.observations.extend(r.observations)
    c.facts.have.update({"capture", "collection"})
    if r.html_pages:
        checklist_facts.add_consent_boxes(c.facts, r.consent_boxes, ("抓包中的H5页面", "H5 pages of the capture"))
    if r.refusal is not None:
        c.refusal = r.refusal.to_dict()
        c.facts.have.add("refusal_moment")
        if r.refusal.assumption:
            c.warnings.append(r.refusal.assumption)
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
        c.facts.have.add("consent_moment")
        c.consent = r.consent.to_dict()
        if r.consent.assumption:
            c.warnings.append(r.consent.assumption)
        if r.consent.how == "auto":
            c.warnings.append(
                f"consent moment taken from flow {r.consent.flow} of {r.consent.file} "
                f"({r.consent.url}) by pattern '{r.consent.spec}'"
            )
    else:
        c.warnings.append("no consent moment given or found: before_consent was not judged")


def _add_policy(c: _Collected, path: Path, ruleset: Ruleset) -> None:
    from auditor.policy import read_policy

    r = read_policy(path, ruleset)
    c.policy_given = True
    checklist_facts.add_policy(c.facts, r, ruleset, html=checklist_facts.policy_html(path), label=path.name)
    c.declarations.extend(r.declarations)
    c.warnings.extend(f"{path.name}: {w}" for w in r.warnings)
    if r.unreadable:
        c.policy_unreadable = r.unreadable
        c.warnings.append(f"{path.name}: privacy policy unreadable: {r.unreadable}")


def _add_apk(c: _Collected, path: Path, ruleset: Ruleset, salt: str, *, has_policy: bool) -> None:
    from auditor.apk import analyze_apk

    r = analyze_apk(path, salt=salt, ruleset=ruleset)
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
    c.app["capabilities"] = r.capabilities
    c.facts.have.update({"apk", "collection", "consent_ui"} | ({"permissions"} if r.permissions else set()))
    checklist_facts.add_consent_boxes(c.facts, r.consent_boxes, ("APK布局文件", "APK's layouts"))
    checklist_facts.add_permission_requests(c.facts, r.permission_requests)
    if r.permission_requests:
        c.app["permission_requests"] = r.permission_requests
    if not r.policy_texts and not has_policy:
        c.policy_absent_in.append("apk")
    if r.policy_texts and not has_policy:
        from auditor.policy import parse_policy_text

        name, text = r.policy_texts[0]
        html = text if name.lower().endswith((".html", ".htm")) else None
        pr = parse_policy_text(text, html=html, ruleset=ruleset)
        c.policy_given = True
        c.declarations.extend(pr.declarations)
        c.app["bundled_policy"] = name
        c.app["bundled_policy_sha256"] = pr.sha256
        checklist_facts.add_policy(c.facts, pr, ruleset, html=html, label=name)
        if pr.unreadable:
            c.policy_unreadable = pr.unreadable


def _add_miniprogram(c: _Collected, path: Path, ruleset: Ruleset, salt: str, *, has_policy: bool) -> None:
    from auditor.miniprogram import analyze_miniprogram

    r = analyze_miniprogram(path, salt=salt, ruleset=ruleset)
    c.observations.extend(r.observations)
    c.declarations.extend(r.declarations)
    c.warnings.extend(r.warnings)
    for k, v in r.app.items():
        c.app.setdefault(k, v)
    c.app["miniprogram_privacy"] = r.privacy
    c.facts.have.update({"miniprogram", "collection", "consent_ui"})
    checklist_facts.add_consent_boxes(c.facts, r.privacy.get("consent_boxes", []), ("小程序页面", "mini-program pages"))
    checklist_facts.add_miniprogram(c.facts)
    # the privacy guideline (privacy.json) or a policy page is the mini-program's own policy
    guideline_file = (r.privacy.get("guideline") or {}).get("file")
    if not (has_policy or guideline_file or r.privacy.get("policy_pages")):
        c.policy_absent_in.append("miniprogram")
