"""Scoring the policy reader against hand-labelled policies (tests/data/policies/*.truth.yaml).

Shared by the test that holds the reader to its targets and by benchmarks/bench_policy.py, so both
measure the same thing. A truth file sits beside its policy (p01_x.txt -> p01_x.truth.yaml) and lists
per category what the policy says: `declared` (incl. conditional), `conditional`, `negated`,
`separate_consent`, and the SDK list (`sdk: <id>` or `name: <as written>` for unknown SDKs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from auditor.policy import PolicyResult, read_policy
from auditor.policy.lexicon import load_lexicon
from auditor.policy.sdk_list import normalise_name

POLICY_SUFFIXES = (".txt", ".html", ".htm", ".pdf")


@dataclass
class Case:
    path: Path
    truth: dict[str, Any]


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Scores:
    overall: dict[str, Tally] = field(default_factory=dict)  # declared / negated / conditional / separate
    by_category: dict[str, dict[str, Tally]] = field(default_factory=dict)
    sdk_exact: int = 0
    sdk_categories_exact: int = 0
    policies: int = 0
    errors: list[str] = field(default_factory=list)  # "policy: status category FP/FN" lines

    @property
    def sdk_exact_rate(self) -> float:
        return self.sdk_exact / self.policies if self.policies else 1.0


def labelled_cases(directory: Path) -> list[Case]:
    cases = []
    for truth in sorted(directory.glob("*.truth.yaml")):
        stem = truth.name.removesuffix(".truth.yaml")
        found = [p for p in (directory / (stem + s) for s in POLICY_SUFFIXES) if p.exists()]
        if len(found) != 1:
            raise FileNotFoundError(f"{truth}: expected exactly one policy file named {stem}.*")
        cases.append(Case(found[0], yaml.safe_load(truth.read_text(encoding="utf-8"))))
    return cases


def predicted_sets(result: PolicyResult) -> dict[str, set[str]]:
    sets: dict[str, set[str]] = {"declared": set(), "negated": set(), "conditional": set(), "separate": set()}
    for d in result.declarations:
        if d.category is None:
            continue
        if d.status in ("declared", "conditional"):
            sets["declared"].add(d.category)
        if d.status in ("negated", "conditional"):
            sets[d.status].add(d.category)
        if d.separate_consent:
            sets["separate"].add(d.category)
    return sets


def _sdk_key(entry: dict[str, Any]) -> str:
    return entry.get("sdk") or "name:" + normalise_name(entry["name"], load_lexicon())


def score(cases: list[Case]) -> Scores:
    sc = Scores()
    for case in cases:
        result = read_policy(case.path)
        sc.policies += 1
        got = predicted_sets(result)
        truth = {
            "declared": set(case.truth.get("declared") or []),
            "negated": set(case.truth.get("negated") or []),
            "conditional": set(case.truth.get("conditional") or []),
            "separate": set(case.truth.get("separate_consent") or []),
        }
        for status, want in truth.items():
            tally = sc.overall.setdefault(status, Tally())
            for cat in want | got[status]:
                per = sc.by_category.setdefault(cat, {}).setdefault(status, Tally())
                if cat in want and cat in got[status]:
                    tally.tp += 1
                    per.tp += 1
                elif cat in got[status]:
                    tally.fp += 1
                    per.fp += 1
                    sc.errors.append(f"{case.path.name}: {status} {cat} FP")
                else:
                    tally.fn += 1
                    per.fn += 1
                    sc.errors.append(f"{case.path.name}: {status} {cat} FN")
        want_sdks = {_sdk_key(e): sorted(e.get("categories") or []) for e in case.truth.get("sdks") or []}
        got_sdks = {
            (d.sdk or "name:" + normalise_name(d.sdk_name or "", load_lexicon())): sorted(d.sdk_categories)
            for d in result.declarations
            if d.category is None
        }
        if set(want_sdks) == set(got_sdks):
            sc.sdk_exact += 1
            if want_sdks == got_sdks:
                sc.sdk_categories_exact += 1
            else:
                sc.errors.append(f"{case.path.name}: SDK categories differ: want {want_sdks} got {got_sdks}")
        else:
            missing = set(want_sdks) - set(got_sdks)
            extra = set(got_sdks) - set(want_sdks)
            sc.errors.append(f"{case.path.name}: SDK list missing {sorted(missing)} extra {sorted(extra)}")
    return sc
