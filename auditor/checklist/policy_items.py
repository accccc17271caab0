"""The scenarios a privacy policy's own text answers: 三.6, 三.8, 四.5, 六.1, 六.2, 六.3 and 六.5.

Each reader looks at the policy's sentences (``auditor.policy.Sentence``: text, section path, line)
through the wording of rules/policy_items.yaml and returns an ``ItemFact`` quoting the sentences it
went by. Absence is a finding here (no way to withdraw consent, no cancellation), so a reader only
says "violation" when the document is a whole policy: a fragment (an SDK list page, a pop-up summary)
has too few chapters to be read for what it lacks, and its absent items are left ``unclear``.

The readers are deliberately literal: a sentence counts for what it says, within the sentence or the
one before it (``您可以在设置中关闭此功能`` after a sentence on personalised ads). What they cannot
read (a path that exists only in the app) is for a person, and the checklist says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from auditor.checklist.facts import Evidence, ItemFact
from auditor.policy.segment import Sentence
from auditor.ruleset import Ruleset

#: evidence sentences quoted per scenario; the JSON stays readable and the report printable
MAX_QUOTES = 4
#: a document with fewer chapter headings than this is read as a fragment of a policy
MIN_CHAPTERS = 2
#: 15 working days are at most this many calendar days (three weekends)
MAX_CALENDAR_DAYS = 21
MAX_WORKING_DAYS = 15
_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


@dataclass(frozen=True)
class Patterns:
    """rules/policy_items.yaml compiled."""

    by_name: dict[str, re.Pattern[str]]

    def __getattr__(self, name: str) -> re.Pattern[str]:
        try:
            return self.by_name[name]
        except KeyError:
            raise AttributeError(name) from None


@cache
def load_patterns(ruleset: Ruleset) -> Patterns:
    data = ruleset.load("policy_items")
    return Patterns({k: re.compile(v["regex"], re.I) for k, v in data["patterns"].items()})


@dataclass(frozen=True)
class _Doc:
    """The sentences a reader goes through, and what is known of the document as a whole."""

    sentences: list[Sentence]
    fragment: bool
    has_account: bool
    p: Patterns

    def in_section(self, s: Sentence, rx: re.Pattern[str]) -> bool:
        return any(rx.search(h) for h in s.path)

    def previous(self, i: int) -> Sentence | None:
        """The sentence before, when it is in the same section (a reference like 此功能 points back)."""
        if i == 0:
            return None
        prev = self.sentences[i - 1]
        return prev if prev.path == self.sentences[i].path else None


def _quote(s: Sentence, *, limit: int = 160) -> Evidence:
    text = s.text if len(s.text) <= limit else s.text[: limit - 1] + "…"
    where: dict[str, Any] = {"line": s.line + 1, "position": s.start}
    if s.path:
        where["section"] = " > ".join(s.path)
    return Evidence("sentence", text, where)


def _quotes(sents: Sequence[Sentence]) -> list[Evidence]:
    seen: set[str] = set()
    out = []
    for s in sents:
        if s.text not in seen:
            seen.add(s.text)
            out.append(_quote(s))
        if len(out) >= MAX_QUOTES:
            break
    return out


_CLAUSE_END = re.compile(r"[，,。；;：:]")


def _negated(p: Patterns, text: str, rx: re.Pattern[str]) -> bool:
    """Every match of the term is inside a negated clause (我们不会基于您的信息进行用户画像或个性化推荐)."""
    for m in rx.finditer(text):
        ends = [e.end() for e in _CLAUSE_END.finditer(text, 0, m.start())]
        clause = text[ends[-1] if ends else 0 : m.start() + 1]
        if not p.negation.search(clause):
            return False
    return True


def read_document(sentences: Sequence[Sentence], ruleset: Ruleset) -> _Doc:
    p = load_patterns(ruleset)
    body = [s for s in sentences if s.kind != "toc"]
    chapters = {s.text for s in body if s.kind == "heading" and p.chapter_heading.search(s.text)}
    fragment = len(chapters) < MIN_CHAPTERS
    has_account = any(p.account.search(s.text) for s in body)
    return _Doc(body, fragment, has_account, p)


# --- 三.6 -------------------------------------------------------------------------------------------


def targeting(doc: _Doc) -> ItemFact:
    p = doc.p
    uses = [s for s in doc.sentences if p.targeting.search(s.text) and not s.skip
            and not p.targeting_aside.search(s.text) and not _negated(p, s.text, p.targeting)]
    if not uses:
        return ItemFact("rdff-3-6", "not_applicable", "隐私政策未描述个性化推荐、定向推送或用户画像",
                        "The policy describes no personalised recommendation, targeted push or profiling")
    optouts = []
    for i, s in enumerate(doc.sentences):
        if p.targeting_optout.search(s.text):
            optouts.append(s)
        elif p.optout_generic.search(s.text):
            prev = doc.previous(i)
            if prev is not None and p.targeting.search(prev.text):
                optouts.extend([prev, s])
    if optouts:
        return ItemFact("rdff-3-6", "compliant", "描述了个性化/定向推送，并提供了关闭或非个性化选项",
                        "Personalisation or targeting is described together with a way to turn it off",
                        _quotes(optouts) + _quotes(uses[:1]))
    if doc.fragment:
        return ItemFact("rdff-3-6", "unclear", "文档似为隐私政策的一部分，无法判断是否另有关闭方式",
                        "The document looks like part of a policy; an opt-out may be described elsewhere",
                        _quotes(uses))
    return ItemFact("rdff-3-6", "violation",
                    "隐私政策描述了利用个人信息的个性化推荐/定向推送，但未提供关闭或非定向选项",
                    "The policy uses PI for personalisation or targeting and offers no way to turn it off or to get "
                    "non-targeted content", _quotes(uses))


# --- 三.8 -------------------------------------------------------------------------------------------


def withdrawal(doc: _Doc) -> ItemFact:
    p = doc.p
    ways = [s for s in doc.sentences if p.withdraw.search(s.text) and not _negated(p, s.text, p.withdraw)]
    if ways:
        return ItemFact("rdff-3-8", "compliant", "隐私政策描述了撤回同意或关闭授权的途径",
                        "The policy describes how to withdraw consent or revoke a permission", _quotes(ways))
    if doc.fragment:
        return ItemFact("rdff-3-8", "unclear", "文档似为隐私政策的一部分，未见撤回同意的途径",
                        "The document looks like part of a policy; no way to withdraw consent is in it")
    rights = [s for s in doc.sentences if doc.in_section(s, p.rights_section)]
    return ItemFact("rdff-3-8", "violation", "隐私政策未描述撤回同意或关闭授权的途径、方式",
                    "The policy describes no way or means to withdraw consent or revoke a permission",
                    _quotes([s for s in rights if s.kind == "heading"] or rights[:1]))


# --- 六.1 -------------------------------------------------------------------------------------------


def _user_function(doc: _Doc, term: re.Pattern[str]) -> list[Sentence]:
    """Sentences that offer the user the function: the user acts (or asks), in the rights chapter or
    naming a path; deletion the operator does by itself (after retention or cancellation) is not one."""
    p = doc.p
    out = []
    for s in doc.sentences:
        if not term.search(s.text) or _negated(p, s.text, term):
            continue
        if term is p.delete and p.user_request.search(s.text):
            out.append(s)  # the user asks for deletion, wherever the policy says so
            continue
        in_rights = doc.in_section(s, p.rights_section) or doc.in_section(s, term)
        if (s.kind == "heading" and in_rights) or (p.user_agency.search(s.text) and not _operator_only(p, s.text) and (
            in_rights or doc.in_section(s, p.contact_section) or "【" in s.text or "权" in s.text
            or (p.personal_object.search(s.text) and not p.not_personal.search(s.text))
        )):
            out.append(s)
    return out


def _operator_only(p: Patterns, text: str) -> bool:
    """Deletion the operator does by itself, on a trigger (retention over, account cancelled, service
    stopped), unless the user is also said to ask for it."""
    return bool(p.operator_only.search(text)) and not p.user_request.search(text)


def rights(doc: _Doc) -> ItemFact:
    p = doc.p
    found = {
        "correct": _user_function(doc, p.correct),
        "delete": _user_function(doc, p.delete),
        "cancel": _user_function(doc, p.cancel) if doc.has_account else [],
    }
    names = {"correct": ("更正", "correction"), "delete": ("删除", "deletion"), "cancel": ("注销账号", "cancellation")}
    needed = [k for k in found if k != "cancel" or doc.has_account]
    missing = [k for k in needed if not found[k]]
    evidence = [e for k in needed for e in _quotes(found[k][:2])]
    if not missing:
        extra = "" if doc.has_account else "（政策未提及账号，注销不适用）"
        extra_en = "" if doc.has_account else " (the policy mentions no account, so cancellation does not apply)"
        zh = "、".join(names[k][0] for k in needed)
        return ItemFact("rdff-6-1", "compliant", f"隐私政策描述了{zh}功能{extra}",
                        "The policy describes " + ", ".join(names[k][1] for k in needed) + extra_en, evidence)
    zh = "、".join(names[k][0] for k in missing)
    en = ", ".join(names[k][1] for k in missing)
    if doc.fragment:
        return ItemFact("rdff-6-1", "unclear", f"文档似为隐私政策的一部分，未见{zh}功能",
                        f"The document looks like part of a policy; it does not describe {en}", evidence)
    return ItemFact("rdff-6-1", "violation", f"隐私政策未向用户提供{zh}的功能或途径",
                    f"The policy gives the user no function or way for {en}",
                    evidence or _quotes([s for s in doc.sentences if doc.in_section(s, p.rights_section)][:1]),
                    {"missing": missing})


# --- 六.2 -------------------------------------------------------------------------------------------


def cancel_conditions(doc: _Doc) -> ItemFact:
    p = doc.p
    about = [s for s in doc.sentences if p.cancel_context.search(s.text) or any("注销" in h for h in s.path)]
    if not about:
        return ItemFact("rdff-6-2", "not_applicable" if not doc.fragment else "unclear",
                        "隐私政策未描述账号注销", "The policy describes no account cancellation")
    bad = [s for s in about if p.unreasonable_condition.search(s.text) and p.condition_cue.search(s.text)
           and not _negated(p, s.text, p.unreasonable_condition)]
    if bad:
        return ItemFact("rdff-6-2", "violation", "注销账号须提供身份核验以外的个人信息或材料（如证件照片、人脸信息）",
                        "Cancelling the account requires PI or material beyond identity verification (e.g. ID "
                        "photos, face data)", _quotes(bad))
    checks = [s for s in about if p.biometric_check.search(s.text) and p.condition_cue.search(s.text)]
    if checks:
        return ItemFact("rdff-6-2", "review", "注销须通过人脸识别或视频认证：是否超出身份核验所需需人工判断",
                        "Cancellation requires a face or video check: whether that exceeds what identification needs "
                        "is for a person to judge", _quotes(checks))
    waits = [s for s in about if p.waiting_period.search(s.text)]
    return ItemFact("rdff-6-2", "compliant", "注销说明中未见身份核验以外的条件",
                    "The cancellation text sets no condition beyond identity verification", _quotes(waits + about))


# --- time limits (六.3, 六.5) --------------------------------------------------------------------------


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN.get(tens, 1) if tens else 1) * 10 + (_CN.get(units, 0) if units else 0)
    return _CN.get(text)


@dataclass(frozen=True)
class Limit:
    """A promised handling time, in the unit the policy gives."""

    days: int
    working: bool
    sentence: Sentence

    @property
    def too_long(self) -> bool:
        return self.days > MAX_WORKING_DAYS if self.working else self.days > MAX_CALENDAR_DAYS


def limits(doc: _Doc, keep: Callable[[Sentence], bool]) -> list[Limit]:
    """Promised handling times of requests (回复/处理…内) in the sentences ``keep`` selects."""
    p = doc.p
    out = []
    for s in doc.sentences:
        if not keep(s) or not p.response_verb.search(s.text) or p.waiting_period.search(s.text):
            continue
        for m in p.time_limit.finditer(s.text):
            n = _number(m.group("num"))
            if n is None:
                continue
            unit = m.group("unit")
            days = n * 30 if unit in ("个月", "月") else n * 7 if unit in ("周", "星期") else n
            out.append(Limit(days, unit == "工作日", s))
    return out


def handling_time(doc: _Doc) -> ItemFact:
    p = doc.p

    def about_rights(s: Sentence) -> bool:
        return bool(p.correct.search(s.text) or p.delete.search(s.text) or p.cancel.search(s.text)
                    or "请求" in s.text or "申请" in s.text) and (
            doc.in_section(s, p.rights_section) or doc.in_section(s, p.contact_section) or "注销" in s.text)

    found = limits(doc, about_rights)
    slow = [lim for lim in found if lim.too_long]
    waits = [s for s in doc.sentences if p.waiting_period.search(s.text) and p.cancel.search(s.text)]
    if slow:
        return ItemFact("rdff-6-3", "violation", "承诺的更正、删除或注销处理时限超过15个工作日",
                        "The promised time to handle correction, deletion or cancellation exceeds 15 working days",
                        _quotes([lim.sentence for lim in slow]))
    if found:
        return ItemFact("rdff-6-3", "compliant", "承诺的处理时限不超过15个工作日（实际是否按时处理需人工验证）",
                        "The promised handling time is within 15 working days (whether it is kept needs a person)",
                        _quotes([lim.sentence for lim in found] + waits))
    return ItemFact("rdff-6-3", "unclear", "隐私政策未承诺处理时限（按规定以15个工作日为限），实际处理时间需人工验证",
                    "The policy promises no handling time (15 working days apply); the actual time needs a person",
                    _quotes(waits))


def complaints(doc: _Doc) -> ItemFact:
    p = doc.p
    channels = [s for s in doc.sentences if p.channel.search(s.text)]
    preferred = [s for s in channels if doc.in_section(s, p.contact_section) or "投诉" in s.text or "举报" in s.text]
    found = limits(doc, lambda s: bool(p.request_context.search(s.text)) and (
        doc.in_section(s, p.contact_section) or "投诉" in s.text or "举报" in s.text or "问题" in s.text))
    slow = [lim for lim in found if lim.too_long]
    if not channels:
        if doc.fragment:
            return ItemFact("rdff-6-5", "unclear", "文档似为隐私政策的一部分，未见联系或投诉渠道",
                            "The document looks like part of a policy; no contact or complaint channel is in it")
        return ItemFact("rdff-6-5", "violation", "隐私政策未公布投诉、举报渠道（电话、邮箱、地址或在线客服）",
                        "The policy publishes no complaint or report channel (phone, e-mail, address or in-app "
                        "service)",
                        _quotes([s for s in doc.sentences if doc.in_section(s, p.contact_section)][:2]))
    if slow:
        return ItemFact("rdff-6-5", "violation", "承诺的投诉、举报处理时限超过15个工作日",
                        "The promised time to answer complaints exceeds 15 working days",
                        _quotes([lim.sentence for lim in slow]) + _quotes((preferred or channels)[:1]))
    note = "" if found else "；未承诺时限，按规定以15个工作日为限"
    note_en = "" if found else "; no time is promised, so 15 working days apply"
    return ItemFact("rdff-6-5", "compliant", "隐私政策公布了联系、投诉渠道" + note,
                    "The policy publishes a contact and complaint channel" + note_en,
                    _quotes((preferred or channels)[:2] + [lim.sentence for lim in found]))


# --- 四.5 -------------------------------------------------------------------------------------------


def forced_for_improvement(doc: _Doc) -> ItemFact:
    """Refusing makes the whole product unusable, and the collection refused serves only improvement.

    The purpose is read from the same sentence, or from the one before when the refusal refers back
    (如您不同意前述收集…): both must name improvement, and the refusal must cost the product, not one
    feature (拒绝…将无法使用个性化推荐功能，但不影响其他功能 is allowed)."""
    p = doc.p
    forced = []
    blocking = []
    for i, s in enumerate(doc.sentences):
        if not p.refusal_blocks_use.search(s.text) or p.only_feature_blocked.search(s.text):
            continue
        blocking.append(s)
        prev = doc.previous(i)
        refers_back = prev is not None and (re.search("前述|上述|以上|这些|该等|此类", s.text)
                                            or _REFUSAL_OPENS.match(s.text))
        context = s.text + (prev.text if refers_back and prev is not None else "")
        if p.improvement.search(context) and not p.basic_purpose.search(context):
            forced.extend([x for x in (prev, s) if x is not None and p.improvement.search(x.text)] or [s])
    if forced:
        return ItemFact("rdff-4-5", "violation", "拒绝仅为改善服务、提升体验或研发新产品而收集的信息即无法使用产品",
                        "Refusing collection that serves service improvement, user experience or product research "
                        "makes the product unusable", _quotes(forced))
    if blocking:
        return ItemFact("rdff-4-5", "compliant", "“拒绝即无法使用”的表述未以改善服务等为唯一目的（是否必要需人工判断）",
                        "Where refusal blocks use, the purpose is not service improvement alone (whether it is "
                        "necessary needs a person)", _quotes(blocking))
    return ItemFact("rdff-4-5", "compliant", "未见以改善服务、提升体验等为由强制要求同意的表述",
                    "No sentence makes consent mandatory for service improvement or user experience")


#: a refusal that opens its sentence refers to what the sentence before asked for (…；如您不同意，将无法…)
_REFUSAL_OPENS = re.compile(r"^(?:但)?(?:如|若|如果|假如)(?:您|你)?(?:不同意|拒绝|不提供|不授权|不允许)")


READERS: tuple[Callable[[_Doc], ItemFact], ...] = (
    targeting, withdrawal, forced_for_improvement, rights, cancel_conditions, handling_time, complaints,
)


def policy_facts(sentences: Sequence[Sentence], ruleset: Ruleset) -> list[ItemFact]:
    """Every policy-readable scenario's fact; a fragment of a policy is said to be one."""
    doc = read_document(sentences, ruleset)
    facts = [read(doc) for read in READERS]
    if doc.fragment:
        for f in facts:
            f.measures["fragment"] = True
    return facts
