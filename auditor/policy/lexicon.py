"""The policy lexicon (rules/policy_lexicon.yaml) compiled into the regexes the reader runs.

Keeping wording in data lets a reviewer add a synonym without touching code; compiling it here once
means a bad regex or an unknown category fails at load time naming its entry, not mid-audit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from auditor.errors import RulesError
from auditor.ruleset import Ruleset, default_ruleset

# What a matched term means: a category, a class of categories, or nothing (a stop phrase).
TERM_CATEGORY = "category"
TERM_CLASS = "class"
TERM_STOP = "stop"


@dataclass(frozen=True)
class TermInfo:
    kind: str
    category: str | None = None
    negates: tuple[str, ...] = ()
    weak: bool = False  # counts only when read (读取…短信) or denied, see weak_terms in the lexicon


@dataclass(frozen=True)
class Lexicon:
    terms: re.Pattern[str]
    term_info: dict[str, TermInfo]
    neg_collection: re.Pattern[str]
    neg_other: re.Pattern[str]
    scoped: re.Pattern[str]
    neg_scope: re.Pattern[str]
    limiting: re.Pattern[str]
    partial_before: re.Pattern[str]
    partial_after: re.Pattern[str]
    restrictive: re.Pattern[str]
    contrast: re.Pattern[str]
    other_party: re.Pattern[str]
    first_person: re.Pattern[str]
    vetoes: dict[str, tuple[tuple[re.Pattern[str] | None, re.Pattern[str] | None], ...]]
    delegated: re.Pattern[str]
    consent_qualifier: re.Pattern[str]
    continuation: tuple[str, ...]
    exception: re.Pattern[str]
    condition: re.Pattern[str]
    function_cues: tuple[re.Pattern[str], ...]
    separate_consent: re.Pattern[str]
    definition: re.Pattern[str]
    anaphora: tuple[str, ...]
    skip_headings: re.Pattern[str]
    chapter_titles: re.Pattern[str]
    contents_cue: re.Pattern[str]
    verbs: re.Pattern[str]
    weak_term_verbs: re.Pattern[str]
    sdk_section_words: tuple[str, ...]
    sdk_context_words: tuple[str, ...]
    sdk_headers: dict[str, str]
    sdk_name_noise: tuple[str, ...]
    sdk_generic_names: frozenset[str]
    sdk_name_particles: tuple[str, ...]
    sdk_not_name_words: tuple[str, ...]
    sdk_intro_words: tuple[str, ...]
    sdk_generic_function_names: frozenset[str]

    def info(self, matched: str) -> TermInfo:
        return self.term_info[_key(matched)]


def _key(term: str) -> str:
    """Terms match regardless of case, inner spaces and Latin hyphens (Android ID = AndroidID, Wi-Fi = WiFi)."""
    return re.sub(r"\s+|(?<=[A-Za-z])[-‐](?=[A-Za-z])", "", term).casefold()


def term_regex(term: str) -> str:
    """A literal term as a regex: case and inner spaces free, Latin ends not inside a longer word."""
    # Policies space Latin and Chinese freely (WLAN 接入点, IP 地址, Android ID): any inner space,
    # and a space where Latin meets Chinese, is optional.
    latin = r"A-Za-z0-9\-"
    parts = re.split(rf"\s+|(?<=[{latin}])(?=[^\s{latin}])|(?<=[^\s{latin}])(?=[{latin}])", term.strip())
    body = r"\s*".join(re.escape(part) for part in parts if part)
    body = re.sub(r"(?<=[A-Za-z])\\-(?=[A-Za-z])", "[-‐]?", body)  # Wi-Fi = WiFi = WIFI
    if re.match(r"[A-Za-z0-9]", term):
        body = r"(?<![A-Za-z0-9])" + body
    if re.search(r"[A-Za-z0-9]$", term):
        body += r"(?![A-Za-z0-9])"
    return body


def _trie_regex(terms: list[str]) -> str:
    """One regex for all terms, longest match first, shaped as a trie so a 300-term lexicon scans a
    1 MB policy in about a second (a flat alternation tries every term at every position)."""
    latin = sorted((t for t in terms if re.search(r"[A-Za-z0-9\s]", t)), key=lambda t: (-len(_key(t)), t))
    trie: dict[str, Any] = {}
    for t in terms:
        if t in latin:
            continue
        node = trie
        for ch in t:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        # Longer continuations before the end marker, so 位置信息 wins over 位置.
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")" if alts else ""
        if "" in node:
            return f"(?:{body})?" if alts else ""
        return body

    # Terms opening with a Latin letter or digit are tried only where one stands, so the Chinese text
    # that makes up most of a policy costs one look-ahead per position, not one per Latin term.
    opening = [term_regex(t) for t in latin if re.match(r"[A-Za-z0-9]", t)]
    parts = ["(?=[A-Za-z0-9])(?:" + "|".join(opening) + ")"] if opening else []
    parts += [term_regex(t) for t in latin if not re.match(r"[A-Za-z0-9]", t)]
    if trie:
        parts.append(build(trie))
    return "|".join(parts)


def _compile(path: Path, entry: str, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as e:
        raise RulesError(path, entry, f"bad regex: {e}") from None


def _union(path: Path, section: str, entries: list[dict[str, Any]]) -> re.Pattern[str]:
    for i, e in enumerate(entries):
        _compile(path, f"{section}[{i}] (id={e['id']})", e["pattern"])
    return re.compile("|".join(f"(?:{e['pattern']})" for e in entries), re.IGNORECASE)


def compile_lexicon(data: dict[str, Any], path: Path, known_categories: set[str]) -> Lexicon:
    """Build a Lexicon; RulesError names the entry for unknown categories, bad regexes, clashes."""
    info: dict[str, TermInfo] = {}
    sources: dict[str, str] = {}

    def add(term: str, ti: TermInfo, entry: str) -> None:
        k = _key(term)
        if k in info and info[k] != ti:
            raise RulesError(path, entry, f"term '{term}' already means something else in {sources[k]}")
        info[k] = ti
        sources[k] = entry

    for i, c in enumerate(data["categories"]):
        entry = f"categories[{i}] (id={c['id']})"
        if c["id"] not in known_categories:
            raise RulesError(path, entry, f"unknown category '{c['id']}'")
        for t in c["terms"]:
            add(t, TermInfo(TERM_CATEGORY, c["id"]), entry)
        for t in c.get("weak_terms", []):
            add(t, TermInfo(TERM_CATEGORY, c["id"], weak=True), entry)
    for i, c in enumerate(data["class_terms"]):
        entry = f"class_terms[{i}] (id={c['id']})"
        for cat in c["negates"]:
            if cat not in known_categories:
                raise RulesError(path, entry, f"unknown category '{cat}'")
        for t in c["terms"]:
            add(t, TermInfo(TERM_CLASS, None, tuple(c["negates"])), entry)
    for i, s in enumerate(data["stop_terms"]):
        for t in s["terms"]:
            add(t, TermInfo(TERM_STOP), f"stop_terms[{i}] (id={s['id']})")

    all_terms: dict[str, str] = {}
    for group in (data["categories"], data["class_terms"], data["stop_terms"]):
        for g in group:
            for t in [*g["terms"], *g.get("weak_terms", [])]:
                all_terms.setdefault(_key(t), t)
    terms = re.compile(_trie_regex(list(all_terms.values())), re.IGNORECASE)

    neg = data["negation"]
    sdk = data["sdk"]
    headers: dict[str, str] = {}
    for h in sdk["headers"]:
        for w in h["words"]:
            headers[_key(w)] = h["field"]
    return Lexicon(
        terms=terms,
        term_info=info,
        neg_collection=_union(path, "negation.collection", neg["collection"]),
        neg_other=_union(path, "negation.other", neg["other"]),
        scoped=_union(path, "negation.scoped", neg["scoped"]),
        neg_scope=_union(path, "negation.scoping_conditions", neg["scoping_conditions"]),
        limiting=_union(path, "negation.limiting", neg["limiting"]),
        partial_before=_union(path, "negation.partial_before", neg["partial_before"]),
        partial_after=_union(path, "negation.partial_after", neg["partial_after"]),
        restrictive=_union(path, "negation.restrictive", neg["restrictive"]),
        contrast=_union(path, "negation.contrast", neg["contrast"]),
        other_party=_union(path, "negation.other_party_subjects", neg["other_party_subjects"]),
        first_person=_union(path, "negation.first_person", neg["first_person"]),
        vetoes=_vetoes(path, data["context_vetoes"], known_categories),
        delegated=_union(path, "negation.delegated", neg["delegated"]),
        consent_qualifier=_union(path, "negation.consent_qualifiers", neg["consent_qualifiers"]),
        continuation=tuple(sorted(neg["continuation"], key=len, reverse=True)),
        exception=_compile(path, "exception", data["exception"]["pattern"]),
        condition=_union(path, "conditions", data["conditions"]),
        function_cues=tuple(
            _compile(path, f"function_cues[{i}] (id={e['id']})", e["pattern"])
            for i, e in enumerate(data["function_cues"])
        ),
        separate_consent=_union(path, "separate_consent", data["separate_consent"]),
        definition=_union(path, "definition_cues", data["definition_cues"]),
        anaphora=tuple(data["anaphora"]["words"]),
        skip_headings=_union(path, "skip_headings", data["skip_headings"]),
        chapter_titles=_union(path, "structure.chapter_titles", data["structure"]["chapter_titles"]),
        contents_cue=_union(path, "structure.contents_cues", data["structure"]["contents_cues"]),
        verbs=_compile(path, "collection_verbs", data["collection_verbs"]["pattern"]),
        weak_term_verbs=_compile(path, "weak_term_verbs", data["weak_term_verbs"]["pattern"]),
        sdk_section_words=tuple(sdk["section_words"]["words"]),
        sdk_context_words=tuple(sdk["context_words"]["words"]),
        sdk_headers=headers,
        sdk_name_noise=tuple(sorted(sdk["name_noise"]["words"], key=len, reverse=True)),
        sdk_generic_names=frozenset(_key(w) for w in sdk["generic_names"]["words"]),
        sdk_name_particles=tuple(_key(w) for w in sdk["name_particles"]["words"]),
        sdk_not_name_words=tuple(_key(w) for w in sdk["not_name_words"]["words"]),
        sdk_intro_words=tuple(sdk["intro_words"]["words"]),
        sdk_generic_function_names=frozenset(_key(w) for w in sdk["generic_function_names"]["words"]),
    )


def _vetoes(
    path: Path, entries: list[dict[str, Any]], known: set[str]
) -> dict[str, tuple[tuple[re.Pattern[str] | None, re.Pattern[str] | None], ...]]:
    """Per category, the (before, after) context patterns that veto a term of it."""
    out: dict[str, list[tuple[re.Pattern[str] | None, re.Pattern[str] | None]]] = {}
    for i, e in enumerate(entries):
        entry = f"context_vetoes[{i}] (id={e['id']})"
        before = _compile(path, entry, f"(?:{e['before']})$") if "before" in e else None
        after = _compile(path, entry, e["after"]) if "after" in e else None
        for cat in e["categories"]:
            if cat not in known:
                raise RulesError(path, entry, f"unknown category '{cat}'")
            out.setdefault(cat, []).append((before, after))
    return {k: tuple(v) for k, v in out.items()}


def header_key(cell: str) -> str:
    """Normalise a table header cell the way lexicon header words are keyed."""
    return _key(cell.strip(" ：:*"))


def load_lexicon(ruleset: Ruleset | None = None) -> Lexicon:
    """The lexicon of `ruleset` (default: the installed rules), compiled once per ruleset and process."""
    return _build(ruleset or default_ruleset())


@cache
def _build(rs: Ruleset) -> Lexicon:
    data = rs.load("policy_lexicon")
    return compile_lexicon(data, rs.root / "policy_lexicon.yaml", set(rs.categories))
