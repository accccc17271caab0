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
from auditor.pii.hit import CONTEXT_BOOST, Hit

_UNION_MAX = 512
CONTEXT_BEFORE = 24
CONTEXT_AFTER = 8


class PatternMatcher:
    def __init__(self, entities: Mapping[str, EntitySpec]) -> None:
        self._items: list[tuple[EntitySpec, PatternSpec]] = [
            (e, p) for e in entities.values() for p in e.patterns
        ]
        self._any = re.compile("|".join(f"(?:{p.regex.pattern})" for _, p in self._items))
        # No pattern can match a string shorter than this (minimum widths from the regex parser).
        self.min_length = min((_min_width(p.regex) for _, p in self._items), default=0)
        self._may_match = lru_cache(maxsize=65536)(self._search_any)

    def may_match(self, text: str) -> bool:
        """False when no pattern can match anywhere in ``text``; cached, as field values repeat."""
        return len(text) >= self.min_length and self._may_match(text)

    def _search_any(self, text: str) -> bool:
        return self._any.search(text) is not None

    def scan(self, text: str, context: str | None = None, offset: int = 0) -> list[Hit]:
        """Candidates in ``text``; ``context`` replaces the surrounding characters (e.g. a field name)."""
        # The union search pays off on short values; long text almost always has some candidate.
        if len(text) <= _UNION_MAX and not self.may_match(text):
            return []
        hits: list[Hit] = []
        for ent, pat in self._items:
            for m in pat.regex.finditer(text):
                value = m.group()
                if not pat.validator(value):
                    continue
                if context is None:
                    before = text[max(0, m.start() - CONTEXT_BEFORE): m.start()].lower()
                    around = before + " " + text[m.end(): m.end() + CONTEXT_AFTER].lower()
                    if ent.negative and _nearer(before, ent.negative, ent.context):
                        continue
                else:
                    around = context
                supported = any(w in around for w in ent.context)
                score = min(1.0, pat.score + CONTEXT_BOOST) if supported else pat.score
                evidence = ("value", "context") if supported else ("value",)
                hits.append(Hit(ent.id, ent.category, offset + m.start(), offset + m.end(), value, score, evidence))
        if len(hits) > 1:  # two patterns of one entity on one span (a UnionPay number is also a card): keep one
            best: dict[tuple[str, int, int], Hit] = {}
            for h in hits:
                k = (h.entity, h.start, h.end)
                if k not in best or h.score > best[k].score:
                    best[k] = h
            hits = list(best.values())
        return hits


def _nearer(before: str, negative: tuple[str, ...], positive: tuple[str, ...]) -> bool:
    """Whether a record-number word ends closer to the candidate than any context word (订单号 … vs 手机 …)."""
    neg = max((before.rfind(w) + len(w) for w in negative if w in before), default=-1)
    return neg >= 0 and neg > max((before.rfind(w) + len(w) for w in positive if w in before), default=-1)


def _min_width(rx: re.Pattern[str]) -> int:
    return int(sre_parse.parse(rx.pattern, rx.flags).getwidth()[0])
