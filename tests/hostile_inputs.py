"""Hostile inputs built at test time: captures with one bad record, PI in URLs, YAML and PDF bombs.

Shared by the hostile tests and the sweep (benchmarks/hostile_sweep.py); every input is written from
the project's own sample capture or from scratch, nothing is downloaded.
"""

from __future__ import annotations

import copy
import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_HAR = ROOT / "samples/traffic/gov_service.har"

#: PI planted in URLs and hosts; none of these may appear in any output or log.
PHONE = "13912345678"
ID_NO = "110101199003074514"
EMAIL = "zhangsan.pi@example.org"
PLANTED = (PHONE, ID_NO, EMAIL)
PI_URL = f"https://{PHONE}.api.example.org/user/{PHONE}/id/{ID_NO}/mail/{EMAIL}/orders?token=abc"


def har_with(entry_change: Callable[[dict[str, Any]], None] | None = None, *, ascii_only: bool = True) -> str:
    """The sample HAR plus one entry: a copy of its first, changed by ``entry_change``."""
    doc = json.loads(SAMPLE_HAR.read_text(encoding="utf-8"))
    extra = copy.deepcopy(doc["log"]["entries"][0])
    if entry_change:
        entry_change(extra)
    doc["log"]["entries"].append(extra)
    return json.dumps(doc, ensure_ascii=ascii_only)


def set_url(url: str) -> Callable[[dict[str, Any]], None]:
    def change(e: dict[str, Any]) -> None:
        e["request"]["url"] = url
    return change


def sample_entries() -> int:
    return len(json.loads(SAMPLE_HAR.read_text(encoding="utf-8"))["log"]["entries"])


def flow_file(path: Path, n: int = 5, change: Callable[[dict[str, Any]], None] | None = None, at: int = 2) -> Path:
    """A mitmproxy flow file of ``n`` flows carrying a phone number in the query; record ``at`` changed."""
    from mitmproxy.io import tnetstring
    from mitmproxy.test import tflow

    with path.open("wb") as fh:
        for i in range(n):
            f = tflow.tflow(resp=True)
            f.request.host = "api.example.com"
            f.request.path = f"/u/{i}?phone={PHONE}"
            state = f.get_state()
            if change is not None and i == at:
                change(state)
            fh.write(tnetstring.dumps(state))
    return path


def billion_laughs(levels: int = 9, key: str = "z") -> str:
    """The YAML billion laughs: 9 lines, 10^levels nodes once expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for i in range(1, levels):
        name = f"l{i}"
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
        prev = name
    lines.append(f"{key}: *{prev}")
    return "\n".join(lines) + "\n"


def pdf_document(content: bytes, filters: str = "/FlateDecode") -> bytes:
    """A one-page PDF whose content stream is ``content`` as stored (already encoded for ``filters``)."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter %s >>\nstream\n" % (len(content), filters.encode()) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def flate_bomb_pdf(inflated_mib: int = 4096) -> bytes:
    """A PDF of a few MB whose content stream inflates to ``inflated_mib`` MiB of spaces."""
    c = zlib.compressobj(9)
    parts = [c.compress(b"BT /F1 12 Tf 72 712 Td (privacy policy) Tj ET\n")]
    chunk = b" " * (1 << 20)
    parts += [c.compress(chunk) for _ in range(inflated_mib)]
    parts.append(c.flush())
    return pdf_document(b"".join(parts))
