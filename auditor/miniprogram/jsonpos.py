"""Line and column of the keys and array items of a JSON document (app.json, privacy.json).

A declaration finding points a developer at the line to change (``"requiredPrivateInfos"``, the
``"scope.userLocation"`` entry of ``"permission"``); ``json`` gives values, not positions. One pass over
the document's tokens (strings whole, brackets, colons, commas) keeps the path of containers, and the
path of every key and array item is recorded where it starts. Depth is bounded by the caller, who
checks it before parsing (auditor.miniprogram.project.check_json_depth).
"""

from __future__ import annotations

import json
import re

TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}:,]')
Path = tuple[str | int, ...]


def positions(text: str) -> dict[Path, tuple[int, int]]:
    """Path (keys and array indexes) -> (1-based line, 1-based column) of where it starts."""
    out: dict[Path, tuple[int, int]] = {}
    # per open container: its path, whether it is an array, the next index, the last key seen
    stack: list[list] = []
    line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def where(offset: int) -> tuple[int, int]:
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - line_starts[lo] + 1

    expect_value_start = True
    for m in TOKEN.finditer(text):
        tok = m.group()
        top = stack[-1] if stack else None
        if tok in "{[":
            path: Path = ()
            if top is not None:
                path = (*top[0], top[2]) if top[1] else (*top[0], top[3])
            stack.append([path, tok == "[", 0, None])
            expect_value_start = True
            continue
        if tok in "]}":
            if stack:
                stack.pop()
            if stack and stack[-1][1]:
                stack[-1][2] += 1
            continue
        if tok == ",":
            expect_value_start = True
            continue
        if tok == ":":
            continue
        if top is None:
            continue
        if not top[1] and expect_value_start:  # a key
            try:
                key = json.loads(tok)
            except ValueError:
                key = tok.strip('"')
            top[3] = key
            out[(*top[0], key)] = where(m.start())
            expect_value_start = False
        elif top[1]:  # a string item of an array
            out[(*top[0], top[2])] = where(m.start())
            top[2] += 1
    return out


def find(text: str, *path: str | int) -> tuple[int, int] | None:
    """Position of one path, or of its nearest recorded ancestor; None when none is recorded."""
    pos = positions(text)
    p: Path = tuple(path)
    while p:
        if p in pos:
            return pos[p]
        p = p[:-1]
    return None
