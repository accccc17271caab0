"""A CJK font subset embedded in the report, so it reads the same on any machine, offline, for years.

The report cannot rely on the reader having a Chinese font, and may not fetch one. We take Noto Sans
CJK SC from the Debian package fonts-noto-cjk (never downloaded) and build, with fontTools'
FontBuilder, a small TrueType font holding only the glyphs the page uses (tens of kilobytes instead
of 16 MB). TrueType rather than the source's CFF outlines because Chromium's PDF backend writes CFF
fonts as unnamed Type 3 glyph procedures, but a TrueType font as a named, embedded CID font that PDF
readers and archivists recognise. The font's copyright and OFL licence travel in its name table.

On screen only the regular weight is embedded: headings get the browser's synthetic bold, which at
heading sizes is hard to tell from the real bold face and halves the cost (about 1 ms per glyph, plus
a fixed cost to open the 16 MB collection, paid once per process). For print both weights are
embedded, because Chromium writes synthetic bold into a PDF as Type 3 glyph procedures.
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont

log = logging.getLogger(__name__)

FONT_DIRS = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/noto-cjk"))
FAMILY = "PI Auditor CJK"
# weight -> (file of fonts-noto-cjk, face name inside the collection, style name)
FACES = {400: ("NotoSansCJK-Regular.ttc", "Noto Sans CJK SC", "Regular"),
         700: ("NotoSansCJK-Bold.ttc", "Noto Sans CJK SC Bold", "Bold")}
SCREEN_WEIGHTS = (400,)
PRINT_WEIGHTS = (400, 700)
CU2QU_MAX_ERR = 1.0  # in font units (1000 per em): invisible at any print size
NAME_IDS = {"copyright": 0, "version": 5, "manufacturer": 8, "designer": 9, "licenseDescription": 13,
            "licenseInfoURL": 14}


@dataclass(frozen=True)
class FontSource:
    path: Path
    index: int
    style: str


@cache
def font_source(weight: int) -> FontSource | None:
    """Find the Simplified Chinese face of that weight inside the installed Noto CJK collection, if any."""
    filename, face_name, style = FACES[weight]
    for d in FONT_DIRS:
        path = d / filename
        if path.is_file():
            for i, face in enumerate(TTCollection(str(path), lazy=True).fonts):
                if face["name"].getDebugName(4) == face_name:
                    return FontSource(path, i, style)
    return None


class _Outlines:
    """The source face opened once per process, with every glyph converted so far kept for reuse."""

    def __init__(self, source: FontSource) -> None:
        self.font = TTFont(str(source.path), fontNumber=source.index, lazy=True)
        self.cmap = self.font.getBestCmap()
        self.glyph_set = self.font.getGlyphSet()
        self.converted: dict[str, Any] = {}

    def truetype(self, name: str) -> Any:
        if name not in self.converted:
            pen = TTGlyphPen(None)
            self.glyph_set[name].draw(Cu2QuPen(pen, CU2QU_MAX_ERR, reverse_direction=True))
            self.converted[name] = pen.glyph()
        return self.converted[name]


@cache
def _outlines(source: FontSource) -> _Outlines:
    return _Outlines(source)


@cache
def subset_font(source: FontSource, text: str) -> bytes:
    """A WOFF font with the glyphs of ``text``, outlines converted to quadratic TrueType curves."""
    out_src = _outlines(source)
    src, cmap = out_src.font, out_src.cmap
    mapping = {ord(ch): cmap[ord(ch)] for ch in text if ord(ch) in cmap}
    names = [".notdef", *sorted(set(mapping.values()) - {".notdef"}, key=src.getGlyphID)]
    glyphs = {name: out_src.truetype(name) for name in names}
    fb = FontBuilder(src["head"].unitsPerEm, isTTF=True)
    fb.setupGlyphOrder(names)
    fb.setupCharacterMap(mapping)
    fb.setupGlyf(glyphs)
    fb.setupHorizontalMetrics({n: src["hmtx"][n] for n in names})
    hhea, os2 = src["hhea"], src["OS/2"]
    fb.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent, lineGap=hhea.lineGap)
    fb.setupOS2(sTypoAscender=os2.sTypoAscender, sTypoDescender=os2.sTypoDescender,
                sTypoLineGap=os2.sTypoLineGap, usWinAscent=os2.usWinAscent, usWinDescent=os2.usWinDescent,
                usWeightClass=os2.usWeightClass, fsType=0)
    names_table = {key: src["name"].getDebugName(nid) for key, nid in NAME_IDS.items()}
    fb.setupNameTable({
        **{k: v for k, v in names_table.items() if v},
        "familyName": FAMILY,
        "styleName": source.style,
        "psName": f"NotoSansCJKsc-{source.style}",
    })
    fb.setupPost()
    head = src["head"]
    fb.setupHead(unitsPerEm=head.unitsPerEm, fontRevision=head.fontRevision, created=head.created,
                 modified=head.modified)
    fb.font.flavor = "woff"
    out = io.BytesIO()
    fb.save(out)
    return out.getvalue()


def font_face_css(text: str, weights: Sequence[int] = SCREEN_WEIGHTS) -> str:
    """@font-face rules with the subset fonts as data: URIs; empty when the fonts are not installed."""
    chars = "".join(sorted(set(text) | {chr(c) for c in range(0x20, 0x7F)}))
    rules = []
    for weight in weights:
        source = font_source(weight)
        if source is None:
            log.warning("%s not found in %s: the report falls back to the reader's fonts", FACES[weight][0],
                        ", ".join(map(str, FONT_DIRS)))
            continue
        data = base64.b64encode(subset_font(source, chars)).decode("ascii")
        rules.append(f"@font-face{{font-family:'{FAMILY}';font-weight:{weight};font-style:normal;"
                     f"src:url(data:font/woff;base64,{data}) format('woff')}}")
    return "\n".join(rules)
