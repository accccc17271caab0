"""Mini-program rules: privacy APIs vs requiredPrivateInfos, permission scopes and privacy guideline.

These checks need WeChat's own names (which requiredPrivateInfos entry, which guideline type), which
categories alone cannot carry; they read them from the ``miniprogram_privacy`` summary the pipeline
stores in ``ctx.app`` (auditor.miniprogram) and look each observation's API up in
rules/miniprogram_apis.yaml. Observations of other sources are ignored.

One problem, one finding. What the source proves (requiredPrivateInfos, permission desc) is judged
here. The guideline (用户隐私保护指引) is judged only when the user gave it (privacy.json): without it
nothing says it is missing, since it lives in the WeChat console. When the guideline lacks a type and
no statement at all names the category, ``undeclared`` reports it, so this rule does not repeat it.
Each finding carries ``where``: the line of app.json (or privacy.json) where the fix goes.
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


def _where(privacy: dict[str, Any], *keys: str) -> dict[str, Any] | None:
    """The first known location among ``keys`` (``locations`` of the privacy summary)."""
    locs = privacy.get("locations") or {}
    for key in (*keys, "app"):
        if key in locs:
            return {**locs[key], "key": key}
    return None


class _Drafts:
    """Reasons per category x party, so one finding lists every missing declaration behind it."""

    def __init__(self, rule: str) -> None:
        self.rule = rule
        self.by_key: dict[tuple[str | None, str], tuple[FindingDraft, list[str]]] = {}

    def add(self, category: str | None, party: Party, reason: str, obs: Iterable[str] = (),
            where: dict[str, Any] | None = None) -> None:
        key = (category, party.key)
        if key not in self.by_key:
            self.by_key[key] = (FindingDraft(rule=self.rule, category=category, party=party, where=where), [])
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


def _missing(api: PrivacyApi, category: str, privacy: dict[str, Any], api_map: ApiMap, display: str,
             declared: set[str]) -> list[tuple[str, dict[str, Any] | None]]:
    """(reason, where to fix it) for each declaration WeChat needs for this call and does not have."""
    reasons = []
    rpi = api.required_private_info
    have = privacy["requiredPrivateInfos"]
    config = privacy["config_file"]
    if rpi and rpi not in have:
        reasons.append((f"{display} 未在 {config} 的 requiredPrivateInfos 中声明 {rpi}（未声明时调用失败）",
                        _where(privacy, "requiredPrivateInfos")))
    if rpi and set(have) & api_map.fuzzy_infos and set(have) & api_map.precise_infos:
        reasons.append(("requiredPrivateInfos 同时声明了 getFuzzyLocation 与精确位置接口，二者互斥",
                        _where(privacy, "requiredPrivateInfos")))
    scope = privacy["permission"].get(api.scope or "")
    if rpi and api.scope and not (scope and scope["desc"]):
        reasons.append((f"{display} 需在 {config} 的 permission 中为 {api.scope} 填写用途说明（desc）",
                        _where(privacy, f"permission:{api.scope}", "permission")))
    elif rpi and scope and scope["desc_length"] > MAX_SCOPE_DESC:
        reasons.append((f"permission {api.scope} 的用途说明超过 {MAX_SCOPE_DESC} 字",
                        _where(privacy, f"permission:{api.scope}", "permission")))
    g = privacy["guideline"]
    if api.guideline and g["file"] and api.guideline not in g["types"] and category in declared:
        zh = api_map.guideline_types[api.guideline].zh
        reasons.append((f"{display} 需在用户隐私保护指引中声明「{zh}」，{g['file']} 未列出（未声明时接口被禁用）",
                        _where(privacy, "guideline")))
    return reasons


def check_miniprogram_undeclared_api(ctx: JudgeContext) -> list[FindingDraft]:
    """A privacy API used without the declaration WeChat requires for it (the call fails or is blocked)."""
    inputs = _inputs(ctx)
    if inputs is None:
        return []
    privacy, api_map, uses = inputs
    drafts = _Drafts("miniprogram_undeclared_api")
    for o, api in uses:
        for reason, where in _missing(api, o.category, privacy, api_map, str(o.where.get("api", api.id)),
                                      ctx.declared):
            drafts.add(o.category, o.party, reason, [o.id], where)
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
            drafts.add(cat, party, f"requiredPrivateInfos 声明了 {name}，但未发现调用",
                       where=_where(privacy, f"requiredPrivateInfos:{name}", "requiredPrivateInfos"))
    for scope in privacy["permission"]:
        if not any(a.scope == scope for a in used):
            cat = next((a.category for a in api_map.apis if a.scope == scope), None)
            drafts.add(cat, party, f"permission 声明了 {scope}，但未发现使用该权限的接口",
                       where=_where(privacy, f"permission:{scope}", "permission"))
    observable = {a.guideline for a in api_map.apis if a.guideline}
    for key in privacy["guideline"]["types"]:
        if key in observable and not any(a.guideline == key for a in used):
            gt = api_map.guideline_types[key]
            cat = gt.categories[0] if gt.categories else None
            drafts.add(cat, party, f"用户隐私保护指引声明了「{gt.zh}」，但未发现相应接口",
                       where=_where(privacy, "guideline"))
    return drafts.done(severity="low")


def check_miniprogram_no_privacy_authorization(ctx: JudgeContext) -> list[FindingDraft]:
    """An element the official privacy popup does not cover, with no authorization handling in the app.

    Since 2023-10-17 WeChat asks for guideline consent itself (the official popup) at the first privacy
    call when the app does not, so an app without its own handling is not at fault for ordinary APIs.
    ``<input type="nickname">`` is the exception: without prior consent it silently becomes a plain
    text field and raises no popup, so the app must ask (wx.requirePrivacyAuthorize, an
    agreePrivacyAuthorization button, wx.onNeedPrivacyAuthorization).
    """
    inputs = _inputs(ctx)
    if inputs is None:
        return []
    privacy, _, uses = inputs
    if privacy["authorization"]["handled"]:
        return []
    uncovered = [o for o, api in uses if api.no_official_popup]
    if not uncovered:
        return []
    o = uncovered[0]
    places = "、".join(f"{u.where.get('file')}:{u.where.get('line')}" for u in uncovered[:3])
    return [
        FindingDraft(
            rule="miniprogram_no_privacy_authorization",
            category=o.category,
            party=o.party,
            observations=[u.id for u in uncovered],
            severity="low",
            detail=f"{places} 使用 <input type=nickname>，但小程序未处理隐私授权（requirePrivacyAuthorize / "
                   "agreePrivacyAuthorization 按钮 / onNeedPrivacyAuthorization）：用户未同意前该输入框降级为"
                   "普通文本框，官方隐私弹窗不会出现",
        )
    ]


CHECKS: list[Check] = [
    check_miniprogram_undeclared_api,
    check_miniprogram_unused_declaration,
    check_miniprogram_no_privacy_authorization,
]
