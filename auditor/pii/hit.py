"""What a recognizer reports: an entity, its PI category, where it is and how sure we are."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Hits below this confidence are not reported: they are shapes that need more evidence.
REPORT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Hit:
    """One recognised PI value. ``text`` is raw PI: mask it before it is shown, logged or stored."""

    entity: str
    category: str
    start: int
    end: int
    text: str
    score: float
    evidence: tuple[str, ...]

    def __repr__(self) -> str:  # keep raw PI out of logs and tracebacks
        return f"Hit({self.entity}, {self.category}, {self.start}:{self.end}, score={self.score:.2f}, {self.evidence})"


def resolve_overlaps(hits: Iterable[Hit]) -> list[Hit]:
    """Keep the most confident hit where spans overlap (a Gansu ID number also passes Luhn as a card)."""
    hits = list(hits)
    if len(hits) < 2:
        return hits
    kept: list[Hit] = []
    for h in sorted(hits, key=lambda h: (-h.score, -(h.end - h.start), h.start)):
        if all(h.end <= k.start or h.start >= k.end for k in kept):
            kept.append(h)
    return sorted(kept, key=lambda h: (h.start, h.end))
