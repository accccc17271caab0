"""PIScanner: the one entry point every input passes through (traffic, APK strings, policies, mini-programs).

Structured data is scanned field by field, where the field name is the strongest evidence a Chinese
API gives (`sfzh`, `lxdh`, `la`/`lo`), so scan_field combines key and value evidence and only falls
back to free-text scanning for values that are prose. Free text runs the fast pattern layer on every
window, the address grammar, and Baidu LAC only where a cheap gate says a name may start (person.py).
Long text is scanned in overlapping windows so memory stays bounded by the window, not the input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

from auditor.pii.biometric import BiometricClassifier, decode_payload
from auditor.pii.data import EntitySpec, FieldSpec, RecognizerData, load_recognizer_data
from auditor.pii.hit import CONTEXT_BOOST, REPORT_THRESHOLD, Hit, resolve_overlaps
from auditor.pii.keys import KeyLexicon, normalise_key
from auditor.pii.patterns import CONTEXT_BEFORE, PatternMatcher
from auditor.pii.person import PersonNameFinder
from auditor.pii.validators import is_lat, is_lng
from auditor.ruleset import Ruleset, default_ruleset

WINDOW = 20_000
# Longer than any entity plus its context, so a hit owned by one window is whole in it.
OVERLAP = 256
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Prose rather than an identifier: CJK text of a few characters, or several space-separated words.
_FREE_TEXT = re.compile(r"[\u4e00-\u9fff].{4,}|\S\s+\S+\s+\S", re.S)
# Shorter base64 strings cannot hold a media signature plus content.
_MIN_PAYLOAD_CHARS = 88
# Distinct short values remembered with their hits (values are at most _FIELD_MAX characters).
_VALUE_CACHE = 16384
# Distinct texts of up to one window remembered with their hits (at most this many windows of memory).
_TEXT_CACHE = 64
# Entities whose value alone makes a record a person's: a weakly named sibling (`n`, `name`) beside one is a name.
_IDENTIFYING = frozenset({"CN_MOBILE", "CN_RESIDENT_ID", "CN_LANDLINE", "EMAIL"})
# What a name the tagger found and the lexicon accepts scores without a context word.
_MODEL_SCORE = 0.8
# Field values longer than this are treated as documents, not identifiers.
_FIELD_MAX = 256
# A sibling field that names PI (weight >= this) makes an ambiguous key (`name`, `aid`) credible.
_STRONG_KEY = 0.8
# A key weaker than this needs that sibling support.
_WEAK_KEY = 0.5
_SIBLING_SUPPORT = 0.3
_PAIR_SUPPORT = 0.5


def _windows(text: str) -> Iterator[tuple[int, str, int, int]]:
    """(offset, window, own_from, own_to): each position is owned by exactly one window."""
    step = WINDOW - 2 * OVERLAP
    n = len(text)
    if n <= WINDOW:
        yield 0, text, 0, n
        return
    start = 0
    while True:
        last = start + WINDOW >= n
        own_from = 0 if start == 0 else OVERLAP
        own_to = n - start if last else OVERLAP + step
        yield start, text[start:start + WINDOW], own_from, own_to
        if last:
            return
        start += step


def _as_text(value: object) -> str | None:
    if type(value) is int or type(value) is float:  # JSON numbers, a quarter of all leaves
        return repr(value)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float):
        return repr(value)
    return None


# One shape check of a plain key: the value's regex, its validator, and the entity, category and score of a pass.
_Check = tuple[Callable[[str], object], Callable[[str], bool], str, str, float]


@dataclass(slots=True)
class _KeyFacts:
    """What a field name says, worked out once per distinct key (APIs repeat their keys)."""

    specs: tuple[FieldSpec, ...]
    negative: bool  # a record id (orderId, traceId): its value is not scanned
    context: str  # the normal form, read as context words by the pattern layer
    strong: bool  # names PI clearly enough to make an ambiguous sibling (`name`) credible
    roles: frozenset[str]  # the coordinate axes it names
    by_value: bool  # some entry is judged on the value alone, not as an axis: worth remembering per value
    record_bound: bool  # what a value under it says may turn on its siblings (an axis, a weak key)
    # For a key whose every entry is a plain shape check (no axis, no weak key, no payload), the
    # checks in order with the score of a pass: a fresh value (an OAID per event) then costs a
    # regex and a validator, not the general walk through specs and entities. None otherwise.
    checks: tuple[_Check, ...] | None
    # The short value seen under this key last and what key and value said (see scan_field). A key
    # repeats its value from event to event and request to request (the IMEI in every event of a
    # batch), and one value per key catches that without a per-value cache, which unique values
    # (a fresh OAID per event) would only churn. Replaced as one tuple, so readers see a whole entry.
    last: tuple[str, bool, Hit | None] = ("", False, None)


@dataclass(slots=True)
class DistinctHits:
    """Values under one key that passed the same check (see PIScanner.scan_distinct)."""

    first: Hit  # the hit of the first of them
    position: int  # where the first of them is among the values given
    count: int
    texts: set[str]


# The URL and the sibling fields of a leaf: all a field's hits may depend on besides key and value.
_Record = tuple[str, Mapping[str, object] | None]


class _RecordNeeded(Exception):
    """What a key and value say turns on the URL or siblings (an axis, an ambiguous key): not to be remembered."""


_NEEDS_RECORD: tuple[bool, Hit | None] = (False, None)


def _noisy_or(*p: float) -> float:
    """Independent pieces of evidence combine: 1 - prod(1 - p)."""
    q = 1.0
    for x in p:
        q *= 1.0 - x
    return 1.0 - q


class PIScanner:
    """Recognizes PI in text, field leaves and binary payloads; hits at or above REPORT_THRESHOLD only.

    Holds compiled recognizer data and per-value caches, so build it once (get_scanner) and share it.
    """

    def __init__(self, data: RecognizerData | None = None) -> None:
        self.data = data or load_recognizer_data()
        self._matcher = PatternMatcher(self.data.entities)
        self._keys = KeyLexicon(self.data)
        self._bio = BiometricClassifier(self.data)
        address = self.data.entities["ADDRESS"]
        self._address_context = tuple(address.context)
        self._name_context = tuple(self.data.entities["PERSON_NAME"].context)
        self._names = PersonNameFinder(self.data.names, self.data.tagger,
                                       titles=[w for w in self._name_context if w not in self.data.names.not_given])
        self._value_hits = lru_cache(maxsize=_VALUE_CACHE)(self._cached_value_hits)
        self._text_hits = lru_cache(maxsize=_TEXT_CACHE)(self._cached_text_hits)
        self._axis_value_hit = lru_cache(maxsize=_VALUE_CACHE)(self._cached_axis_value_hit)
        self._key_info = lru_cache(maxsize=_VALUE_CACHE)(self._key_facts)
        self._specs = {f.id: f for f in self.data.fields}
        # Per field spec: each entity it may name, with the score of key plus valid value, without and with
        # a sibling naming PI (worked out here, not for every value).
        self._spec_entities = {
            f.id: [(ent, _noisy_or(f.weight, ent.value_score, 0.0),
                    _noisy_or(f.weight, ent.value_score, _SIBLING_SUPPORT))
                   for ent in (self.data.entities[e] for e in (f.entity, *f.also))]
            for f in self.data.fields
        }

    @cached_property
    def analyzer(self) -> PersonNameFinder:
        """The language layer (names in prose): jieba's word table and the LAC model, loaded now.

        They take about half a second and structured data never needs them, so scanning loads them
        at the first prose that may hold a name; a process that forks scan workers touches this
        first, so the workers share one copy.
        """
        self._names.load()
        return self._names

    # -- free text -------------------------------------------------------------------------------

    def scan_text(self, text: str) -> list[Hit]:
        """Free text of any length: windows bound the memory, overlapping so no hit is cut in two.

        Texts of up to one window are cached whole: apps fetch the same page, config or message again.
        """
        if len(text) <= WINDOW:
            return list(self._text_hits(text))
        return self._scan_windows(text)

    def _cached_text_hits(self, text: str) -> tuple[Hit, ...]:
        return tuple(self._scan_windows(text))

    def _scan_windows(self, text: str) -> list[Hit]:
        hits: list[Hit] = []
        for offset, window, own_from, own_to in _windows(text):
            found = self._matcher.scan(window) + self._language_hits(window)
            kept = [h for h in found if own_from <= h.start < own_to and h.score >= REPORT_THRESHOLD]
            hits += [replace(h, start=h.start + offset, end=h.end + offset) for h in kept] if offset else kept
        return resolve_overlaps(hits)

    def _language_hits(self, window: str) -> list[Hit]:
        """Names (the tagger, where the gate lets it look) and street addresses (the grammar)."""
        if not _CJK.search(window):
            return []
        out = [self._word_hit("PERSON_NAME", window, start, end, _MODEL_SCORE, self._name_context, "model")
               for start, end in self._names.find(window)]
        grammar = self.data.address
        spans = []
        for start, end in grammar.find(window):
            full = grammar.has_place(window, start, end) or grammar.admin_unit.search(window, start, end)
            spans.append((start, end, 0.6 if full else 0.5))
        spans += ((start, end, 0.5) for start, end in grammar.named_places(window, self._names.dictionary_word))
        out += (self._word_hit("ADDRESS", window, start, end, score, self._address_context)
                for start, end, score in grammar.joined(window, spans))
        return out

    def _word_hit(self, entity: str, text: str, start: int, end: int, score: float, context: tuple[str, ...],
                  *evidence: str) -> Hit:
        """A name or address hit; a context word in the characters just before it adds confidence."""
        before = text[max(0, start - CONTEXT_BEFORE):start].lower()
        supported = any(w in before for w in context)
        return Hit(entity, self.data.entities[entity].category, start, end, text[start:end],
                   min(1.0, score + CONTEXT_BOOST) if supported else score,
                   ("value", *evidence, "context") if supported else ("value", *evidence))

    # -- structured fields -----------------------------------------------------------------------

    def key_categories(self, key: str) -> list[tuple[str, str, float]]:
        """(entity, category, weight) the field name alone suggests; weak on its own for short keys."""
        out = []
        for spec in self._keys.lookup(key):
            for ent in (spec.entity, *spec.also):
                out.append((ent, self.data.entities[ent].category, spec.weight))
        return out

    def scan_field(self, path: str, key: str, value: object, *, url: str = "",
                   parent: Mapping[str, object] | None = None) -> list[Hit]:
        """One leaf: a key naming PI plus a value of the right shape is strong; either alone is weaker.

        Empty, boolean and None values give nothing: a key with no value is not collection evidence.
        Values under record-id keys (orderId, traceId) are not scanned; prose values are scanned as text.
        """
        text = value.strip() if type(value) is str else _as_text(value)  # str first: most leaves
        if not text:
            return []
        facts = self._key_info(key)
        if facts.specs:
            known = False
            if facts.by_value and len(text) < _MIN_PAYLOAD_CHARS:
                last, known, hit = facts.last
                if last != text:
                    known, hit = self._key_hit_by_value(facts, key, text)
                    facts.last = (text, known, hit)
            if not known:
                hit = self._first_key_hit(facts.specs, key, text, (url, parent))
            if hit:
                # Key and value agree on the whole value; only a long one may hide more (prose under `remark`).
                return [hit] if len(text) <= _FIELD_MAX else resolve_overlaps([hit, *self.scan_text(text)])
        if facts.negative:
            return []
        n = len(text)
        if n >= _MIN_PAYLOAD_CHARS:
            # An image under a plain key (`image`, `file`) on a face endpoint: the URL decides.
            payload = self._payload_hit(key, text, url)
            if payload:
                return [payload]
            if n > _FIELD_MAX:
                return self.scan_text(text)
        m = self._matcher
        if n < m.min_length and (n < m.gated_min or (":" not in text and "@" not in text)):
            return []  # most leaves: flags, counts, enum strings (PatternMatcher.too_short, inlined: hot)
        return list(self._value_hits(text, facts.context))

    def scan_distinct(self, key: str, values: Sequence[object]) -> tuple[list[DistinctHits], list[int]]:
        """Different values under one key at once, where the key's shape checks alone decide (a column
        of fresh OAIDs, an uploaded address book): per check passed, the first hit, how many values
        passed and their texts, with no Hit made per value. Second, the positions of the values this
        cannot judge (they fail the checks and may still be something else, or are long): give those
        to scan_field. For a key that is no plain check (see _KeyFacts.checks), that is all of them.
        """
        checks = self._key_info(key).checks
        if checks is None:
            return [], list(range(len(values)))
        found: dict[int, DistinctHits] = {}
        rest: list[int] = []
        for pos, value in enumerate(values):
            text = value.strip() if type(value) is str else _as_text(value)
            if not text:
                continue  # scan_field gives nothing for it either
            i = _passed(checks, text) if len(text) < _MIN_PAYLOAD_CHARS else -1
            if i < 0:
                rest.append(pos)
                continue
            got = found.get(i)
            if got is None:
                found[i] = DistinctHits(_check_hit(checks[i], text), pos, 1, {text})
            else:
                got.count += 1
                got.texts.add(text)
        return list(found.values()), rest

    def _key_hit_by_value(self, facts: _KeyFacts, key: str, text: str) -> tuple[bool, Hit | None]:
        """(True, what the key and value say), or _NEEDS_RECORD where that turns on the URL or siblings.

        Axes, ambiguous keys and payload keys need the record, so their values are scanned afresh each time.
        """
        if facts.checks is not None:  # text is shorter than _MIN_PAYLOAD_CHARS here, so within _FIELD_MAX
            i = _passed(facts.checks, text)
            return True, (_check_hit(facts.checks[i], text) if i >= 0 else None)
        try:
            return True, self._first_key_hit(facts.specs, key, text, None)
        except _RecordNeeded:
            return _NEEDS_RECORD

    def _first_key_hit(self, specs: tuple[FieldSpec, ...], key: str, text: str, record: _Record | None) -> Hit | None:
        """``record`` None: not known, and _RecordNeeded is raised where it would matter."""
        for spec in specs:
            hit = self._key_hit(spec, key, text, record)
            if hit:
                return hit
        return None

    def _key_facts(self, key: str) -> _KeyFacts:
        specs = self._keys.lookup(key) if key else ()
        return _KeyFacts(
            specs=specs,
            negative=bool(key) and self._keys.is_negative(key),
            context=normalise_key(key) if key else "",
            strong=any(s.weight >= _STRONG_KEY for s in specs),
            roles=frozenset(s.role for s in specs if s.role),
            by_value=any(s.role is None for s in specs),
            record_bound=any(s.role is not None or s.weight < _WEAK_KEY for s in specs),
            checks=self._plain_checks(specs),
        )

    def _plain_checks(self, specs: tuple[FieldSpec, ...]) -> tuple[_Check, ...] | None:
        """What _key_hit does for these specs, unrolled, when it needs neither the record nor the URL."""
        checks: list[_Check] = []
        for spec in specs:
            if spec.role is not None or spec.weight < _WEAK_KEY:
                return None
            for ent, alone, _ in self._spec_entities[spec.id]:
                if ent.field_regex is None or ent.field_validator is None:
                    return None  # a payload: judged by the URL too
                if alone >= REPORT_THRESHOLD:  # below it, _key_hit passes on to the next entry
                    checks.append((ent.field_regex.fullmatch, ent.field_validator, ent.id, ent.category, alone))
        return tuple(checks) if specs else None

    def needs_record(self, key: str) -> bool:
        """Whether a value's hits under this key may turn on the fields around it (an axis pairs with
        the other axis, a weak key needs a sibling naming PI). If not, equal values under the key
        in one message give equal hits, so a column of them is scanned once per distinct value."""
        return self._key_info(key).record_bound

    def _cached_value_hits(self, text: str, key_context: str) -> tuple[Hit, ...]:
        """Hits from a short value alone; cached, because APIs repeat values (the IMEI in every event)."""
        if _FREE_TEXT.search(text):
            return tuple(self._scan_windows(text))  # not via the text cache, which short values would crowd out
        return tuple(h for h in self._matcher.scan(text, context=key_context) if h.score >= REPORT_THRESHOLD)

    def _key_hit(self, spec: FieldSpec, key: str, text: str, record: _Record | None) -> Hit | None:
        if spec.role:
            return self._axis_hit(spec, key, text, record)
        for ent, alone, supported in self._spec_entities[spec.id]:
            if ent.field_regex is None or ent.field_validator is None:
                return self._payload_hit(key, text, _known(record)[0])
            if len(text) <= _FIELD_MAX and ent.field_regex.fullmatch(text) and ent.field_validator(text):
                score = supported if spec.weight < _WEAK_KEY and self._has_pi_sibling(key, _known(record)[1]) else alone
                if score >= REPORT_THRESHOLD:
                    return Hit(ent.id, ent.category, 0, len(text), text, score, ("key", "value"))
        return None

    def _has_pi_sibling(self, key: str, parent: Mapping[str, object] | None) -> bool:
        """A sibling whose key names PI, or whose value alone is a contact or ID number ({n: 张伟, p: 138…})."""
        if not parent:
            return False
        for k, v in parent.items():
            text = _as_text(v) if k != key else None
            if text is None:
                continue
            if self._key_info(str(k)).strong:
                return True
            if len(text) <= _FIELD_MAX and any(h.entity in _IDENTIFYING for h in self._value_hits(text, "")):
                return True
        return False

    def _axis_hit(self, spec: FieldSpec, key: str, text: str, record: _Record | None) -> Hit | None:
        """A latitude or longitude field; a sibling of the other axis makes it a location fix."""
        if _coordinate(text, spec.role) is None:
            return None
        parent = _known(record)[1]
        other = "lng" if spec.role == "lat" else "lat"
        for k, v in (parent or {}).items():  # a loop, not any(): no generator for every coordinate leaf
            if k != key and other in self._key_info(str(k)).roles and _coordinate(_as_text(v) or "", other) is not None:
                return self._axis_value_hit(spec.id, text, True)
        return self._axis_value_hit(spec.id, text, False)

    def _cached_axis_value_hit(self, spec_id: str, text: str, paired: bool) -> Hit:
        """The hit of a coordinate value, cached: a device at rest reports the same fix again and again."""
        spec = self._specs[spec_id]
        ent: EntitySpec = self.data.entities[spec.entity]
        value = 0.65 if len(text.partition(".")[2]) >= 4 else 0.3
        score = _noisy_or(spec.weight, value, _PAIR_SUPPORT if paired else 0.0)
        return Hit(ent.id, ent.category, 0, len(text), text, score, ("key", "value"))

    def _payload_hit(self, key: str, text: str, url: str) -> Hit | None:
        decoded = decode_payload(text)
        if decoded is None:
            return None
        raw, mime = decoded
        found = self._bio.classify(key, url, raw, mime, self._key_entities(key))
        return replace(found[0], end=len(text)) if found else None

    def _key_entities(self, key: str) -> frozenset[str]:
        return frozenset(e for e, _, _ in self.key_categories(key)) if key else frozenset()

    # -- binary payloads -------------------------------------------------------------------------

    def scan_bytes(self, path: str, key: str, data: bytes, *, mime: str = "", url: str = "") -> list[Hit]:
        """A binary payload is biometric only when key or URL says so and the content is of the right kind."""
        return self._bio.classify(key, url, data, mime, self._key_entities(key))


def _passed(checks: tuple[_Check, ...], text: str) -> int:
    """The index of the first of a plain key's checks the text passes (as _key_hit tries them), or -1."""
    for i, (fullmatch, valid, _, _, _) in enumerate(checks):
        if fullmatch(text) and valid(text):
            return i
    return -1


def _check_hit(check: _Check, text: str) -> Hit:
    _, _, entity, category, score = check
    return Hit(entity, category, 0, len(text), text, score, ("key", "value"))


def _known(record: _Record | None) -> _Record:
    """The leaf's URL and siblings; while the per-value cache is being filled they are unknown."""
    if record is None:
        raise _RecordNeeded
    return record


@lru_cache(maxsize=_VALUE_CACHE)
def _coordinate(text: str, role: str | None) -> float | None:
    """The value as a coordinate on the given axis inside China, with at least 2 decimals; else None."""
    if "." not in text or len(text.partition(".")[2]) < 2:
        return None
    try:
        x = float(text)
    except ValueError:
        return None
    return x if (is_lat(x) if role == "lat" else is_lng(x)) else None


def get_scanner(ruleset: Ruleset | None = None) -> PIScanner:
    """The process-wide scanner of a ruleset's recognizer data (the default ruleset's when none is given),
    so an audit run with custom recognizers scans with them and records their version; each recognizer
    folder is loaded and compiled once per process."""
    rs = ruleset or default_ruleset()
    root = str(rs.recognizers_root.resolve())
    if root not in _SCANNERS:
        _SCANNERS[root] = PIScanner(load_recognizer_data(rs))
    return _SCANNERS[root]


#: one scanner per recognizer folder (by resolved path)
_SCANNERS: dict[str, PIScanner] = {}
