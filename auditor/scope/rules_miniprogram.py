"""Mini-program rules: privacy APIs vs requiredPrivateInfos, permission scopes and privacy guideline.

These checks need WeChat's own names (which requiredPrivateInfos entry, which guideline type), which
categories alone cannot carry; they read them from the ``miniprogram_privacy`` summary the pipeline
stores in ``ctx.app`` (auditor.miniprogram) and look each observation's API up in
rules/miniprogram_apis.yaml. Observations of other sources are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from auditor.miniprogram.apimap import ApiMap, PrivacyApi, load_api_map
from auditor.miniprogram.declare import MAX_SCOPE_DESC
from auditor.model import Observation, Party
from auditor.ruleset import Ruleset
from auditor.scope.engine import Check, FindingDraft, JudgeContext

PRIVACY_KEY = "miniprogram_privacy"


@cache
def _api_map(ruleset: Ruleset) -> ApiMap:
    return load_api_map(ruleset)


def _inputs(ctx: JudgeContext) -> tuple[dict[str, Any], ApiMap, list[tuple[Observation, PrivacyApi]]] | None:
    privacy = ctx.app.get(PRIVACY_KEY)
    if not privacy:
        return None
    api_map = _api_map(ctx.ruleset)
    uses = [
        (o, api_map.by_id[o.entity])
        for o in ctx.observations
        if o.source == "miniprogram" and o.entity in api_map.by_id
    ]
    return privacy, api_map, uses


class _Drafts:
    """Reasons per category x party, so one finding lists every missing declaration behind it."""

    def __init__(self, rule: str) -> None:
        self.rule = rule
        self.by_key: dict[tuple[str | None, str], tuple[FindingDraft, list[str]]] = {}

    def add(self, category: str | None, party: Party, reason: str, obs: Iterable[str] = ()) -> None:
        key = (category, party.key)
        if key not in self.by_key:
            self.by_key[key] = (FindingDraft(rule=self.rule, category=category, party=party), [])
        draft, reasons = self.by_key[key]
        draft.observations.extend(i for i in obs if i not in draft.observations)
        if reason not in reasons:
            reasons.append(reason)

    def done(self, severity: str | None = None) -> list[FindingDraft]:
        out = []
        for draft, reasons in self.by_key.values():
            draft.detail = "；".join(reasons)
            draft.severity = severity
            out.append(draft)
        return out


def _missing(api: PrivacyApi, privacy: dict[str, Any], api_map: ApiMap, display: str) -> list[str]:
    reasons = []
    rpi = api.required_private_info
    declared = privacy["requiredPrivateInfos"]
    if rpi and rpi not in declared:
        reasons.append(f"{display} 未在 {privacy['config_file']} 的 requiredPrivateInfos 中声明 {rpi}")
    if rpi and set(declared) & api_map.fuzzy_infos and set(declared) & api_map.precise_infos:
        reasons.append("requiredPrivateInfos 同时声明了 getFuzzyLocation 与精确位置接口，二者互斥")
    if api.guideline:
        g = privacy["guideline"]
        zh = api_map.guideline_types[api.guideline].zh
        if g["file"] is None:
            reasons.append(f"{display} 需在用户隐私保护指引中声明「{zh}」，但未提供指引（privacy.json）")
        elif api.guideline not in g["types"]:
            reasons.append(f"{display} 需在用户隐私保护指引中声明「{zh}」，指引未列出")
    scope = privacy["permission"].get(api.scope or "")
    if rpi and api.scope and not (scope and scope["desc"]):
        reasons.append(f"{display} 需在 permission 中为 {api.scope} 填写用途说明（desc）")
    elif rpi and scope and scope["desc_length"] > MAX_SCOPE_DESC:
        reasons.append(f"permission {api.scope} 的用途说明超过 {MAX_SCOPE_DESC} 字")
    return reasons


def check_miniprogram_undeclared_api(ctx: JudgeContext) -> list[FindingDraft]:
    """A privacy API used without the declaration WeChat requires for it (the call fails or is blocked)."""
    inputs = _inputs(ctx)
    if inputs is None:
        return []
    privacy, api_map, uses = inputs
    drafts = _Drafts("miniprogram_undeclared_api")
    for o, api in uses:
        for reason in _missing(api, privacy, api_map, str(o.where.get("api", api.id))):
            drafts.add(o.category, o.party, reason, [o.id])
    return drafts.done()


def check_miniprogram_unused_declaration(ctx: JudgeContext) -> list[FindingDraft]:
    """Declared but never used: a requiredPrivateInfos entry, a scope or a guideline type no code needs.

    Guideline types that code cannot reveal (developer-collected ones such as 身份证号码) are skipped.
    """
    inputs = _inputs(ctx)
    if inputs is None:
        return []
    privacy, api_map, uses = inputs
    used = [api for _, api in uses]
    party = Party("first", privacy["first_party"])
    drafts = _Drafts("miniprogram_unused_declaration")
    for name in privacy["requiredPrivateInfos"]:
        if not any(a.required_private_info == name for a in used):
            cat = next((a.category for a in api_map.apis if a.required_private_info == name), None)
            drafts.add(cat, party, f"requiredPrivateInfos 声明了 {name}，但未发现调用")
    for scope in privacy["permission"]:
        if not any(a.scope == scope for a in used):
            cat = next((a.category for a in api_map.apis if a.scope == scope), None)
            drafts.add(cat, party, f"permission 声明了 {scope}，但未发现使用该权限的接口")
    observable = {a.guideline for a in api_map.apis if a.guideline}
    for key in privacy["guideline"]["types"]:
        if key in observable and not any(a.guideline == key for a in used):
            gt = api_map.guideline_types[key]
            cat = gt.categories[0] if gt.categories else None
            drafts.add(cat, party, f"用户隐私保护指引声明了「{gt.zh}」，但未发现相应接口")
    return drafts.done(severity="low")


def check_miniprogram_no_privacy_authorization(ctx: JudgeContext) -> list[FindingDraft]:
    """The first privacy API call is reached without the mini-program asking for guideline consent."""
    inputs = _inputs(ctx)
    if inputs is None:
        return []
    privacy, _, uses = inputs
    first = privacy.get("first_call")
    auth = privacy["authorization"]
    if not first or (privacy["usePrivacyCheck"] and auth["before_first_call"]):
        return []
    reasons = []
    if not privacy["usePrivacyCheck"]:
        reasons.append(f"{privacy['config_file']} 未设置 __usePrivacyCheck__: true")
    if not auth["before_first_call"]:
        reasons.append(
            "首次调用隐私接口前未处理隐私授权（onNeedPrivacyAuthorization / requirePrivacyAuthorize / "
            "agreePrivacyAuthorization 按钮）"
        )
    where = f"{first['file']}:{first['line']} {first['api']}"
    match = [
        o
        for o, _ in uses
        if o.where.get("file") == first["file"]
        and o.where.get("line") == first["line"]
        and o.where.get("column") == first["column"]
    ]
    if not match:
        return []
    o = match[0]
    return [
        FindingDraft(
            rule="miniprogram_no_privacy_authorization",
            category=o.category,
            party=o.party,
            observations=[m.id for m in match],
            detail=f"首个隐私接口调用 {where}：" + "；".join(reasons),
        )
    ]


CHECKS: list[Check] = [
    check_miniprogram_undeclared_api,
    check_miniprogram_unused_declaration,
    check_miniprogram_no_privacy_authorization,
]
