"""Scoring a recognizer against the labelled corpus (tests/data/recognizers/corpus.jsonl).

Shared by the corpus tests (thresholds) and benchmarks/bench_recognizers.py (figures), so both
measure the same thing. A prediction counts when its entity matches and its span overlaps the
expected span: names and addresses have no agreed exact boundary (is 先生 part of it?), and the
masked value a person sees depends on the overlap, not the last character.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.pii.scanner import PIScanner

Span = tuple[str, int, int]
Predictor = Callable[[dict[str, Any]], list[Span]]


@dataclass
class Scores:
    tp: Counter[str] = field(default_factory=Counter)
    fp: Counter[str] = field(default_factory=Counter)
    fn: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (case id, "fp"|"fn", entity)

    def entities(self) -> list[str]:
        return sorted(set(self.tp) | set(self.fp) | set(self.fn))

    def precision(self, entity: str | None = None) -> float:
        tp, fp = self._sum(self.tp, entity), self._sum(self.fp, entity)
        return tp / (tp + fp) if tp + fp else 1.0

    def recall(self, entity: str | None = None) -> float:
        tp, fn = self._sum(self.tp, entity), self._sum(self.fn, entity)
        return tp / (tp + fn) if tp + fn else 1.0

    def f1(self, entity: str | None = None) -> float:
        p, r = self.precision(entity), self.recall(entity)
        return 2 * p * r / (p + r) if p + r else 0.0

    def support(self, entity: str) -> int:
        return self.tp[entity] + self.fn[entity]

    @staticmethod
    def _sum(c: Counter[str], entity: str | None) -> int:
        return c[entity] if entity else sum(c.values())


def load_corpus(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def expected_spans(case: dict[str, Any]) -> list[Span]:
    out = []
    for entity, sub in case["expect"]:
        if sub is None:
            out.append((entity, 0, 1 << 30))
        else:
            text = case["text"] if case["kind"] == "text" else str(case["value"])
            start = text.index(sub)
            out.append((entity, start, start + len(sub)))
    return out


def scanner_predictor(scanner: PIScanner, media_root: Path) -> Predictor:
    def predict(case: dict[str, Any]) -> list[Span]:
        if case["kind"] == "text":
            hits = scanner.scan_text(case["text"])
        elif case["kind"] == "field":
            hits = scanner.scan_field(case["path"], case["key"], case["value"], url=case.get("url", ""),
                                      parent=case.get("parent"))
        else:
            data = (media_root / case["file"]).read_bytes()
            hits = scanner.scan_bytes(case["path"], case["key"], data, mime=case.get("mime", ""),
                                      url=case.get("url", ""))
        return [(h.entity, h.start, h.end) for h in hits]

    return predict


def score(cases: Iterable[dict[str, Any]], predict: Predictor) -> Scores:
    s = Scores()
    for case in cases:
        expected = expected_spans(case)
        used = [False] * len(expected)
        for ent, start, end in predict(case):
            match = next((i for i, (e, a, b) in enumerate(expected)
                          if not used[i] and e == ent and start < b and a < end), None)
            if match is None:
                s.fp[ent] += 1
                s.errors.append((case["id"], "fp", ent))
            else:
                used[match] = True
                s.tp[ent] += 1
        for (ent, _, _), hit in zip(expected, used, strict=True):
            if not hit:
                s.fn[ent] += 1
                s.errors.append((case["id"], "fn", ent))
    return s
