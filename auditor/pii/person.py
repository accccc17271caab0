"""Person names in running Chinese text: a cheap gate picks the stretches, Baidu LAC tags them.

A name has no surface mark in Chinese (白雅宁是一位…, 记者王吉瑛, 韩雪梅医生), so a trigger word is
not enough and a sequence tagger is needed; LAC (auditor/pii/tagger.py) recalls 98% of the names in
LLM-written Chinese profiles. It reads ~150,000 characters a CPU second, too slow for whole privacy
policies, so it only sees the stretches where a name can start: a surname character that is not
part of an ordinary word (jieba's dictionary, read as a table: 安全, 方式 and 对于 are words, 白雅
and 王吉 are not), or a middle dot between Chinese characters (阿卜杜拉·买买提). About 15% of the
characters of a real privacy policy pass the gate.

The tagger's PER words are then held to what a Chinese name is: a lexicon surname (compound ones
first, so 司马光明 stays whole) plus a one- or two-character given name that is not a form of
address (王先生, 李老师), or a transliterated name with a middle dot. LAC sometimes calls an unknown
three-character name an organisation; such a word is taken when it starts with a
common surname, is no dictionary word and does not end like a place or body (…城, …行).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import TYPE_CHECKING

from auditor.pii import jieba_tables
from auditor.pii.jieba_tables import JiebaTables
from auditor.pii.names import NameLexicon, TaggerRules

if TYPE_CHECKING:
    from auditor.pii.tagger import LacTagger, Span

_CJK = "\u4e00-\u9fff"
_DOT_CHARS = "·•・"
_DOT_NAME = re.compile(f"[{_CJK}]{{1,8}}(?:[{_DOT_CHARS}][{_CJK}]{{1,10}}){{1,2}}")
_DOT_BETWEEN = re.compile(f"[{_CJK}][{_DOT_CHARS}][{_CJK}]")
_HAN_WORD = re.compile(f"[{_CJK}]{{2,5}}")
_HAN_RUN = re.compile(f"[{_CJK}]+")
_OTHER_NAME = re.compile(f"[{_CJK}]{{2,6}}")
# A speaker's name opening a line of an interview or transcript (姜山：回过头来说…): named like a role word.
_SPEAKER = re.compile(f"^[{_CJK}]{{2,4}}(?=[:：])", re.M)
_ALIAS = re.compile(r"[（(](?:化名|假名|匿名)")
_NEAR = 80  # characters either side of a name searched for words of a match report
_NAME_TAGS = frozenset({"nr", "nrfg", "nrt"})


def _alt(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _ending_with(words: Iterable[str]) -> re.Pattern[str] | None:
    """Any of ``words`` and an optional colon or space: where a match ends, a name may start (None for no
    words)."""
    alt = _alt(words)
    return re.compile(f"(?:{alt})[:： ]?") if alt else None


def _starting_with(words: Iterable[str]) -> re.Pattern[str]:
    """Any of ``words`` right at the position matched from (never matches for no words)."""
    alt = _alt(words)
    return re.compile(f" ?(?:{alt})" if alt else "(?!)")


def _right_before(words: Iterable[str]) -> re.Pattern[str]:
    """Any of ``words`` (and a space) closing what is searched, right before a name (never matches for
    no words)."""
    alt = _alt(words)
    return re.compile(f"(?:{alt}) ?$" if alt else "(?!)")


class PersonNameFinder:
    """Names in one window of text, as (start, end) spans."""

    def __init__(self, lexicon: NameLexicon, rules: TaggerRules, titles: Iterable[str] = (),
                 tables: Callable[[], JiebaTables] = jieba_tables.load,
                 tagger: Callable[[], LacTagger] | None = None) -> None:
        """``titles``: words naming a person's role that a name follows (收货人, 申请人, 乘车人)."""
        self._lex = lexicon
        self._titles = _ending_with(w for w in titles if re.fullmatch(f"[{_CJK}]+", w))
        self._rules = rules
        self._load_tables = tables
        self._make_tagger = tagger
        firsts = sorted(lexicon.single | lexicon.rare | {c[0] for c in lexicon.compound})
        self._surname_char = re.compile(f"[{''.join(firsts)}](?=[{_CJK}])")
        self._cue_before = _ending_with(rules.cues_before)
        self._cue_after = _starting_with(rules.cues_after)
        self._part_of_name = _starting_with(rules.part_of_name)
        self._place_or_team_before = _right_before(rules.not_person_before)
        self._place_or_team_after = _starting_with(rules.not_person_after)
        self._company_before = _right_before(rules.company_before)
        self._place_shaped = re.compile(f".+[{rules.place_endings}]|.+家[{rules.clan_place_endings}]")
        self._match_report = re.compile(_alt(rules.match_report) or "(?!)", re.I)
        foreign = "".join(sorted(rules.transliteration))
        self._foreign_run = re.compile(f"(?<![{foreign}])[{foreign}]{{2,}}")
        self._maybe = re.compile(f"{self._surname_char.pattern}|{_DOT_BETWEEN.pattern}|{self._foreign_run.pattern}")

    @cached_property
    def _tables(self) -> JiebaTables:
        """jieba's word table (~0.2 s, 140 MB): loaded at the first text with a surname character in it."""
        return self._load_tables()

    @cached_property
    def tagger(self) -> LacTagger:
        """Loaded on first use: numpy, onnxruntime and the model take ~0.5 s, and structured data never needs them."""
        if self._make_tagger:
            return self._make_tagger()
        from auditor.pii.tagger import LacTagger

        return LacTagger()

    def load(self) -> None:
        """Everything the finder needs, now (before a process forks workers that should share it)."""
        _ = self._tables, self.tagger

    # -- the gate ----------------------------------------------------------------------------------

    def dictionary_word(self, word: str) -> tuple[int, str | None]:
        """A word's count and part of speech in jieba's dictionary, (0, None) for none (for the address
        grammar: 渠道 and 城镇 are ordinary words, 东长安街 a place)."""
        t = self._tables
        return t.freq.get(word, 0), t.tags.get(word)

    def _common_word(self, word: str) -> bool:
        """A dictionary word frequent enough that a name is unlikely to hide in it, and not itself a name."""
        t = self._tables
        return t.freq.get(word, 0) >= self._rules.gate_word_frequency and t.tags.get(word) not in _NAME_TAGS

    def after_titles(self, text: str) -> set[int]:
        """Positions right after a role word (and a colon): where a name is expected."""
        return {m.end() for m in self._titles.finditer(text)} if self._titles else set()

    def candidates(self, text: str, titled: set[int] | frozenset[int] = frozenset()) -> list[int]:
        """Positions where a name may start (or a dotted name may sit)."""
        out = []
        common, lex, grammatical = self._common_word, self._lex, self._rules.not_given_start
        for m in self._surname_char.finditer(text):
            p = m.start()
            if text[p:p + 2] in lex.compound or p in titled:
                out.append(p)
                continue
            first = text[p]
            if (text[p + 1] in grammatical or (first not in lex.single and first not in lex.rare)
                    or self._starts_a_word(text, p) or any(common(text[p - k:p + 1]) for k in (1, 2, 3) if p >= k)):
                continue
            # A rare surname that is also an everyday word (和, 向, 有) starts a name only where no
            # ordinary word follows it (和使用).
            if first in lex.rare and (common(text[p + 1:p + 3]) or common(text[p + 1:p + 4])):
                continue
            out.append(p)
        out += (m.start() + 1 for m in _DOT_BETWEEN.finditer(text))
        # A run of transliteration characters that is no ordinary word (克拉, 罗马 are; 托雷斯 is not), or
        # that a speech verb follows (德里克说: 德里 is a word too).
        for m in self._foreign_run.finditer(text):
            p = m.start()
            if self._cue_after.match(text, m.end()) or not (self._starts_a_word(text, p) or self._ends_a_word(text, p)):
                out.append(p)
        return sorted(set(out))

    def _stretches(self, text: str, starts: list[int]) -> list[tuple[int, int]]:
        r = self._rules
        merged: list[tuple[int, int]] = []
        for p in starts:
            a, b = max(0, p - r.before), min(len(text), p + r.after)
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        return merged

    def _tiles(self, text: str, stretches: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
        """(start, end, own_from, own_to): pieces of few distinct widths, as the tagger batches equal widths.

        A long stretch is cut into overlapping tiles of one width; a word belongs to the tile whose
        own part holds its start (own parts split each overlap in the middle), so a name is judged
        once and with context on both sides.
        """
        w, step, n = self._rules.tile, self._rules.stride, len(text)
        if n <= w:
            return [(0, n, a, b) for a, b in stretches]
        tiles = []
        for a, b in stretches:
            if b - a <= w:  # widths in steps of 4, so most short pieces share a width and a batch
                width = min(w, -(-(b - a) // 4) * 4)
                start = min(max(0, (a + b - width) // 2), n - width)
                tiles.append((start, start + width, a, b))
                continue
            starts = sorted({min(s, n - w) for s in range(max(0, a - (w - step) // 2), b - w + step, step)})
            bounds = [a] + [(s + e + w) // 2 for s, e in zip(starts[1:], starts, strict=False)] + [b]
            tiles += [(s, s + w, bounds[i], bounds[i + 1]) for i, s in enumerate(starts)]
        return tiles

    # -- tagging and judging -----------------------------------------------------------------------

    def find(self, text: str) -> list[tuple[int, int]]:
        if not self._maybe.search(text):
            return []
        titled = self.after_titles(text) | {m.start() for m in _SPEAKER.finditer(text)}
        cued = {m.end() for m in self._cue_before.finditer(text)} if self._cue_before else set()
        starts = self.candidates(text, titled | cued)
        if not starts:
            return []
        tiles = self._tiles(text, self._stretches(text, starts))
        pieces = [text[a:b] for a, b, _, _ in tiles]
        found: dict[int, tuple[int, bool]] = {}
        not_people: set[str] = set()  # what the context of one of its mentions shows to be a place or a club
        as_place: dict[str, float] = {}  # the tagger's best confidence in each word as a place, and as a person
        as_person: dict[str, float] = {}
        rules = self._rules
        for (a, _, own_from, own_to), piece, words in zip(tiles, pieces, self.tagger.tag(pieces), strict=True):
            for i, (s, e, tag, confidence) in enumerate(words):
                sense = as_place if tag in rules.place_tags else as_person if tag in rules.person_tags else None
                if sense is not None:
                    sense[piece[s:e]] = max(confidence, sense.get(piece[s:e], 0.0))
                if own_from <= a + s < own_to:
                    judged = self._judge(text, a, piece, words, i, tag, a + s in titled, a + s in cued, not_people)
                    if judged and judged[0] > found.get(a + s, (0, False))[0]:
                        found[a + s] = (a + judged[0], judged[1])
        # A pseudonym's note follows a name however the tagger splits it (成钢（化名）: 成/v 钢/n).
        for m in _ALIAS.finditer(text):
            start = next((m.start() - k for k in (3, 2) if self._is_han_name(text[max(0, m.start() - k):m.start()])),
                         None)
            if start is not None and not any(s <= start < e for s, (e, _) in found.items()):
                found[start] = (m.start(), True)
        # One sense per text: a word shown to be a place or a club at one mention (霍芬海vs), or that the
        # tagger is surer is a place than a person (蒋村的/LOC 0.50, 蒋村人/PER 0.48), is no person at its
        # other mentions either, unless a cue there says one is meant.
        return sorted((s, e) for s, (e, cued_here) in found.items()
                      if cued_here or not (text[s:e] in not_people
                                           or as_place.get(text[s:e], 0.0) > as_person.get(text[s:e], 0.0)))

    def _judge(self, text: str, offset: int, piece: str, words: list[Span], i: int, tag: str,
               after_title: bool, after_role: bool, not_people: set[str]) -> tuple[int, bool] | None:
        """Where the name that tagged word ``i`` of a piece (at ``offset`` in ``text``) starts ends, if it is
        one, and whether a cue says so; a word its context shows to be no person is added to ``not_people``."""
        r = self._rules
        start, end, _, confidence = words[i]
        if tag in r.person_tags:
            # LAC ends a transliterated name at its dot (阿卜杜拉 · 买买提): the word after each dot belongs to it.
            j = i
            while j + 2 < len(words) and piece[words[j + 1][0]:words[j + 1][1]] in _DOT_CHARS:
                j += 2
            end = words[j][1]
            word = piece[start:end]
            # A word of transliteration characters only needs the foreign confidence even when it starts
            # with a surname (桑坦德, 米德尔 are clubs; 柏明远, 韩雪梅 are not transliterations).
            cued = after_role or after_title or bool(self._cue_after.match(text, offset + end))
            if _DOT_NAME.fullmatch(word):
                needed = 0.0
            elif self._is_foreign(word, cued):
                needed = r.foreign_confidence
            elif self._is_han_name(word):
                needed = r.name_confidence
            elif _OTHER_NAME.fullmatch(word) and not self._lex.is_form_of_address(word):
                needed = r.other_confidence  # 雒树刚, 阿沙文, 春丽: no lexicon says so, only a sure tagger
            else:
                return None
            a, b = offset + start, offset + end
            if (self._not_a_person(text, a, b) or self._listed_with_places(piece, words, i, j)
                    or (needed == r.foreign_confidence and self._company_before.search(text, max(0, a - 8), a))):
                not_people.add(word)
                return None
            if cued:
                return end, True
            if needed == r.foreign_confidence and self._match_report.search(text, max(0, a - _NEAR), b + _NEAR):
                return None  # a match report names clubs like people (米德尔, 桑坦德): its players need a cue
            # Without a cue: the tagger must be sure enough (LAC half takes a club for a person), and the
            # word must not start inside an ordinary word (上周一审).
            sure = confidence >= needed and not (needed and self._ends_a_word(text, a))
            return (end, False) if sure else None
        word = piece[start:end]
        n = self._lex.surname_length(word)
        common_surname = n == 2 or word[0] in self._lex.single
        if after_title or (after_role and common_surname) or (
                tag == "ORG" and len(word) - n == r.org_given_length and word[-1] not in r.org_not_ending
                and common_surname):
            # 乘车人：东方娜娜, 副总经理曾世民 — right after a word naming a person's role, the lexicon may
            # read a name the tagger called something else, as long as it is no ordinary word (after a
            # role in news, the surname must be a common one: 选手都是, 记者年中).
            cued = after_title or after_role
            return (end, cued) if word not in self._tables.freq and self._is_han_name(word) else None
        return None

    def _starts_a_word(self, text: str, start: int) -> bool:
        """The first two or three characters are an ordinary word (克拉, 罗马): no name starts there."""
        return self._common_word(text[start:start + 2]) or self._common_word(text[start:start + 3])

    def _ends_a_word(self, text: str, start: int) -> bool:
        """The first character ends an ordinary word with what precedes it (上周一审): no name starts there."""
        return any(self._common_word(text[start - k:start + 1]) for k in (1, 2) if start >= k)

    def _not_a_person(self, text: str, start: int, end: int) -> bool:
        """A name-shaped word that is part of a larger name, a title, or a sports club or place in its sentence."""
        if text.rfind("《", 0, start) > text.rfind("》", 0, start):
            return True  # inside a book or film title: 《哈利·波特与死亡圣器》
        if self._part_of_name.match(text, end):
            return True  # 盖蒂中心, 索维娅国际艺术村, 范登堡空军基地
        if self._place_shaped.fullmatch(text, start, end):
            return True  # 蒋村, 董家河: named the way villages are
        lower = text[max(0, start - 8):start].lower()
        return bool(self._place_or_team_before.search(lower)
                    or self._place_or_team_after.match(text[end:end + 8].lower()))

    def _listed_with_places(self, piece: str, words: list[Span], first: int, last: int) -> bool:
        """Words ``first``..``last`` are listed with a place and no person (美人鱼岛和环滩岛…，东姑和蓝环岛):
        a list names things of one kind."""
        rules = self._rules

        def item(link: int, other: int, beyond: int) -> str | None:
            """The tag of the word across a list link, if that word is a whole item (the word beyond it
            ends the list or the clause: 蓝环岛又…, not 韩国著名导演 or 在北京和…)."""
            if not (0 <= other < len(words)) or piece[words[link][0]:words[link][1]] not in rules.list_links:
                return None
            if 0 <= beyond < len(words) and not (words[beyond][2] in rules.list_bounds
                                                 or piece[words[beyond][0]:words[beyond][1]] in rules.list_links):
                return None
            return words[other][2]

        kinds = {item(first - 1, first - 2, first - 3), item(last + 1, last + 2, last + 3)}
        return bool(kinds & rules.place_tags) and not kinds & rules.person_tags

    def _is_foreign(self, word: str, cued: bool = False) -> bool:
        """A transliterated name: transliteration characters, and no ordinary word (克拉, 罗马) unless a cue
        says a person is meant (总统奥巴马: jieba counts 奥巴马 as a frequent place)."""
        shortest, longest = self._rules.foreign_length
        if not shortest <= len(word) <= longest or not _HAN_RUN.fullmatch(word):
            return False
        # one character outside the table is allowed in a longer name (安切洛蒂, 贝鲁斯科尼)
        others = sum(c not in self._rules.transliteration for c in word)
        return (others == 0 or (others == 1 and len(word) >= 4)) and (cued or not self._common_word(word))

    def _is_han_name(self, word: str) -> bool:
        return bool(_HAN_WORD.fullmatch(word)) and self._lex.is_name(word)
