"""Chinese addresses: a road with a house number, a residential compound with a unit, a village or
community under a named place, or a place of residence named down to the district.

Chinese text has no spaces, so a regex alone cannot tell where an address starts (收货人张三深圳市…).
The street grammar matches from a road or compound back to the nearest stop character (a verb,
pronoun or punctuation from recognizers/address.yaml), then trims the start to the first place name
in the match (青岛市市南区香港中路18号 starts at 青岛市, not at 香港). Place names come from
python-stdnum's GB/T 2260 county table (cn/loc.dat: every province, prefecture and county name it
has held), so 湘潭县, 库尔勒市 and 道里区 are known without a list of our own. Administrative names
alone (北京市朝阳区) are coarse location, not an address, unless the text says someone lives there.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_NUMERAL = "一二三四五六七八九十百零〇"
_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")
_COUNTY = re.compile(r'county="([^"]*)"')
_YEARS = re.compile(r"\[[0-9]*-[0-9]*\]")
_PLACE_TAGS = frozenset({"ns"})  # jieba's part of speech of place names
_VILLAGE_REACH = 30  # characters before a village suffix searched for the place it belongs to


def _noun(tag: str | None) -> bool:
    """A dictionary part of speech of nouns and names (n, ns, nr, nrfg, nz …)."""
    return bool(tag) and tag.startswith("n")


def _alt(words: list[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def stdnum_place_names() -> frozenset[str]:
    """Every place name in python-stdnum's county table, current and historical."""
    text = importlib.resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    names = set()
    for value in _COUNTY.findall(text):
        names.update(n for n in _YEARS.sub("", value).split(",") if len(n) >= 2)
    return frozenset(names)


@dataclass(frozen=True)
class AddressGrammar:
    pattern: re.Pattern[str]
    admin_unit: re.Pattern[str]
    provinces: re.Pattern[str]
    road_or_compound: re.Pattern[str]
    hint: re.Pattern[str]  # a cheap necessary condition for `pattern`: a road or compound suffix before a number
    village: re.Pattern[str]
    residence: re.Pattern[str]
    places: frozenset[str]
    place_lengths: tuple[int, ...]  # longest first
    stops: frozenset[str]
    village_name: tuple[int, int]
    village_name_breaks: frozenset[str]
    joins: frozenset[str]  # words between two parts of one address (位于)
    not_village_words: frozenset[str]
    residence_min_levels: int
    named_place: re.Pattern[str]  # a generic term of a road, compound or town after 2+ Chinese characters
    named_place_name: tuple[int, int]
    named_place_word_frequency: int
    named_place_run_on_frequency: int
    named_place_directions: frozenset[str]
    not_before_named_place: frozenset[str]

    @classmethod
    def from_data(cls, data: dict[str, Any], province_names: list[str]) -> AddressGrammar:
        # Any CJK ideograph except the stop characters.
        c = "[^\\x00-\\u4dff\\ua000-\\U0010ffff" + re.escape(data["left_stops"]) + "]"
        unit = f"(?:[0-9A-Za-z{_NUMERAL}\\-]{{1,5}}(?:{_alt(data['unit_suffixes'])}))"
        room = "(?:[0-9]{3,4}(?:室|房)?)?"
        not_after = f"(?!{_alt(data['not_after_number'])})"
        compound = f"(?:{c}{{1,10}}?(?:{_alt(data['compound_suffixes'])}))"
        section = f"(?:[0-9{_NUMERAL}]{{1,2}}(?:{_alt(data['road_sections'])}))?"
        number = f"(?:{_alt(data['house_number_prefixes'])})?(?:[0-9]{{1,5}}|[{_NUMERAL}]{{1,4}})"
        # A road may carry a number in its name (太原1路84号, 经五路): digits right before the suffix.
        road = f"{c}{{1,24}}?(?:[0-9]{{1,3}})?(?:{_alt(data['road_suffixes'])})"
        by_road = (f"{road}{section}{number}"
                   f"(?:{_alt(data['house_number_suffixes'])}){not_after}{compound}?{unit}*{room}")
        by_compound = f"{c}{{1,24}}?(?:{_alt(data['compound_suffixes'])}){unit}{{1,4}}{room}"
        names: list[str] = []
        for full in province_names:
            for suffix in _PROVINCE_SUFFIXES:
                if full.endswith(suffix):
                    names += [full, full[: -len(suffix)]]
                    break
        # a city is named without 市 as often as with it (湘潭城塘社区, 长沙的…)
        cities = {n[:-1] for n in stdnum_place_names() if n.endswith("市") and len(n) >= 3}
        places = (stdnum_place_names() | set(names) | cities) - set(data["not_place_names"])
        return cls(
            pattern=re.compile(f"{by_road}|{by_compound}"),
            admin_unit=re.compile(f"{c}{{1,8}}?(?:{_alt(data['admin_suffixes'])})"),
            provinces=re.compile(_alt(names)),
            road_or_compound=re.compile(f"(?:{_alt(data['road_suffixes'] + data['compound_suffixes'])})"),
            hint=re.compile(f"(?:{_alt(data['road_suffixes'])}|{_alt(data['compound_suffixes'])})"
                            f"(?:{_alt(data['house_number_prefixes'])})?[0-9A-Za-z{_NUMERAL}]"),
            village=re.compile(f"(?:{_alt(data['village_suffixes'])})(?:[0-9{_NUMERAL}]{{1,3}}(?:组|队|号))?"),
            residence=re.compile(f"(?:{_alt(data['residence_words'])})[：: ]?"),
            places=frozenset(places),
            place_lengths=tuple(sorted({len(p) for p in places}, reverse=True)),
            stops=frozenset(data["left_stops"]),
            village_name=(int(data["village_name_min"]), int(data["village_name_max"])),
            village_name_breaks=frozenset(data["village_name_breaks"]),
            joins=frozenset(data["joins"]),
            not_village_words=frozenset(data["not_village_words"]),
            residence_min_levels=int(data["residence_min_levels"]),
            named_place=re.compile(f"(?<=[\u4e00-\u9fff]{{2}})(?:{_alt(data['named_place_suffixes'])})"),
            named_place_name=(int(data["named_place_name_min"]), int(data["named_place_name_max"])),
            named_place_word_frequency=int(data["named_place_word_frequency"]),
            named_place_run_on_frequency=int(data["named_place_run_on_frequency"]),
            named_place_directions=frozenset(data["named_place_directions"]),
            not_before_named_place=frozenset(data["not_before_named_place"]),
        )

    def find(self, text: str) -> list[tuple[int, int]]:
        """Spans of addresses in free text (overlapping readings joined)."""
        spans = []
        # the street grammar tries a lazy match at every Chinese character: only where it can succeed
        for m in self.pattern.finditer(text) if self.hint.search(text) else ():
            start = m.start() + self._trim(m.group())
            if m.end() - start >= 5:
                spans.append((start, m.end()))
        spans += self._villages(text)
        spans += self._residences(text)
        merged: list[tuple[int, int]] = []
        for a, b in sorted(spans):
            if merged and a < merged[-1][1]:
                merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
            else:
                merged.append((a, b))
        return merged

    def named_places(self, text: str, lookup: Callable[[str], tuple[int, str | None]]) -> list[tuple[int, int]]:
        """Roads, compounds and towns named without a number (汾江中路, 蓝桥名苑): see recognizers/address.yaml.

        ``lookup`` gives a word's count and part of speech in the segmenter's dictionary ((0, None) for
        none), so that 渠道, 城镇 and 私家园林 are not read as a name plus a generic term, while a
        dictionary place (东长安街, ns) is still a place.
        """
        least, run_on = self.named_place_word_frequency, self.named_place_run_on_frequency
        spans = []
        shortest, longest = self.named_place_name
        for m in self.named_place.finditer(text):
            s, e = m.span()
            if (text[s - 1] in self.not_before_named_place and not _noun(lookup(text[s - 2:s])[1])) \
                    or text.rfind("《", 0, s) > text.rfind("》", 0, s):
                continue
            # the longest dictionary word ending with the term: an ordinary one (下坡路, 城镇, 一路) is no
            # place, a rare one (五一路) or a named place (东长安街) is; a direction belongs to the name (中路)
            first = 2 if text[s - 1] in self.named_place_directions else 1
            k, freq, tag = next(((k, *f) for k in range(3, first - 1, -1)
                                 if s >= k and (f := lookup(text[s - k:e]))[0]), (0, 0, None))
            if freq >= least and (tag not in _PLACE_TAGS or k + e - s <= 2):  # 城镇, 农村: generic, though ns
                continue
            # a frequent word running on past the term (园林, 路线, 村民)
            if any(lookup(text[i:e + k])[0] >= run_on for i in range(s, e) for k in (1, 2) if e + k <= len(text)):
                continue
            start = s
            while start > 0 and s - start < longest and "\u4e00" <= text[start - 1] <= "\u9fff" and (
                    text[start - 1] not in self.stops or _noun(lookup(text[start - 2:start])[1])):
                start -= 1  # a stop character inside a noun is part of the name (祥和大街, 共和路)
            # words of the sentence before the name (带动马驹桥镇): dropped while a name is left
            while cut := next((k for k in (3, 2) if s - start - k >= shortest
                               and lookup(text[start:start + k])[0] >= least), 0):
                start += cut
            if s - start >= shortest:
                spans.append((start, e))
        return spans

    def joined(self, text: str, spans: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
        """Address spans that touch, or that only a word of location separates (聆湖苑位于朝阳区…10号,
        …松湖镇江西省…), as one address: its parts are one place, not two."""
        out: list[tuple[int, int, float]] = []
        for start, end, score in sorted(spans):
            if out and (start <= out[-1][1] or text[out[-1][1]:start] in self.joins):
                out[-1] = (out[-1][0], max(end, out[-1][1]), max(score, out[-1][2]))
            else:
                out.append((start, end, score))
        return out

    def place_at(self, text: str, i: int) -> int:
        """Length of the longest place name starting at ``i`` (0: none)."""
        for n in self.place_lengths:
            if text[i:i + n] in self.places:
                return n
        return 0

    def _trim(self, s: str) -> int:
        """Offset where the address proper starts inside a greedy match: its first place name."""
        for i in range(len(s) - 2):
            if self.place_at(s, i):
                return i
        a = self.admin_unit.search(s)
        if a:
            return max(0, a.end() - 3)
        r = self.road_or_compound.search(s)
        return max(0, r.start() - 3) if r else 0

    def _villages(self, text: str) -> list[tuple[int, int]]:
        """A village, community or town right after a chain of place names (吉林省吉林市 + 小皇 + 村)."""
        spans = []
        shortest, longest = self.village_name
        for m in self.village.finditer(text):
            if any(text[m.start() - k:m.start() + len(w) - k] == w for w in self.not_village_words for k in (1, 2)
                   if m.start() >= k):
                continue
            left = m.start()  # the clause: the place name anchors it, so only punctuation ends it
            while left > 0 and m.start() - left < _VILLAGE_REACH and "\u4e00" <= text[left - 1] <= "\u9fff":
                left -= 1
            for i in range(left, m.start() - shortest):
                end = i
                while n := self.place_at(text, end):
                    end += n
                # the name is one word of the place (城塘), not a stretch of the sentence (四川的泸沽湖)
                if end > i and shortest <= m.start() - end <= longest and not self.village_name_breaks.intersection(
                        text[end:m.start()]):
                    spans.append((i, m.end()))
                    break
        return spans

    def _residences(self, text: str) -> list[tuple[int, int]]:
        """A chain of place names after a word of residence (现居住于黑龙江省哈尔滨市道里区)."""
        spans = []
        for m in self.residence.finditer(text):
            # the first place name within a few characters (现居住于: 现居 matched, 住于 follows)
            start = next((i for i in range(m.end(), min(len(text), m.end() + 3)) if self.place_at(text, i)), None)
            if start is None:
                continue
            end, levels = start, 0
            while n := self.place_at(text, end):
                end += n
                levels += 1
            if levels >= self.residence_min_levels:
                spans.append((start, end))
        return spans

    def has_place(self, text: str, start: int, end: int) -> bool:
        """Whether a place name starts inside text[start:end]: a fuller, more certain address."""
        return any(self.place_at(text, i) for i in range(start, end - 1))

    def is_address(self, value: str) -> bool:
        """Whether a whole field value is an address: a street address, or at least two admin levels."""
        v = value.strip()
        if len(v) < 6:
            return False
        if self.pattern.search(v):
            return True
        # 省市区 alone is coarse location; a field that goes further (a road, a compound, a number)
        # is a personal address even without the full house-number form.
        detail = bool(self.road_or_compound.search(v)) or any(ch.isdigit() for ch in v)
        return len(self.admin_unit.findall(v)) >= 2 and detail
