"""Chinese street addresses: a road with a house number, or a residential compound with a unit.

Chinese text has no spaces, so a regex alone cannot tell where an address starts (收货人张三深圳市…).
The grammar matches from a road or compound back to the nearest stop character (a verb, pronoun or
punctuation from recognizers/address.yaml), then trims the start to the first province name or
administrative unit it finds. Administrative names alone (北京市朝阳区) are not an address here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_NUMERAL = "一二三四五六七八九十百零〇"
_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")


def _alt(words: list[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@dataclass(frozen=True)
class AddressGrammar:
    pattern: re.Pattern[str]
    admin_unit: re.Pattern[str]
    provinces: re.Pattern[str]
    road_or_compound: re.Pattern[str]
    hint: re.Pattern[str]

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
        by_road = (f"{c}{{1,24}}?(?:{_alt(data['road_suffixes'])}){section}{number}"
                   f"(?:{_alt(data['house_number_suffixes'])}){not_after}{compound}?{unit}*{room}")
        by_compound = f"{c}{{1,24}}?(?:{_alt(data['compound_suffixes'])}){unit}{{1,4}}{room}"
        names: list[str] = []
        for full in province_names:
            for suffix in _PROVINCE_SUFFIXES:
                if full.endswith(suffix):
                    names += [full, full[: -len(suffix)]]
                    break
        return cls(
            pattern=re.compile(f"{by_road}|{by_compound}"),
            admin_unit=re.compile(f"{c}{{1,8}}?(?:{_alt(data['admin_suffixes'])})"),
            provinces=re.compile(_alt(names)),
            road_or_compound=re.compile(f"(?:{_alt(data['road_suffixes'] + data['compound_suffixes'])})"),
            hint=re.compile(f"(?:{_alt(data['road_suffixes'])}|{_alt(data['compound_suffixes'])})"
                            f"(?:{_alt(data['house_number_prefixes'])})?[0-9A-Za-z{_NUMERAL}]"),
        )

    # `hint` is a cheap necessary condition for `pattern`: a road or compound suffix before a number.

    def find(self, text: str) -> list[tuple[int, int]]:
        """Spans of addresses in free text."""
        spans = []
        for m in self.pattern.finditer(text):
            start = m.start() + self._trim(m.group())
            if m.end() - start >= 5:
                spans.append((start, m.end()))
        return spans

    def _trim(self, s: str) -> int:
        """Offset where the address proper starts inside a greedy match."""
        p = self.provinces.search(s)
        if p:
            return p.start()
        a = self.admin_unit.search(s)
        if a:
            return max(0, a.end() - 3)
        r = self.road_or_compound.search(s)
        return max(0, r.start() - 3) if r else 0

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
