"""Masking and salted hashing of personal information.

Raw values never leave the scanner: observations carry the masked form for people and a salted,
truncated HMAC so equal values correlate across flows and audits in one database without being
recoverable from it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_salt() -> str:
    return secrets.token_hex(16)


def value_hash(value: str, salt: str) -> str:
    digest = hmac.new(salt.encode(), value.strip().encode("utf-8", "surrogatepass"), hashlib.sha256)
    return digest.hexdigest()[:20]


def mask(value: str, entity: str = "") -> str:
    """Keep just enough of a value for a person to recognise it; stars elsewhere.

    Long identifiers keep their first 3 and last 4 characters (``110***********4514``); names keep
    the surname; coordinates keep one decimal (city level); short values keep one character.
    """
    v = value.strip()
    if not v:
        return v
    if entity == "PERSON_NAME":
        keep = 2 if len(v) >= 4 else 1
        return v[:keep] + "*" * (len(v) - keep)
    if entity == "COORDINATES":
        return _mask_number_run(v)
    if entity == "EMAIL" and "@" in v:
        local, _, domain = v.partition("@")
        return (local[:1] + "***@" + domain) if local else v
    if entity == "ADDRESS":
        keep = min(6, max(1, len(v) // 3))
        return v[:keep] + "*" * min(len(v) - keep, 12)
    n = len(v)
    if n >= 11:
        return v[:3] + "*" * (n - 7) + v[-4:]
    if n >= 7:
        return v[:2] + "*" * (n - 4) + v[-2:]
    if n >= 3:
        return v[:1] + "*" * (n - 1)
    return "*" * n


def _mask_number_run(v: str) -> str:
    """Cut every decimal number to one decimal: 116.480512,39.990475 -> 116.4*,39.9*."""
    out: list[str] = []
    i = 0
    while i < len(v):
        ch = v[i]
        out.append(ch)
        if ch == "." and i > 0 and v[i - 1].isdigit() and i + 1 < len(v) and v[i + 1].isdigit():
            out.append(v[i + 1])
            j = i + 2
            while j < len(v) and v[j].isdigit():
                j += 1
            if j > i + 2:
                out.append("*")
            i = j
            continue
        i += 1
    return "".join(out)
