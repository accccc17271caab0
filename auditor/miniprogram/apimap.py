"""The privacy-API table (rules/miniprogram_apis.yaml) as typed lookups for the scanners.

The table is data so that a new WeChat API or a new framework wrapper is a YAML edit; this module
checks what the schema cannot (categories and guideline types exist, regexes compile) so that a bad
edit names its entry at load time rather than silently matching nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from auditor.errors import RulesError
from auditor.ruleset import Ruleset, default_ruleset

RULES_NAME = "miniprogram_apis"


@dataclass(frozen=True)
class WxmlMatch:
    tag: str
    attr: str | None = None
    value: str | None = None
    off: str | None = None

    def display(self) -> str:
        """How a report shows the element: ``<button open-type=getPhoneNumber>``."""
        return f"<{self.tag} {self.attr}={self.value}>" if self.attr else f"<{self.tag}>"


@dataclass(frozen=True)
class PrivacyApi:
    """One privacy API or element; ``category`` is None for privacy-authorization handlers."""

    id: str
    category: str | None
    js: str | None = None
    wxml: WxmlMatch | None = None
    any_receiver: bool = False
    guideline: str | None = None
    required_private_info: str | None = None
    precise: bool = False
    separate_prompt: bool = False
    scope: str | None = None
    #: WeChat's official privacy popup does not ask for this one: the app must (input type=nickname)
    no_official_popup: bool = False

    @property
    def is_handler(self) -> bool:
        return self.category is None


@dataclass(frozen=True)
class GuidelineType:
    id: str
    zh: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class ContextCategory:
    apis: frozenset[str]
    category: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Receivers:
    globals: frozenset[str]
    modules: frozenset[str]
    module_patterns: tuple[re.Pattern[str], ...]
    identifier_patterns: tuple[re.Pattern[str], ...]
    namespace_members: frozenset[str]
    initializers: frozenset[str] = frozenset()
    runtime_exports: tuple[frozenset[str], ...] = ()


@dataclass(frozen=True)
class ComponentLibrary:
    """A library component that hands attribute ``attr`` on to element ``to`` (``<van-button open-type>``)."""

    component: re.Pattern[str]
    forwards: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ApiMap:
    receivers: Receivers
    apis: tuple[PrivacyApi, ...]
    handlers: tuple[PrivacyApi, ...]
    guideline_types: dict[str, GuidelineType]
    context: tuple[ContextCategory, ...]
    max_file_bytes: int
    parse_timeout_seconds: float
    max_parse_bytes: int = 16 << 20
    max_files: int = 50_000
    max_total_bytes: int = 512 << 20
    max_json_depth: int = 64
    max_uses_per_file: int = 5000
    component_libraries: tuple[ComponentLibrary, ...] = ()
    #: Names of a framework's generic templates (Taro 3 base.wxml): elements inside are no use.
    generic_templates: tuple[re.Pattern[str], ...] = ()
    by_js: dict[str, list[PrivacyApi]] = field(default_factory=dict)
    by_tag: dict[str, list[PrivacyApi]] = field(default_factory=dict)
    by_id: dict[str, PrivacyApi] = field(default_factory=dict)

    def guideline_type(self, key: str) -> GuidelineType | None:
        """Look a privacy.json type up by its form key or its Chinese label."""
        if key in self.guideline_types:
            return self.guideline_types[key]
        return next((g for g in self.guideline_types.values() if g.zh == key), None)

    def is_generic_template(self, name: str) -> bool:
        """Whether a template so named is a framework's generic renderer (Taro 3 ``tmpl_0_14``), whose
        elements are no use of their own: compiled templates (gwx) and WXML source (wxmlscan) both ask."""
        return any(p.match(name) for p in self.generic_templates)

    @property
    def precise_infos(self) -> frozenset[str]:
        return frozenset(a.required_private_info for a in self.apis if a.precise and a.required_private_info)

    @property
    def fuzzy_infos(self) -> frozenset[str]:
        return frozenset(
            a.required_private_info
            for a in self.apis
            if a.required_private_info and not a.precise and a.guideline == "Location"
        )


def _wxml(d: dict[str, Any] | None) -> WxmlMatch | None:
    return WxmlMatch(d["tag"], d.get("attr"), d.get("value"), d.get("off_attr")) if d else None


def _compile(path: object, entry: str, patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    try:
        return tuple(re.compile(p) for p in patterns)
    except re.error as e:
        raise RulesError(path, entry, f"bad regular expression: {e}") from None


def load_api_map(ruleset: Ruleset) -> ApiMap:
    """Load and cross-check the table against the ruleset's categories."""
    data = ruleset.load(RULES_NAME)
    path = ruleset.root / f"{RULES_NAME}.yaml"
    rec = data["receivers"]
    receivers = Receivers(
        globals=frozenset(rec["globals"]),
        modules=frozenset(rec["modules"]),
        module_patterns=_compile(path, "receivers.module_patterns", rec["module_patterns"]),
        identifier_patterns=_compile(path, "receivers.identifier_patterns", rec["identifier_patterns"]),
        namespace_members=frozenset(rec["namespace_members"]),
        initializers=frozenset(rec.get("initializers", [])),
        runtime_exports=tuple(frozenset(names) for names in rec.get("runtime_exports", [])),
    )
    guideline: dict[str, GuidelineType] = {}
    for i, g in enumerate(data["guideline_types"]):
        for cat in g["categories"]:
            ruleset.require_category(path, f"guideline_types[{i}] (id={g['id']})", cat)
        guideline[g["id"]] = GuidelineType(g["id"], g["zh"], tuple(g["categories"]))
    apis: list[PrivacyApi] = []
    for i, a in enumerate(data["apis"]):
        entry = f"apis[{i}] (id={a['id']})"
        ruleset.require_category(path, entry, a["category"])
        if a.get("guideline") and a["guideline"] not in guideline:
            raise RulesError(path, entry, f"unknown guideline type '{a['guideline']}'")
        apis.append(
            PrivacyApi(
                id=a["id"],
                category=a["category"],
                js=a.get("js"),
                wxml=_wxml(a.get("wxml")),
                any_receiver=bool(a.get("any_receiver", False)),
                guideline=a.get("guideline"),
                required_private_info=a.get("required_private_info"),
                precise=bool(a.get("precise", False)),
                separate_prompt=bool(a.get("separate_prompt", False)),
                scope=a.get("scope"),
                no_official_popup=bool(a.get("no_official_popup", False)),
            )
        )
    handlers = tuple(
        PrivacyApi(id=h["id"], category=None, js=h.get("js"), wxml=_wxml(h.get("wxml")))
        for h in data["privacy_handlers"]
    )
    ids = {a.id for a in apis}
    context: list[ContextCategory] = []
    for i, c in enumerate(data["context_categories"]):
        entry = f"context_categories[{i}]"
        ruleset.require_category(path, entry, c["category"])
        unknown = [a for a in c["apis"] if a not in ids]
        if unknown:
            raise RulesError(path, entry, f"unknown api '{unknown[0]}'")
        context.append(ContextCategory(frozenset(c["apis"]), c["category"], tuple(k.lower() for k in c["keywords"])))
    libraries = tuple(
        ComponentLibrary(
            _compile(path, f"component_libraries[{i}]", [c["component"]])[0],
            tuple((f["attr"], f["to"]) for f in c["forwards"]),
        )
        for i, c in enumerate(data["component_libraries"])
    )
    limits = data["limits"]
    api_map = ApiMap(
        receivers=receivers,
        apis=tuple(apis),
        handlers=handlers,
        guideline_types=guideline,
        context=tuple(context),
        max_file_bytes=int(limits["max_file_bytes"]),
        parse_timeout_seconds=float(limits["parse_timeout_seconds"]),
        max_parse_bytes=int(limits["max_parse_bytes"]),
        max_files=int(limits["max_files"]),
        max_total_bytes=int(limits["max_total_bytes"]),
        max_json_depth=int(limits["max_json_depth"]),
        max_uses_per_file=int(limits["max_uses_per_file"]),
        component_libraries=libraries,
        generic_templates=_compile(path, "generic_templates", data.get("generic_templates", {}).get("names", [])),
    )
    for a in (*api_map.apis, *api_map.handlers):
        api_map.by_id[a.id] = a
        if a.js:
            api_map.by_js.setdefault(a.js, []).append(a)
        if a.wxml:
            api_map.by_tag.setdefault(a.wxml.tag, []).append(a)
    return api_map


@cache
def default_api_map() -> ApiMap:
    return load_api_map(default_ruleset())
