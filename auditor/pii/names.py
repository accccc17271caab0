"""Chinese personal names: a surname from the lexicon plus a one- or two-character given name.

A Chinese name has no capital letter or other surface mark, so the lexicon of surnames
(recognizers/surnames.yaml) is the anchor, and the segmenter's dictionary vetoes words that merely
start with a surname character (张家界, 高新, 周一). Compound surnames are tried first, so 欧阳娜娜
splits as 欧阳 + 娜娜.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_CJK = re.compile(r"[\u4e00-\u9fff]+")
# Minority names transliterated with a middle dot: 迪丽热巴·迪力木拉提.
_DOT_NAME = re.compile(r"[\u4e00-\u9fff]{1,8}[·•・][\u4e00-\u9fff]{1,10}")


@dataclass(frozen=True)
class NameLexicon:
    single: frozenset[str]
    rare: frozenset[str]  # also everyday words (和, 向, 云): running text asks more of them
    compound: frozenset[str]
    not_names: frozenset[str]
    not_given: frozenset[str]
    familiar: frozenset[str]  # prefixes of a familiar form of address (老刘, 小王)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> NameLexicon:
        return cls(
            single=frozenset(data["single"]["surnames"]),
            rare=frozenset(data["rare"]["surnames"]),
            compound=frozenset(data["compound"]["surnames"]),
            not_names=frozenset(data["not_names"]["words"]),
            not_given=frozenset(data["not_given_names"]["words"]),
            familiar=frozenset(data["not_given_names"]["familiar_prefixes"]),
        )

    def surname_length(self, text: str) -> int:
        """Length of the surname that ``text`` starts with (2 for compound, 1, or 0 for none)."""
        if text[:2] in self.compound:
            return 2
        return 1 if text[:1] in self.single or text[:1] in self.rare else 0

    def is_name(self, value: str) -> bool:
        """Whether a whole value (a form field) can be a person's full name."""
        v = value.strip()
        if _DOT_NAME.fullmatch(v):
            return True
        if not _CJK.fullmatch(v) or v in self.not_names:
            return False
        n = self.surname_length(v)
        given = v[n:]
        return n > 0 and 1 <= len(given) <= 2 + (n == 2) and not self._is_title(given)

    def is_form_of_address(self, value: str) -> bool:
        """A surname and a form of address (王先生, 陈导, 张女士), or a familiar prefix and a surname (老刘,
        小王): a person, but no name given."""
        if len(value) == 2 and value[0] in self.familiar and value[1] in self.single:
            return True
        n = self.surname_length(value)
        return n > 0 and len(value) > n and self._is_title(value[n:])

    def _is_title(self, given: str) -> bool:
        """A form of address in the given-name place: a one-character one only as the whole given name
        (王总, 张工, but 温家宝 and 蒋家华 are names), a longer one also before more (王先生们)."""
        return given in self.not_given or any(len(t) > 1 and given.startswith(t) for t in self.not_given)


@dataclass(frozen=True)
class TaggerRules:
    """How tagger output becomes a name (recognizers/surnames.yaml, section `tagger`)."""

    person_tags: frozenset[str]
    place_tags: frozenset[str]  # the tagger's tags of places and bodies (LOC): a word it also tags so is no name
    list_links: frozenset[str]  # what joins the items of a list (和, 与, 、): a word listed with places is one
    list_bounds: frozenset[str]  # tags of what may follow or precede a list (punctuation, verbs, adverbs)
    place_endings: str  # last characters of place names that no given name ends with (…村, …镇)
    clan_place_endings: str  # the same after 家 (董家河, 王家庄: villages named after a clan)
    org_given_length: int
    org_not_ending: str
    gate_word_frequency: int
    not_given_start: frozenset[str]
    before: int
    after: int
    tile: int
    stride: int
    transliteration: frozenset[str]  # characters of transliterated foreign names (托雷斯)
    foreign_length: tuple[int, int]  # shortest and longest such name
    name_confidence: float  # the tagger's confidence a Chinese name needs without a cue
    foreign_confidence: float  # the same for a transliterated name
    other_confidence: float  # the same for a name neither the lexicon nor the table explains
    cues_before: tuple[str, ...]  # role words a name follows (记者, 主帅)
    cues_after: tuple[str, ...]  # what follows a person (说, 表示)
    part_of_name: tuple[str, ...]  # what makes a name part of a larger proper noun (…中心, …国际)
    not_person_before: tuple[str, ...]  # what precedes a sports club or a place, not a person (vs, 输给, 前往)
    company_before: tuple[str, ...]  # what precedes a firm named like a person (开发商贝塞斯达)
    not_person_after: tuple[str, ...]  # what follows one (主场, 不败, 附近)
    match_report: tuple[str, ...]  # words of a match report or betting tip nearby (主胜, 赔率)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> TaggerRules:
        return cls(frozenset(data["person_tags"]), frozenset(data["place_tags"]),
                   frozenset(data["not_a_person"]["list_links"]), frozenset(data["not_a_person"]["list_bounds"]),
                   data["not_a_person"]["place_endings"], data["not_a_person"]["clan_place_endings"],
                   int(data["org_as_name"]["given_length"]), data["org_as_name"]["not_ending"],
                   int(data["gate"]["word_frequency"]),
                   frozenset(data["gate"]["not_given_start"]),
                   int(data["gate"]["before"]), int(data["gate"]["after"]),
                   int(data["tiles"]["width"]), int(data["tiles"]["stride"]),
                   frozenset(data["transliteration"]["chars"]),
                   (int(data["transliteration"]["min_length"]), int(data["transliteration"]["max_length"])),
                   float(data["confidence"]["name"]), float(data["confidence"]["foreign"]),
                   float(data["confidence"]["other"]),
                   tuple(data["cues"]["before"]), tuple(data["cues"]["after"]),
                   tuple(data["not_a_person"]["part_of_name"]),
                   tuple(data["not_a_person"]["before"]), tuple(data["not_a_person"]["company_before"]),
                   tuple(data["not_a_person"]["after"]),
                   tuple(data["not_a_person"]["match_report"]))
