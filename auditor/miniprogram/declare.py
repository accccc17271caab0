"""What a mini-program declares: requiredPrivateInfos, permission scopes and its privacy guideline.

Two kinds of declaration, told apart because only one is a statement to users. ``requiredPrivateInfos``
and ``permission`` in app.json are configuration, like an Android manifest: WeChat needs them to let a
call through (and shows a permission's desc in its own authorization dialog, which counts as separate
consent), but they are not a privacy policy, so their declarations have source ``manifest``. The
用户隐私保护指引 (privacy guideline) is the mini-program's privacy policy; it lives in the WeChat console,
not in the source, so it is checked only when the user exports it as ``privacy.json`` (source
``miniprogram``), and otherwise reported as not checked, never as missing.

The ``privacy`` summary keeps the WeChat-specific names (requiredPrivateInfos entries, scope keys,
guideline types) that the mini-program rules need, since a category alone cannot say that
``getLocation`` is declared but ``chooseLocation`` is not, where each declaration sits in app.json, and
``checks``: what the source proves and what only the console knows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from auditor.miniprogram.apimap import ApiMap, PrivacyApi
from auditor.miniprogram.jsonpos import positions
from auditor.miniprogram.project import Project
from auditor.model import Declaration, Party
from auditor.ruleset import Ruleset

#: WeChat shows at most this many characters of a permission scope's desc.
MAX_SCOPE_DESC = 30


@dataclass(frozen=True)
class Site:
    """A privacy API or handler used at a place, in launch order terms (rank, file, line, column)."""

    api: str
    file: str
    line: int
    column: int
    rank: int

    @property
    def key(self) -> tuple[int, str, int, int]:
        return (self.rank, self.file, self.line, self.column)

    def to_dict(self) -> dict[str, Any]:
        return {"api": self.api, "file": self.file, "line": self.line, "column": self.column}


def _snippet(key: str, value: Any) -> str:
    return json.dumps({key: value}, ensure_ascii=False)


def required_private_infos(project: Project, api_map: ApiMap, warnings: list[str]) -> list[str]:
    """app.json's list plus ext.json's (third-party platforms declare there), in order, unique."""
    known = {a.required_private_info for a in api_map.apis}
    out: list[str] = []
    for name_of, doc in ((project.config_name, project.config), (project.app_root + "ext.json", project.ext_config)):
        for name in doc.get("requiredPrivateInfos") or []:
            if name not in known:
                warnings.append(f"{name_of}: requiredPrivateInfos entry {name!r} is not one WeChat accepts")
            elif name not in out:
                out.append(name)
    return out


def permission_scopes(project: Project) -> dict[str, dict[str, Any]]:
    perms = project.config.get("permission") or {}
    out: dict[str, dict[str, Any]] = {}
    if not isinstance(perms, dict):
        return out
    for scope, body in perms.items():
        desc = body.get("desc") if isinstance(body, dict) else None
        desc = desc.strip() if isinstance(desc, str) and desc.strip() else None
        out[scope] = {"desc": desc, "desc_length": len(desc) if desc else 0}
    return out


def guideline(project: Project, api_map: ApiMap, warnings: list[str]) -> dict[str, Any]:
    """The privacy.json content as type keys, validated; unknown type names become warnings."""
    doc = project.privacy_doc
    if doc is None:
        return {"file": None, "types": [], "purposes": {}, "sdks": []}
    types: list[str] = []
    purposes: dict[str, str] = {}
    for item in doc["setting_list"]:
        g = api_map.guideline_type(item["privacy_key"])
        if g is None:
            warnings.append(f"privacy.json: unknown privacy_key {item['privacy_key']!r}; ignored")
            continue
        if g.id not in types:
            types.append(g.id)
            purposes[g.id] = item["privacy_text"]
    sdks = []
    for sdk in doc.get("sdk_privacy_info_list") or []:
        keys = [g.id for s in sdk["sdk_list"] if (g := api_map.guideline_type(s["privacy_key"]))]
        sdks.append({"name": sdk["sdk_name"], "vendor": sdk.get("sdk_biz_name"), "types": keys})
    return {"file": project.privacy_file, "types": types, "purposes": purposes, "sdks": sdks}


def _sdk_id(ruleset: Ruleset, name: str) -> str | None:
    lowered = name.lower()
    for sdk_id, s in ruleset.sdks.items():
        names = {s["name"], s["name_zh"], *s["aliases"]}
        if lowered in {n.lower() for n in names}:
            return sdk_id
    return None


def declarations(
    project: Project, api_map: ApiMap, ruleset: Ruleset, privacy: dict[str, Any], party: Party
) -> list[Declaration]:
    """One declaration per declared category of each requiredPrivateInfos entry, scope and guideline type."""
    out: list[Declaration] = []

    def add(category: str, text: str, source: str, separate: bool = False) -> None:
        out.append(
            Declaration(
                category=category,
                status="declared",
                source=source,  # type: ignore[arg-type]
                text=text,
                party=party,
                separate_consent=separate,
            )
        )

    def add_apis(apis: list[PrivacyApi], text: str) -> None:
        for cat in sorted({a.category for a in apis if a.category}):
            add(cat, text, "manifest", all(a.separate_prompt for a in apis if a.category == cat))

    for name in privacy["requiredPrivateInfos"]:
        add_apis([a for a in api_map.apis if a.required_private_info == name], _snippet("requiredPrivateInfos", [name]))
    for scope, body in privacy["permission"].items():
        add_apis([a for a in api_map.apis if a.scope == scope], body["desc"] or _snippet("permission", {scope: {}}))
    g = privacy["guideline"]
    for key in g["types"]:
        gt = api_map.guideline_types[key]
        for cat in gt.categories:
            add(cat, f"用户隐私保护指引·{gt.zh}：{g['purposes'][key]}", "miniprogram")
    for sdk in g["sdks"]:
        cats = sorted({c for key in sdk["types"] for c in api_map.guideline_types[key].categories})
        sdk_id = _sdk_id(ruleset, sdk["name"])
        out.append(
            Declaration(
                category=None,
                status="declared",
                source="miniprogram",
                text=f"用户隐私保护指引·第三方SDK：{sdk['name']}",
                party=Party("third", sdk["name"], sdk_id),
                sdk=sdk_id,
                sdk_name=sdk["name"],
                sdk_categories=cats,
            )
        )
    return out


def authorization(handlers: list[Site], calls: list[Site]) -> tuple[dict[str, Any], Site | None]:
    """How consent to the guideline is asked for: by the app itself, or by WeChat's official popup.

    Since 2023-10-17 WeChat checks privacy authorization for every mini-program (``__usePrivacyCheck__``
    no longer matters) and, when the app does not handle it (wx.onNeedPrivacyAuthorization,
    wx.requirePrivacyAuthorize, an agreePrivacyAuthorization button, wx.getPrivacySetting), shows its
    own popup at the first privacy call. "Before the first call" follows launch order: app.js first, then
    pages in app.json order; a handler in the same page as the first call counts as before it, since a
    page registers handlers before the user can trigger a call (a static approximation of runtime order).
    """
    first = min(calls, key=lambda s: s.key) if calls else None
    before = first is not None and any(h.rank <= first.rank for h in handlers)
    return (
        {
            "mode": "custom" if handlers else "official_popup",
            "handled": bool(handlers),
            "before_first_call": before,
            "handlers": [h.to_dict() for h in sorted(handlers, key=lambda s: s.key)],
        },
        first,
    )


def locations(project: Project) -> dict[str, dict[str, Any]]:
    """Where each declaration sits: ``requiredPrivateInfos``, ``requiredPrivateInfos:<name>``,
    ``permission``, ``permission:<scope>``, ``guideline`` and ``app`` (the config file's top), as
    ``{file, line, column}``."""
    out: dict[str, dict[str, Any]] = {}
    for name in (project.config_name, project.app_root + "ext.json"):
        data = project.files.get(name)
        if data is None:
            continue
        pos = positions(data.decode("utf-8-sig", "replace"))
        doc = project.config if name == project.config_name else project.ext_config

        def put(key: str, path: tuple[str | int, ...], _name: str = name, _pos: dict = pos) -> None:
            if path in _pos and key not in out:
                out[key] = {"file": _name, "line": _pos[path][0], "column": _pos[path][1]}

        put("requiredPrivateInfos", ("requiredPrivateInfos",))
        for i, rpi in enumerate(doc.get("requiredPrivateInfos") or []):
            put(f"requiredPrivateInfos:{rpi}", ("requiredPrivateInfos", i))
        put("permission", ("permission",))
        for scope in doc.get("permission") or {}:
            put(f"permission:{scope}", ("permission", scope))
    out["app"] = {"file": project.config_name, "line": 1, "column": 1}
    if project.privacy_file:
        out["guideline"] = {"file": project.privacy_file, "line": 1, "column": 1}
    return out


def checks(privacy: dict[str, Any], uses_privacy_api: bool) -> dict[str, dict[str, Any]]:
    """What was checked from the source, and what only the WeChat console knows."""
    guide = privacy["guideline"]
    return {
        "requiredPrivateInfos": {"known_from": "source", "status": "checked"},
        "permission": {"known_from": "source", "status": "checked"},
        "authorization": {"known_from": "source", "status": "checked", "mode": privacy["authorization"]["mode"]},
        "guideline": {
            "known_from": "console",
            "status": "checked" if guide["file"] else "not_checked",
            "why": None if guide["file"] else (
                "用户隐私保护指引 is kept in the WeChat console (设置 → 服务内容声明 → 用户隐私保护指引); "
                "export it as privacy.json beside app.json to check it"
                + ("" if uses_privacy_api else "; no privacy API is used, so none is needed")
            ),
        },
    }
