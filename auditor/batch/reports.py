"""Per-app HTML reports beside the dashboard, written atomically so a killed batch leaves no half page."""

from __future__ import annotations

import os
from pathlib import Path

from auditor.errors import AuditorError
from auditor.model import Audit
from auditor.report import render_html
from auditor.ruleset import Ruleset


def write_text_atomic(path: Path, text: str) -> None:
    """Write beside the target and rename, so readers see the old file or the new one, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise AuditorError(f"{path}: cannot write: {e.strerror or e}") from None


def write_report(audit: Audit, ruleset: Ruleset, path: Path, lang: str) -> None:
    write_text_atomic(path, render_html(audit, ruleset, lang=lang))


def save_report(path: Path, html: str) -> str | None:
    """Write a rendered per-app report; the reason if it cannot be written (the audit stands)."""
    try:
        write_text_atomic(path, html)
    except AuditorError as e:
        return f"{type(e).__name__}: {e}"
    return None
