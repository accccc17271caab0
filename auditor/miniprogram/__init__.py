"""WeChat mini-program analysis: privacy-API use in code and markup vs what the app declares.

``analyze_miniprogram`` reads a source tree or a ``.wxapkg`` (auditor.miniprogram.project), scans
JS/TS with tree-sitter (jsscan) and WXML with the standard HTML tokenizer (wxmlscan) against
rules/miniprogram_apis.yaml, and returns observations (one per use site), declarations (app.json,
ext.json, privacy.json) and a ``privacy`` summary for the rules in auditor/scope/rules_miniprogram.py.
Parsing is the cost, so large trees are scanned in a process pool.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.checklist.consent_ui import markup_files_boxes
from auditor.miniprogram.apimap import ApiMap, default_api_map, load_api_map
from auditor.miniprogram.bundle import ModuleTable, Summary, merge_summary
from auditor.miniprogram.components import Components
from auditor.miniprogram.declare import (
    Site,
    authorization,
    checks,
    declarations,
    guideline,
    locations,
    permission_scopes,
    required_private_infos,
)
from auditor.miniprogram.gwx import compiled_hits
from auditor.miniprogram.jsscan import Hit, ScanResult, scan_js
from auditor.miniprogram.parties import Parties
from auditor.miniprogram.project import Project, load_project
from auditor.miniprogram.wxmlscan import read_wxml
from auditor.model import Declaration, Observation, Party
from auditor.ruleset import Ruleset, default_ruleset

__all__ = ["MiniProgramResult", "analyze_miniprogram"]

#: Below this many bytes of candidate code a process pool costs more than it saves.
POOL_MIN_BYTES = 2_000_000
CONFIDENCE = {"wx": 0.95, "wxml": 0.95, "destructuring": 0.9, "import": 0.9, "subscript": 0.9, "element": 0.9}
ALIAS_CONFIDENCE = 0.85
ANY_RECEIVER_CONFIDENCE = 0.7
CONTEXT_CONFIDENCE = 0.6


@dataclass
class MiniProgramResult:
    """What the pipeline merges into an audit: ``privacy`` goes to ``app["miniprogram_privacy"]``,
    where the rules in auditor/scope/rules_miniprogram.py read WeChat's own names from it."""

    app: dict[str, Any]
    observations: list[Observation]
    declarations: list[Declaration]
    privacy: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


_worker_map: ApiMap | None = None


def _init_worker(api_map: ApiMap) -> None:
    global _worker_map
    _worker_map = api_map


def _scan_in_worker(job: tuple[str, bytes]) -> ScanResult:
    assert _worker_map is not None
    return scan_js(job[0], job[1], _worker_map)


def _scan_code(jobs: list[tuple[str, bytes]], api_map: ApiMap) -> Iterable[ScanResult]:
    total = sum(len(b) for _, b in jobs)
    workers = min(len(os.sched_getaffinity(0)), 8, len(jobs))  # the CPUs this process may use (CI quotas)
    if total < POOL_MIN_BYTES or workers < 2:
        return [scan_js(rel, src, api_map) for rel, src in jobs]
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(api_map,)) as pool:
        return list(pool.map(_scan_in_worker, jobs, chunksize=max(1, len(jobs) // (workers * 8))))


def _app_info(project: Project) -> dict[str, Any]:
    window = project.config.get("window") or {}
    plugins = project.config.get("plugins") or {}
    return {
        "appid": project.project_config.get("appid") or project.ext_config.get("extAppid"),
        "name": project.project_config.get("projectname") or window.get("navigationBarTitleText"),
        "pages": len(project.pages),
        "subpackages": [str(s.get("root", "")) for s in project.subpackages],
        "plugins": sorted(plugins) if isinstance(plugins, dict) else [],
        "input_kind": project.kind,
        "config_file": project.config_name,
    }


def _policy_pages(project: Project, ruleset: Ruleset) -> list[str]:
    """Pages of the package that show a privacy policy (its text, or a web-view to it).

    The no_policy rule asks whether the bundle carries a policy; a page named like one (the naming
    cues of rules/apk_policy_files.yaml) whose markup or code names a policy title or opens a web-view
    is taken as one. Permission descriptions in app.json are not a policy.
    """
    cues = ruleset.load("apk_policy_files")
    name = re.compile(cues["file_name"]["pattern"], re.I)
    signs = [*cues["titles"]["terms"], "web-view"]
    out = []
    for page in project.pages:
        if not name.search(page):
            continue
        base = posixpath.join(project.app_root, page)
        text = b"".join(project.files.get(base + ext, b"") for ext in (".wxml", ".js", ".ts", ".json"))
        if any(sign.encode() in text for sign in signs):
            out.append(page)
    return out


def _observation(api_map: ApiMap, rel: str, hit: Hit, parties: Parties) -> Observation:
    api = api_map.by_id[hit.api]
    assert api.category is not None
    display = api.wxml.display() if api.wxml else api.id
    confidence = CONFIDENCE.get(hit.via, ALIAS_CONFIDENCE)
    evidence = [f"{display} at {rel}:{hit.line}"]
    if hit.via not in ("wx", "wxml"):
        evidence.append(f"reached through {hit.via}")
    if api.any_receiver:
        confidence = ANY_RECEIVER_CONFIDENCE
    category = api.category
    if hit.context_category:
        category = hit.context_category
        confidence = CONTEXT_CONFIDENCE
        evidence.append(f"{hit.context_category} keywords next to the call")
    who = parties.attribute(hit.module or rel, category, hit.unit_domains)
    where: dict[str, Any] = {"file": rel, "line": hit.line, "column": hit.column, "api": display}
    if hit.module:
        where["module"] = hit.module
    if who.library:
        where["library"] = who.library
        if who.party.kind == "first":
            evidence.append(f"code of {who.library}, which hands the result to the app")
    if who.reason:
        evidence.append(f"collected by {who.party.name}: {who.reason}")
    return Observation(
        category=category,
        entity=api.id,
        source="miniprogram",
        party=who.party,
        where=where,
        confidence=confidence,
        evidence=evidence,
    )


def analyze_miniprogram(path: Path, *, salt: str, ruleset: Ruleset | None = None) -> MiniProgramResult:
    """Analyse a mini-program directory or .wxapkg; InputError on unreadable or malformed input.

    ``salt`` is accepted for the common source-module signature; API use sites carry no PI values,
    so nothing here is hashed.
    """
    ruleset = ruleset or default_ruleset()
    api_map = default_api_map() if ruleset is default_ruleset() else load_api_map(ruleset)
    project = load_project(Path(path), api_map)
    warnings = list(project.warnings)
    app = _app_info(project)
    first = Party("first", app["appid"] or app["name"] or "mini-program")

    code = project.code_files()
    sites: list[tuple[str, Hit]] = []
    parsed = 0
    summaries: dict[str, Summary] = {}
    for rel, result in zip(code, _scan_code([(r, project.files[r]) for r in code], api_map), strict=True):
        warnings.extend(result.warnings)
        sites.extend((rel, hit) for hit in result.hits)
        parsed += result.parsed
        for module_id, summary in (result.modules or {}).items():
            summaries[module_id] = merge_summary(summaries.get(module_id), summary)
    table = ModuleTable(summaries)
    sites = [(rel, hit) for rel, hit in sites if hit.receiver is None or table.is_receiver(hit.receiver)]
    for rel in code:  # templates a package's compiler turned into code
        compiled, problems = compiled_hits(rel, project.files[rel], api_map)
        sites.extend((rel, hit) for hit in compiled)
        warnings.extend(problems)
    markup = project.markup_files()
    docs = {rel: read_wxml(rel, project.files[rel].decode("utf-8", "replace"), api_map) for rel in markup}
    components = Components(project, api_map, docs)
    for rel in markup:
        sites.extend((rel, hit) for hit in docs[rel].hits)
        sites.extend((rel, hit) for hit in components.hits(rel))
        warnings.extend(docs[rel].problems)

    parties = Parties(project, ruleset.sdks, first)
    observations: list[Observation] = []
    calls: list[Site] = []
    handlers: list[Site] = []
    for rel, hit in sites:
        origin = hit.module or rel
        site = Site(hit.api, rel, hit.line, hit.column, project.launch_rank(origin))
        if api_map.by_id[hit.api].is_handler:
            handlers.append(site)
            continue
        calls.append(site)
        observations.append(_observation(api_map, rel, hit, parties))

    scopes = permission_scopes(project)
    auth, first_call = authorization(handlers, calls)
    privacy: dict[str, Any] = {
        "config_file": project.config_name,
        "first_party": first.name,
        "requiredPrivateInfos": required_private_infos(project, api_map, warnings),
        "permission": scopes,
        "usePrivacyCheck": project.config.get("__usePrivacyCheck__") is True,
        "guideline": guideline(project, api_map, warnings),
        "authorization": auth,
        "first_call": first_call.to_dict() if first_call else None,
        "locations": locations(project),
        "policy_pages": _policy_pages(project, ruleset),
        "consent_boxes": markup_files_boxes(project.files, markup),
    }
    privacy["checks"] = checks(privacy, bool(calls))
    if calls and not project.privacy_file:
        warnings.append(f"privacy guideline not checked: {privacy['checks']['guideline']['why']}")
    decls = declarations(project, api_map, ruleset, privacy, first)
    app["files_scanned"] = len(code) + len(markup)
    app["js_files_parsed"] = parsed
    return MiniProgramResult(app=app, observations=observations, declarations=decls, privacy=privacy, warnings=warnings)
