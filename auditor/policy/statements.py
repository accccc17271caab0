"""Deciding, sentence by sentence, which PI categories a policy declares, negates or conditions.

The unit of scope is the clause (split at commas and colons): a negation of collection covers the
terms after it in its clause and in following clauses that only continue its list, so
我们不会收集您的指纹、人脸等生物识别信息，也不会读取您的软件列表 negates fingerprint, face and
app_list, while 不会向第三方提供您的手机号 (a negation of sharing) says nothing about collection.
The wording is all in rules/policy_lexicon.yaml; this module holds only the scope logic.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from auditor.model import DeclStatus
from auditor.policy.lexicon import TERM_CATEGORY, TERM_CLASS, TERM_STOP, Lexicon, TermInfo, header_key
from auditor.policy.segment import Sentence

_CLAUSE_BREAK = re.compile(r"[，,：:\t]")
_LIST_FILLER = re.compile(r"您的|您|你的|你|个人|信息|数据|等|、|及|和|或|以及|其他|相关|我们|的|\s|（|）|\(|\)|/")
LIST_ONLY_MAX_REST = 2

NEG, NEUTRAL, POS, NONE = "neg", "neutral", "pos", "none"


@dataclass
class Mention:
    category: str
    status: DeclStatus
    sentence: Sentence
    function: str | None
    separate_consent: bool


@dataclass
class _Term:
    start: int
    end: int
    info: TermInfo
    after_deng: bool  # 等 before it or a bracket after it lists the members: a class term only sums up


@dataclass
class _Clause:
    start: int
    end: int
    text: str
    terms: list[_Term]
    state: str
    neg_at: int  # sentence offset of the first collection negation, or -1
    neg_end: int  # sentence offset where that negation's verb ends, or -1
    exempt: list[tuple[int, int]]  # 除X外 spans (sentence offsets)
    delegated: bool = False  # neutral because another party does it (由第三方提供)


_SUBJECTLESS = re.compile(r"\s*(?:但是?|并且|而且|且|同时|也|并|但也|不过|此外|另外)?\s*[，,]?\s*")
_GLOSS = re.compile(r"\s*[（(][^（）()]{1,60}[）)]")
_BOOK_TITLE = re.compile(r"《[^》\n]{0,60}》")


def _find_terms(text: str, lex: Lexicon) -> list[_Term]:
    """Category, class and stop terms of a text; words inside 《》 name a law or a document
    (《电话用户真实身份信息登记规定》), not PI, and are skipped."""
    masked = _BOOK_TITLE.sub(lambda m: " " * len(m.group(0)), text)
    out = []
    for m in lex.terms.finditer(masked):
        info = lex.info(m.group(0))
        if info.kind == TERM_STOP:
            continue
        before = text[max(0, m.start() - 3) : m.start()]
        out.append(_Term(m.start(), m.end(), info, bool(re.search(r"等(?:个人|敏感|其他)?$", before))))
    for t in out:
        # 生物识别信息（人脸信息/指纹信息）: the class is spelled out in its bracket, which says it all.
        gloss = _GLOSS.match(text, t.end) if t.info.kind == TERM_CLASS else None
        if gloss and any(u.info.kind == TERM_CATEGORY and gloss.start() < u.start < gloss.end() for u in out):
            t.after_deng = True
    return out


def _mask_terms(ctext: str, offset: int, terms: list[_Term]) -> str:
    """The clause with its terms blanked, so 记录 in 通话记录 is not taken for a verb."""
    chars = list(ctext)
    for t in terms:
        for i in range(max(t.start - offset, 0), min(t.end - offset, len(chars))):
            chars[i] = " "
    return "".join(chars)


def _bracket_views(text: str) -> tuple[str, str]:
    """Two views of a sentence, both as long as it: commas and colons inside brackets turned into 、
    (so a gloss in brackets, 个人身份信息（指…，例如姓名）, stays in the clause it explains), and that
    with the bracketed text blanked (so 设备信息（…并不涉及通话内容） or 短信（部分产品不涉及…）
    does not give its clause a negation or a verb). Unchanged when a bracket is left open."""
    flat, outer = list(text), list(text)
    depth = 0
    for i, ch in enumerate(text):
        if ch in "（(【[":
            depth += 1
        elif ch in "）)】]":
            depth = max(depth - 1, 0)
        elif depth:
            outer[i] = " "
            if _CLAUSE_BREAK.match(ch):
                flat[i] = "、"
    return (text, text) if depth else ("".join(flat), "".join(outer))


def _clauses(text: str, terms: list[_Term], lex: Lexicon) -> list[_Clause]:
    out = []
    flat, outer = _bracket_views(text)
    bounds = [0] + [m.end() for m in _CLAUSE_BREAK.finditer(flat)] + [len(text) + 1]
    for a, b in itertools.pairwise(bounds):
        b = min(b, len(text))
        if a >= b:
            continue
        ctext, otext = flat[a:b], outer[a:b]
        delegated = False
        neg = lex.neg_collection.search(otext)
        if neg:
            state = NEG
        elif lex.neg_other.search(otext) or lex.delegated.search(otext):
            state = NEUTRAL
            delegated = not lex.neg_other.search(otext)
        elif lex.verbs.search(_mask_terms(otext, a, terms)):
            state = POS
        else:
            state = NONE
        exempt = [(a + m.start("x"), a + m.end("x")) for m in lex.exception.finditer(ctext)]
        neg_at, neg_end = (a + neg.start(), a + neg.end()) if neg else (-1, -1)
        clause_terms = [t for t in terms if a <= t.start < b]
        out.append(_Clause(a, b, ctext, clause_terms, state, neg_at, neg_end, exempt, delegated))
    return out


def _is_continuation(clause: _Clause, lex: Lexicon) -> bool:
    """Does this verb-less clause only carry on the list of the clause before it?"""
    body = clause.text.lstrip(" ，,：:")
    if body.startswith(lex.continuation):
        return True
    rest = clause.text
    for t in sorted(clause.terms, key=lambda t: -t.start):
        rest = rest[: t.start - clause.start] + rest[t.end - clause.start :]
    return len(_LIST_FILLER.sub("", rest).strip("。；;！!？?")) <= LIST_ONLY_MAX_REST


def _inherited(i: int, clauses: list[_Clause], lex: Lexicon) -> tuple[str, int]:
    """Polarity of a clause without a verb of its own, from its neighbours in the sentence, and the
    clause it comes from (-1 for none)."""
    c = clauses[i]
    for j in range(i - 1, -1, -1):
        prev = clauses[j]
        if prev.state == NONE:
            continue
        if prev.state in (NEG, NEUTRAL):
            return (prev.state, j) if _is_continuation(c, lex) else (POS, -1)
        return POS, -1
    if i + 1 < len(clauses):
        nxt = clauses[i + 1]
        # Topicalised object: 对于您的人脸信息，我们不会收集 (the very next clause negates, with
        # nothing after its negation).
        if nxt.state == NEG and not any(t.start >= nxt.neg_at for t in nxt.terms):
            return NEG, i + 1
        if nxt.state == NEUTRAL and not nxt.terms:
            return NEUTRAL, i + 1
    return POS, -1


def _negates_back(text: str, nxt: _Clause, lex: Lexicon) -> bool:
    """Is this a negation of what the clause before named (…，我们不会收集该类信息)?"""
    if nxt.state != NEG or any(t.start >= nxt.neg_at for t in nxt.terms):
        return False
    obj = text[nxt.neg_end : nxt.end]
    return any(w in obj for w in lex.anaphora)


def _clause_at(clauses: list[_Clause], pos: int) -> int:
    return next((i for i, c in enumerate(clauses) if c.start <= pos < c.end), len(clauses) - 1)


def _policy_wide(text: str, neg: _Clause, term: _Term, lex: Lexicon, lead_in: str = "") -> bool:
    """Does a negation hold for the whole policy, rather than only in a case (若您选择…则不会 / 当您
    取消授权后，我们将不再… / 在基本模式下), by one means (不会通过该权限获取), for part of what the
    term names (不会读取您相册的所有内容 / 您的其他短信 / 口令以外的剪切板信息), or for another party
    (以上SDK…不会收集您的姓名; a subjectless 但不会收集… takes its subject from `lead_in`, the sentence
    before it in the paragraph)?"""
    before = text[: neg.neg_at]
    who = lead_in + before if _SUBJECTLESS.fullmatch(before) else before
    parties = list(lex.other_party.finditer(who))
    if parties and not lex.first_person.search(who, parties[-1].end()):
        return False  # 以上SDK…不会收集您的姓名: another party's practice, not the app's
    if lex.scoped.search(before) or lex.neg_scope.search(before) or lex.limiting.search(text, neg.neg_at, neg.neg_end):
        return False
    # What the negation is of: up to the term, or its whole object when the term was named before it.
    obj_end = term.start if term.start >= neg.neg_end else neg.end
    if lex.partial_before.search(text, neg.neg_end, obj_end):
        return False
    return not lex.partial_after.match(text, term.end, len(text))


def _vetoed(text: str, term: _Term, lex: Lexicon) -> bool:
    """Is the term, by the words around it, not the user's PI of its category (IP 地址, 我们的地址为, 您与客服
    的通话记录, 通过短信通知您, 客服邮箱：x@y.com)?"""
    for before, after in lex.vetoes.get(term.info.category or "", ()):
        if before is not None and before.search(text, 0, term.start):
            return True
        if after is not None and after.match(text, term.end):
            return True
    return False


def _polarities(text: str, lex: Lexicon, lead_in: str = "") -> list[tuple[_Term, DeclStatus]]:
    """Each category-bearing term of a sentence with 'declared', 'negated' or 'conditional';
    `lead_in` is the sentence before it in its paragraph."""
    terms = _find_terms(text, lex)
    if not terms:
        return []
    clauses = _clauses(text, terms, lex)
    cond, bracketed = _conditions(text, clauses, lex)
    qualified = _qualified_clauses(clauses, lex) | bracketed
    out: list[tuple[_Term, DeclStatus]] = []
    restricted: set[str] = set()  # categories of earlier clauses that collect only some (仅/只…收集)
    for i, c in enumerate(clauses):
        state, source = (c.state, i) if c.state != NONE else _inherited(i, clauses, lex)
        if c.delegated and i + 1 < len(clauses) and _negates_back(text, clauses[i + 1], lex):
            state, source = NEG, i + 1  # 指纹支付由第三方提供，我们不会收集该类信息
        in_condition = bool(cond and c.end > cond.start())
        # A condition binds a negation up to a clause that turns (如您需要刷脸登录，您需要提供人脸信息，
        # 但请您知悉，我们并不收集…): after 但 the policy states what holds anyway.
        neg_in_condition = in_condition and not any(
            lex.contrast.match(clauses[j].text.lstrip()) for j in range(_clause_at(clauses, cond.start()) + 1, i + 1)
        )
        own_qualifier = bool(lex.consent_qualifier.search(c.text))
        neg = clauses[source] if state == NEG and source >= 0 and clauses[source].neg_at >= 0 else None
        for t in c.terms:
            status: DeclStatus
            if t.info.weak and not (state == NEG or lex.weak_term_verbs.search(text, c.start, t.start)):
                continue  # 通过短信通知您: not the user's messages
            if _vetoed(text, t, lex):
                continue
            if any(a <= t.start < b for a, b in c.exempt):
                status = "declared"
            elif state == NEUTRAL:
                continue
            elif state == NEG and c.neg_at >= 0 and t.start < c.neg_at and any(u.start >= c.neg_at for u in c.terms):
                status = "declared"  # 我们仅收集手机号而不收集身份证号: the object before the negation
            elif i in qualified and (state == NEG or own_qualifier):
                status = "conditional"  # 不会在未经您同意的情况下获取您的位置
            elif state == NEG and (neg_in_condition or (neg and not _policy_wide(text, neg, t, lex, lead_in))):
                continue  # 若您选择图文问诊，则不会调用摄像头 / 室内运动时 / iOS版不申请: only then
            elif state == NEG:
                status = "negated"
            else:
                status = "conditional" if in_condition else "declared"
            if status == "negated" and restricted.intersection(_expand(t, status)):
                continue  # 我们仅会收集您选择的照片，并不会读取您的相册: it only bounds what went before
            out.append((t, status))
        if c.state == POS and lex.restrictive.search(c.text):
            restricted.update(cat for t, st in out if c.start <= t.start < c.end for cat in _expand(t, st))
    return out


def _conditions(text: str, clauses: list[_Clause], lex: Lexicon) -> tuple[re.Match[str] | None, set[int]]:
    """The first condition that governs the rest of the sentence, and the clauses whose condition
    sits in brackets (身份证号码（仅在您申请成为认证商家时需要提供）), which qualify only their own clause."""
    bracketed: set[int] = set()
    for m in lex.condition.finditer(text):
        before = text[: m.start()]
        if max(before.rfind("（"), before.rfind("(")) > max(before.rfind("）"), before.rfind(")")):
            bracketed.update(i for i, c in enumerate(clauses) if c.start <= m.start() < c.end)
            continue
        return m, bracketed
    return None, bracketed


def _qualified_clauses(clauses: list[_Clause], lex: Lexicon) -> set[int]:
    """Clauses whose negation is "not without consent / unless": the qualifier's clause, and its
    neighbours when the qualifier stands in a clause of its own (未经您同意，我们不会…)."""
    out: set[int] = set()
    for i, c in enumerate(clauses):
        if lex.consent_qualifier.search(c.text):
            out.add(i)
            if c.neg_at < 0:
                out.update({i - 1, i + 1})
    return out


def _expand(term: _Term, status: str) -> list[str]:
    if term.info.kind == TERM_CATEGORY and term.info.category:
        return [term.info.category]
    if term.info.kind == TERM_CLASS and status == "negated" and not term.after_deng:
        return list(term.info.negates)
    return []


def function_of(s: Sentence, lex: Lexicon, first_term: int | None = None) -> str | None:
    """The business function a sentence serves: named in it before its first term (当您使用X功能时，
    我们会收集…; a 使用…服务 after the terms is usually a refusal clause), else in its line's label,
    else its heading."""
    limit = len(s.text) if first_term is None else first_term
    for cue in lex.function_cues:
        m = cue.search(s.text, 0, limit)
        name = m.group("f").strip().removesuffix("的") if m else ""
        if name:
            return name
    if s.lead and header_key(s.lead) not in lex.sdk_headers:  # not an SDK record's 收集个人信息： key
        return s.lead
    if s.heading:
        return re.split(r"[：:]", s.heading)[0].strip() or None
    return None


def _separate_consent_scope(text: str, lex: Lexicon) -> set[str]:
    """Categories named in the clause that states 单独同意 (我们会就人脸信息单独征求您的同意) or in
    the nearest clause before it that names any; empty when none does."""
    m = lex.separate_consent.search(text)
    if not m:
        return set()
    end = _CLAUSE_BREAK.search(text, m.end())
    bounds = [0] + [b.end() for b in _CLAUSE_BREAK.finditer(text, 0, m.start())]
    # The consent clause, else the nearest clause before it that names something
    # (人脸信息属于敏感个人信息，我们会在采集前取得您的单独同意).
    stop = end.start() if end else len(text)
    for start in reversed(bounds):
        cats = {c for t in _find_terms(text[start:stop], lex) for c in _expand(t, "declared")}
        if cats:
            return cats
        stop = start
    return set()


def mentions(sentences: list[Sentence], lex: Lexicon) -> list[Mention]:
    out: list[Mention] = []
    last: list[Mention] = []  # mentions of the latest sentence that had any, for 单独同意 said after
    prev: Sentence | None = None
    for s in sentences:
        lead_in = prev.text if prev is not None and prev.line == s.line else ""
        prev = s
        if s.skip or lex.definition.search(s.text):
            continue
        separate = bool(lex.separate_consent.search(s.text))
        consent_cats = _separate_consent_scope(s.text, lex) if separate else set()
        found: list[Mention] = []
        seen: set[tuple[str, str]] = set()
        polarities = _polarities(s.text, lex, lead_in)
        function = function_of(s, lex, polarities[0][0].start) if polarities else None
        for term, status in polarities:
            for cat in _expand(term, status):
                if (cat, status) not in seen:
                    seen.add((cat, status))
                    sep = separate and (not consent_cats or cat in consent_cats)
                    found.append(Mention(cat, status, s, function, sep))
        if found:
            out.extend(found)
            last = found
        elif last and last[0].sentence.heading == s.heading:
            _refer_back(s, last, separate, lex)
    return out


def _refer_back(s: Sentence, last: list[Mention], separate: bool, lex: Lexicon) -> None:
    """A term-less sentence that states 单独同意, or a condition on 上述信息, applies to the last ones."""
    conditional = (
        bool(lex.condition.search(s.text))
        and any(w in s.text for w in lex.anaphora)
        and not _find_terms(s.text, lex)  # its own terms were about another party's act
    )
    for m in last:
        m.separate_consent = m.separate_consent or separate
        if conditional and m.status == "declared":
            m.status = "conditional"


def categories_in(text: str, lex: Lexicon) -> list[str]:
    """Categories a fragment (an SDK row's data cell) says are collected, negations left out."""
    cats = {cat for term, status in _polarities(text, lex) if status != "negated" for cat in _expand(term, status)}
    return sorted(cats)
