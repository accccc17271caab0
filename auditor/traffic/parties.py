"""Who receives a flow: the app's own servers (first party) or a third party, named by SDK or domain.

Domains are reduced to their registrable part with the public suffix list snapshot that ships inside
tldextract (no fetch at run time), so ``api.gov-app.cn`` and ``static.gov-app.cn`` are one party and
``a.b.amap.com`` is matched to the AMap entry of rules/sdks.yaml.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache

import tldextract

from auditor.masking import mask_host
from auditor.model import Party
from auditor.ruleset import Ruleset
from auditor.sdk_catalogue import Catalogue


@cache
def _extractor() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@cache
def registrable(host: str) -> str:
    """``a.b.example.com.cn`` -> ``example.com.cn``; IP addresses and bare names stay as they are."""
    host = host.lower().strip(".")
    r = _extractor()(host)
    return r.top_domain_under_public_suffix or host


def _brand_names(sdk: dict) -> set[str]:
    """The entry's id, name and aliases as one lower-case ASCII word each (``GrowingIO`` -> growingio)."""
    out = set()
    for n in (sdk["id"], sdk["name"], *sdk.get("aliases", [])):
        word = re.sub(r"[\s_.\-+]", "", n.lower())
        if len(word) >= 5 and word.isascii() and word.isalnum():
            out.add(word)
    return out


def _unique_brands(sdks: Iterable[dict]) -> dict[str, dict]:
    """Brand word -> entry, for words that name one entry only and begin no other entry's word: a
    vendor's umbrella name (``baidu`` of baidumap and baiduface) names no one SDK."""
    owners: dict[str, set[str]] = {}
    entries: dict[str, dict] = {}
    for s in sdks:
        entries[s["id"]] = s
        for word in _brand_names(s):
            owners.setdefault(word, set()).add(s["id"])
    out = {}
    for word, ids in owners.items():
        shared = {i for w, o in owners.items() if w != word and w.startswith(word) for i in o} - ids
        if len(ids) == 1 and not shared:
            out[word] = entries[next(iter(ids))]
    return out


class PartyResolver:
    """Attributes hosts to parties: SDK signatures first, then the first-party domains.

    A host is an SDK's when it is one of the entry's domains (or below one), app or mini-program. A host
    the catalogue does not list is still the SDK's when its owning label is the SDK's name: the entry
    for Guance lists rum-openway.guance.com, and rum.guance.com is Guance too (a brand of 5+ letters,
    so a short label like ``qq`` never makes www.qq.com into Tencent Bugly).
    """

    def __init__(self, ruleset: Ruleset, first_party: Iterable[str] = ()) -> None:
        self.first = {registrable(d) for d in first_party if d}
        self._by_host: dict[str, Party] = {}  # a capture has thousands of flows and a few dozen hosts
        self._sdks = ruleset.sdks
        self._catalogue = Catalogue.of(ruleset.sdks)
        self._brands = _unique_brands(ruleset.sdks.values())
        self._sdk_by_host: dict[str, tuple[dict | None, bool]] = {}

    def sdk_for(self, host: str) -> dict | None:
        return self._sdk_match(host)[0]

    def _sdk_match(self, host: str) -> tuple[dict | None, bool]:
        """(the SDK entry, whether by a listed domain rather than by brand), cached per host."""
        host = host.lower()
        got = self._sdk_by_host.get(host)
        if got is None:
            # an app SDK's domains first, then its mini-program SDK's (the catalogue's own lookups)
            sid = self._catalogue.by_domain(host) or self._catalogue.by_miniprogram_domain(host) if host else None
            if sid is not None:
                got = (self._sdks[sid], True)
            else:
                got = (self._brands.get(registrable(host).split(".", 1)[0]) if host else None, False)
            self._sdk_by_host[host] = got
        return got

    def guess_first_party(self, hosts: Iterable[str]) -> list[str]:
        """With no first party given, take the registrable domain with most flows that is no SDK's."""
        counts: Counter[str] = Counter()
        for host, n in Counter(hosts).items():  # a few dozen hosts behind thousands of flows
            if host and self.sdk_for(host) is None:
                counts[registrable(host)] += n
        if not counts:
            return []
        top = counts.most_common(1)[0][0]
        self.first = {top}
        self._by_host.clear()
        return [top]

    def set_first(self, domains: Iterable[str]) -> None:
        """Make these the first party (inferred after the scan); parties resolved so far are forgotten."""
        self.first = {registrable(d) for d in domains if d}
        self._by_host.clear()

    def resolve(self, host: str) -> Party:
        party = self._by_host.get(host)
        if party is None:
            party = self._by_host[host] = self._resolve(host)
        return party

    def _resolve(self, host: str) -> Party:
        sdk, listed = self._sdk_match(host)
        reg = registrable(host)
        if sdk is not None and (listed or reg not in self.first):
            return Party(kind="third", name=sdk["name"], sdk=sdk["id"])
        # the name is shown in every output; a domain can carry PI (a phone number as a label)
        if reg in self.first:
            return Party(kind="first", name=mask_host(reg))
        return Party(kind="third", name=mask_host(reg))
