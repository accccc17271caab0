"""Reports a regulator files and a developer fixes from: HTML, PDF and SARIF.

They read an Audit and never re-run analysis. The HTML is one self-contained page; the PDF is that
page printed by headless Chromium; SARIF carries the same findings for code-scanning tools.
"""

from auditor.report.html import render_html
from auditor.report.pdf import write_pdf
from auditor.report.sarif import to_sarif, validate_sarif

__all__ = ["render_html", "to_sarif", "validate_sarif", "write_pdf"]
