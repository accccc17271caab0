"""The visible text of an HTML policy, with its tables laid out as rows of cells.

An SDK list is most often an HTML table, and real tables merge cells: one SDK name spanning the rows of
its several data items (rowspan), a company spanning two columns (colspan). Rows are therefore placed
on a grid, a merged cell repeated in every row it covers, so each output line holds one cell per
column and a row whose first cell is merged does not shift its cells left. Headings keep their level
(<h1>-<h6>) as a mark the section reader takes out again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

HEADING_MARK = "\x01"  # in html_text's output: the next character is an <hN>'s N
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
MAX_SPAN = 100  # a rowspan/colspan above this is a page error, not a layout


@dataclass
class _Table:
    """One open <table>: the rows cells still span into, the row and the cell being read."""

    pending: dict[int, list[str | int]] = field(default_factory=dict)  # column -> [text, rows left]
    row: list[tuple[str, int, int]] | None = None  # (text, colspan, rowspan) of the row's cells
    cell: list[str] | None = None
    spans: tuple[int, int] = (1, 1)
    lines: list[str] = field(default_factory=list)

    def close_cell(self) -> None:
        if self.cell is not None:
            if self.row is None:
                self.row = []
            self.row.append(("".join(self.cell), *self.spans))
            self.cell = None

    def close_row(self) -> None:
        self.close_cell()
        if self.row is None:
            return
        queue, cells, col = list(self.row), [], 0
        while queue or any(c >= col for c in self.pending):
            if col in self.pending:
                text, left = self.pending[col]
                cells.append(str(text))
                if int(left) <= 1:
                    del self.pending[col]
                else:
                    self.pending[col][1] = int(left) - 1
            elif queue:
                text, colspan, rowspan = queue.pop(0)
                for k in range(colspan):
                    cells.append(text if k == 0 else "")
                    if rowspan > 1:
                        self.pending[col + k] = [text if k == 0 else "", rowspan - 1]
                    col += 1
                continue
            col += 1
        self.row = None
        if any(c.strip() for c in cells):
            self.lines.append("".join("\t" + c for c in cells))


def _span(attrs: list[tuple[str, str | None]], name: str) -> int:
    value = dict(attrs).get(name) or "1"
    m = re.match(r"\s*(\d+)", value)
    return min(max(int(m.group(1)), 1), MAX_SPAN) if m else 1


class _TextCollector(HTMLParser):
    """Visible text with block breaks; table rows as tab-separated lines; scripts and styles dropped."""

    HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
    SKIP = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe", "object"})
    BLOCK = frozenset(
        {
            *("p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article"),
            *("thead", "tbody", "tfoot", "header", "footer", "blockquote", "dd", "dt", "dl", "pre", "hr"),
            *("caption", "main", "nav", "aside", "form", "title"),
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.tables: list[_Table] = []

    @property
    def _cell(self) -> list[str] | None:
        """The cell text is read into, if inside a table cell: blocks and <br> must not break its row."""
        return self.tables[-1].cell if self.tables else None

    def _emit(self, text: str) -> None:
        cell = self._cell
        if cell is not None:
            cell.append(text)
        elif not self.tables or self.tables[-1].row is None:
            self.parts.append(text)
        # text between cells of a row (markup whitespace) is dropped

    def _break(self) -> None:
        self._emit("；" if self._cell is not None else "\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip_depth += 1
        elif tag == "table":
            self._break()
            self.tables.append(_Table())
        elif tag == "tr" and self.tables:
            self.tables[-1].close_row()
            self.tables[-1].row = []
        elif tag in {"td", "th"} and self.tables:
            t = self.tables[-1]
            t.close_cell()
            t.cell, t.spans = [], (_span(attrs, "colspan"), _span(attrs, "rowspan"))
        elif tag in self.BLOCK:
            self._break()
            if tag in self.HEADINGS and self._cell is None:
                self._emit(HEADING_MARK + tag[1])  # its level, taken out again by heading_levels

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "hr"}:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "table" and self.tables:
            self._close_table()
        elif tag == "tr" and self.tables:
            self.tables[-1].close_row()
        elif tag in {"td", "th"} and self.tables:
            self.tables[-1].close_cell()
        elif tag in self.BLOCK:
            self._break()

    def _close_table(self) -> None:
        t = self.tables.pop()
        t.close_row()
        if self._cell is not None:  # a table inside a cell: its rows become that cell's text
            self._emit("；".join(c for ln in t.lines for c in ln.split("\t") if c))
        else:
            self._emit("\n" + "\n".join(t.lines) + "\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self._emit(re.sub(r"\s+", " ", data))

    def close(self) -> None:
        super().close()
        while self.tables:  # unclosed tables at the end of a truncated page
            self._close_table()


def _collect(html: str) -> list[str]:
    parser = _TextCollector()
    parser.feed(html)
    parser.close()
    return parser.parts


def html_text(html: str) -> str:
    try:
        parts = _collect(html)
    except AssertionError:
        # Python 3.11's html.parser asserts on malformed marked sections (<![foo); read them as text.
        parts = _collect(html.replace("<![", "&lt;!["))
    lines = []
    for raw in "".join(parts).split("\n"):
        if "\t" not in raw:
            lines.append(raw.strip())
            continue
        # Text before the first cell is markup whitespace; empty cells stay, to keep columns aligned.
        cells = [re.sub(r"^[；\s]+|[；\s]+$", "", re.sub(r"(?:\s*；\s*)+", "；", c)) for c in raw.split("\t")[1:]]
        lines.append("\t".join(cells) if any(cells) else "")
    # Source line breaks inside Chinese text become spaces in HTML; they are not word gaps.
    return re.sub(rf"(?<=[{_CJK}，。、；：（）])[ ]+(?=[{_CJK}，。、；：（）])", "", "\n".join(lines))


def heading_levels(text: str) -> tuple[str, dict[int, int]]:
    """Take html_text's heading marks out of the text: the text, and the level of each heading line."""
    if HEADING_MARK not in text:
        return text, {}
    levels: dict[int, int] = {}
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = re.match(f"\\s*{HEADING_MARK}([1-6])\\s*", line)
        if m:
            levels[i] = int(m.group(1))
        lines[i] = re.sub(f"{HEADING_MARK}[1-6]?", "", line)
    return "\n".join(lines), levels
