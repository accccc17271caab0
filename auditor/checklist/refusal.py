"""The moment the user refused consent, and which flows came after it (认定方法 三.2).

A tester gives it as the consent moment is given (``--refused-at @INDEX | ISO-TIME | URL-REGEX``), so
it is resolved and validated by the same code (auditor.traffic.consent.resolve_consent), its messages
naming the refusal option. A flow after the refusal and before any later consent is "after refusal":
an app may ask again and be agreed to, and what it collects after that agreement is no breach.
"""

from __future__ import annotations

from auditor.errors import UsageError
from auditor.traffic.consent import ConsentMoment, resolve_consent
from auditor.traffic.flows import Flow

OPTION = "--refused-at"


def resolve_refusal(flows: list[Flow], spec: str) -> ConsentMoment:
    """The refusal moment named by ``spec``; a bad spec is a UsageError naming --refused-at."""
    moment = resolve_consent(flows, spec, [None] * len(flows), OPTION)
    if moment is None:  # resolve_consent returns None only for an empty spec
        raise UsageError(f"{OPTION}: give @INDEX, an ISO time or a URL regex")
    moment.how = f"refusal:{moment.how}"
    return moment


def _at_or_after(flow: Flow, moment: ConsentMoment) -> bool:
    if moment.flow is not None and flow.file == moment.file:
        return flow.index > moment.flow
    return not moment.is_before(flow) and (moment.time is None or flow.time is None or flow.time > moment.time)


def after_refusal(flow: Flow, refusal: ConsentMoment, consent: ConsentMoment | None) -> bool:
    """After the refusal, and not after a consent that came later than the refusal."""
    if not _at_or_after(flow, refusal):
        return False
    if consent is None:
        return True
    consent_later = (consent.time is not None and refusal.time is not None and consent.time > refusal.time) or (
        consent.file == refusal.file and consent.flow is not None and refusal.flow is not None
        and consent.flow > refusal.flow)
    return not (consent_later and _at_or_after(flow, consent))
