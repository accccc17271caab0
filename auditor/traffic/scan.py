"""Flows -> observations: every request and response peeled, scanned, attributed and timed.

The same ``FlowScanner.scan`` serves offline captures and the live proxy addon, so a flow yields the
same observations whichever way it arrives.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.masking import mask, value_hash
from auditor.model import Observation, Party
from auditor.pii import PIScanner, get_scanner
from auditor.ruleset import Ruleset, default_ruleset, normalise_field
from auditor.traffic.consent import ConsentMoment, resolve_consent
from auditor.traffic.decode import DEFAULT_INFLATE_LIMIT, Blob, Leaf, Text, Walker
from auditor.traffic.flows import DEFAULT_BODY_CAP, Flow, read_capture
from auditor.traffic.parties import PartyResolver


class FlowScanner:
    """Scans single flows; holds the PI scanner and the party resolver shared across flows."""

    def __init__(self, resolver: PartyResolver, *, salt: str, scanner: PIScanner | None = None,
                 inflate_limit: int = DEFAULT_INFLATE_LIMIT, ruleset: Ruleset | None = None) -> None:
        self.resolver = resolver
        self.pi_lists = (ruleset or default_ruleset()).pi_lists
        self.salt = salt
        self.scanner = scanner or get_scanner()
        self.inflate_limit = inflate_limit

    def scan(self, flow: Flow, consent: ConsentMoment | None = None) -> tuple[list[Observation], list[str]]:
        """Observations of one flow (both sides) and the decoding warnings met."""
        walker = Walker(self.inflate_limit)
        party = self.resolver.resolve(flow.host)
        before = consent.is_before(flow) if consent is not None else None
        # where-fields shared by every observation of this flow, computed once (URL parsing and time
        # formatting per observation were a measurable part of the hot loop)
        at = {"url": flow.url_without_query, "method": flow.method, "scheme": flow.scheme, "host": flow.host,
              "time": flow.time.isoformat() if flow.time else None}
        obs: list[Observation] = []
        # one observation per value and entity on each side: a batch repeating the IMEI in 200 events
        # is one piece of evidence seen 200 times, not 200 pieces
        seen: dict[tuple[str, str, str], Observation] = {}
        req = flow.request
        sides: list[tuple[str, Iterable[Any]]] = [
            ("request", walker.request_pieces(flow.url, req.headers, req.body, decoded=req.content_decoded,
                                              mime=req.mime)),
        ]
        if flow.response is not None:
            resp = flow.response
            sides.append(("response", walker.response_pieces(resp.headers, resp.body,
                                                              decoded=resp.content_decoded, mime=resp.mime)))
        for side, pieces in sides:
            for piece in pieces:
                for path, hit, payload in self._hits(piece, flow.url):
                    key = (side, hit.entity, hit.text.strip() or path)
                    prev = seen.get(key)
                    if prev is not None:
                        prev.where["occurrences"] = prev.where.get("occurrences", 1) + 1
                        prev.confidence = max(prev.confidence, float(hit.score))
                        continue
                    where = {"file": flow.file, "flow": flow.index, "side": side, "path": path, **at}
                    o = self._observation(where, hit, party, before, payload)
                    seen[key] = o
                    obs.append(o)
        return obs, [f"{flow.file}: flow {flow.index}: {w}" for w in walker.warnings]

    def _hits(self, piece: Leaf | Text | Blob, url: str) -> Iterable[tuple[str, Any, Blob | None]]:
        if isinstance(piece, Leaf):
            for h in self.scanner.scan_field(piece.path, piece.key, piece.value, url=url, parent=piece.parent):
                yield piece.path, h, None
        elif isinstance(piece, Text):
            for h in self.scanner.scan_text(piece.text):
                yield piece.path, h, None
        else:
            for h in self.scanner.scan_bytes(piece.path, piece.key, piece.data, mime=piece.mime, url=url):
                yield piece.path, h, piece

    def _observation(self, where: dict[str, Any], hit: Any, party: Party, before: bool | None,
                     payload: Blob | None = None) -> Observation:
        raw = hit.text
        if raw:
            value, digest = mask(raw, hit.entity), value_hash(raw, self.salt)
        elif payload is not None:
            # a face image or fingerprint template: described, never kept; the same image sent twice
            # (or to two parties) gets the same salted hash
            value = f"<{payload.mime or 'binary'}, {len(payload.data)} bytes>"
            digest = value_hash(hashlib.sha256(payload.data).hexdigest(), self.salt)
        else:
            value = digest = None
        return Observation(
            category=self._list_category(where["path"], hit),
            entity=hit.entity,
            source="traffic",
            party=party,
            where=where,
            value=value,
            value_hash=digest,
            confidence=float(hit.score),
            evidence=list(hit.evidence),
            before_consent=before,
        )


    def _list_category(self, path: str, hit: Any) -> str:
        """A phone number inside an uploaded address book is the contacts category, not the user's own."""
        for segment in _SEGMENT.split(path):
            listed = self.pi_lists.get(normalise_field(segment))
            if listed and hit.entity in listed[1]:
                return listed[0]
        return hit.category


_SEGMENT = re.compile(r"[.\[\]{}]+")


@dataclass
class TrafficResult:
    observations: list[Observation]
    flows: list[dict[str, Any]]
    consent: ConsentMoment | None
    first_party: list[str]
    first_party_guessed: bool
    warnings: list[str] = field(default_factory=list)
    flow_count: int = 0


def read_captures(paths: Sequence[Path], *, body_cap: int = DEFAULT_BODY_CAP) -> tuple[list[Flow], list[str]]:
    """Read every capture; flows keep their per-file index, labels are made unique per file."""
    flows: list[Flow] = []
    warnings: list[str] = []
    labels: set[str] = set()
    for p in paths:
        result = read_capture(p, body_cap=body_cap)
        label = p.name
        n = 2
        while label in labels:
            label = f"{p.name}#{n}"
            n += 1
        labels.add(label)
        for f in result.flows:
            f.file = label
        flows.extend(result.flows)
        warnings.extend(result.warnings)
    return flows, warnings


def analyze_traffic(paths: Sequence[Path], *, ruleset: Ruleset, salt: str, consent_at: str | None = None,
                    first_party: Sequence[str] = (), body_cap: int = DEFAULT_BODY_CAP,
                    progress: Any = None) -> TrafficResult:
    """Offline audit of captures: read, find consent, attribute, scan every flow."""
    flows, warnings = read_captures(paths, body_cap=body_cap)
    resolver = PartyResolver(ruleset, first_party)
    guessed = False
    fp = list(first_party)
    if not fp:
        fp = resolver.guess_first_party(f.host for f in flows)
        guessed = bool(fp)
    consent = resolve_consent(flows, consent_at, ruleset)
    scanner = FlowScanner(resolver, salt=salt, ruleset=ruleset)
    observations: list[Observation] = []
    timeline: list[dict[str, Any]] = []
    task = progress.add_task("scanning flows", total=len(flows)) if progress else None
    for f, (obs, warns) in zip(flows, _scan_all(flows, scanner, consent), strict=True):
        observations.extend(obs)
        warnings.extend(warns)
        party = scanner.resolver.resolve(f.host)
        timeline.append({
            "file": f.file, "index": f.index, "time": f.time.isoformat() if f.time else None,
            "method": f.method, "url": f.url_without_query, "host": f.host, "party": party.to_dict(),
            "status": f.status, "categories": sorted({o.category for o in obs}),
            "before_consent": consent.is_before(f) if consent else None,
        })
        if progress:
            progress.advance(task)
    return TrafficResult(observations, timeline, consent, fp, guessed, warnings, len(flows))


#: Captures with at least this many flows are scanned by forked worker processes, one per usable CPU.
PARALLEL_MIN_FLOWS = 400
_CHUNK = 50
_worker_state: tuple[FlowScanner, ConsentMoment | None] | None = None


def _scan_chunk(flows: list[Flow]) -> list[tuple[list[Observation], list[str]]]:
    assert _worker_state is not None
    scanner, consent = _worker_state
    return [scanner.scan(f, consent) for f in flows]


def _scan_all(flows: list[Flow], scanner: FlowScanner,
              consent: ConsentMoment | None) -> Iterator[tuple[list[Observation], list[str]]]:
    """Scan flows in order; big captures in parallel. Workers are forked after the PI scanner (spaCy,
    presidio, jieba) is built, so they share it copy-on-write instead of each loading it again."""
    jobs = min(len(os.sched_getaffinity(0)), 8)
    if jobs < 2 or len(flows) < PARALLEL_MIN_FLOWS or "fork" not in multiprocessing.get_all_start_methods():
        for f in flows:
            yield scanner.scan(f, consent)
        return
    global _worker_state
    _ = scanner.scanner.analyzer
    _worker_state = (scanner, consent)
    chunks = [flows[i:i + _CHUNK] for i in range(0, len(flows), _CHUNK)]
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            for result in pool.map(_scan_chunk, chunks):
                yield from result
    finally:
        _worker_state = None
