"""The policy page's own styles: how small and how pale its text is (认定方法 一.4 文字过小、颜色过淡).

The page is read as a browser would cascade the simple cases: rules of its <style> blocks whose
selectors are a tag, a class, an id or ``*`` (tinycss2 parses the CSS), then inline ``style``
attributes, inherited down the element tree; sizes in px, pt, em, rem and % resolve against the
parent (16px at the root). Every run of text is weighed by its length, so the answer is about the
text a reader actually meets. Contrast is WCAG 2.x's ratio of relative luminances, computed here
(the formula is a few lines; no package of the registry keeps it better).

Complex selectors, media queries and scripts are not evaluated; a page styled by them gets the
browser default for what we cannot see, which is why the finding asks a person unless the case is
clear-cut (most of the text below ``violation_font_px`` or ``violation_contrast``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import Any

import tinycss2

from auditor.checklist.facts import Evidence, ItemFact
from auditor.ruleset import Ruleset

ROOT_PX = 16.0
BLACK = (0, 0, 0)
WHITE = (255, 255, 255)
#: text in hidden parts (script, style, head) is not read
_SKIP = frozenset({"script", "style", "head", "title", "template", "noscript"})
_VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"})
_NAMED = {
    "black": BLACK, "white": WHITE, "gray": (128, 128, 128), "grey": (128, 128, 128), "silver": (192, 192, 192),
    "lightgray": (211, 211, 211), "lightgrey": (211, 211, 211), "gainsboro": (220, 220, 220),
    "whitesmoke": (245, 245, 245), "darkgray": (169, 169, 169), "red": (255, 0, 0), "blue": (0, 0, 255),
    "green": (0, 128, 0), "yellow": (255, 255, 0), "orange": (255, 165, 0), "transparent": None,
}


@dataclass(frozen=True)
class Style:
    size: float = ROOT_PX
    color: tuple[int, int, int] = BLACK
    background: tuple[int, int, int] = WHITE


@dataclass
class StyleMeasures:
    """Characters of text per (size, colour, background), and what that comes to."""

    runs: Counter[Style] = field(default_factory=Counter)
    styled: bool = False  # the page sets a size or colour anywhere

    @property
    def chars(self) -> int:
        return sum(self.runs.values())

    def share(self, pred: Any) -> float:
        total = self.chars
        return sum(n for st, n in self.runs.items() if pred(st)) / total if total else 0.0

    def dominant(self) -> Style | None:
        return self.runs.most_common(1)[0][0] if self.runs else None


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: tuple[int, int, int], bg: tuple[int, int, int]) -> float:
    """WCAG 2.x contrast ratio, 1 to 21."""
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _color(value: str) -> tuple[int, int, int] | None:
    v = value.strip().lower()
    if v in _NAMED:
        return _NAMED[v]
    m = re.fullmatch(r"#([0-9a-f]{3}|[0-9a-f]{6})(?:[0-9a-f]{2})?", v)
    if m:
        h = m.group(1)
        if len(h) == 3:
            h = "".join(c * 2 for c in h)
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    m = re.fullmatch(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*([\d.]+)\s*)?\)", v)
    if m:
        if m.group(4) is not None and float(m.group(4)) == 0:
            return None
        return tuple(min(int(x), 255) for x in m.groups()[:3])  # type: ignore[return-value]
    return None


def _size(value: str, parent: float) -> float | None:
    m = re.fullmatch(r"\s*([\d.]+)\s*(px|pt|em|rem|%)?\s*", value.lower())
    if not m:
        named = {"xx-small": 9, "x-small": 10, "small": 13, "medium": 16, "large": 18, "x-large": 24}
        return float(named[value.strip().lower()]) if value.strip().lower() in named else None
    n, unit = float(m.group(1)), m.group(2) or "px"
    return {"px": n, "pt": n * 4 / 3, "em": n * parent, "rem": n * ROOT_PX, "%": n * parent / 100}[unit]


def _declarations(css: str) -> dict[str, str]:
    out = {}
    for d in tinycss2.parse_declaration_list(css, skip_whitespace=True, skip_comments=True):
        if d.type == "declaration":
            out[d.lower_name] = tinycss2.serialize(d.value).strip()
    return out


def _rules(css: str) -> list[tuple[str, dict[str, str]]]:
    """(simple selector, declarations) of the sheet's qualified rules; complex selectors are dropped."""
    out = []
    for rule in tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True):
        if rule.type != "qualified-rule":
            continue
        decls = _declarations(tinycss2.serialize(rule.content))
        for sel in tinycss2.serialize(rule.prelude).split(","):
            sel = sel.strip()
            if re.fullmatch(r"\*|[a-zA-Z][\w-]*|[a-zA-Z]*[.#][\w-]+", sel):
                out.append((sel, decls))
    return out


def _apply(style: Style, decls: dict[str, str]) -> tuple[Style, bool]:
    changed = False
    if "font-size" in decls and (px := _size(decls["font-size"], style.size)) is not None:
        style, changed = replace(style, size=px), True
    if "color" in decls and (c := _color(decls["color"])) is not None:
        style, changed = replace(style, color=c), True
    for key in ("background-color", "background"):
        if key in decls and (c := _color(decls[key].split()[0] if decls[key] else "")) is not None:
            style, changed = replace(style, background=c), True
            break
    return style, changed


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sheets: list[str] = []
        self.rules: list[tuple[str, dict[str, str]]] = []
        self.stack: list[tuple[str, Style]] = []
        self.skip = 0
        self.in_style = False
        self.m = StyleMeasures()
        self.pending: list[tuple[Style, int]] = []

    def _current(self) -> Style:
        return self.stack[-1][1] if self.stack else Style()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "style":
            self.in_style = True
        if tag in _SKIP:
            self.skip += 1
        style = self._current()
        classes = a.get("class", "").split()
        for sel, decls in self.rules:
            if sel == "*" or sel == tag or any(sel.endswith("." + c) and sel.split(".")[0] in ("", tag)
                                               for c in classes) or (
                    "#" in sel and a.get("id") and sel.endswith("#" + a["id"]) and sel.split("#")[0] in ("", tag)):
                style, changed = _apply(style, decls)
                self.m.styled |= changed
        if a.get("style"):
            style, changed = _apply(style, _declarations(a["style"]))
            self.m.styled |= changed
        if tag not in _VOID:
            self.stack.append((tag, style))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self.in_style = False
        if tag in _SKIP and self.skip:
            self.skip -= 1
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self.in_style:
            self.sheets.append(data)
            return
        if self.skip:
            return
        n = len(re.sub(r"\s", "", data))
        if n:
            self.m.runs[self._current()] += n


def measure(html: str) -> StyleMeasures:
    """Read the page twice: its style sheets first (a <style> may come after the text it styles)."""
    first = _Reader()
    first.feed(html)
    reader = _Reader()
    reader.rules = _rules("\n".join(first.sheets))
    reader.feed(html)
    return reader.m


def styles_fact(html: str, ruleset: Ruleset, *, where: dict[str, Any] | None = None) -> ItemFact:
    """一.4's style half, from a policy page's HTML."""
    params = ruleset.rule("policy_hard_to_read").get("params", {})
    review_px, bad_px = float(params.get("review_font_px", 12)), float(params.get("violation_font_px", 9))
    review_cr, bad_cr = float(params.get("review_contrast", 4.5)), float(params.get("violation_contrast", 2.0))
    m = measure(html)
    dom = m.dominant()
    if dom is None:
        return ItemFact("rdff-1-4", "unclear", "页面无可读文本", "The page has no readable text")
    small = m.share(lambda st: st.size < review_px)
    pale = m.share(lambda st: contrast(st.color, st.background) < review_cr)
    measures = {
        "text_chars": m.chars,
        "main_font_px": round(dom.size, 1),
        "main_contrast": round(contrast(dom.color, dom.background), 2),
        "share_below_font_px": round(small, 3),
        "share_below_contrast": round(pale, 3),
        "styled": m.styled,
    }
    text = (f"{dom.size:.1f}px, {measures['main_contrast']}:1; <{review_px:g}px {small:.0%}, "
            f"<{review_cr:g}:1 {pale:.0%}")
    evidence = [Evidence("measure", text, {**(where or {}), **measures})]
    tiny = m.share(lambda st: st.size < bad_px)
    faint = m.share(lambda st: contrast(st.color, st.background) < bad_cr)
    if tiny > 0.5 or faint > 0.5:
        return ItemFact("rdff-1-4", "violation", "隐私政策页面的大部分文字过小或颜色过淡",
                        "Most of the policy page's text is tiny or too pale", evidence, measures)
    if small > 0.2 or pale > 0.2:
        return ItemFact("rdff-1-4", "review", "隐私政策页面有相当部分文字偏小或颜色偏淡，需人工在手机上确认",
                        "A good part of the policy page's text is small or pale; a person must check it on a phone",
                        evidence, measures)
    return ItemFact("rdff-1-4", "compliant", "隐私政策页面的字号与对比度正常", "Font size and contrast of the page are "
                    "normal", evidence, measures)
