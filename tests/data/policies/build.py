"""Build the GBK/GB18030 and PDF variants of the labelled policies from their UTF-8 sources in src/.

The outputs are committed, so tests never need this script; rerun it after editing a source:
    .venv/bin/python tests/data/policies/build.py
PDFs use reportlab's built-in STSong-Light CID font (Adobe-GB1), so no font file is downloaded and
pdfminer extracts the text through its bundled CMaps. bad/scanned.pdf is a page of drawn shapes and
no text layer, standing in for a scanned policy.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
ENCODED = {"p04_govservice.txt": "gbk", "p11_ticketing.html": "gb18030"}
PDFS = ["p08_fooddelivery.txt", "p20_shortvideo.txt"]
TIGHT_PDFS = ["p37_travel.txt"]  # Word-like layout: tight leading, no space between paragraphs
FONT = "STSong-Light"


def build_encoded() -> None:
    for name, encoding in ENCODED.items():
        text = (SRC / name).read_text(encoding="utf-8")
        (HERE / name).write_bytes(text.encode(encoding))


def build_pdf(name: str, *, tight: bool = False) -> None:
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=12 if tight else 16, wordWrap="CJK")
    head = ParagraphStyle(
        "head",
        parent=body,
        fontSize=13 if not tight else 10.5,
        leading=20 if not tight else 12,
        spaceBefore=0 if tight else 6,
    )
    story = []
    for line in (SRC / name).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if not tight:
                story.append(Spacer(1, 4))
            continue
        short = len(line) <= 24 and not line.endswith("。")
        text = line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        story.append(Paragraph(text, head if short else body))
    out = HERE / name.replace(".txt", ".pdf")
    doc = SimpleDocTemplate(str(out), pagesize=A4, title=name, author="pi-auditor tests", invariant=1)
    doc.build(story)


def build_scanned() -> None:
    (HERE / "bad").mkdir(exist_ok=True)
    c = canvas.Canvas(str(HERE / "bad" / "scanned.pdf"), pagesize=A4, invariant=1)
    for i in range(30):
        c.rect(60, 760 - i * 22, 300 + (i * 37) % 170, 9, fill=1, stroke=0)
    c.showPage()
    c.save()


def main() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    build_encoded()
    for name in PDFS:
        build_pdf(name)
    for name in TIGHT_PDFS:
        build_pdf(name, tight=True)
    build_scanned()


if __name__ == "__main__":
    main()
