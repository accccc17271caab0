"""Turning a policy file (.txt, .html, .pdf) into plain text the reader can split into sentences.

Policies arrive in UTF-8 or GBK/GB18030, as HTML with the SDK list in a table, or as PDF. Tables
are kept as one line per row with tab-separated cells, so the SDK-list reader sees the same shape
whether the table came from HTML or from a plain-text rendering. Files are read with a size cap so a
30 MB page costs bounded time; an unreadable file is reported, never raised, because the audit goes
on without the policy.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from auditor.errors import InputError
from auditor.policy.htmltext import heading_levels, html_text

MAX_TEXT_BYTES = 4 * 1024 * 1024  # the longest real policies are ~300 kB; past this only the head is read
MAX_TEXT_CHARS = 600_000  # analysis is linear but not free; no real policy comes near this
MAX_PDF_BYTES = 64 * 1024 * 1024
MAX_PDF_PAGES = 300
MAX_BAD_UTF8_RATIO = 0.01  # a few broken bytes in UTF-8 text are tolerated (and reported)

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SENTENCE_END = "。！？；!?;：:"
_ROW = re.compile(r"\t|[|｜]")
_STARTS_ITEM = (
    r"#{1,6}[ \t]|[•●■◆▪·○◇►▶➢Øø✓√\-*]|[（(]?[一二三四五六七八九十\d]+[、.．)）]"
    r"|第[一二三四五六七八九十百\d]+[章节条部]"
)
_STARTS_UNIT = re.compile(_STARTS_ITEM)
_MD_HEADING = re.compile(r"#{1,6}[ \t]")
# In a .txt file a line opening with "key：" starts a record; in a PDF it may be a word cut in two.
_STARTS_UNIT_OR_KEY = re.compile(_STARTS_ITEM + r"|[^\s：:，,。；;]{2,14}[：:]")


@dataclass
class Extracted:
    text: str
    warnings: list[str] = field(default_factory=list)
    unreadable: str | None = None
    heading_levels: dict[int, int] = field(default_factory=dict)  # line number -> level of an HTML <hN>


def read_bytes(path: Path) -> tuple[bytes, int]:
    """The file's bytes (or its first MAX bytes for text) and its full size; InputError if missing."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise InputError(path, "is a directory, not a policy file")
        with path.open("rb") as f:
            head = f.read(8)
            f.seek(0)
            limit = MAX_PDF_BYTES if head.startswith(b"%PDF") else MAX_TEXT_BYTES
            return f.read(limit), size
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None


def extract(data: bytes, size: int, suffix: str) -> Extracted:
    """Plain text of a policy file's bytes; `size` is the full file size, `suffix` its extension."""
    if not data.strip():
        return Extracted("", unreadable="the file is empty")
    if data.startswith(b"%PDF") or suffix == ".pdf":
        if size > MAX_PDF_BYTES:
            return Extracted("", unreadable=f"PDF of {size} bytes is larger than the {MAX_PDF_BYTES}-byte limit")
        return pdf_text(data)
    warnings: list[str] = []
    if size > len(data):
        warnings.append(f"file is {size} bytes; only the first {len(data)} bytes were read")
        cut = data.rfind(b"\n")
        data = data[: cut + 1] if cut > 0 else data
    is_html = suffix in {".html", ".htm", ".xhtml"} or bool(
        re.match(rb"\s*(<!doctype html|<html|<\?xml|<head|<body|<meta)", data[:512], re.IGNORECASE)
    )
    decoded = decode(data, declared_charset(data) if is_html else None)
    decoded.warnings[:0] = warnings
    if decoded.unreadable:
        return decoded
    decoded.text = html_text(decoded.text) if is_html else join_wrapped_lines(markdown_text(decoded.text))
    decoded.text, decoded.heading_levels = heading_levels(cap_text(normalise(decoded.text), decoded.warnings))
    if not decoded.text.strip():
        decoded.unreadable = "no text in the file" + (" (HTML without visible text)" if is_html else "")
    elif not re.search(f"[{_CJK}]", decoded.text):
        decoded.warnings.append("no Chinese text found; the policy may be in another language")
    return decoded


def declared_charset(data: bytes) -> str | None:
    m = re.search(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", data[:4096], re.IGNORECASE)
    if not m:
        m = re.search(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", data[:512], re.IGNORECASE)
    return m.group(1).decode("ascii").lower() if m else None


def decode(data: bytes, declared: str | None = None) -> Extracted:
    """UTF-8 or GBK/GB18030 bytes to text: BOM, declared charset, UTF-8, GB18030, then a guess.

    GB18030 is a superset of GBK and GB2312, so one decoder covers all three. A UTF-8 file with a
    handful of broken bytes is kept (with a warning) rather than re-read as GB18030 mojibake.
    """
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return Extracted(data.decode(enc, errors="replace"))
    if data[:4096].count(b"\x00") > 8:
        return Extracted("", unreadable="binary data, not text (NUL bytes)")
    warnings: list[str] = []
    if declared:
        enc = "gb18030" if declared.replace("-", "").replace("_", "") in {"gbk", "gb2312", "gb18030"} else declared
        try:
            return Extracted(data.decode(enc))
        except (LookupError, UnicodeDecodeError):
            warnings.append(f"declared charset '{declared}' does not decode the file; detected instead")
    try:
        return Extracted(data.decode("utf-8"), warnings)
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad <= max(1, len(text) * MAX_BAD_UTF8_RATIO):
        warnings.append(f"{bad} undecodable byte sequence(s) in UTF-8 text replaced by U+FFFD")
        return Extracted(text, warnings)
    try:
        return Extracted(data.decode("gb18030"), warnings)
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.chaos > 0.3:
        return Extracted("", warnings, unreadable="undecodable text: neither UTF-8 nor GBK/GB18030")
    warnings.append(f"encoding guessed as {best.encoding}")
    return Extracted(str(best), warnings)


_MD_RULES = (
    (re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)"), ""),  # images
    (re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)"), r"\1"),  # links: their text
    (re.compile(r"_*\*{2,}_*|(?<![A-Za-z0-9])__+|__+(?![A-Za-z0-9])"), ""),  # bold, also unpaired
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])"), r"\1"),  # escapes: 8\. -> 8.
    (re.compile(r"^[ \t]*[*+\-][ \t]+(?=#{1,6}[ \t])", re.MULTILINE), ""),  # a bullet before a heading
    (re.compile(r"^[ \t]*[*+\-][ \t]+", re.MULTILINE), "• "),  # bullets
    (re.compile(r"^[ \t]*>[ \t]?", re.MULTILINE), ""),  # quotes
    (re.compile(r"<br\s*/?>", re.IGNORECASE), "\n"),
    (re.compile(r"^[ \t]*!!!.*$", re.MULTILINE), ""),  # admonition markers of archived pages
)


def markdown_text(text: str) -> str:
    """Plain text of a policy published as markdown (or text carrying its marks, as corpus dumps
    do): emphasis, links, escapes and bullets are dropped or simplified, while '#' headings and
    '|' table rows are kept, because the reader uses them for structure."""
    if not re.search(r"\*\*|__|\]\(|\\[.*_#]|^#{1,6}\s|^\s*[*+\-]\s|<br", text, re.MULTILINE):
        return text
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    return text


def pdf_text(data: bytes) -> Extracted:
    """Text layer of a PDF; a scanned PDF (images only) is unreadable, not an error.

    pdfminer inflates streams whole and has no bound of its own (a FlateDecode bomb of 30 kB grew to
    6 GiB): it runs in a child process limited to MAX_PDF_MEMORY and PDF_TIMEOUT_S (auditor.sandbox)."""
    from auditor.limits import MAX_PDF_MEMORY, PDF_TIMEOUT_S, limit
    from auditor.sandbox import BoundExceeded, run_bounded

    try:
        return run_bounded(_pdf_text, data, memory=MAX_PDF_MEMORY, timeout=PDF_TIMEOUT_S)
    except BoundExceeded as e:
        bound = {"memory": "MAX_PDF_MEMORY", "time": "PDF_TIMEOUT_S"}.get(e.kind)
        return Extracted("", unreadable=f"PDF not read: reading it {e}" + (f" ({limit(bound)})" if bound else ""))


def _pdf_text(data: bytes) -> Extracted:
    from pdfminer.high_level import extract_text
    from pdfminer.pdfexceptions import PDFException, PSException

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    try:
        raw = extract_text(io.BytesIO(data), maxpages=MAX_PDF_PAGES)
    # pdfminer raises its own errors and plain Python ones on damaged files; none must end the audit.
    except (
        PDFException,
        PSException,
        ValueError,
        KeyError,
        TypeError,
        IndexError,
        AssertionError,
        AttributeError,
        struct.error,
        zlib.error,
        RecursionError,
    ) as e:
        return Extracted("", unreadable=f"damaged PDF, no text could be read ({type(e).__name__})")
    warnings: list[str] = []
    text = cap_text(normalise(join_wrapped_lines(raw.replace("\x0c", "\n\n"), across_blank_lines=True)), warnings)
    problem = pdf_text_problem(text)
    return Extracted("", unreadable=problem) if problem else Extracted(text, warnings)


def pdf_text_problem(text: str) -> str | None:
    """Why a PDF's extracted text is no use: no text layer, or fonts without a Unicode map, which
    pdfminer renders as (cid:1234) and which no reader can turn back into words."""
    if not re.search(rf"[{_CJK}A-Za-z]", text):
        return "PDF has no text layer (a scanned image?); OCR is not attempted"
    cids = len(re.findall(r"\(cid:\d+\)", text))
    if cids and cids > len(re.findall(f"[{_CJK}]", text)):
        return f"PDF fonts have no Unicode mapping ({cids} glyphs shown as (cid:N)); the text cannot be read"
    return None


def cap_text(text: str, warnings: list[str]) -> str:
    """Keep analysis time bounded: past MAX_TEXT_CHARS only the head (to a line end) is read."""
    if len(text) <= MAX_TEXT_CHARS:
        return text
    cut = text.rfind("\n", 0, MAX_TEXT_CHARS)
    warnings.append(f"text has {len(text)} characters; only the first {max(cut, 0) or MAX_TEXT_CHARS} were analysed")
    return text[: cut if cut > 0 else MAX_TEXT_CHARS]


def join_wrapped_lines(text: str, *, across_blank_lines: bool = False) -> str:
    """Undo hard line wrapping (PDF text, or a .txt wrapped at a fixed width): a line about as long as
    the longest ones and not ending a sentence continues on the next, unless that line starts a unit
    of its own (numbering, bullet, table row, and outside PDFs a 'key：' label). pdfminer also puts
    blank lines between the boxes of one paragraph, hence `across_blank_lines` for PDFs."""
    lines = text.split("\n")
    lengths = sorted(len(s.rstrip()) for s in lines if s.strip())
    if not lengths:
        return text
    full = lengths[int(len(lengths) * 0.9)]
    out: list[str] = []
    prev_len = 0
    for line in lines:
        s = line.strip()
        wrapped = bool(out and out[-1]) and prev_len >= 0.8 * full and out[-1][-1] not in _SENTENCE_END
        wrapped = wrapped and not _ROW.search(out[-1]) and not _MD_HEADING.match(out[-1])
        if not s:
            if not (wrapped and across_blank_lines):
                out.append(s)
                prev_len = 0
            continue
        starts_unit = (_STARTS_UNIT if across_blank_lines else _STARTS_UNIT_OR_KEY).match(s)
        if wrapped and not starts_unit and not _ROW.search(s):
            # A PDF wraps Latin text at spaces (Android / ID); a fixed-width .txt cuts anywhere (W / LAN).
            latin = across_blank_lines and re.match(r"[A-Za-z0-9]", s) and re.search(r"[A-Za-z0-9]$", out[-1])
            out[-1] += (" " if latin else "") + s
        else:
            # A table row keeps an empty first cell: its leading tab is a column, not indentation.
            out.append(line.strip(" \r\u3000").rstrip() if "\t" in s else s)
        prev_len = len(s)
    return "\n".join(out)


def normalise(text: str) -> str:
    """One newline style, no invisible characters, no trailing spaces or runs of blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub("[\u200b\u200c\u200d\ufeff\u00ad]", "", text)
    text = text.replace("\u3000", " ").replace("\u00a0", " ")
    text = re.sub(r"[ ]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
