"""Splitting policy text into sentences that know their section.

Policies written to the GB/T 35273 Annex D template state collection per business function under
numbered headings (一、 / （一） / 1.), so the nearest heading is usually the function a sentence
serves; some sections (definitions, contact details, update notices) are not about the user's PI
at all and are marked to be skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.policy.lexicon import Lexicon

_NUMBERING = re.compile(
    r"^\s*(?P<num>第[一二三四五六七八九十百零\d]+(?:章|节|条|部分)|[一二三四五六七八九十]+[、.．]"
    r"|[（(][一二三四五六七八九十\d]+[）)]|\d+(?:[.．]\d+)+[.．、]?|\d+[.．、）)]|[①-⑳]|[A-Za-z][.、])\s*"
)
_SENTENCE = re.compile(r"[^。！？；!?;]*(?:[。！？；!?;]+|$)")
_LEAD = re.compile(r"^(?P<lead>[^，,。；;：:\t]{2,14})[：:]")
_LABEL = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,6}。")
MAX_HEADING_CHARS = 40
MAX_PLAIN_HEADING_CHARS = 20


@dataclass
class Sentence:
    start: int
    text: str
    heading: str | None  # nearest heading, numbering stripped
    path: tuple[str, ...]  # all enclosing headings, outermost first
    lead: str | None  # "注册登录：" label that opens the line, if any
    skip: bool  # in a definitions / contact / update section
    line: int
    is_row: bool  # a tab-separated table row


def numbering_style(line: str) -> str | None:
    """A heading's numbering style (一、 vs （一） vs 1.1), so deeper headings can be told from siblings."""
    m = _NUMBERING.match(line)
    if not m:
        return None
    num = m.group("num")
    style = re.sub(r"[一二三四五六七八九十百零]+", "中", num)
    return re.sub(r"\d+", "9", re.sub(r"[①-⑳]", "①", style))


def strip_numbering(line: str) -> str:
    """A heading's title: numbering and trailing colon or full stop removed."""
    return drop_numbering(line).strip(" ：:。")


def drop_numbering(line: str) -> str:
    return _NUMBERING.sub("", line, count=1).strip()


def is_heading(line: str) -> bool:
    s = line.strip()
    if not s or "\t" in s or len(s) > MAX_HEADING_CHARS:
        return False
    if s[-1] in "。；;，,":
        return False
    if s[-1] in "：:" and numbering_style(s) is None:  # 以下SDK：introduces a list, it titles nothing
        return False
    body = strip_numbering(s)
    if not body:
        return False
    if numbering_style(s) is not None:
        return True
    # An unnumbered line is a heading only if short and not a list (手机号码、姓名).
    return len(body) <= MAX_PLAIN_HEADING_CHARS and not re.search(r"[。；;，,、：:]", body)


def in_section(s: Sentence, words: tuple[str, ...]) -> bool:
    """Is the sentence under a heading (at any level) that contains one of `words`?"""
    return any(w in h for h in s.path for w in words)


def sentences(text: str, lex: Lexicon) -> list[Sentence]:
    out: list[Sentence] = []
    styles: list[str] = []  # numbering styles in order of first use = heading levels
    stack: list[tuple[int, str, bool]] = []  # (level, heading, skip)
    offset = 0
    for lineno, line in enumerate(text.split("\n")):
        start = offset
        offset += len(line) + 1
        if not line.strip():
            continue
        if is_heading(line):
            style = numbering_style(line) or "plain"
            if style not in styles:
                styles.append(style)
            level = styles.index(style)
            while stack and stack[-1][0] >= level:
                stack.pop()
            title = strip_numbering(line)
            parent_skip = bool(stack and stack[-1][2])
            skip = parent_skip or any(w in title for w in lex.skip_heading_words)
            stack.append((level, title, skip))
        heading = stack[-1][1] if stack else None
        path = tuple(h for _, h, _ in stack)
        skip = bool(stack and stack[-1][2])
        body = strip_numbering(line)
        lead_m = _LEAD.match(body)
        lead = lead_m.group("lead").strip() if lead_m else None
        is_row = "\t" in line
        pieces = [line] if is_row else [m.group(0) for m in _SENTENCE.finditer(line) if m.group(0)]
        pos = start
        if len(pieces) > 1 and _LABEL.fullmatch(pieces[0].strip()):
            # "投保。投保人在投保时需要…": a paragraph's opening word is its label, not a statement.
            lead = pieces[0].strip().rstrip("。")
            pos += len(pieces[0])
            pieces = pieces[1:]
        for piece in pieces:
            if piece.strip():
                lead_ws = len(piece) - len(piece.lstrip())
                out.append(Sentence(pos + lead_ws, piece.strip(), heading, path, lead, skip, lineno, is_row))
            pos += len(piece)
    return out
