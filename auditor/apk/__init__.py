"""Static analysis of an APK: what PI its code and manifest can reach, who in it reads it, what it
declares and bundles.

``analyze_apk`` is the one entry point the pipeline calls. It checks the archive (archive.py), runs
androguard for the manifest and our dex reader for the code (loader.py), finds the call sites of PI
APIs (callsites.py), attributes each to the
app or a named SDK (sdks.py), and reads the manifest (manifest.py, permissions.py) and any bundled
privacy policy (policy.py); call sites reachable from app start are flagged (startup.py). APKs
carried under assets/ (plugins loaded at run time) are analysed the same way and their call sites
reported with ``where["apk"]``; they run with the host's permissions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from androguard.core.axml import ARSCParser

from auditor.apk.apis import ApiRule, Libraries, load_api_rules
from auditor.apk.archive import EntryReader, check_archive
from auditor.apk.bulk_requests import permission_requests
from auditor.apk.callsites import CallSite, find_call_sites
from auditor.apk.capabilities import Capability, find_capabilities
from auditor.apk.code import Method
from auditor.apk.hiding import HidingRules, detect_packers, dynamic_loading
from auditor.apk.loader import Loaded, load
from auditor.apk.manifest import app_metadata, cleartext, components
from auditor.apk.observations import code_observation, judge, permission_observations
from auditor.apk.permissions import PermissionRules, permission_table, requested_permissions
from auditor.apk.policy import PolicyCues, bundled_policies, policy_urls, string_policies
from auditor.apk.reach import LibraryReach
from auditor.apk.sdks import Owners, SdkIndex, inventory
from auditor.apk.startup import startup_methods
from auditor.checklist.consent_ui import layout_boxes
from auditor.errors import InputError
from auditor.model import Observation, Party
from auditor.ruleset import Ruleset, default_ruleset

__all__ = ["ApkResult", "analyze_apk"]

MAX_NESTED_DEPTH = 2
MAX_NESTED_BYTES = 256 << 20
NESTED_SUFFIXES = (".apk", ".jar")


@dataclass
class ApkResult:
    app: dict[str, Any]
    observations: list[Observation]
    permissions: list[dict[str, Any]]
    sdks: list[dict[str, Any]]
    components: dict[str, Any]
    cleartext_allowed: bool | None
    policy_texts: list[tuple[str, str]]
    policy_urls: list[str]
    warnings: list[str]
    nested: list[dict[str, Any]] = field(default_factory=list)
    packers: list[dict[str, Any]] = field(default_factory=list)
    dynamic_loading: list[dict[str, Any]] = field(default_factory=list)
    capabilities: list[dict[str, Any]] = field(default_factory=list)
    #: consent checkboxes of the layouts, and permission requests in start-up code (2019 认定方法 三.4, 四.6)
    consent_boxes: list[dict[str, Any]] = field(default_factory=list)
    permission_requests: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``auditor apk F --json``: everything, observations in pi-auditor/1 form."""
        return {
            "app": self.app,
            "observations": [o.to_dict() for o in self.observations],
            "permissions": self.permissions,
            "sdks": self.sdks,
            "components": self.components,
            "cleartext_allowed": self.cleartext_allowed,
            "policy_texts": [{"path": p, "chars": len(t), "text": t} for p, t in self.policy_texts],
            "policy_urls": self.policy_urls,
            "nested": self.nested,
            "packers": self.packers,
            "dynamic_loading": self.dynamic_loading,
            "capabilities": self.capabilities,
            "warnings": self.warnings,
        }


@dataclass
class _Rules:
    apis: list[ApiRule]
    permissions: PermissionRules
    sdks: SdkIndex
    hiding: HidingRules
    policy: PolicyCues
    libraries: Libraries
    capabilities: tuple[Capability, ...]


@cache
def _rules(ruleset: Ruleset) -> _Rules:
    return _Rules(
        load_api_rules(ruleset),
        PermissionRules(ruleset),
        SdkIndex(ruleset.sdks),
        HidingRules.load(ruleset),
        PolicyCues.load(ruleset),
        Libraries.load(ruleset),
        Capability.load_all(ruleset),
    )


@dataclass
class _Part:
    """One analysed APK: the outer file, or one nested under assets/ (``where`` says which)."""

    where: str | None
    loaded: Loaded
    files: list[str]
    sites: list[CallSite]
    policy_texts: list[tuple[str, str]]
    policy_urls: list[str]
    startup: set[Method]
    owners: Owners
    reach: LibraryReach
    consent_boxes: list[dict[str, Any]] = field(default_factory=list)


def analyze_apk(path: Path, *, salt: str, ruleset: Ruleset | None = None) -> ApkResult:
    """Analyse one APK file; raises InputError naming the file when it is not a readable APK.

    ``salt`` is accepted for symmetry with the other analysers: static analysis sees API calls, not
    values, so there is nothing to hash.
    """
    del salt
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file")
    return _analyze(path, _rules(ruleset or default_ruleset()))


def _analyze(path: Path, rules: _Rules) -> ApkResult:
    warnings: list[str] = []
    parts: list[_Part] = []
    _collect(path, str(path), None, rules, 0, parts, warnings)
    host = parts[0]
    apk = host.loaded.apk
    warnings[:0] = host.loaded.warnings
    for part in parts[1:]:
        warnings += part.loaded.warnings
    app = app_metadata(apk, warnings, str(path))
    app.update(_file_digest(path))
    comps = components(apk)
    allowed, detail = cleartext(apk, warnings, str(path))
    if detail:
        app["cleartext"] = detail
    requested = requested_permissions(apk)
    first = Party(kind="first", name=app.get("package") or path.name)
    sdk_categories: dict[str, set[str]] = {}
    judged = [
        judge(site, part.owners, part.reach, requested, apk=part.where, startup=site.caller in part.startup)
        for part in parts
        for site in part.sites
    ]
    perms = permission_table(apk, rules.permissions, [j.use for j in judged if not j.obstacle], requested)
    observations = permission_observations(perms, first)
    for j in judged:
        observations.append(code_observation(j, first))
        if j.sdk:
            sdk_categories.setdefault(j.sdk["id"], set()).add(j.use.category)
    all_files = [f for p in parts for f in p.files]
    all_classes = [c for p in parts for c in p.loaded.code.classes]
    packers = detect_packers(rules.hiding.packers, all_files, all_classes)
    warnings += [
        f"{path}: packed by {p['name_zh']} ({p['name']}, {p['evidence'][0]}): the real code is encrypted and only "
        "the unpacking stub was analysed; rely on the traffic capture"
        for p in packers
    ]
    warnings += [
        f"{path}: {b['name']} build ({b['name_zh']}, {b['evidence'][0]}): the app's own code is not in classes*.dex "
        "and was not analysed, only the bootstrap that loads it; rely on the traffic capture or a release build"
        for b in detect_packers(rules.hiding.elsewhere, all_files, all_classes)
    ]
    loaders = [
        d | {"apk": p.where}
        for p in parts
        for d in dynamic_loading(rules.hiding, p.loaded.code)
        if not d["class"].startswith(rules.libraries.own_dex_loaders)
    ]
    if loaders:
        warnings.append(
            f"{path}: loads code at run time ({loaders[0]['api']} in {loaders[0]['class']}.{loaders[0]['method']}"
            f"{' and elsewhere' if len(loaders) > 1 else ''}); code not carried inside the APK was not analysed"
        )
    sdks = inventory(rules.sdks, [p.owners for p in parts], sdk_categories)
    return ApkResult(
        app=app,
        observations=observations,
        permissions=perms,
        sdks=sdks,
        components=comps,
        cleartext_allowed=allowed,
        policy_texts=[t for p in parts for t in p.policy_texts],
        policy_urls=sorted({u for p in parts for u in p.policy_urls}),
        warnings=warnings,
        nested=[
            {"path": p.where, "package": p.loaded.apk.get_package() or None, "call_sites": len(p.sites)}
            for p in parts[1:]
        ],
        packers=packers,
        dynamic_loading=loaders,
        capabilities=[
            c | {"apk": p.where}
            for p in parts
            for c in find_capabilities(rules.capabilities, p.loaded.code, p.owners.sdk_of)
        ],
        consent_boxes=host.consent_boxes,
        permission_requests=permission_requests(host.loaded.code, host.startup, rules.permissions, requested),
    )


def _collect(
    source: Path | bytes,
    label: str,
    where: str | None,
    rules: _Rules,
    depth: int,
    parts: list[_Part],
    warnings: list[str],
) -> None:
    archive = check_archive(source, label)
    loaded = load(source, label, archive.dex, expect_manifest=where is None)
    files = archive.files
    sites = find_call_sites(loaded.code, rules.apis)
    arsc = _resources(loaded)
    owners = Owners(
        rules.sdks,
        loaded.code,
        files=files,
        components=_component_names(components(loaded.apk)),
        app_package=loaded.apk.get_package() if loaded.manifest_ok else None,
        libraries=rules.libraries.prefixes,
    )

    def third_party(cls: str) -> bool:
        return owners.owner(cls) is not None

    with EntryReader(source) as reader:
        texts = bundled_policies(files, reader.read, rules.policy) + string_policies(arsc, rules.policy)
        texts = [(f"{where}!{p}" if where else p, t) for p, t in texts]
        # a nested APK is loaded by the host's code at some point, not started by Android
        startup = startup_methods(loaded.apk, loaded.code) if where is None else set()
        urls = policy_urls(arsc, loaded.code, third_party, rules.policy)
        reach = LibraryReach(loaded.code, rules.libraries)
        part = _Part(where, loaded, files, sites, texts, urls, startup, owners, reach)
        if where is None:
            part.consent_boxes = layout_boxes(files, lambda n: reader.read(n, 1 << 20), arsc,
                                              loaded.apk.get_package() or "")
        parts.append(part)
        if depth >= MAX_NESTED_DEPTH:
            return
        for name in files:
            if not (name.startswith("assets/") and name.endswith(NESTED_SUFFIXES)):
                continue
            data = reader.read(name, MAX_NESTED_BYTES)
            inner = f"{where}!{name}" if where else name
            if data is None:
                why = reader.problems.get(name, "unreadable")
                warnings.append(f"{label}: nested {name} skipped (limit {MAX_NESTED_BYTES >> 20} MB): {why}")
                continue
            try:
                _collect(data, f"{label}!{name}", inner, rules, depth + 1, parts, warnings)
            except InputError as e:
                warnings.append(f"nested {inner} skipped: {e.message}")


def _component_names(comps: dict[str, Any]) -> list[str]:
    return [n for kind in ("activities", "services", "receivers", "providers") for n in comps[kind]]


def _resources(loaded: Loaded) -> ARSCParser | None:
    try:
        return loaded.apk.get_android_resources()
    except Exception:  # noqa: BLE001 - a damaged resources.arsc only costs the string-resource lookups
        loaded.warnings.append("resources.arsc could not be parsed; string resources were not searched")
        return None


def _file_digest(path: Path) -> dict[str, Any]:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return {"sha256": h.hexdigest(), "size": path.stat().st_size}
