"""The printable report: the HTML report printed to an A4 PDF by headless Chromium.

Chromium rather than WeasyPrint: the browser test already needs it, so the PDF is the very rendering
that test checks (one engine, one set of layout bugs), it implements the CSS paged-media rules the
stylesheet uses (A4, margin boxes with page counters, no split table rows), and it embeds the
report's own subset CJK font as a named TrueType CID font. WeasyPrint would add Pango and a second
layout engine with its own differences.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from auditor.errors import InputError
from auditor.model import Audit
from auditor.report.chromium import BrowserError, run_chromium
from auditor.report.fonts import PRINT_WEIGHTS
from auditor.report.html import render_html
from auditor.ruleset import Ruleset


def html_to_pdf(html: str, path: Path) -> None:
    if not path.parent.is_dir():  # fail before a browser run, naming the path the user gave
        raise InputError(path, "cannot write the PDF: its directory does not exist")
    with tempfile.TemporaryDirectory(prefix="pi-auditor-pdf-") as tmp:
        src = Path(tmp) / "report.html"
        src.write_text(html, encoding="utf-8")
        out = Path(tmp) / "report.pdf"
        run_chromium([f"--print-to-pdf={out}", "--no-pdf-header-footer", src.as_uri()], Path(tmp) / "profile")
        if not out.is_file() or not out.read_bytes().startswith(b"%PDF"):
            raise BrowserError("chromium wrote no PDF")
        try:
            shutil.copyfile(out, path)
        except OSError as e:
            raise InputError(path, f"cannot write the PDF: {e.strerror or e}") from None


def write_pdf(audit: Audit, ruleset: Ruleset, path: Path, *, lang: str = "zh") -> None:
    html_to_pdf(render_html(audit, ruleset, lang=lang, font_weights=PRINT_WEIGHTS), Path(path))
