"""The SDK catalogue (rules/sdks.yaml) as the lookups every source attributes through.

APK analysis asks by code package, native library and manifest component, traffic and mini-programs by
request domain or mini-program package, and policy reading by name: a table cell (友盟+SDK), a
company column (北京快手广告有限公司) or prose (华为SDK、小米SDK…用于推送). One index answers all of
them so that an SDK named in a policy and seen in a capture is the same id.

Names are found with an Aho-Corasick automaton (ahocorasick-rs) over every alias, brand and vendor
name, then each hit is judged where it stands: a Latin alias only as a whole word (UMSDK never inside
chromium), a two-character Chinese alias only at a token edge (个推 not in 一个推送), nothing inside a
company name but that company's own name, and a bare brand (华为) only with a purpose word of one of
its SDKs (推送, 广告, OAID).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any, ClassVar

import ahocorasick_rs

Entry = Mapping[str, Any]

#: Catalogue kinds that carry no PI of their own (rules/schema/sdks.schema.json): a static-content CDN or
#: a UI library runs for the app, so what reaches it makes it no third party that collects.
NO_PI_KINDS = frozenset({"ui", "cdn"})

# Same-length folding, so automaton positions are positions in the text: ASCII upper case and
# full-width ASCII (ＯＰＰＯ) become lower-case half-width; nothing else changes.
_FOLD = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_FOLD.update({c: (c - 0xFEE0) | (0x20 if ord("Ａ") <= c <= ord("Ｚ") else 0) for c in range(0xFF01, 0xFF5F)})

_LIB_VERSION = re.compile(r"^(.+?)(?:[_.-]v?\d[\w.-]*|\d+)$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z0-9]")
# A company name ends like this; what precedes it (up to a delimiter, at most _COMPANY_SPAN characters)
# is the company, and a brand or alias inside it is that company's name, not a mention.
_COMPANY = re.compile(r"(?:有限责任公司|股份有限公司|有限公司|集团|公司)(?:[（(][^（()）]{1,12}[）)])?")
_COMPANY_SPAN = 26
_DELIM = set("，,。；;：:、/|｜（）()【】[]“”\"'‘’《》<>\n\t ")
# Words before a short alias that still mark its start as a token edge (我们使用个推…).
_LEAD_WORDS = ("使用", "接入", "集成", "嵌入", "通过", "采用", "引入", "包括", "包含",
               "如", "由", "和", "及", "与", "或")
# Words after a bare brand that close an enumeration item (小米、华为等品牌).
_TAIL_WORDS = ("等", "和", "及", "与", "或", "以及")
# A context speaks of SDKs when it says so; without it a brand list or 微信登录 names a platform.
_SDK_WORDS = ("sdk", "插件")
_FEATURE_WORDS = ("登录", "分享", "支付")
# Words that open a new clause, so what follows them is not part of a brand's SDK name.
_CLAUSE_WORDS = ("通过", "使用", "会", "将", "向", "由", "从", "对", "为了", "以便", "我们", "您")
# After a brand, up to a few words then SDK: 华为SDK, VIVO SDK, 魅族 push SDK, 华为获取oaid SDK.
_BRAND_SDK = re.compile(r"\s*(?P<mid>[^\s，,。；;、：:（）()“”\"\n]{0,10}?)\s*sdk", re.IGNORECASE)
_ALIAS_SDK = re.compile(r"\s*sdk", re.IGNORECASE)
# A party in whose bracket an alias names a service, not an SDK: 第三方支付机构（包括微信支付、支付宝）.
_PARTY_NOUN = re.compile(r"(?:机构|银行|商户|运营商|平台|渠道|方式|服务商|公司)[^（(]{0,3}$")


def fold(text: str) -> str:
    return text.translate(_FOLD)


def name_key(name: str, noise: Iterable[str] = ("sdk",)) -> str:
    """A name as compared with the catalogue: NFKC, case-folded, without spaces and noise words."""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name).casefold())
    for word in noise:
        key = key.replace(re.sub(r"\s+", "", unicodedata.normalize("NFKC", word).casefold()), "")
    return key.strip(":：·-—*")


def signatures(entry: Entry) -> list[tuple[str, str]]:
    """(field, value) of every code or network signature of an entry; an entry needs at least one."""
    mp = entry.get("miniprogram") or {}
    return [(f, v) for f in ("packages", "native_libs", "components", "domains") for v in entry.get(f, [])] + [
        (f"miniprogram.{f}", v) for f in ("packages", "domains") for v in mp.get(f, [])
    ]


@dataclass(frozen=True)
class Mention:
    """An SDK named in text: where, which entry, and how it was recognised (alias, brand, vendor)."""

    start: int
    end: int
    sdk: str
    how: str


@dataclass(frozen=True)
class _Pattern:
    how: str  # alias | brand | vendor
    ids: frozenset[str]
    weak: bool  # a short Chinese alias that needs a token edge


class Catalogue:
    """Lookups over the SDK entries of one ruleset (``Ruleset.sdks``); build with ``Catalogue.of``."""

    def __init__(self, sdks: Mapping[str, Entry]) -> None:
        self.sdks = sdks
        self._prefixes: dict[tuple[str, ...], str] = {}
        self._libs: dict[str, str] = {}
        self._lib_prefixes: list[tuple[str, str]] = []
        self._components: dict[str, str] = {}
        self._domains: dict[str, str] = {}
        self._mp_domains: dict[str, str] = {}
        self._mp_packages: dict[str, str] = {}
        for sid, s in sdks.items():
            for p in s.get("packages", []):
                self._prefixes.setdefault(tuple(p.split(".")), sid)
            for lib in s.get("native_libs", []):
                if lib.endswith("*"):
                    self._lib_prefixes.append((lib[:-1], sid))
                else:
                    self._libs.setdefault(lib, sid)
            for c in s.get("components", []):
                self._components.setdefault(c, sid)
            for d in s.get("domains", []):
                self._domains.setdefault(d.lower(), sid)
            mp = s.get("miniprogram") or {}
            for d in mp.get("domains", []):
                self._mp_domains.setdefault(d.lower(), sid)
            for p in mp.get("packages", []):
                self._mp_packages.setdefault(p.lower(), sid)
        self._lib_prefixes.sort(key=lambda x: -len(x[0]))
        self._longest = max((len(p) for p in self._prefixes), default=0)
        self._package_cache: dict[str, tuple[str, str] | None] = {}
        self._name_indexes: dict[tuple[str, ...], NameIndex] = {}

    _cache: ClassVar[dict[int, tuple[Mapping[str, Entry], Catalogue]]] = {}

    @classmethod
    def of(cls, sdks: Mapping[str, Entry]) -> Catalogue:
        """The catalogue of this SDK mapping, built once (a ruleset keeps its mapping for its lifetime)."""
        hit = cls._cache.get(id(sdks))
        if hit is None or hit[0] is not sdks:
            hit = cls._cache[id(sdks)] = (sdks, cls(sdks))
        return hit[1]

    # ---- code
    def by_package(self, name: str) -> tuple[str, str] | None:
        """(sdk id, matching prefix) for a dotted package or class name: whole components, longest first."""
        if name in self._package_cache:
            return self._package_cache[name]
        parts = tuple(name.split("."))
        hit = None
        for n in range(min(len(parts), self._longest), 0, -1):
            sid = self._prefixes.get(parts[:n])
            if sid is not None:
                hit = (sid, ".".join(parts[:n]))
                break
        self._package_cache[name] = hit
        return hit

    def by_class(self, smali_class: str) -> str | None:
        """The SDK owning 'Lcom/umeng/analytics/Foo;', judged by the class's package."""
        package = smali_class[1:-1].rpartition("/")[0].replace("/", ".")
        hit = self.by_package(package) if package else None
        return hit[0] if hit else None

    def by_native_lib(self, path: str) -> str | None:
        """The SDK of lib/arm64-v8a/libjcore230.so: an exact file name, else the longest `name*` prefix,
        else a listed name followed by a version part (_v3, -1.2, 230)."""
        stem = PurePosixPath(path).name.removesuffix(".so")
        if stem in self._libs:
            return self._libs[stem]
        for prefix, sid in self._lib_prefixes:
            if stem.startswith(prefix):
                return sid
        # A versioned build of a listed library: libmegface_v3, libjcore230 (not libexecutor for libexec).
        m = _LIB_VERSION.match(stem)
        return self._libs.get(m.group(1)) if m else None

    def by_component(self, name: str) -> str | None:
        """The SDK of a manifest component: its exact name, else the package it lives in."""
        if name in self._components:
            return self._components[name]
        hit = self.by_package(name.rpartition(".")[0])
        return hit[0] if hit else None

    # ---- network
    def by_domain(self, host: str) -> str | None:
        """The SDK of a host: the longest catalogue domain it equals or ends with (a.b.amap.com -> amap)."""
        return _suffix_lookup(self._domains, host)

    def by_miniprogram_domain(self, host: str) -> str | None:
        """The SDK of a mini-program request domain: its mini-program domains first, then all domains."""
        return _suffix_lookup(self._mp_domains, host) or self.by_domain(host)

    def by_miniprogram_package(self, name: str) -> str | None:
        """The SDK of an npm package or a vendored SDK file (libs/qqmap-wx-jssdk.min.js)."""
        key = name.strip().lower()
        return self._mp_packages.get(key) or self._mp_packages.get(PurePosixPath(key).name)

    # ---- names
    def names(self, noise: Iterable[str] = ("sdk",)) -> NameIndex:
        """The name index, with `noise` words dropped from names before exact comparison."""
        key = tuple(noise)
        if key not in self._name_indexes:
            self._name_indexes[key] = NameIndex(self.sdks, key)
        return self._name_indexes[key]


def _suffix_lookup(table: Mapping[str, str], host: str) -> str | None:
    labels = host.lower().strip(".").split(".")
    for i in range(len(labels) - 1):
        sid = table.get(".".join(labels[i:]))
        if sid is not None:
            return sid
    return None


class NameIndex:
    """SDK ids for names as policies write them: a table cell, a company column, a sentence."""

    def __init__(self, sdks: Mapping[str, Entry], noise: tuple[str, ...]) -> None:
        self.sdks = sdks
        self.noise = noise
        exact: dict[str, set[str]] = {}
        self._vendors: dict[str, set[str]] = {}
        self._brands: dict[str, set[str]] = {}
        self.purposes = {sid: sorted({fold(p) for p in s.get("purposes", [])}, key=len, reverse=True)
                         for sid, s in sdks.items()}
        written: dict[str, tuple[str, set[str]]] = {}

        def add(how: str, text: str, sid: str) -> None:
            for f in _variants(fold(text).strip()):
                if len(f) < 2:
                    continue
                old = written.get(f)
                # One written form, one meaning: an alias beats a vendor name beats a brand.
                if old is None or _RANK[how] < _RANK[old[0]]:
                    written[f] = (how, {sid})
                elif old[0] == how:
                    old[1].add(sid)

        for sid, s in sdks.items():
            for a in (sid, s["name"], s["name_zh"], *s.get("aliases", [])):
                exact.setdefault(name_key(a, noise), set()).add(sid)
                add("alias", a, sid)
            for v in (s.get("vendor"), *s.get("vendors", [])):
                if v:
                    self._vendors.setdefault(name_key(v, ()), set()).add(sid)
                    add("vendor", v, sid)
            for b in s.get("brands", []):
                self._brands.setdefault(name_key(b, ()), set()).add(sid)
                add("brand", b, sid)
        self._exact = {k: next(iter(v)) for k, v in exact.items() if k and len(v) == 1}
        # A brand and a feature word (微信登录, 微博分享, 微信支付) names a way to sign in or pay as often
        # as the SDK behind it: such an alias counts only where SDKs are spoken of.
        brands = {sid: {fold(b) for b in s.get("brands", [])} for sid, s in sdks.items()}
        self._features = {f for f, (how, ids) in written.items() if how == "alias" and len(ids) == 1
                          and f.endswith(_FEATURE_WORDS) and f[:-2].strip() in brands[next(iter(ids))]}
        self._forms = list(written)
        self._patterns = [
            _Pattern(how, frozenset(ids), how == "alias" and len(f) <= 2 and bool(_CJK.fullmatch(f[0])))
            for f, (how, ids) in written.items()
        ]

    @cached_property
    def _automaton(self) -> ahocorasick_rs.AhoCorasick:
        return ahocorasick_rs.AhoCorasick(self._forms)

    # ---- a record's name (table cell, list item title)
    def match(self, name: str, provider: str | None = None, context: str = "") -> list[str]:
        """Ids a record names: its name as a whole, else the SDKs named inside it (分享SDK（微博、QQ、微信）
        names three). Its company column decides only for an empty name or a bare brand of that company
        (快手 + 北京快手广告有限公司), narrowed by purpose when the company has several SDKs: an SDK we do
        not know stays unknown rather than taking a sibling's id."""
        key = name_key(name, self.noise)
        if key in self._exact:
            return [self._exact[key]]
        ids = _unique(m.sdk for m in self.mentions(name, f"{name} {context}"))
        if ids:
            return ids
        vendor_ids = self.vendor_ids(provider) if provider else []
        if not vendor_ids:
            return []
        # The purpose column names one of this company's SDKs (腾讯开放平台 | 腾讯 | 分享到微信，微信支付).
        named = {m.sdk for m in self.mentions(context, sdk_said=True) if m.sdk in vendor_ids}
        if len(named) == 1:
            return sorted(named)
        if key and not self._brands.get(name_key(name, ()), set()) & set(vendor_ids):
            return []
        if len(vendor_ids) == 1:
            return vendor_ids
        text = fold(f"{name} {context}")
        chosen = self._by_purpose(vendor_ids, text, len(name))
        return [chosen] if chosen else []

    def vendor_ids(self, company: str) -> list[str]:
        """Entries whose vendor is this company: its legal name as written, or one containing it."""
        key = name_key(company, ())
        if key in self._vendors:
            return sorted(self._vendors[key])
        hits = {sid for v, ids in self._vendors.items() if len(v) >= 6 and (v in key or key in v) for sid in ids}
        return sorted(hits)

    # ---- prose
    def mentions(self, text: str, context: str | None = None, *, sdk_said: bool = False) -> list[Mention]:
        """SDKs named in text, left to right, each span once. `context` (default: the text) is where a
        bare brand looks for its purpose word (the sentence around a 华为SDK、小米SDK list) and whether
        SDKs are spoken of at all; `sdk_said` tells that they are (a purpose column of a SDK table)."""
        folded = fold(text)
        ctx = folded if context is None else fold(context)
        companies = [(max(0, m.start() - _COMPANY_SPAN), m.end()) for m in _COMPANY.finditer(text)]
        companies = [(self._company_start(text, a, b), b) for a, b in companies]
        found: list[Mention] = []
        sdk_said = sdk_said or any(w in ctx for w in _SDK_WORDS)
        for idx, a, b in self._automaton.find_matches_as_indexes(folded, overlapping=True):
            pat = self._patterns[idx]
            if not _whole_word(folded, a, b):
                continue
            inside = any(ca <= a and b <= cb and (ca, cb) != (a, b) for ca, cb in companies)
            if pat.how == "vendor":
                # A company names its SDK as the subject of a sentence (由每日互动股份有限公司提供推送服务):
                # the one of its SDKs whose purpose the sentence states; not in the brackets after
                # another SDK's name, where it is that SDK's provider.
                bracketed = folded[:a].rstrip().endswith(("(", "“"))
                sid = None if bracketed else self._by_purpose(pat.ids, ctx, ctx.find(folded[a:b]))
                if sid:
                    found.append(Mention(a, b, sid, "vendor"))
                continue
            if inside:
                continue
            if pat.how == "alias":
                if pat.weak and not _token_edge(folded, a, b):
                    continue
                if _in_party_bracket(folded, a, b):
                    continue
                tail = _ALIAS_SDK.match(folded, b)
                if not tail and folded[a:b] in self._features and not sdk_said:
                    continue  # 可使用微信、QQ、微博登录: a way to sign in, not an SDK named
                sid = next(iter(pat.ids)) if len(pat.ids) == 1 else ""
                found.append(Mention(a, tail.end() if tail else b, sid, "alias"))
            else:
                mention = self._brand(pat, folded, ctx, a, b, sdk_said)
                if mention:
                    found.append(mention)
        return _non_overlapping(m for m in found if m.sdk)

    def _company_start(self, text: str, start: int, end: int) -> int:
        """Where the company name ending at `end` begins: after the last delimiter before it."""
        for i in range(end - 1, start - 1, -1):
            ch = text[i]
            if ch in "）)":  # 友盟同欣（北京）科技有限公司: a bracket inside the name
                continue
            if ch in "（(" and any(c in "）)" for c in text[i:end]):
                continue
            if ch in _DELIM:
                return i + 1
        return start

    def _brand(self, pat: _Pattern, folded: str, ctx: str, a: int, b: int, sdk_said: bool) -> Mention | None:
        """A bare brand names an SDK when followed by SDK (华为SDK, 华为获取oaid SDK) or standing as an item
        of a list in a context that speaks of SDKs, and only through a purpose word: within the name
        first, then in the context."""
        tail = _BRAND_SDK.match(folded, b)
        if tail and self._plain(tail.group("mid")):
            end, mid = tail.end(), tail.group("mid")
        elif sdk_said and _standalone(folded, a, b):
            end, mid = b, ""
        else:
            return None
        ids = sorted(pat.ids)
        if mid:  # 华为机器学习人脸检测SDK names its own product: only its words decide
            sid = self._by_purpose(ids, mid, 0)
        else:
            sid = self._by_purpose(ids, ctx, ctx.find(folded[a:b]))
            if sid is None and len(ids) == 1:
                sid = ids[0]
        return Mention(a, end, sid, "brand") if sid else None

    def _plain(self, mid: str) -> bool:
        """Words between a brand and SDK that belong to it (获取oaid, 跟踪广告参数): no verb that starts a
        new clause and no other SDK's name (电信运营商会通过中移SDK is 中移's SDK, not 电信's)."""
        if any(w in mid for w in _CLAUSE_WORDS):
            return False
        return not any(self._patterns[i].how != "vendor" for i, _, _ in self._automaton.find_matches_as_indexes(mid))

    def _by_purpose(self, ids: Iterable[str], text: str, near: int) -> str | None:
        """Of these entries, the one whose purpose word stands nearest `near` in text; None on a tie."""
        best: dict[str, int] = {}
        for sid in ids:
            for word in self.purposes.get(sid, []):
                for m in re.finditer(re.escape(word), text):
                    if not _whole_word(text, m.start(), m.end()):
                        continue
                    dist = abs(m.start() - near)
                    best[sid] = min(best.get(sid, dist), dist)
        if not best:
            return None
        ranked = sorted(best.items(), key=lambda x: x[1])
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            return None
        return ranked[0][0]


_RANK = {"alias": 0, "vendor": 1, "brand": 2}
_SCRIPT_EDGE = re.compile(r"(?<=[\u3400-\u9fff])(?=[a-z0-9])|(?<=[a-z0-9])(?=[\u3400-\u9fff])")
_SCRIPT_SPACE = re.compile(r"(?<=[\u3400-\u9fff]) (?=[a-z0-9])|(?<=[a-z0-9]) (?=[\u3400-\u9fff])")


def _variants(form: str) -> set[str]:
    """How a name is written in practice: with or without a space where Chinese meets Latin (小米 Push,
    小米PUSH), and a Chinese name of four or more characters without its trailing SDK (网易一键登录SDK)."""
    out = {form, _SCRIPT_EDGE.sub(" ", form), _SCRIPT_SPACE.sub("", form)}
    for f in list(out):
        bare = re.sub(r"\s*sdk$", "", f)
        if bare != f and len(bare) >= 4 and _CJK.search(bare):
            out.add(bare)
    return out


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _whole_word(text: str, a: int, b: int) -> bool:
    """A match starting or ending with a Latin letter or digit must not continue a longer word."""
    if _WORD.match(text[a]) and a > 0 and _WORD.match(text[a - 1]):
        return False
    return not (_WORD.match(text[b - 1]) and b < len(text) and _WORD.match(text[b]))


def _edge_before(text: str, a: int) -> bool:
    return a == 0 or text[a - 1] in _DELIM or not _CJK.match(text[a - 1]) or text[:a].endswith(_LEAD_WORDS)


def _edge_after(text: str, b: int) -> bool:
    return b == len(text) or text[b] in _DELIM or not _CJK.match(text[b]) or text[b:].startswith(_TAIL_WORDS)


def _token_edge(text: str, a: int, b: int) -> bool:
    """A short Chinese alias stands as a word on at least one side (个推用于… but not 一个推送)."""
    return _edge_before(text, a) or _edge_after(text, b)


def _standalone(text: str, a: int, b: int) -> bool:
    """An item of its own on both sides: （魅族、华为、OPPO）, 如小米、华为等品牌; not part of a longer name
    (华为HMS, OPPO手机)."""
    before = a == 0 or text[a - 1] in _DELIM or text[:a].endswith(_LEAD_WORDS)
    return before and (b == len(text) or text[b] in _DELIM or text[b:].startswith(_TAIL_WORDS))


def _in_party_bracket(text: str, a: int, b: int) -> bool:
    """Inside a bracket opened right after a party noun (支付机构（包括微信支付…）) and not called an SDK."""
    open_at = max(text.rfind("（", 0, a), text.rfind("(", 0, a))
    if open_at < 0 or max(text.rfind("）", open_at, a), text.rfind(")", open_at, a)) >= 0:
        return False
    if _ALIAS_SDK.match(text, b) or "sdk" in text[open_at:a]:
        return False
    return bool(_PARTY_NOUN.search(text[max(0, open_at - 12) : open_at]))


def _non_overlapping(mentions: Iterable[Mention]) -> list[Mention]:
    """Longest spans first (华为获取oaid SDK over its oaid SDK), then aliases before brands."""
    kept: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (-(m.end - m.start), _RANK[m.how], m.start)):
        if all(m.end <= k.start or k.end <= m.start for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)
