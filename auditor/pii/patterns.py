"""The fast layer: precompiled regexes, validators and character-window context words.

Every field value and every line of text passes through here, so it does no tokenisation: Chinese
context words (身份证号：…) are found as substrings of the characters just before and after a match,
which works without segmenting and costs one slice per candidate. A union of all patterns is tried
first, so values that cannot match anything (most of a JSON body) cost a single regex search.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from auditor.pii.data import EntitySpec, PatternSpec
from auditor.pii.hit import Hit

CONTEXT_BEFORE = 24
CONTEXT_AFTER = 8
# Same boost the presidio layer applies for a supporting context word (engine.CONTEXT_FACTOR).
CONTEXT_BOOST = 0.4


class PatternMatcher:
    def __init__(self, entities: Mapping[str, EntitySpec]) -> None:
        self._items: list[tuple[EntitySpec, PatternSpec]] = [
            (e, p) for e in entities.values() for p in e.patterns
        ]
        self._any = re.compile("|".join(f"(?:{p.regex.pattern})" for _, p in self._items))

    def scan(self, text: str, context: str | None = None, offset: int = 0) -> list[Hit]:
        """Candidates in ``text``; ``context`` replaces the surrounding characters (e.g. a field name)."""
        if not self._any.search(text):
            return []
        hits: list[Hit] = []
        for ent, pat in self._items:
            for m in pat.regex.finditer(text):
                value = m.group()
                if not pat.validator(value):
                    continue
                around = context if context is not None else (
                    text[max(0, m.start() - CONTEXT_BEFORE): m.start()] + " " + text[m.end(): m.end() + CONTEXT_AFTER]
                ).lower()
                supported = any(w in around for w in ent.context)
                score = min(1.0, pat.score + CONTEXT_BOOST) if supported else pat.score
                evidence = ("value", "context") if supported else ("value",)
                hits.append(Hit(ent.id, ent.category, offset + m.start(), offset + m.end(), value, score, evidence))
        return hits
