"""Splitting policy text into sentences that know their section.

Policies written to the GB/T 35273 Annex D template state collection per business function under
numbered headings (一、 / （一） / 1.), so the nearest heading is usually the function a sentence
serves; some sections (definitions, contact details, update notices) are not about the user's PI
at all and are marked to be skipped.

Real policies do not number their headings consistently, so the section tree is built the way a
reader builds it: a heading in a numbering style already open closes back to that level (a
sibling), a new style opens a child, a markdown/HTML heading has its own level, and a heading that
titles one of the template's chapters (我们如何收集…, 联系我们…) closes every numbered section
whatever its style. A table of contents (目录) is recognised as a run of headings that come back as
headings later, and is kept out of both the statements and the tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.policy.lexicon import Lexicon

_CN_DIGITS = "零一二三四五六七八九"
_NUMBERING = re.compile(
    r"^\s*(?P<num>第[一二三四五六七八九十百零\d]+(?:章|节|条|部分)|[一二三四五六七八九十]+[、.．]"
    r"|[（(][一二三四五六七八九十\d]+[）)]|\d+(?:[.．]\d+)+[.．、]?|\d+ ?[.．、）)]|[①-⑳]|[A-Za-z][.、])\s*"
)
_MD_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+")
_BULLET = re.compile(r"^[•●■◆▪·○◇►▶➢Øø✓√]\s*")
_SENTENCE = re.compile(r"[^。！？；!?;]*(?:[。！？；!?;]+|$)")
_LEAD = re.compile(r"^(?P<lead>[^，,。；;：:\t]{2,14})[：:]")
# 附件一：/ 附录2 《第三方SDK目录》: an annex opens a chapter of its own.
_ANNEX = re.compile(r"^\s*附(?:件|录|表)\s*[一二三四五六七八九十\d]*\s*[：:]?\s*(?:《[^》]{1,30}》)?\s*$")
_RUN_IN = re.compile(r"(?P<t>[^：:。；;，,\s]{2,40})(?:[：:]|\s+)")
_PACKED = re.compile(r"(?:^|(?<=[^\d.．]))(\d{1,2}) ?[.．、](?=\s*[\u4e00-\u9fff])")
_LABEL = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,6}。")
# What a contents entry may carry that its body heading does not: leaders, page numbers, links.
_TOC_NOISE = re.compile(r"[.．·…\-—_\s\d]+$|[\s\"“”「」《》【】\[\]()（）:：、,，.．]|您的|你的|的")
MAX_HEADING_CHARS = 40
MAX_PLAIN_HEADING_CHARS = 20
TOC_MIN_ENTRIES = 3
TOC_MIN_RETURNING = 0.5  # share of entries that must come back as body headings


@dataclass
class Sentence:
    start: int
    text: str
    heading: str | None  # nearest heading, numbering stripped
    path: tuple[str, ...]  # all enclosing headings, outermost first
    lead: str | None  # "注册登录：" label that opens the line, if any
    skip: bool  # in a definitions / contact / update section, or a contents entry
    line: int
    is_row: bool  # a tab-separated table row
    kind: str = "text"  # text | heading | row | toc


@dataclass
class _Line:
    no: int
    start: int  # offset of `text` in the document
    text: str  # the line without its markdown heading marks
    md_level: int | None  # 1-6 for '#' headings (also HTML h1-h6, rendered so by extract)
    style: str | None  # numbering style ('plain' for an unnumbered heading); None if not a heading
    title: str  # heading title, numbering stripped
    value: tuple[int, ...] | None  # the heading's number, if numbered
    run_in: bool = False  # a chapter title opening a paragraph (二、我们如何收集…：莉莉丝依据…)


@dataclass
class _Open:
    """A heading whose section is open."""

    md_level: int | None
    style: str
    title: str
    skip: bool


def numbering_style(line: str) -> str | None:
    """A heading's numbering style (一、 vs （一） vs 1.1), so deeper headings can be told from siblings."""
    m = _NUMBERING.match(line)
    if not m:
        return None
    num = m.group("num")
    style = re.sub(r"[一二三四五六七八九十百零]+", "中", num)
    return re.sub(r"\d+", "9", re.sub(r"[①-⑳]", "①", style))


def _number_value(line: str) -> tuple[int, ...] | None:
    """The value of a heading's number (十一 -> 11, 3.2 -> (3, 2)), to see a list start over."""
    m = _NUMBERING.match(line)
    if not m:
        return None
    num = m.group("num")
    digits = re.findall(r"\d+", num)
    if digits:
        return tuple(int(d) for d in digits)
    cn = re.sub(r"[^一二三四五六七八九十百零]", "", num)
    if cn:
        return (_cn_int(cn),)
    if re.match(r"[①-⑳]", num):
        return (ord(num[0]) - ord("①") + 1,)
    return (ord(num[0].lower()),)


def _cn_int(cn: str) -> int:
    if "百" in cn:
        h, _, rest = cn.partition("百")
        return (_CN_DIGITS.find(h) if h else 1) * 100 + (_cn_int(rest) if rest.strip("零") else 0)
    if "十" in cn:
        t, _, u = cn.partition("十")
        return (_CN_DIGITS.find(t) if t else 1) * 10 + (_CN_DIGITS.find(u) if u else 0)
    return max(_CN_DIGITS.find(cn[-1]), 0)


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
    return len(body) <= MAX_PLAIN_HEADING_CHARS and not re.search(r"[。；;，,、：:|｜]", body)


def in_section(s: Sentence, words: tuple[str, ...]) -> bool:
    """Is the sentence under a heading (at any level) that contains one of `words`?"""
    return any(w in h for h in s.path for w in words)


def _lines(text: str, levels: dict[int, int], lex: Lexicon) -> list[_Line]:
    out = []
    offset = 0
    for no, raw in enumerate(text.split("\n")):
        start = offset
        offset += len(raw) + 1
        if not raw.strip():
            continue
        md = _MD_HEADING.match(raw)
        body = raw[md.end() :] if md else raw
        start += len(raw) - len(body)
        level = len(md.group("hashes")) if md else levels.get(no)
        unbulleted = _BULLET.sub("", body)
        probe = unbulleted if unbulleted != body and numbering_style(unbulleted) else body
        numbered = numbering_style(probe)
        style, title, run_in = None, strip_numbering(unbulleted), False
        marked = level is not None and 0 < len(body.strip()) <= 2 * MAX_HEADING_CHARS
        if marked or is_heading(probe):
            style = numbered or "plain"
        elif _ANNEX.match(probe):
            style, title = "annex", probe.strip(" ：:")
        elif numbered and (m := _RUN_IN.match(title)) and lex.chapter_titles.search(m.group("t")):
            style, title, run_in = numbered, m.group("t"), True
        out.append(_Line(no, start, body, level, style, title, _number_value(probe) if style else None, run_in))
    return out


def _toc_key(title: str) -> str:
    return _TOC_NOISE.sub("", title).casefold()


def _same_title(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 4 and (a in b or b in a))


def contents_lines(lines: list[_Line], lex: Lexicon) -> set[int]:
    """Line numbers of contents blocks: runs of consecutive headings, numbered without starting over,
    at least half of which come back later as body headings (a 目录 line before a run counts it in)."""
    runs: list[tuple[_Line | None, list[_Line]]] = []
    run: list[_Line] = []
    before: _Line | None = None  # the line before the current run
    last: dict[str, tuple[int, ...]] = {}
    for ln in lines:
        value = ln.value
        restarts = ln.style is not None and (
            (value is not None and ln.style in last and value <= last[ln.style])
            or any(_same_title(_toc_key(ln.title), _toc_key(e.title)) for e in run)  # the body's first heading
        )
        if ln.style is None or restarts:
            runs.append((before, run))
            run, last = [], {}
            before = ln if ln.style is None else None
        if ln.style is not None:
            run.append(ln)
            if value is not None:
                last[ln.style] = value
    runs.append((before, run))
    keys = [(ln.no, _toc_key(ln.title)) for ln in lines if ln.style is not None]
    out: set[int] = {ln.no for ln in lines if _packed_contents(ln.text, lex)}
    for prev, run in runs:
        cue = [ln for ln in run if lex.contents_cue.search(ln.title) and len(ln.title) <= 12]
        entries = [ln for ln in run if ln not in cue]
        cued = bool(cue) or bool(prev and lex.contents_cue.search(prev.text))
        if len(entries) < (2 if cued else TOC_MIN_ENTRIES):
            continue
        end = run[-1].no
        later = [k for no, k in keys if no > end and k]
        back = sum(1 for ln in entries if any(_same_title(_toc_key(ln.title), k) for k in later))
        if back >= max(2, TOC_MIN_RETURNING * len(entries)):
            out.update(ln.no for ln in run)
    # A contents entry that does not read as a heading (我们如何共享、转让、公开披露个人信息) between two
    # that do is one too.
    for prev, ln, nxt in zip(lines, lines[1:], lines[2:], strict=False):
        short = len(ln.text.strip()) <= MAX_HEADING_CHARS and not re.search(r"[。；;，,]$", ln.text.strip())
        if prev.no in out and nxt.no in out and short:
            out.add(ln.no)
    return out


def _packed_contents(line: str, lex: Lexicon) -> bool:
    """A contents block run together on one line (1.我们如何收集…2.我们如何共享…3.…): numbers that
    count up, most entries titled as chapters."""
    marks = list(_PACKED.finditer(line))
    if len(marks) < TOC_MIN_ENTRIES or [int(m.group(1)) for m in marks] != list(
        range(int(marks[0].group(1)), int(marks[0].group(1)) + len(marks))
    ):
        return False
    ends = [m.start() for m in marks[1:]] + [len(line)]
    titled = sum(bool(lex.chapter_titles.search(line[m.end() : e].strip())) for m, e in zip(marks, ends, strict=True))
    return titled >= TOC_MIN_RETURNING * len(marks)


def sentences(text: str, lex: Lexicon, heading_levels: dict[int, int] | None = None) -> list[Sentence]:
    """The sentences of a policy with their sections; `heading_levels` gives the level of lines that
    were <h1>-<h6> in HTML (markdown '#' headings carry theirs in the text)."""
    out: list[Sentence] = []
    lines = _lines(text, heading_levels or {}, lex)
    toc = contents_lines(lines, lex)
    tree = _Tree([])
    for ln in lines:
        if ln.no in toc:
            out.append(Sentence(ln.start, ln.text.strip(), None, (), None, True, ln.no, False, "toc"))
            continue
        if ln.style is not None:
            tree.open(ln, lex)
        stack = tree.stack
        heading = stack[-1].title if stack else None
        path = tuple(o.title for o in stack)
        skip = bool(stack and stack[-1].skip)
        _split_line(ln, heading, path, skip, out)
    return out


@dataclass
class _Tree:
    """The open sections, and what is known of the chapter level: its numbering style (from the first
    chapter-titled heading) and the last number of each style used at that level."""

    stack: list[_Open]
    chapter_style: str | None = None
    top_numbers: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def open(self, ln: _Line, lex: Lexicon) -> None:
        stack = self.stack
        style = ln.style or "plain"
        tops = self.top_numbers
        if ln.md_level is not None:
            while stack and (stack[-1].md_level is None or stack[-1].md_level >= ln.md_level):
                stack.pop()
        else:
            implicit = [i for i, o in enumerate(stack) if o.md_level is None]
            sibling = next((i for i in reversed(implicit) if stack[i].style == style), None)
            # A chapter: titled as one, numbered in the chapters' style, or carrying on the numbers
            # of the outermost level (三、 after 一、 even when a 6、政策修改 came between).
            continues_top = style in tops and ln.value is not None and ln.value > tops[style]
            chapter = bool(lex.chapter_titles.search(ln.title)) or style == self.chapter_style or continues_top
            if chapter and implicit:
                del stack[implicit[0] :]
            elif sibling is not None:
                del stack[sibling:]
            outermost = not any(o.md_level is None for o in stack)
            if chapter and self.chapter_style is None and style != "plain" and not any(o.md_level for o in stack):
                self.chapter_style = style
            if outermost and style != "plain" and ln.value is not None:
                tops[style] = ln.value
        parent_skip = bool(stack and stack[-1].skip)
        stack.append(_Open(ln.md_level, style, ln.title, parent_skip or bool(lex.skip_headings.search(ln.title))))


def _split_line(ln: _Line, heading: str | None, path: tuple[str, ...], skip: bool, out: list[Sentence]) -> None:
    line = ln.text
    body = strip_numbering(line)
    lead_m = _LEAD.match(body)
    lead = lead_m.group("lead").strip() if lead_m else None
    is_row = "\t" in line
    heading_line = ln.style is not None and not ln.run_in
    kind = "row" if is_row else "heading" if heading_line else "text"
    pieces = [line] if is_row or heading_line else [m.group(0) for m in _SENTENCE.finditer(line) if m.group(0)]
    pos = ln.start
    if len(pieces) > 1 and _LABEL.fullmatch(pieces[0].strip()):
        # "投保。投保人在投保时需要…": a paragraph's opening word is its label, not a statement.
        lead = pieces[0].strip().rstrip("。")
        pos += len(pieces[0])
        pieces = pieces[1:]
    for piece in pieces:
        if piece.strip():
            lead_ws = len(piece) - len(piece.lstrip())
            out.append(Sentence(pos + lead_ws, piece.strip(), heading, path, lead, skip, ln.no, is_row, kind))
        pos += len(piece)
