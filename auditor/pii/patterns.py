"""The fast layer: precompiled regexes, validators and character-window context words.

Every field value and every line of text passes through here, so it does no tokenisation: Chinese
context words (身份证号：…) are found as substrings of the characters just before and after a match,
which works without segmenting and costs one slice per candidate. A union of all patterns is tried
first, so values that cannot match anything (most of a JSON body) cost a single regex search.
"""

from __future__ import annotations

import re
import re._parser as sre_parse  # the stdlib's own regex parser: minimum match widths
from collections.abc import Mapping
from functools import lru_cache

from auditor.pii.data import EntitySpec, PatternSpec
from auditor.pii.hit import CONTEXT_BOOST, REPORT_THRESHOLD, Hit

_UNION_MAX = 512
_GATE = frozenset(":@")  # too_short spells these out
_NAMED_VALUE = frozenset("=:\"'")
CONTEXT_BEFORE = 24
CONTEXT_AFTER = 8


class PatternMatcher:
    def __init__(self, entities: Mapping[str, EntitySpec]) -> None:
        self._items: list[tuple[EntitySpec, PatternSpec]] = [
            (e, p) for e in entities.values() for p in e.patterns
        ]
        # One pass per distinct regex (MAC and BSSID share theirs), skipped outright when the text
        # lacks a character every match contains (no '@': no e-mail; no ':': no IPv6 or MAC).
        groups: dict[str, list[tuple[EntitySpec, PatternSpec]]] = {}
        for ent, pat in self._items:
            groups.setdefault(pat.regex.pattern, []).append((ent, pat))
        self._groups = [(users[0][1].regex, frozenset(_required_chars(users[0][1].regex)), users)
                        for users in groups.values()]
        # The union that rules out most values in one search leaves out patterns that need a character
        # few values have (':' of an IPv6 or MAC, '@' of an e-mail): an IPv6 group can start at any
        # hex digit and would slow the search of every value; those are searched only where it occurs.
        common, gated = [], []
        for regex, required, _ in self._groups:
            (gated if _GATE.intersection(required) else common).append(regex)
        self._any = re.compile("|".join(f"(?:{rx.pattern})" for rx in common))
        self._gated = re.compile("|".join(f"(?:{rx.pattern})" for rx in gated)) if gated else None
        # No pattern can match a string shorter than this, unless it holds a gate character (an IPv6
        # address can be as short as "::1"): minimum widths from the regex parser.
        self.min_length = min((_min_width(rx) for rx in common), default=0)
        self.gated_min = min((_min_width(rx) for rx in gated), default=self.min_length)
        self._may_match = lru_cache(maxsize=65536)(self._search_any)
        # Patterns whose score alone stays under the report threshold (an IMEI-shaped number at 0.2) can
        # only be reported beside one of their entity's context words: where none occurs, they are not run.
        # In a field, a value alone has its entity's field_value_score where one is set.
        self._weak_text = {id(p) for e, p in self._items if p.score < REPORT_THRESHOLD}
        self._weak_field = {id(p) for e, p in self._items
                            if (p.score if e.field_value_score is None else e.field_value_score) < REPORT_THRESHOLD}
        weak_entities = {e.id: e.context for e, p in self._items
                         if id(p) in self._weak_text or id(p) in self._weak_field}
        words = sorted({w for ws in weak_entities.values() for w in ws}, key=len, reverse=True)
        self._weak_words = re.compile("|".join(map(re.escape, words))) if words else None
        self._weak_entities = weak_entities
        self._key_context = lru_cache(maxsize=4096)(self._contexts_in)

    def too_short(self, text: str) -> bool:
        """Whether no pattern can match a string this short (most leaves: flags, counts, enum strings)."""
        n = len(text)
        # the gate characters spelled out: a generator here would cost more than the check saves
        return n < self.min_length and (n < self.gated_min or (":" not in text and "@" not in text))

    def may_match(self, text: str) -> bool:
        """False when no pattern can match anywhere in ``text``; cached, as field values repeat."""
        return not self.too_short(text) and self._may_match(text)

    def _contexts_in(self, lowered: str) -> frozenset[str]:
        """Entities with weak patterns whose context words occur somewhere in ``lowered``."""
        if self._weak_words is None or not self._weak_words.search(lowered):
            return frozenset()
        return frozenset(e for e, words in self._weak_entities.items() if any(w in lowered for w in words))

    def _search_any(self, text: str) -> bool:
        if self._any.search(text) is not None:
            return True
        return self._gated is not None and any(ch in text for ch in _GATE) and self._gated.search(text) is not None

    def scan(self, text: str, context: str | None = None, offset: int = 0) -> list[Hit]:
        """Candidates in ``text``; ``context`` replaces the surrounding characters (e.g. a field name)."""
        # The union search pays off on short values; long text almost always has some candidate.
        if len(text) <= _UNION_MAX and not self.may_match(text):
            return []
        hits: list[Hit] = []
        present = frozenset(text) if len(text) <= _UNION_MAX else None  # one pass, then set tests per pattern
        if context is None:
            weak, with_context = self._weak_text, self._contexts_in(text.lower())
        else:
            weak, with_context = self._weak_field, self._key_context(context)
        for regex, required, users in self._groups:
            if required and not (required <= present if present is not None else all(c in text for c in required)):
                continue
            live = [(ent, pat) for ent, pat in users if id(pat) not in weak or ent.id in with_context]
            if not live:
                continue
            for m in regex.finditer(text):
                value = m.group()
                for ent, pat in live:
                    if pat.validator(value):
                        hit = self._hit(text, m, ent, pat, context, offset)
                        if hit:
                            hits.append(hit)
        if len(hits) > 1:  # two patterns of one entity on one span (a UnionPay number is also a card): keep one
            best: dict[tuple[str, int, int], Hit] = {}
            for h in hits:
                k = (h.entity, h.start, h.end)
                if k not in best or h.score > best[k].score:
                    best[k] = h
            hits = list(best.values())
        return hits

    @staticmethod
    def _hit(text: str, m: re.Match[str], ent: EntitySpec, pat: PatternSpec, context: str | None,
             offset: int) -> Hit | None:
        if context is None:
            before = text[max(0, m.start() - CONTEXT_BEFORE): m.start()].lower()
            around = before + " " + text[m.end(): m.end() + CONTEXT_AFTER].lower()
            if ent.negative and _nearer(before, ent.negative, ent.context):
                return None
            base = pat.score
            # `correlator=4484…` in a URL or `"pe":"4484…"` in a script is a named value, as in a field
            if ent.field_value_score is not None and before[-1:] in _NAMED_VALUE:
                base = ent.field_value_score
        else:
            around = context
            base = pat.score if ent.field_value_score is None else ent.field_value_score
        supported = any(w in around for w in ent.context)
        score = min(1.0, base + CONTEXT_BOOST) if supported else base
        evidence = ("value", "context") if supported else ("value",)
        return Hit(ent.id, ent.category, offset + m.start(), offset + m.end(), m.group(), score, evidence)


def _nearer(before: str, negative: tuple[str, ...], positive: tuple[str, ...]) -> bool:
    """Whether a record-number word ends closer to the candidate than any context word (订单号 … vs 手机 …)."""
    neg = max((before.rfind(w) + len(w) for w in negative if w in before), default=-1)
    return neg >= 0 and neg > max((before.rfind(w) + len(w) for w in positive if w in before), default=-1)


def _required_chars(rx: re.Pattern[str]) -> set[str]:
    """Characters every match of ``rx`` contains: literals on its mandatory path (not in branches,
    optional parts or look-arounds), read from the stdlib's own parse of the pattern."""
    out: set[str] = set()

    def walk(seq: sre_parse.SubPattern | list) -> None:
        for op, arg in seq:
            if op is sre_parse.LITERAL:
                out.add(chr(arg))
            elif op is sre_parse.SUBPATTERN:
                walk(arg[-1])
            elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT) and arg[0] >= 1:
                walk(arg[2])

    walk(sre_parse.parse(rx.pattern, rx.flags))
    return out


def _min_width(rx: re.Pattern[str]) -> int:
    return int(sre_parse.parse(rx.pattern, rx.flags).getwidth()[0])
