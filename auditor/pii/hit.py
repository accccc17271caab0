"""What a recognizer reports: an entity, its PI category, where it is and how sure we are."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

# Hits below this confidence are not reported: they are shapes that need more evidence.
REPORT_THRESHOLD = 0.5
# What a supporting context word adds, in the pattern layer and to names and addresses alike.
CONTEXT_BOOST = 0.4


@dataclass(frozen=True, init=False)
class Hit:
    """One recognised PI value. ``text`` is raw PI: mask it before it is shown, logged or stored."""

    entity: str
    category: str
    start: int
    end: int
    text: str
    score: float
    evidence: tuple[str, ...]

    def __init__(self, entity: str, category: str, start: int, end: int, text: str, score: float,
                 evidence: tuple[str, ...]) -> None:
        # Made for every candidate and every new field value: filling __dict__ at once costs half of the
        # one object.__setattr__ per field that a frozen dataclass's generated __init__ makes.
        self.__dict__.update(entity=entity, category=category, start=start, end=end, text=text, score=score,
                             evidence=evidence)

    def __repr__(self) -> str:  # keep raw PI out of logs and tracebacks
        return f"Hit({self.entity}, {self.category}, {self.start}:{self.end}, score={self.score:.2f}, {self.evidence})"


def resolve_overlaps(hits: Iterable[Hit]) -> list[Hit]:
    """Keep the most confident hit where spans overlap (a Gansu ID number also passes Luhn as a card)."""
    hits = list(hits)
    if len(hits) < 2:
        return hits
    starts: list[int] = []  # kept spans, sorted and disjoint
    ends: list[int] = []
    kept: list[Hit] = []
    for h in sorted(hits, key=lambda h: (-h.score, -(h.end - h.start), h.start)):
        i = bisect.bisect_right(starts, h.start)
        if (i and ends[i - 1] > h.start) or (i < len(starts) and starts[i] < h.end):
            continue
        starts.insert(i, h.start)
        ends.insert(i, h.end)
        kept.append(h)
    return sorted(kept, key=lambda h: (h.start, h.end))
