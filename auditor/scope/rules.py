"""The finding rules of GUIDE.md §2, each a plain check over the judge context.

A check only selects the observations that break its rule; grouping, severity and citations are the
engine's job (auditor.scope.engine). Thresholds come from rules/rules.yaml ``params``.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from auditor.model import Observation
from auditor.scope.engine import Check, FindingDraft, JudgeContext, group
from auditor.sdk_catalogue import NO_PI_KINDS


def check_undeclared(ctx: JudgeContext) -> list[FindingDraft]:
    """Collected, but neither the policy, the scope file nor the mini-program declaration names it.

    A third party's collection also counts as declared when the policy's SDK list names that
    category for that SDK.
    """
    if not ctx.has_statement:
        return []
    out = []
    for o in ctx.collected():
        if o.category in ctx.declared or o.category in ctx.negated:
            continue
        sdk_cats = ctx.declared_sdks.get(o.party.sdk or o.party.name.lower(), set())
        if o.party.kind == "third" and o.category in sdk_cats:
            continue
        out.append(o)
    return group(out, "undeclared", "隐私政策及声明中未列明该类个人信息",
                 "Neither the privacy policy nor any declaration names this category")


def check_contradicts_policy(ctx: JudgeContext) -> list[FindingDraft]:
    return group(
        (o for o in ctx.collected() if o.category in ctx.negated),
        "contradicts_policy",
        "隐私政策声明不收集该类个人信息，但实际观察到收集",
        "The privacy policy says this category is not collected, yet it was",
    )


def check_before_consent(ctx: JudgeContext) -> list[FindingDraft]:
    return group(
        (o for o in ctx.collected() if o.before_consent),
        "before_consent",
        "在用户同意隐私政策之前即发生收集",
        "Collected before the user agreed to the privacy policy",
    )


def check_beyond_necessary(ctx: JudgeContext) -> list[FindingDraft]:
    necessary = ctx.necessary
    if necessary is None:
        return []
    entry = ctx.ruleset.necessary_scope[ctx.app_category or ""]
    detail = f"{entry['zh']}类App的必要个人信息为：{entry['necessary_text']}"
    names = ", ".join(ctx.ruleset.category_name(c, "en") for c in entry["necessary"]) or "none"
    detail_en = f"Necessary PI for the category {entry['en']} (2021 rules): {names}"
    return group((o for o in ctx.collected() if o.category not in necessary), "beyond_necessary", detail, detail_en)


def check_sensitive_no_separate_consent(ctx: JudgeContext) -> list[FindingDraft]:
    if not ctx.has_statement:
        return []
    return group(
        (
            o
            for o in ctx.collected()
            if ctx.ruleset.is_sensitive(o.category) and o.category not in ctx.separately_consented
        ),
        "sensitive_no_separate_consent",
        "敏感个人信息，未见单独同意的声明",
        "Sensitive PI; no statement of separate consent was found",
    )


def check_undisclosed_sdk(ctx: JudgeContext) -> list[FindingDraft]:
    """A third party collects PI and the policy's SDK / third-party list does not name it.

    As for ``undeclared``: with no policy, scope or declaration given there is no list to miss it from
    (not given is not absent), so nothing is said."""
    if not ctx.has_statement:
        return []
    # a static-content CDN or a UI library carries no PI of its own (rules/sdks.yaml kinds cdn, ui): what
    # reaches it (a cookie, a page's referrer) makes it no third party that collects
    hosting = {sid for sid, e in ctx.ruleset.sdks.items() if e["kind"] in NO_PI_KINDS}
    out = [o for o in ctx.collected()
           if o.party.kind == "third" and not ctx.sdk_declared(o.party) and o.party.sdk not in hosting]
    drafts = group(out, "undisclosed_sdk", "第三方收集个人信息，隐私政策的第三方SDK清单未列明",
                   "A third party collects PI and the policy's third-party (SDK) list does not name it")
    if ctx.app.get("first_party_confidence") == "low":
        # a domain the catalogue does not know is "third" only because the first party was guessed
        # with low confidence: that guess alone must not make a finding high
        for d in drafts:
            if d.party is not None and d.party.sdk is None:
                d.cap = "medium"
                d.detail += "（第一方为低置信度推断）"
                d.detail_en += " (the first party was inferred with low confidence)"
    return drafts


def check_excessive_frequency(ctx: JudgeContext) -> list[FindingDraft]:
    """More than ``max_per_window`` observations of a category by one party inside any window."""
    params = ctx.ruleset.rule("excessive_frequency").get("params", {})
    limit = int(params.get("max_per_window", 10))
    window = float(params.get("window_seconds", 60))
    cats = set(params.get("categories", []))
    # per category and party: the time of each flow (several fields of one request are one collection),
    # and the observations behind them
    series: dict[tuple[str, str], dict[tuple[object, object], float]] = {}
    members: dict[tuple[str, str], list[tuple[float, Observation]]] = {}
    for o in ctx.collected():
        if o.category not in cats:
            continue
        t = _epoch(o.where.get("time"))
        if t is None:
            continue
        key = (o.category, o.party.key)
        series.setdefault(key, {}).setdefault((o.where.get("file"), o.where.get("flow")), t)
        members.setdefault(key, []).append((t, o))
    drafts = []
    for key, by_flow in series.items():
        items = sorted(members[key], key=lambda x: x[0])
        times = sorted(by_flow.values())
        lo = best = 0
        for hi in range(len(times)):
            while times[hi] - times[lo] > window:
                lo += 1
            best = max(best, hi - lo + 1)
        if best > limit:
            o = items[0][1]
            drafts.append(
                FindingDraft(
                    rule="excessive_frequency",
                    category=o.category,
                    party=o.party,
                    observations=[x.id for _, x in items],
                    detail=f"{window:g} 秒内最多发送 {best} 次（阈值 {limit} 次）",
                    detail_en=f"Up to {best} times within {window:g} s (threshold {limit})",
                )
            )
    return drafts


def check_cleartext_pi(ctx: JudgeContext) -> list[FindingDraft]:
    return group(
        (o for o in ctx.collected() if o.source == "traffic" and o.where.get("scheme") == "http"),
        "cleartext_pi",
        "个人信息通过未加密的 HTTP 传输",
        "PI sent over unencrypted HTTP",
    )


def check_cleartext_allowed(ctx: JudgeContext) -> list[FindingDraft]:
    """The APK's network configuration permits plain HTTP and its own code reads PI.

    Seen in traffic, PI over HTTP is ``cleartext_pi``; this is the static risk a regulator sees from the
    APK alone. It names the most sensitive category the app's code reads, so the severity follows it.
    """
    if not ctx.app.get("cleartext_allowed"):
        return []
    code = [o for o in ctx.collected() if o.source == "apk" and o.party.kind == "first"]
    if not code:
        return []
    worst = next((o.category for o in code if ctx.ruleset.is_sensitive(o.category)), code[0].category)
    info = ctx.app.get("cleartext")
    domains = info.get("cleartext_domains") if isinstance(info, dict) else None
    detail = "网络安全配置允许明文通信" + (f"（域名：{', '.join(domains)}）" if domains else "")
    detail_en = "The network security configuration permits cleartext" + (
        f" (domains: {', '.join(domains)})" if domains else "")
    return [FindingDraft(rule="cleartext_allowed", category=worst, party=code[0].party,
                         observations=[o.id for o in code if o.category == worst], detail=detail,
                         detail_en=detail_en)]


def check_permission_unjustified(ctx: JudgeContext) -> list[FindingDraft]:
    """A PI permission whose category the app neither declares nor needs for its category."""
    necessary = ctx.necessary or set()
    out = [
        o
        for o in ctx.observations
        if o.entity == "PERMISSION" and o.category not in ctx.declared and o.category not in necessary
    ]
    return group(out, "permission_unjustified", "申请的权限对应的个人信息类别既未声明也非必要",
                 "The permission's PI category is neither declared nor necessary for the app's category")


def check_no_policy(ctx: JudgeContext) -> list[FindingDraft]:
    """No privacy policy: only where a bundle that should carry one was searched and holds none.

    Not given is not absent. A traffic-only audit or a live session cannot tell whether the app has a
    policy, so it never gets this finding; an APK or mini-program whose bundle holds none may still
    show one online (or, for a mini-program, in the WeChat console), so that needs a person unless a
    capture of the app shows no policy page either. An app that collects nothing needs no policy.
    A permission description in app.json is not a policy.
    """
    if ctx.scope_given or (ctx.policy_given and not ctx.policy_unreadable):
        return []
    if ctx.policy_unreadable:
        return [FindingDraft(
            rule="no_policy", category=None, party=None, severity="low", needs_review=True,
            detail=f"隐私政策无法自动读取：{ctx.policy_unreadable}；需人工阅读",
            detail_en=f"The privacy policy could not be read automatically: {ctx.policy_unreadable}; a person "
                      "must read it",
        )]
    if not ctx.policy_absent_in or not ctx.observations:
        return []
    where = "、".join(_BUNDLE_ZH[s] for s in ctx.policy_absent_in)
    where_en = " and ".join(_BUNDLE_EN[s] for s in ctx.policy_absent_in)
    if ctx.policy_pages == []:
        return [FindingDraft(
            rule="no_policy", category=None, party=None,
            detail=f"{where}中没有隐私政策，也未单独提供；抓包中亦未出现隐私政策页面",
            detail_en=f"The {where_en} holds no privacy policy, none was given, and the capture shows no "
                      "privacy-policy page either",
        )]
    seen = f"；抓包中出现了疑似隐私政策页面：{', '.join(ctx.policy_pages[:3])}" if ctx.policy_pages else ""
    seen_en = f"; the capture loaded what looks like a policy page: {', '.join(ctx.policy_pages[:3])}" \
        if ctx.policy_pages else ""
    return [FindingDraft(
        rule="no_policy", category=None, party=None, severity="low", needs_review=True,
        detail=f"{where}中没有隐私政策，也未单独提供（可能仅在线提供）：需人工确认是否有隐私政策{seen}",
        detail_en=f"The {where_en} holds no privacy policy and none was given (it may be online only): a person "
                  f"must check whether the app has one{seen_en}",
    )]


_BUNDLE_ZH = {"apk": "APK 安装包", "miniprogram": "小程序代码包"}
_BUNDLE_EN = {"apk": "APK", "miniprogram": "mini-program package"}


def _epoch(value: object) -> float | None:
    return _parse_epoch(value) if isinstance(value, str) and value else None


@lru_cache(maxsize=65536)
def _parse_epoch(value: str) -> float | None:
    """Cached: the observations of one flow share its time, and a capture has thousands of them."""
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


CORE_CHECKS: list[Check] = [
    check_undeclared,
    check_contradicts_policy,
    check_before_consent,
    check_beyond_necessary,
    check_sensitive_no_separate_consent,
    check_undisclosed_sdk,
    check_excessive_frequency,
    check_cleartext_pi,
    check_cleartext_allowed,
    check_permission_unjustified,
    check_no_policy,
]


def all_checks() -> list[Check]:
    """Core checks, the checklist's (auditor/checklist/rules.py), and those of optional source modules
    (mini-program), when present."""
    from auditor.checklist.rules import CHECKS as CHECKLIST_CHECKS

    checks = [*CORE_CHECKS, *CHECKLIST_CHECKS]
    try:
        from auditor.scope import rules_miniprogram
    except ImportError:
        return checks
    checks.extend(getattr(rules_miniprogram, "CHECKS", []))
    return checks
