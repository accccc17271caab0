"""Field-name matching: one normal form for `id_card_no`, `idCardNo`, `ID-CARD-NO` and `user[idCardNo]`.

APIs name the same field in every style, often with a role prefix (`receiverPhone`) or a format
suffix (`mobileNo`, `phoneMd5`). Matching on a normal form, then again with one known prefix and/or
suffix removed, lets the lexicon in recognizers/fields.yaml stay a plain list of base names.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditor.pii.data import FieldSpec, RecognizerData

_LAST_PART = re.compile(r"[\[\]./:]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[\s_\-$@]+")


def key_words(key: str) -> list[str]:
    """Lower-case words of the last component of a key: `user[idCardNo]` -> [id, card, no]."""
    parts = [p for p in _LAST_PART.split(key) if p]
    last = parts[-1] if parts else key
    return [w.lower() for w in _SEPARATORS.split(_CAMEL.sub(" ", last)) if w]


@lru_cache(maxsize=65536)
def normalise_key(key: str) -> str:
    return "".join(key_words(key))


class KeyLexicon:
    """Looks up what a field name suggests, caching per distinct key (APIs repeat their keys)."""

    def __init__(self, data: RecognizerData) -> None:
        self._by_key = data.field_keys
        self._prefixes = data.prefixes
        self._suffixes = data.suffixes
        self._negative = data.negative_keys
        self.lookup = lru_cache(maxsize=65536)(self._lookup)
        self.is_negative = lru_cache(maxsize=65536)(self._is_negative)

    def _candidates(self, norm: str) -> list[str]:
        out = [norm]
        stripped_p = [norm[len(p):] for p in self._prefixes if norm.startswith(p) and len(norm) > len(p) + 1]
        out += stripped_p
        for base in [norm, *stripped_p]:
            out += [base[: -len(s)] for s in self._suffixes if base.endswith(s) and len(base) > len(s) + 1]
        return out

    def _lookup(self, key: str) -> tuple[FieldSpec, ...]:
        norm = normalise_key(key)
        for cand in self._candidates(norm):
            found = self._by_key.get(cand)
            if found:
                return found
        return ()

    def _is_negative(self, key: str) -> bool:
        # Whole trailing words only: payOrderId ends in order+id, but account does not end in "count".
        words = key_words(key)
        return any("".join(words[i:]) in self._negative for i in range(len(words)))
