"""Regenerate the committed screenshots of the sample report (tests/report_fixtures.py).

Run: .venv/bin/python docs/screenshots/update.py
Needs chromium and poppler-utils (scripts/apt-packages.txt). Screens are taken offline, as the
browser test does; PDF pages are the printed zh report rendered by pdftoppm.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from report_fixtures import sample_audit  # noqa: E402

from auditor.report import render_html, write_pdf  # noqa: E402
from auditor.report.chromium import run_chromium  # noqa: E402
from auditor.ruleset import Ruleset  # noqa: E402

SHOTS = {"report-zh": "zh", "report-en": "en"}  # the top of the page on screen, 1200 x 2200
# PDF pages to show, found by a heading they carry (page numbers move as the report grows)
PDF_PAGES = {"cover": "审计输入及其", "summary": "结论摘要", "findings": "问题清单", "timeline": "同意时间线",
             "matrix": "收集、声明与必要范围对照", "sdks": "第三方 SDK 清单"}


def page_of(pdf: Path, heading: str) -> int:
    n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                                                       check=True).stdout).group(1))  # type: ignore[union-attr]
    for page in range(1, n + 1):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        if heading in text:
            return page
    raise SystemExit(f"no page of {pdf} carries {heading!r}")


def main() -> None:
    rs = Ruleset()
    audit = sample_audit(rs)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        pages = {lang: t / f"report-{lang}.html" for lang in ("zh", "en")}
        for lang, page in pages.items():
            page.write_text(render_html(audit, rs, lang=lang), encoding="utf-8")
        for name, lang in SHOTS.items():
            run_chromium(["--hide-scrollbars", "--window-size=1200,2200", f"--screenshot={HERE / (name + '.png')}",
                          pages[lang].as_uri()], t / f"profile-{name}")
            print(f"wrote {name}.png")
        pdf = t / "report-zh.pdf"
        write_pdf(audit, rs, pdf)
        for name, heading in PDF_PAGES.items():
            n = page_of(pdf, heading)
            subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", str(n), "-l", str(n), str(pdf),
                            str(HERE / f"report-zh-pdf-{name}")], check=True)
            print(f"wrote report-zh-pdf-{name}.png (page {n})")


if __name__ == "__main__":
    main()
