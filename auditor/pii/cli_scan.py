"""`auditor scan`: what the recognizers find in each input line, masked, as JSON-ready rows.

A line that parses as a JSON object or array is walked as structure, so field names count as
evidence exactly as they do in captured traffic; its entities carry a JSONPath-style `path`
(`$.data.sfzh`, `$.items[0].mobile`) and `start`/`end` are offsets inside that field's value. Any
other line is free text and `start`/`end` are offsets in the line. Values are masked; raw PI never
reaches the output.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from auditor.masking import mask
from auditor.pii.hit import Hit
from auditor.pii.scanner import PIScanner, get_scanner

Leaf = tuple[str, str, object, Mapping[str, object] | None]


def scan_lines(lines: Iterable[str], scanner: PIScanner | None = None) -> list[dict[str, Any]]:
    sc = scanner or get_scanner()
    rows = []
    for n, line in enumerate(lines, 1):
        doc = _json_document(line)
        if doc is None:
            entities = [_entity(h) for h in sc.scan_text(line)]
        else:
            entities = [{**_entity(h), "path": path}
                        for path, key, value, parent in walk(doc)
                        for h in sc.scan_field(path, key, value, parent=parent)]
        rows.append({"line": n, "entities": entities})
    return rows


def _json_document(line: str) -> Any:
    s = line.strip()
    if not s or s[0] not in "{[":
        return None
    try:
        return json.loads(s)
    except (ValueError, RecursionError):
        return None


def walk(doc: Any) -> Iterator[Leaf]:
    """Leaves of a JSON document as (path, key, value, parent); list items inherit the list's key."""
    stack: list[tuple[str, str, Any, Mapping[str, object] | None]] = [("$", "", doc, None)]
    while stack:
        path, key, node, parent = stack.pop()
        if isinstance(node, dict):
            stack.extend((f"{path}.{k}", str(k), v, node) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", key, v, parent) for i, v in reversed(list(enumerate(node))))
        else:
            yield path, key, node, parent


def _entity(h: Hit) -> dict[str, Any]:
    return {"entity": h.entity, "category": h.category, "start": h.start, "end": h.end,
            "value": mask(h.text, h.entity) if h.text else None, "score": round(h.score, 3)}
