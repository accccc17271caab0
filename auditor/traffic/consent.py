"""The moment the user agreed to the privacy policy, and which flows came before it.

A tester gives it as ``@INDEX`` (flow index in the first capture, or ``@FILE:INDEX``), an ISO time, or
a regular expression matched against URLs; without one, the consent patterns of rules/consent.yaml
pick the first flow that looks like an agreement, and the audit says which flow it took.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from auditor.errors import UsageError
from auditor.limits import bounded_regex
from auditor.masking import mask_url
from auditor.ruleset import Ruleset
from auditor.traffic.decode import to_text
from auditor.traffic.flows import Flow


@dataclass
class ConsentMoment:
    how: str  # "index" | "time" | "url" | "auto" | "marker"
    spec: str
    file: str | None = None
    flow: int | None = None
    time: datetime | None = None
    url: str | None = None
    #: an assumption made in reading ``spec`` that the audit must state (a time without an offset)
    assumption: str | None = None

    def is_before(self, flow: Flow) -> bool:
        """Within the marker's own capture the flow order decides (times of concurrent flows tie);
        across captures, or for a bare time, the clock decides."""
        if self.flow is not None and flow.file == self.file:
            return flow.index < self.flow
        if self.time is not None and flow.time is not None:
            return flow.time < self.time
        return False

    def to_dict(self) -> dict[str, Any]:
        return {
            "how": self.how,
            "spec": self.spec,
            "file": self.file,
            "flow": self.flow,
            "time": self.time.isoformat() if self.time else None,
            "url": self.url,
        }


def _parse_time(s: str, option: str) -> tuple[datetime, str | None] | None:
    """An ISO time, and the assumption made when it has no offset.

    A tester reads the time off their own clock, so a time without an offset is taken as this
    machine's local time (UTC would be 8 hours off on Beijing time); the assumption is stated, since a
    CI machine or a server may well run on UTC.
    """
    try:
        t = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    if t.tzinfo:
        return t, None
    local = t.astimezone()  # a naive time read as local time
    return local, (f"{option} {s} has no UTC offset: read as this machine's local time, "
                   f"{_zone(local)}; add the offset (e.g. {s}+08:00) to be exact")


def _zone(t: datetime) -> str:
    offset = t.strftime("%z")
    name = t.tzname() or ""
    label = f"UTC{offset[:3]}:{offset[3:]}"
    return f"{label} ({name})" if name and not name.startswith(("UTC", "+", "-")) else label


def _check_time(flows: list[Flow], spec: str, t: datetime, assumption: str | None, option: str) -> None:
    """A consent moment outside the capture would turn everything into before_consent (or nothing)."""
    read_as = f" (read as {t.isoformat()})" if assumption else ""
    if t > datetime.now(UTC):
        raise UsageError(f"{option}: {spec} is in the future{read_as}")
    times = [f.time for f in flows if f.time is not None]
    if not times:
        raise UsageError(f"{option}: {spec}: the capture has no times; give @INDEX or a URL regex")
    first, last = min(times), max(times)
    if not first <= t <= last:
        raise UsageError(f"{option}: {spec}{read_as} is outside the capture, which runs from "
                         f"{first.isoformat(timespec='seconds')} to {last.isoformat(timespec='seconds')}")


#: What ``ConsentPatterns.match`` says of a flow: (how, spec), e.g. ("auto", "privacy-agree-url").
Hint = tuple[str, str]


def resolve_consent(flows: list[Flow], spec: str | None, hints: Sequence[Hint | None],
                    option: str = "--consent-at") -> ConsentMoment | None:
    """Find the consent moment named by ``spec``, or the first flow the rules' patterns point at.

    ``hints`` are ``ConsentPatterns.match`` of each flow, computed where the bodies were (offline
    scanning keeps only body-less flows); they are only looked at when ``spec`` is empty. ``option``
    is what the messages call the spec (the refusal moment is given as ``--refused-at``).
    """
    if spec is None or spec == "":
        return next((_at(f, *hint) for f, hint in zip(flows, hints, strict=True) if hint is not None), None)
    spec = spec.strip()
    if spec.startswith("@"):
        return _by_index(flows, spec, option)
    parsed = _parse_time(spec, option) if re.match(r"^\d{4}-\d{2}-\d{2}", spec) else None
    if parsed is not None:
        t, assumption = parsed
        _check_time(flows, spec, t, assumption, option)
        return ConsentMoment(how="time", spec=spec, time=t, assumption=assumption)
    try:
        rx = bounded_regex(spec)
    except ValueError as e:
        raise UsageError(f"{option}: '{spec}' is neither @INDEX, an ISO time nor a valid regex ({e})") from None
    for f in flows:
        if rx.search(f.url):
            return _at(f, "url", spec)
    raise UsageError(f"{option}: no flow URL matches '{spec}'")


def _at(f: Flow, how: str, spec: str) -> ConsentMoment:
    return ConsentMoment(how=how, spec=spec, file=f.file, flow=f.index, time=f.time, url=mask_url(f.url_without_query))


def _by_index(flows: list[Flow], spec: str, option: str) -> ConsentMoment:
    body = spec[1:]
    file: str | None = None
    if ":" in body:
        file, _, body = body.rpartition(":")
    if not body.isdigit():
        raise UsageError(f"{option}: '{spec}' should be @INDEX or @FILE:INDEX")
    index = int(body)
    files = list(dict.fromkeys(f.file for f in flows))
    if not files:
        raise UsageError(f"{option}: there are no flows to mark")
    target = file or files[0]
    if target not in files:
        raise UsageError(f"{option}: no capture named '{target}' (have: {', '.join(files)})")
    indices = [f.index for f in flows if f.file == target]
    for f in flows:
        if f.file == target and f.index == index:
            return _at(f, "index", spec)
    if index > max(indices):
        raise UsageError(f"{option}: {spec} is past the end of {target}, whose flows are @0 to @{max(indices)}")
    # an index of a record that could not be read still splits the capture
    return ConsentMoment(how="index", spec=spec, file=target, flow=index)


class ConsentPatterns:
    """The rules' signs that a flow is the user agreeing: a marker host, an agreement URL or body."""

    def __init__(self, ruleset: Ruleset) -> None:
        pats = ruleset.consent_patterns
        self.hosts = {h.lower() for h in pats["marker_hosts"]}
        self.urls = [(p["id"], bounded_regex(p["regex"])) for p in pats["url_patterns"]]
        self.bodies = [(p["id"], bounded_regex(p["regex"])) for p in pats["body_patterns"]]

    def match(self, f: Flow) -> Hint | None:
        if f.host in self.hosts:
            return "marker", f.host
        for pid, rx in self.urls:
            if rx.search(f.url):
                return "auto", pid
        if f.request.body and len(f.request.body) < 65536:
            text = to_text(f.request.body, f.request.header("content-type")) or ""
            for pid, rx in self.bodies:
                if rx.search(text):
                    return "auto", pid
        return None
