"""How values read in a report: timestamps, URLs without their query, short labels, loose lists.

Shared by the HTML view and SARIF so that both show a URL the same way (never with its query string,
which often carries raw PI) and both accept the loose shapes app metadata comes in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from auditor.masking import mask_url


def strip_query(url: str, marker: str = "?…") -> str:
    """Drop query and fragment: they often carry raw PI (imei=...), and the field path says which key held it.
    PI in the host or path is masked (mask_url), also for audits stored before URLs were masked.

    ``marker`` is appended when a query was dropped, so a reader knows there was one.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_url(url.split("?", 1)[0].split("#", 1)[0])
    return mask_url(urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))) + (marker if parts.query else "")


def format_time(value: Any) -> str:
    """ISO stamps as a reader writes them: '2026-11-20 09:30:00.400 UTC'; anything else unchanged."""
    if not value:
        return ""
    try:
        t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    clock = t.strftime("%H:%M:%S") + (f".{t.microsecond // 1000:03d}" if t.microsecond else "")
    offset = t.utcoffset()
    zone = "" if offset is None else (" UTC" if not offset else " " + t.strftime("%z")[:3] + ":" + t.strftime("%z")[3:])
    return f"{t.date().isoformat()} {clock}{zone}"


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, whitespace runs folded, an ellipsis where text was cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_label(label: str) -> str:
    """A category name without its parenthesised examples, for chart lanes: 设备标识（IMEI、…） -> 设备标识."""
    return re.split(r"（| \(", label, maxsplit=1)[0]


def as_list(value: Any) -> list[str]:
    """App metadata comes from several producers: accept a string, a list or a mapping."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items()]
    if isinstance(value, Iterable):
        return [str(v) for v in value if v is not None and v != ""]
    return [str(value)]
