"""Who receives a flow: the app's own servers (first party) or a third party, named by SDK or domain.

Domains are reduced to their registrable part with the public suffix list snapshot that ships inside
tldextract (no fetch at run time), so ``api.gov-app.cn`` and ``static.gov-app.cn`` are one party and
``a.b.amap.com`` is matched to the AMap entry of rules/sdks.yaml.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache

import tldextract

from auditor.masking import mask_host
from auditor.model import Party
from auditor.ruleset import Ruleset


@cache
def _extractor() -> tldextract.TLDExtract:
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@cache
def registrable(host: str) -> str:
    """``a.b.example.com.cn`` -> ``example.com.cn``; IP addresses and bare names stay as they are."""
    host = host.lower().strip(".")
    r = _extractor()(host)
    return r.top_domain_under_public_suffix or host


class PartyResolver:
    """Attributes hosts to parties: SDK domain signatures first, then the first-party domains."""

    def __init__(self, ruleset: Ruleset, first_party: Iterable[str] = ()) -> None:
        self.first = {registrable(d) for d in first_party if d}
        self._by_host: dict[str, Party] = {}  # a capture has thousands of flows and a few dozen hosts
        self._sdk_domains: list[tuple[str, dict]] = sorted(
            ((d.lower(), s) for s in ruleset.sdks.values() for d in s["domains"]),
            key=lambda x: -len(x[0]),
        )

    def sdk_for(self, host: str) -> dict | None:
        host = host.lower()
        for dom, sdk in self._sdk_domains:
            if host == dom or host.endswith("." + dom):
                return sdk
        return None

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

    def resolve(self, host: str) -> Party:
        party = self._by_host.get(host)
        if party is None:
            party = self._by_host[host] = self._resolve(host)
        return party

    def _resolve(self, host: str) -> Party:
        sdk = self.sdk_for(host)
        if sdk is not None:
            return Party(kind="third", name=sdk["name"], sdk=sdk["id"])
        reg = registrable(host)
        # the name is shown in every output; a domain can carry PI (a phone number as a label)
        if reg in self.first:
            return Party(kind="first", name=mask_host(reg))
        return Party(kind="third", name=mask_host(reg))
