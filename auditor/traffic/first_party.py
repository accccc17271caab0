"""Whose app a capture is: the first party, inferred from evidence and said with how sure it is.

The most frequent domain of a capture is often a CDN or an analytics endpoint, and then the app's own
server, the one that receives the phone number, becomes a "third party" in every finding. Better
evidence exists in most captures: the host that receives credentials or what the user typed, the page
a browser was recording (HAR pages, top-level navigations, the Origin/Referer of the requests), the
APK's package name (also in app User-Agents: ``com.example.app/517``) and a mini-program's request
domains. A domain of the SDK catalogue is never the first party. Frequency only breaks ties, and a
choice that rests on it alone is said to be of low confidence.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.masking import mask_host
from auditor.model import Observation
from auditor.traffic.flows import Flow, url_host
from auditor.traffic.parties import PartyResolver, registrable

_JAVA_PACKAGE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*){2,}")
#: Package segments that say nothing about whose app it is.
_GENERIC_SEGMENTS = frozenset({"com", "cn", "net", "org", "android", "app", "apps", "mobile", "client", "www", "io",
                               "co", "main", "release", "debug", "lite", "pro", "hd"})
# Points per kind of evidence; a strong kind outweighs any referrer share or frequency.
_STRONG = 3.0
_REFERRER = 2.0
_FREQUENCY = 0.25


@dataclass(frozen=True, slots=True)
class FlowHints:
    """What one flow says about whose app it is; worked out where the flow's headers and body are."""

    host: str
    file: str = ""
    index: int = -1
    referrers: tuple[str, ...] = ()  # hosts named by Origin and Referer
    navigation: bool = False  # a top-level page load
    credentials: bool = False  # a login: password, SMS code, captcha...
    package: str | None = None  # an Android package named by the app's User-Agent


@dataclass
class AppHints:
    """What other inputs of the audit say: the APK's package, a mini-program's request domains, HAR pages."""

    packages: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # hosts of the pages a browser capture recorded


@dataclass
class FirstParty:
    domains: list[str]
    confidence: str  # "given" | "high" | "medium" | "low"
    how: list[str]  # the evidence, in words
    candidates: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"domains": self.domains, "confidence": self.confidence, "how": self.how,
                "candidates": self.candidates}

    def masked(self) -> FirstParty:
        """As outputs show it: domains come from the capture and may carry PI in a label."""
        return FirstParty([mask_host(d) for d in self.domains], self.confidence, self.how,
                          [{**c, "domain": mask_host(c["domain"])} for c in self.candidates])


def flow_hints(flow: Flow, credentials: bool) -> FlowHints:
    """The flow's hints; ``credentials``: a field of it names one (found by the scan)."""
    req = flow.request
    refs = tuple(h for h in (url_host(req.header("origin")), url_host(req.header("referer"))) if h)
    dest = req.header("sec-fetch-dest").lower()
    html = flow.method == "GET" and (dest == "document" or (
        not dest and req.header("accept").lower().startswith("text/html")))
    navigation = html and (dest == "document" or not refs)
    ua = req.header("user-agent")
    m = _JAVA_PACKAGE.match(ua.split("/", 1)[0]) if "/" in ua else None
    return FlowHints(flow.host, flow.file, flow.index, refs, navigation, credentials,
                     m.group(0) if m and m.end() == len(ua.split("/", 1)[0]) else None)


def _tokens(package: str) -> set[str]:
    return {s for s in package.lower().split(".") if len(s) >= 3 and s not in _GENERIC_SEGMENTS}


def _brand(domain: str) -> str:
    """The label that names the owner: ``kikakeyboard`` of api.kikakeyboard.com."""
    return domain.split(".", 1)[0]


def _names_package(domain: str, tokens: set[str]) -> bool:
    """A domain whose owning label and a package segment share a word of 5+ letters (or are equal)."""
    brand = _brand(domain)
    for t in tokens:
        if t == brand or (len(t) >= 5 and t in brand) or (len(brand) >= 5 and brand in t):
            return True
        if _common_run(t, brand) >= 6:
            return True
    return False


def _common_run(a: str, b: str) -> int:
    """Length of the longest common substring (package words and domain labels are short)."""
    best = 0
    for i in range(len(a)):
        for j in range(i + best + 1, len(a) + 1):
            if a[i:j] in b:
                best = j - i
            else:
                break
    return best


def infer_first_party(hints: Sequence[FlowHints], observations: Iterable[Observation], resolver: PartyResolver,
                      app: AppHints, user_categories: frozenset[str]) -> FirstParty | None:
    """The first-party domain(s) by the best evidence the capture and the other inputs give."""
    candidates: Counter[str] = Counter()
    for h in hints:
        if h.host and resolver.sdk_for(h.host) is None:
            candidates[registrable(h.host)] += 1
    referrers = _referrer_weights(hints, resolver)
    if not candidates and not referrers:
        return None
    total = sum(candidates.values()) or 1
    score: dict[str, float] = {d: _FREQUENCY * candidates[d] / total for d in {*candidates, *referrers}}
    why: dict[str, list[str]] = {d: [] for d in score}
    strong: Counter[str] = Counter()

    def credit(domain: str, points: float, reason: str, is_strong: bool = True) -> None:
        if domain in score:
            score[domain] += points
            why[domain].append(reason)
            strong[domain] += is_strong

    for d in {registrable(x) for x in app.domains if x}:
        credit(d, _STRONG, "a request domain of the mini-program")
    pkg_tokens = set().union(*(_tokens(p) for p in app.packages)) if app.packages else set()
    ua_packages = Counter(h.package for h in hints if h.package)
    ua_tokens = set().union(*(_tokens(p) for p in ua_packages)) if ua_packages else set()
    for d in list(score):
        if pkg_tokens and _names_package(d, pkg_tokens):
            credit(d, _STRONG, "named like the APK's package")
        elif ua_tokens and _names_package(d, ua_tokens):
            credit(d, _STRONG, f"named like the app package in its User-Agent ({ua_packages.most_common(1)[0][0]})")
    for d in {registrable(x) for x in app.pages if x}:
        credit(d, _STRONG, "the page the browser capture recorded (HAR pages)")
    navs = Counter(registrable(h.host) for h in hints if h.navigation and h.host)
    for d, n in navs.items():
        credit(d, _STRONG, f"top-level page loads ({n})")
    creds = Counter(registrable(h.host) for h in hints if h.credentials and h.host)
    for d, n in creds.items():
        credit(d, _STRONG, f"receives credentials ({n} request(s))")
    typed_obs = [o for o in observations if _user_entered(o, user_categories)]
    typed = Counter(_site(o) for o in typed_obs)
    for d, n in typed.items():
        credit(d, _STRONG, f"receives what the user typed ({n} field(s))")
    ref_total = sum(w for _, w in referrers.values())
    for d, (n, w) in referrers.items():
        credit(d, _REFERRER * w / ref_total, f"Origin/Referer of {n} request(s)", is_strong=False)

    ranked = sorted(score, key=lambda d: (-score[d], -candidates[d], d))
    top = ranked[0]
    # a site's pages post logins and forms to its own back end on another domain: a domain receiving
    # credentials or typed PI from pages of the chosen one (by Origin/Referer) is the first party too
    typed_flows = {(str(o.where.get("file")), o.where.get("flow")) for o in typed_obs}
    backends = sorted({registrable(h.host) for h in hints
                       if (h.credentials or (h.file, h.index) in typed_flows) and h.host
                       and any(registrable(r) == top for r in h.referrers)} - {top})
    backends = [d for d in backends if d in score]
    for d in backends:
        why[top].append(f"its pages send credentials or typed PI to {mask_host(d)}")
    ranked = [top, *(d for d in ranked[1:] if d not in backends)]
    runner = ranked[1] if len(ranked) > 1 else None
    how = why[top] or [f"the most frequent domain ({candidates[top]} of {total} flows)"]
    confidence = _confidence(strong[top], strong[runner] if runner else 0, bool(why[top]),
                             score[top] / score[runner] if runner and score[runner] else float("inf"))
    cands = [{"domain": d, "score": round(score[d], 2), "flows": candidates[d], "evidence": why[d]} for d in ranked[:3]]
    return FirstParty([top, *backends], confidence, how, cands)


def _confidence(strong_top: int, strong_runner: int, evidence: bool, lead: float) -> str:
    """high: evidence of a strong kind nobody else has (or two kinds); medium: Origin/Referer evidence
    with a clear lead (a quarter more than the runner-up); low: frequency alone, or a contest."""
    if strong_runner and strong_runner >= strong_top:
        return "low"  # two domains with the same kind of evidence: say so
    if strong_top:
        return "high"
    return "medium" if evidence and lead >= 1.25 else "low"


def _referrer_weights(hints: Sequence[FlowHints], resolver: PartyResolver) -> dict[str, tuple[int, float]]:
    """Domain -> (requests it is the Origin/Referer of, weight). A page names itself as the referrer of
    what it loads; an ad frame does too, but a frame is itself loaded from another site's page, so
    each cross-site request into a domain divides its weight: the news site (31 referrals, loaded from
    nowhere) outweighs the ad network (35 referrals, framed 6 times by others)."""
    refs: Counter[str] = Counter()
    into: Counter[str] = Counter()
    for h in hints:
        target = registrable(h.host) if h.host else ""
        for r in {registrable(x) for x in h.referrers}:
            refs[r] += 1
            if r != target:
                into[target] += 1
    return {d: (n, n / (1 + into[d])) for d, n in refs.items() if resolver.sdk_for(d) is None}


def _site(o: Observation) -> str:
    return registrable(str(o.where.get("host") or ""))


def _user_entered(o: Observation, categories: frozenset[str]) -> bool:
    """A field a person types, sent in a request body or form by key (a phone number in a login form)."""
    w = o.where
    return (w.get("side") == "request" and o.category in categories and "key" in o.evidence
            and w.get("method") not in ("GET", "HEAD") and str(w.get("path", "")).startswith("body"))
