"""Call sites and permissions as pi-auditor Observations: who reads (the app or a named SDK, judged
by the calling class), which category (an API may read another category in an SDK's hands, e.g. the
camera in a face-verification SDK), whether it can collect at all (reach.py: a read behind a permission
the app never requests, or in library code the app never reaches, is weak evidence tagged in
``evidence``, never collection), and how sure (a call site 0.9, reflection 0.7, a permission alone 0.6,
a read that cannot collect 0.3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.apk.callsites import CallSite
from auditor.apk.permissions import SiteUse
from auditor.apk.reach import LibraryReach
from auditor.apk.sdks import Owners
from auditor.model import Observation, Party

PERMISSION_CONFIDENCE = 0.6
REFLECTION_CONFIDENCE = 0.7
WRAPPER_CONFIDENCE = 0.8
CANNOT_COLLECT_CONFIDENCE = 0.3


@dataclass(frozen=True)
class Judged:
    use: SiteUse
    sdk: dict[str, Any] | None
    apk: str | None  # path of the nested APK holding the call, None for the outer one
    startup: bool
    obstacle: str | None = None  # why the read is not collection (reach.py), None when it is


def judge(
    site: CallSite, owners: Owners, reach: LibraryReach, requested: set[str], *, apk: str | None, startup: bool
) -> Judged:
    sdk = owners.sdk_of(site.caller_class)
    category = site.rule.category_for(sdk["kind"] if sdk else None, requested)
    obstacle = reach.obstacle(site.rule, site.caller, site.caller_class, requested)
    use = SiteUse(site, category, site.rule.category_for(None, requested))
    return Judged(use, sdk, apk, startup, obstacle)


def permission_observations(perms: list[dict[str, Any]], first: Party) -> list[Observation]:
    return [
        Observation(
            category=cat,
            entity="PERMISSION",
            source="apk",
            party=first,
            where={"permission": p["name"]},
            confidence=PERMISSION_CONFIDENCE,
            evidence=["permission"],
        )
        for p in perms
        for cat in p["categories"]
    ]


def code_observation(j: Judged, first: Party) -> Observation:
    site = j.use.site
    party = Party(kind="third", name=j.sdk["name"], sdk=j.sdk["id"]) if j.sdk else first
    reflected = "reflection" in site.via
    confidence = min(site.rule.confidence, REFLECTION_CONFIDENCE) if reflected else site.rule.confidence
    evidence = ["api", "reflection"] if reflected else ["api"]
    if site.via.endswith("wrapper"):
        confidence = min(confidence, WRAPPER_CONFIDENCE)
        evidence.append("wrapper")
    if j.obstacle:
        confidence = min(confidence, CANNOT_COLLECT_CONFIDENCE)
        evidence.append(j.obstacle)
    return Observation(
        category=j.use.category,
        entity=site.rule.id,
        source="apk",
        party=party,
        where={
            "class": site.caller_class[1:-1].replace("/", "."),
            "method": site.caller_method,
            "api": site.target,
            "via": None if site.via == "invoke" else site.via,
            "count": site.count,
            "apk": j.apk,
            "startup": True if j.startup else None,
        },
        confidence=confidence,
        evidence=evidence,
    )
