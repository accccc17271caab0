"""The recognizer data under recognizers/, loaded, cross-checked and compiled once.

Schemas catch malformed entries; this module catches the mistakes a schema cannot: a category that
is not in rules/categories.yaml, a validator id with no implementation, a field naming an unknown
entity, a regex that does not compile. Each raises RulesError naming the file and entry, so a
regulator editing the YAML sees exactly what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import RulesError
from auditor.pii.address import AddressGrammar
from auditor.pii.keys import normalise_key
from auditor.pii.names import NameLexicon, TaggerRules
from auditor.pii.validators import CardBrands, RegionTable, Validator, make_validators
from auditor.ruleset import Ruleset


@dataclass(frozen=True)
class PatternSpec:
    name: str
    regex: re.Pattern[str]
    score: float
    validator: Validator


@dataclass(frozen=True)
class EntitySpec:
    id: str
    category: str
    patterns: tuple[PatternSpec, ...]
    context: tuple[str, ...]
    negative: tuple[str, ...]  # record-number words (订单号, build) that cancel a candidate right after them
    field_value_score: float | None  # a value alone in a field whose key does not name the entity
    field_regex: re.Pattern[str] | None  # None: a binary payload, judged by biometrics.yaml
    field_validator: Validator | None

    @property
    def value_score(self) -> float:
        """Confidence the value alone gives once it validates (0.25 for entities with no text pattern).

        0.25 keeps an ambiguous key (`name`, weight 0.3) with a plausible value below the report
        threshold unless a sibling field names PI too.
        """
        return max((p.score for p in self.patterns), default=0.25)


@dataclass(frozen=True)
class FieldSpec:
    id: str
    entity: str
    also: tuple[str, ...]
    role: str | None
    weight: float


@dataclass(frozen=True)
class RecognizerData:
    entities: dict[str, EntitySpec]
    fields: tuple[FieldSpec, ...]
    field_keys: dict[str, tuple[FieldSpec, ...]]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]
    negative_keys: frozenset[str]
    names: NameLexicon
    tagger: TaggerRules
    address: AddressGrammar
    biometrics: dict[str, Any]
    validators: dict[str, Validator]


# A leading one-character negative lookbehind, then a one-character class with an optional counted
# repeat: `(?<![0-9])[1-9]...`, `(?<![0-9])[0-9]{15}...`.
_LEADING_GUARD = re.compile(
    r"^\(\?<!(\[(?:\\.|[^\]\\])*\]|\\.|[^()\[\]\\|?*+{}])\)"
    r"(\[(?:\\.|[^\]\\])*\]|\\.|[^\\()\[\]{}?*+|.^$])(?:\{([1-9][0-9]*)(,[0-9]*)?\})?(?![?*+{])"
)


def fast_start(regex: str) -> str:
    """`(?<!B)F rest` -> `F(?<!BF) rest`: the same matches, ~3x faster to search.

    Python's regex engine skips quickly to candidate positions only when a pattern begins with a
    character class; a leading lookbehind defeats that and costs a full attempt at every position.
    Checking the guard after the first character is equivalent: with F just matched, "not (B then F)"
    is "not B before". The data files keep the readable form.
    """
    m = _LEADING_GUARD.match(regex)
    if not m:
        return regex
    behind, first, low, high = m.group(1), m.group(2), m.group(3), m.group(4)
    repeat = ""
    if low:  # F{n,m} -> F (guard) F{n-1,m-1}
        rest_high = "," if high == "," else f",{int(high[1:]) - 1}" if high else ""
        repeat = f"{first}{{{int(low) - 1}{rest_high}}}"
    return f"{first}(?<!{behind}{first}){repeat}{regex[m.end():]}"


def _compile(path: Path, entry: str, regex: str) -> re.Pattern[str]:
    try:
        return re.compile(fast_start(regex))
    except re.error as e:
        raise RulesError(path, entry, f"regex does not compile: {e}") from None


def load_recognizer_data(ruleset: Ruleset | None = None) -> RecognizerData:
    rs = ruleset or Ruleset()
    root = rs.recognizers_root
    regions = rs.load_recognizer_file("cn_regions")
    issue = regions["issue_years"]
    table = RegionTable({p["code"] for p in regions["provinces"]},
                        {c["code"] for c in regions["extra_region_codes"]}, issue["first"], issue["fifteen_digit_last"])
    surnames = rs.load_recognizer_file("surnames")
    names = NameLexicon.from_data(surnames)
    address = AddressGrammar.from_data(rs.load_recognizer_file("address"), [p["name"] for p in regions["provinces"]])
    cards = CardBrands(rs.load_recognizer_file("cards")["brands"])
    validators = make_validators(table, names.is_name, address.is_address, cards)

    ent_path = root / "entities.yaml"
    entities: dict[str, EntitySpec] = {}
    for i, e in enumerate(rs.load_recognizer_file("entities")["entities"]):
        entry = f"entities[{i}] (id={e['id']})"
        rs.require_category(ent_path, entry, e["category"])
        field = e.get("field")
        for vid in [p["validator"] for p in e["patterns"]] + ([field["validator"]] if field else []):
            if vid not in validators:
                raise RulesError(ent_path, entry, f"unknown validator '{vid}'")
        patterns = tuple(
            PatternSpec(p["name"], _compile(ent_path, f"{entry} pattern {p['name']}", p["regex"]),
                        float(p["score"]), validators[p["validator"]])
            for p in e["patterns"]
        )
        entities[e["id"]] = EntitySpec(
            id=e["id"], category=e["category"], patterns=patterns,
            context=tuple(w.lower() for w in e["context"]),
            negative=tuple(w.lower() for w in e.get("negative_context", ())),
            field_value_score=float(e["field_value_score"]) if "field_value_score" in e else None,
            field_regex=_compile(ent_path, f"{entry} field", field["regex"]) if field else None,
            field_validator=validators[field["validator"]] if field else None,
        )

    fields_path = root / "fields.yaml"
    fdata = rs.load_recognizer_file("fields")
    specs: list[FieldSpec] = []
    by_key: dict[str, list[FieldSpec]] = {}
    for i, f in enumerate(fdata["fields"]):
        entry = f"fields[{i}] (id={f['id']})"
        for ent in [f["entity"], *f.get("also", [])]:
            if ent not in entities:
                raise RulesError(fields_path, entry, f"unknown entity '{ent}'")
        spec = FieldSpec(f["id"], f["entity"], tuple(f.get("also", [])), f.get("role"), float(f["weight"]))
        specs.append(spec)
        for k in f["keys"]:
            by_key.setdefault(normalise_key(k), []).append(spec)

    bio = rs.load_recognizer_file("biometrics")
    bio_path = root / "biometrics.yaml"
    for i, p in enumerate(bio["purposes"]):
        if p["entity"] not in entities:
            raise RulesError(bio_path, f"purposes[{i}]", f"unknown entity '{p['entity']}'")
    payload_entities = {p["entity"] for p in bio["purposes"]}
    for i, (eid, spec) in enumerate(entities.items()):
        if spec.field_regex is None and eid not in payload_entities:
            raise RulesError(ent_path, f"entities[{i}] (id={eid})", "no `field` and not a payload in biometrics.yaml")

    return RecognizerData(
        entities=entities,
        fields=tuple(specs),
        field_keys={k: tuple(v) for k, v in by_key.items()},
        prefixes=tuple(sorted(fdata["prefixes"], key=len, reverse=True)),
        suffixes=tuple(sorted(fdata["suffixes"], key=len, reverse=True)),
        negative_keys=frozenset(normalise_key(k) for k in fdata["negative_keys"]["keys"]),
        names=names,
        tagger=TaggerRules.from_data(surnames["tagger"]),
        address=address,
        biometrics=bio,
        validators=validators,
    )
