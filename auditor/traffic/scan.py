"""Flows -> observations: every request and response peeled, scanned, attributed and timed.

The same ``FlowScanner.scan`` serves offline captures and the live proxy addon, so a flow yields the
same observations whichever way it arrives.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from auditor.checklist.consent_ui import consent_page
from auditor.checklist.refusal import after_refusal, resolve_refusal
from auditor.masking import mask, mask_host, mask_url, value_hash
from auditor.model import Observation, Party
from auditor.pii import PIScanner, get_scanner
from auditor.pii.hit import Hit
from auditor.ruleset import Ruleset, default_ruleset, normalise_field
from auditor.traffic.consent import ConsentMoment, ConsentPatterns, Hint, resolve_consent
from auditor.traffic.context import TrafficContext, echo_key
from auditor.traffic.decode import DEFAULT_INFLATE_LIMIT, Blob, Column, Leaf, Piece, Text, Walker
from auditor.traffic.first_party import (
    AppHints,
    FirstParty,
    FlowHints,
    flow_hints,
    infer_first_party,
)
from auditor.traffic.flows import (
    DEFAULT_BODY_CAP,
    Flow,
    Record,
    RecordRead,
    capture_format,
    check_framing,
    check_readable,
    frame_mitm,
    read_har,
    read_mitm_records,
)
from auditor.traffic.parties import PartyResolver, registrable


class FlowScanner:
    """Scans single flows; holds the PI scanner and the party resolver shared across flows."""

    def __init__(self, resolver: PartyResolver, *, salt: str, scanner: PIScanner | None = None,
                 inflate_limit: int = DEFAULT_INFLATE_LIMIT, ruleset: Ruleset | None = None) -> None:
        ruleset = ruleset or default_ruleset()
        self.resolver = resolver
        self.pi_lists = ruleset.pi_lists
        self.min_list_entries = ruleset.pi_list_min_entries
        self.salt = salt
        self.scanner = scanner or get_scanner(ruleset)
        self.inflate_limit = inflate_limit
        self.context = TrafficContext(ruleset)

    def scan(self, flow: Flow) -> Scanned:
        """Observations of one flow (both sides and its WebSocket messages) and the decoding warnings met.

        ``before_consent`` is left None: the consent moment is placed by the caller, after the scan
        (offline it needs every flow; live it can be marked while the flow is on its way). Finds in a
        response every visitor gets (a script, a public page), and landlines in any response (mostly an
        organisation's), come back held: they count only if a request carries the same value (see ``settle``)."""
        walker = Walker(self.inflate_limit)
        party = self.resolver.resolve(flow.host)
        # where-fields shared by every observation of this flow, computed once (URL parsing and time
        # formatting per observation were a measurable part of the hot loop)
        at = {"url": mask_url(flow.url_without_query), "method": flow.method, "scheme": flow.scheme,
              "host": mask_host(flow.host),
              "time": flow.time.isoformat() if flow.time else None}
        evidence = _Evidence(self, {"file": flow.file, "flow": flow.index}, at, party,
                             held_side="response" if self.context.is_static(flow) else None)
        req = flow.request
        sides: list[tuple[str, Iterable[Any]]] = [
            ("request", walker.request_pieces(flow.url, req.headers, req.body, decoded=req.content_decoded,
                                              mime=req.mime)),
        ]
        if flow.response is not None:
            resp = flow.response
            sides.append(("response", walker.response_pieces(resp.headers, resp.body,
                                                              decoded=resp.content_decoded, mime=resp.mime)))
        url = flow.url
        for side, pieces in sides:
            for piece in pieces:
                self._piece(piece, side, url, evidence)
        ua = req.header("user-agent")
        if ua:
            for hit in self.context.user_agent_hits(ua):
                evidence.add("request", hit, "headers.user-agent", "headers.user-agent")
        warnings = walker.warnings
        binary = 0
        for i, m in enumerate(flow.messages):
            side = "request" if m.from_client else "response"
            extra = {"message": i, "time": m.time.isoformat() if m.time else at["time"]}
            for piece in walker.message_pieces(m.content, text=m.text, path=f"websocket[{i}]"):
                binary += type(piece) is Blob
                self._piece(piece, side, url, evidence, extra)
        if binary:
            warnings.append(f"{binary} binary WebSocket message(s) not readable as text or JSON: "
                            "checked only as media payloads")
        if walker.sealed:
            warnings.append(f"{walker.sealed} value(s) encrypted with a passphrase (OpenSSL/CryptoJS AES "
                            "'Salted__' format): their content could not be audited")
        kept, held, echoes = evidence.observations()
        return Scanned(kept, [f"{flow.file}: flow {flow.index}: {w}" for w in warnings], held, echoes,
                       evidence.credentials)

    def _piece(self, piece: Piece, side: str, url: str, evidence: _Evidence,
               extra: dict[str, Any] | None = None) -> None:
        """One piece's hits, weighed in their place, into the flow's evidence."""
        if type(piece) is Column:
            self._scan_column(piece, side, url, evidence, extra)
            return
        hits, payload = self._hits(piece, url)
        if hits:
            if payload is None:
                hits = (self.context.weigh(hits, piece.path, piece.text, text=True) if type(piece) is Text
                        else self.context.weigh(hits, piece.path, piece.value))
                if not hits:
                    return
        elif type(piece) is Leaf and (role := self.context.roles.get(piece.key, _UNSEEN)) is not None:
            # a key with a role, or one not seen yet (most keys have none: one dict read)
            if role is _UNSEEN:
                role = self.context.role(piece.key)
                if role is None:
                    return
            if role.credential:
                evidence.credentials = True
            dev = self.context.device_hit(piece.key, piece.value, piece.path) if role.device else None
            if dev is None:
                return
            hits = [dev]
        else:
            return  # most pieces: one call, no loop, no path work
        path = piece.path
        folded = _INDEX.sub("[*]", path) if "[" in path else path
        for hit in hits:
            evidence.add(side, hit, folded, path, payload, extra=extra)

    def _scan_column(self, column: Column, side: str, url: str, evidence: _Evidence,
                     extra: dict[str, Any] | None = None) -> None:
        """A column's values: where the key does not need the record around a value, equal values are
        scanned once and counted, and all-different ones judged together (scan_distinct); whatever is
        left is scanned value by value with its own record as parent. An exact path is worked out
        only for a first hit."""
        scan_field = self.scanner.scan_field
        key, records, rows = column.key, column.records, column.rows
        folded = f"{_INDEX.sub('[*]', column.array)}[*].{key}"
        device = self.context.device_key(key) is not None
        values = [records[i][key] for i in rows]
        if not self.scanner.needs_record(key):
            kinds = list(zip(values, map(type, values), strict=True))  # the type too: 1, 1.0 and True are equal
            counts = Counter(kinds)
            if len(counts) < len(kinds):
                first = dict(zip(reversed(kinds), reversed(rows), strict=True))  # the earliest row wins
                for kind, n in counts.items():
                    hits = scan_field("", key, kind[0], url=url, parent=records[first[kind]])
                    if hits or device:
                        for hit in self._in_place(hits, key, kind[0], folded, device):
                            evidence.add(side, hit, folded, partial(column.path, first[kind]), count=n, extra=extra)
                return
        # all different (a fresh OAID per event), or bound to their records: scan_distinct then hands
        # back every position
        judged, rest = self.scanner.scan_distinct(key, values)
        for d in judged:
            evidence.add(side, d.first, folded, partial(column.path, rows[d.position]), count=d.count, texts=d.texts,
                         extra=extra)
        for pos in rest:
            i = rows[pos]
            hits = scan_field("", key, values[pos], url=url, parent=records[i])
            if hits or device:  # most values: no hit, no device key, no call
                for hit in self._in_place(hits, key, values[pos], folded, device):
                    evidence.add(side, hit, folded, partial(column.path, i), extra=extra)

    def _in_place(self, hits: list[Hit], key: str, value: Any, folded: str, device: bool) -> list[Hit]:
        """A column value's hits weighed as any leaf's (see _piece), or its device id when the key names one."""
        if hits:
            return self.context.weigh(hits, folded, value)
        dev = self.context.device_hit(key, value, folded) if device else None
        return [dev] if dev is not None else []

    def _hits(self, piece: Leaf | Text | Blob, url: str) -> tuple[list[Hit], Blob | None]:
        """The hits of one piece, and the piece itself when it is a binary payload (hashed, never kept)."""
        kind = type(piece)
        if kind is Leaf:
            return self.scanner.scan_field(piece.path, piece.key, piece.value, url=url, parent=piece.parent), None
        if kind is Text:
            return self.scanner.scan_text(piece.text), None
        return self.scanner.scan_bytes(piece.path, piece.key, piece.data, mime=piece.mime, url=url), piece

    def _observation(self, where: dict[str, Any], hit: Any, party: Party, payload: Blob | None = None) -> Observation:
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
            before_consent=None,
        )


    def _list_category(self, path: str, hit: Any) -> str:
        """A phone number inside an uploaded address book is the contacts category, not the user's own."""
        for segment in _SEGMENT.split(path):
            listed = self.pi_lists.get(normalise_field(segment))
            if listed and hit.entity in listed[1]:
                return listed[0]
        return hit.category


@dataclass(slots=True)
class _Seen:
    observation: Observation
    folded: str
    values: set[str]  # what tells the values apart: their text (a payload's exact path)
    count: int
    score: float
    payload: bool = False
    own_category: str = ""  # the entity's category, when a list key gave the observation the list's


class _Evidence:
    """The observations of one flow: one per side, entity and field, array positions folded.

    A batch of 200 events carrying an IMEI, or a track of 50 points, is one piece of evidence seen 200
    or 50 times (``occurrences``, ``distinct`` values), reported at ``body[*].imei``; a field seen once
    keeps its exact path. Counts are kept aside and written into the observations once, at the end,
    and exact paths of column values are worked out only when needed (``path`` may be a callable):
    a batch's repeats never need theirs. Observations of ``held_side`` (the response of a script or a
    public page) come back apart, each with the echo keys of its values.
    """

    def __init__(self, scanner: FlowScanner, origin: dict[str, Any], at: dict[str, Any], party: Party,
                 held_side: str | None = None) -> None:
        self._seen: dict[tuple[str, str, str], _Seen] = {}
        self._scanner, self._origin, self._at, self._party = scanner, origin, at, party
        self._held_side = held_side
        self._echo_only = scanner.context.r.echo_only
        self.credentials = False  # a field of the flow names a credential (first-party evidence)

    def add(self, side: str, hit: Hit, folded: str, path: str | Callable[[], str], payload: Blob | None = None,
            count: int = 1, texts: set[str] | None = None, extra: dict[str, Any] | None = None) -> None:
        """``count`` values with this hit, of which ``path`` is the first: equal ones (a column's repeats),
        or different ones judged together, whose ``texts`` are then given. ``extra`` adds to ``where``
        (a WebSocket message's index and time)."""
        key = (side, hit.entity, folded)
        seen = self._seen.get(key)
        if seen is not None:
            seen.count += count
            if texts:
                seen.values |= texts
            else:
                seen.values.add(hit.text.strip() or (path if type(path) is str else path()))
            if hit.score > seen.score:
                seen.score = hit.score
            return
        exact = path if type(path) is str else path()
        where = {**self._origin, "side": side, "path": exact, **self._at}
        if extra:
            where.update(extra)
        o = self._scanner._observation(where, hit, self._party, payload)
        self._seen[key] = _Seen(o, folded, set(texts) if texts else {hit.text.strip() or exact}, count, hit.score,
                                payload is not None, hit.category)

    def observations(self) -> tuple[list[Observation], list[Held], set[int]]:
        """The observations kept, those held for an echo, and the echo keys of the request's values."""
        out: list[Observation] = []
        held: list[Held] = []
        echoes: set[int] = set()
        for (side, _, _), seen in self._seen.items():
            o = seen.observation
            if seen.count > 1:
                o.where["occurrences"] = seen.count
                o.where["path"] = seen.folded
            if len(seen.values) > 1:
                o.where["distinct"] = len(seen.values)
            o.confidence = float(seen.score)
            if o.category != seen.own_category and seen.count < self._scanner.min_list_entries:
                # one or two contacts typed in, not an uploaded address book: their name and phone number
                o.category = seen.own_category
            if side == self._held_side or (side == "response" and o.entity in self._echo_only):
                held.append(Held(o, frozenset(map(echo_key, seen.values))))
                continue
            out.append(o)
            if side == "request" and not seen.payload and len(seen.values) <= _ECHO_VALUES:
                echoes.update(map(echo_key, seen.values))
        return out, held, echoes


#: A request field with more distinct values than this (a batch of fresh OAIDs) is not looked for in
#: public pages: a page shows back a user's own phone or plate, a value or two, not a column of ids.
_ECHO_VALUES = 16


@dataclass(slots=True)
class Held:
    """An observation in a response every visitor gets, kept only if a request carries one of its values."""

    observation: Observation
    echo_keys: frozenset[int]


@dataclass
class Scanned:
    """What scanning one flow gives: observations, warnings, and what waits for an echo (see settle)."""

    observations: list[Observation]
    warnings: list[str]
    held: list[Held] = field(default_factory=list)
    echoes: set[int] = field(default_factory=set)
    credentials: bool = False  # a field names a password, an SMS code...


#: A key the traffic context has not been asked about yet.
_UNSEEN: Any = object()


def settle(held: Iterable[Held], echoes: set[int]) -> list[Observation]:
    """The held observations that are the user's own: a request of the audit carries the same value."""
    return [h.observation for h in held if h.echo_keys & echoes]


_SEGMENT = re.compile(r"[.\[\]{}]+")
_INDEX = re.compile(r"\[\d+\]")


@dataclass
class TrafficResult:
    observations: list[Observation]
    flows: list[dict[str, Any]]
    consent: ConsentMoment | None
    first_party: list[str]
    #: how the first party was inferred when none was given (None when given, or no flow to go by)
    inferred: FirstParty | None = None
    warnings: list[str] = field(default_factory=list)
    flow_count: int = 0
    #: the moment the user refused consent (--refused-at), for 认定方法 三.2
    refusal: ConsentMoment | None = None
    #: consent checkboxes in the capture's H5 pages (auditor/checklist/consent_ui.py)
    consent_boxes: list[dict[str, Any]] = field(default_factory=list)
    #: how many HTML pages the capture holds (what 三.4's answer was read from)
    html_pages: int = 0


@dataclass
class FlowResult:
    """What scanning one flow leaves for the audit: small enough to send back from a worker process."""

    flow: Flow  # without headers and bodies: for the timeline and the consent moment
    observations: list[Observation]
    consent_hint: Hint | None
    hints: FlowHints  # what the flow says of whose app it is
    held: list[Held] = field(default_factory=list)
    echoes: set[int] = field(default_factory=set)
    consent_boxes: list[dict[str, Any]] = field(default_factory=list)
    html_page: bool = False


@dataclass
class _Job:
    """A slice of one capture, scanned as a unit: records of a flow file (a worker reads them itself,
    so flow bytes never travel between processes) or flows already read (HAR, parsed whole)."""

    label: str
    path: Path
    records: list[Record] = field(default_factory=list)
    flows: list[Flow] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)  # hosts of a HAR's pages (on the file's first job)

    def __len__(self) -> int:
        return len(self.records) + len(self.flows)


@dataclass
class _JobResult:
    results: list[FlowResult]
    warnings: list[str]
    unreadable: list[str] = field(default_factory=list)  # why each unreadable record could not be read


@dataclass
class _Context:
    scanner: FlowScanner
    consent: ConsentPatterns | None  # only when the consent moment is to be found by the rules' patterns
    body_cap: int
    hints: bool = False  # work out first-party hints (only when the first party is to be inferred)


#: Captures with at least this many flows are scanned by forked worker processes, one per usable CPU.
PARALLEL_MIN_FLOWS = 400
_CHUNK = 50
_worker_context: _Context | None = None


def analyze_traffic(paths: Sequence[Path], *, ruleset: Ruleset, salt: str, consent_at: str | None = None,
                    first_party: Sequence[str] = (), body_cap: int = DEFAULT_BODY_CAP,
                    progress: Any = None, app: AppHints | None = None, refused_at: str | None = None) -> TrafficResult:
    """Offline audit of captures: read and scan every flow, then settle what waits for an echo, infer
    the first party when none is given, and place the flows on the consent timeline (all of these need
    every flow, so they come after the scan). ``app`` is what other inputs say of whose app it is."""
    jobs, warnings = _plan(paths, body_cap)
    resolver = PartyResolver(ruleset, first_party)
    patterns = None if consent_at else ConsentPatterns(ruleset)
    ctx = _Context(FlowScanner(resolver, salt=salt, ruleset=ruleset), patterns, body_cap, not first_party)
    results: list[FlowResult] = []
    unreadable: dict[str, list[str]] = {}
    total = sum(len(j) for j in jobs)
    task = progress.add_task("scanning flows", total=total) if progress else None
    for job, done in zip(jobs, _run_jobs(jobs, ctx, total), strict=True):
        results += done.results
        warnings += done.warnings
        unreadable.setdefault(job.label, []).extend(done.unreadable)
        if progress:
            progress.advance(task, len(job))
    _check_readable(jobs, unreadable)
    echoes: set[int] = set().union(*(r.echoes for r in results)) if results else set()
    for r in results:
        r.observations += settle(r.held, echoes)
    flows = [r.flow for r in results]
    fp = list(first_party)
    inferred = None
    if not fp:
        hints = AppHints(*(([], [], []) if app is None else (app.packages, app.domains, [])))
        hints.pages = [h for j in jobs for h in j.pages]
        inferred = infer_first_party([r.hints for r in results], (o for r in results for o in r.observations),
                                     resolver, hints, ctx.scanner.context.r.user_categories)
        if inferred is not None:
            fp = inferred.domains
            resolver.set_first(fp)
    consent = resolve_consent(flows, consent_at, [r.consent_hint for r in results])
    refusal = resolve_refusal(flows, refused_at) if refused_at else None
    observations: list[Observation] = []
    timeline: list[dict[str, Any]] = []
    party_dicts: dict[str, dict[str, Any]] = {}
    for r in results:
        f = r.flow
        host = f.host
        party = resolver.resolve(host)
        if host not in party_dicts:
            party_dicts[host] = party.to_dict()
        before = consent.is_before(f) if consent else None
        refused = refusal is not None and after_refusal(f, refusal, consent)
        for o in r.observations:
            o.party = party
            o.before_consent = _message_before(o, before, consent)
            if refused:
                o.where["after_refusal"] = True
        observations += r.observations
        timeline.append({
            "file": f.file, "index": f.index, "time": f.time.isoformat() if f.time else None,
            "method": f.method, "url": mask_url(f.url_without_query), "host": mask_host(host),
            "party": dict(party_dicts[host]),
            "status": f.status, "categories": sorted({o.category for o in r.observations}),
            "before_consent": before,
        })
    if inferred is not None:  # an inferred domain comes from the capture: shown as every output shows hosts
        fp, inferred = [mask_host(d) for d in fp], inferred.masked()
    boxes = [b for r in results for b in r.consent_boxes]
    return TrafficResult(observations, timeline, consent, fp, inferred, warnings, len(flows), refusal, boxes,
                         sum(r.html_page for r in results))


def _message_before(o: Observation, flow_before: bool | None, consent: ConsentMoment | None) -> bool | None:
    """A WebSocket message is before consent when its flow is and, where both times are known, its own
    time is too: a socket opened before the user agreed may carry messages sent after."""
    if not flow_before or consent is None or consent.time is None or "message" not in o.where:
        return flow_before
    t = o.where.get("time")
    try:
        return datetime.fromisoformat(t) < consent.time if t else flow_before
    except (TypeError, ValueError):
        return flow_before


def _plan(paths: Sequence[Path], body_cap: int) -> tuple[list[_Job], list[str]]:
    """Cut every capture into jobs; labels are made unique per file (two captures named the same)."""
    jobs: list[_Job] = []
    warnings: list[str] = []
    labels: set[str] = set()
    for p in paths:
        label = p.name
        n = 2
        while label in labels:
            label = f"{p.name}#{n}"
            n += 1
        labels.add(label)
        if capture_format(p) == "har":
            r = read_har(p, label=label, body_cap=body_cap)
            warnings += r.warnings
            chunks = [_Job(label, p, flows=r.flows[i:i + _CHUNK]) for i in range(0, len(r.flows), _CHUNK)]
            if chunks:
                chunks[0].pages = r.pages
            jobs += chunks
        else:
            records, damage = frame_mitm(p)
            warnings += check_framing(p, records, damage, label)
            jobs += [_Job(label, p, records=records[i:i + _CHUNK]) for i in range(0, len(records), _CHUNK)]
    return jobs, warnings


def _check_readable(jobs: list[_Job], unreadable: dict[str, list[str]]) -> None:
    """Per flow file, as flows.check_readable: records are counted over the file's jobs."""
    for label, path in dict.fromkeys((j.label, j.path) for j in jobs if j.records):
        check_readable(path, sum(len(j.records) for j in jobs if j.label == label), unreadable.get(label, []))


def _run_job(job: _Job, ctx: _Context) -> _JobResult:
    out = _JobResult([], [])
    if job.records:
        reads: Iterable[RecordRead] = read_mitm_records(job.path, job.records, label=job.label, body_cap=ctx.body_cap)
    else:
        reads = (RecordRead(Record(f.index, 0, 0), f, []) for f in job.flows)
    for read in reads:
        out.warnings += read.warnings
        f = read.flow
        if f is None:
            if read.unreadable is not None:
                out.unreadable.append(read.unreadable)
            continue
        try:
            scanned = ctx.scanner.scan(f)
        except Exception as e:  # noqa: BLE001 - one bad flow must not sink the audit of the others (as live)
            scanned = Scanned([], [f"{f.file}: flow {f.index}: not scanned: {type(e).__name__}: {e}"])
        out.warnings += scanned.warnings
        hints = flow_hints(f, scanned.credentials) if ctx.hints else FlowHints(f.host, f.file, f.index)
        page = consent_page(f)
        out.results.append(FlowResult(f.without_bodies(), scanned.observations,
                                      ctx.consent.match(f) if ctx.consent else None, hints,
                                      scanned.held, scanned.echoes, page.boxes, page.html))
    return out


def _run_worker_job(job: _Job) -> _JobResult:
    assert _worker_context is not None
    return _run_job(job, _worker_context)


def _run_jobs(jobs: list[_Job], ctx: _Context, total: int) -> Iterator[_JobResult]:
    """Run jobs in order; big captures in parallel. Workers are forked after the PI scanner (jieba's
    tables, the LAC name tagger) is built, so they share it copy-on-write instead of each loading it again, and
    each reads its own records from the capture file."""
    workers = min(len(os.sched_getaffinity(0)), 8)
    if workers < 2 or total < PARALLEL_MIN_FLOWS or "fork" not in multiprocessing.get_all_start_methods():
        for job in jobs:
            yield _run_job(job, ctx)
        return
    global _worker_context
    _ = ctx.scanner.scanner.analyzer
    registrable("warm.example.com")  # the public suffix trie (0.15 s) is built once, not in every worker
    _worker_context = ctx
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(_run_worker_job, jobs)
    finally:
        _worker_context = None
