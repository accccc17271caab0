"""Masking and salted hashing of personal information.

Raw values never leave the scanner: observations carry the masked form for people and a salted,
truncated HMAC so equal values correlate across flows and audits in one database without being
recoverable from it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from auditor.safetext import for_terminal


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


# --- URLs --------------------------------------------------------------------------------------------
# A URL is evidence a regulator reads (which host, which endpoint), but apps put PI in it: a phone
# number as a path segment or a sub-domain, an ID number, an e-mail, a name in Chinese, a device id.
# Every writer (JSON, SQLite, reports, the live proxy's console) shows URLs through mask_url, which
# keeps the scheme, the host's shape and the path's shape and masks only the PI-shaped tokens, so
# ``/user/13912345678/orders`` stays recognisable as ``/user/139****5678/orders``. Masking is
# idempotent: a URL read back from a database and shown again comes out the same.

#: Tokens that carry PI in a URL piece (already percent-decoded): digit runs of 7 or more (phone,
#: ID with its X, bank card, IMEI, QQ, dates; separators allowed), e-mail addresses, MAC addresses,
#: UUIDs and long hex ids (OAID, IDFA, Android ID), and runs of non-ASCII text (names, addresses).
_URL_PI = re.compile(
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
    r"|(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}(?![0-9A-Fa-f])"
    r"|[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}"
    r"|(?<![0-9A-Za-z])(?=[0-9A-Fa-f]*\d)[0-9A-Fa-f]{16,}(?![0-9A-Za-z])"
    r"|\d(?:[ -]?\d){6,}[Xx]?"
    r"|[^\x00-\x7f]{2,}"
)
#: A quick look for anything _URL_PI could match; most URLs have none and are returned as they are.
_URL_MAYBE = re.compile(r"\d(?:[ -]?\d){6}|@|%|[^\x00-\x7f]|[0-9A-Fa-f]{8}|[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}[:-]")
#: Characters left as they are when a masked piece is percent-encoded again (all of RFC 3986 but space).
_URL_SAFE = "!#$&'()*+,/:;=?@[]~-._%"


def _mask_token(m: re.Match[str]) -> str:
    token = m.group(0)
    if "@" in token:
        return mask(token, "EMAIL")
    if not token.isascii():
        return token[0] + "*" * (len(token) - 1)
    return mask(token)


def mask_text(text: str) -> str:
    """PI-shaped tokens of a short free text (a URL piece, a message) masked; the rest kept."""
    return _URL_PI.sub(_mask_token, text) if _URL_MAYBE.search(text) else text


def _mask_piece(piece: str) -> str:
    """One path segment, host label or query value, percent-encoded as it came when it was."""
    if "%" not in piece:
        return mask_text(piece)
    decoded = unquote(piece)
    masked = mask_text(decoded)
    return piece if masked == decoded else quote(masked, safe=_URL_SAFE)


def mask_host(host: str) -> str:
    """A host name with PI-shaped labels masked (``13912345678.example.com`` -> ``139****5678.example.com``)."""
    return mask_text(host) if _URL_MAYBE.search(host) else host


@lru_cache(maxsize=8192)
def mask_url(url: str) -> str:
    """A URL as every output shows it: host and path shape kept, PI in labels, segments and the
    user-info masked, query values masked whole (the fields in them are reported one by one)."""
    if not _URL_MAYBE.search(url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    netloc = mask_host(netloc)
    path = "/".join(_mask_piece(s) for s in parts.path.split("/"))
    query = "&".join(_mask_query_pair(p) for p in parts.query.split("&")) if parts.query else ""
    fragment = mask(parts.fragment) if parts.fragment else ""
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


def _mask_query_pair(pair: str) -> str:
    key, eq, value = pair.partition("=")
    return f"{_mask_piece(key)}{eq}{mask(unquote(value)) if value else ''}"


def clip(value: object, limit: int = 120) -> str:
    """A value or an error's text as a warning quotes it: one line, at most ``limit`` characters,
    PI-shaped tokens masked and control characters escaped (warnings are printed and stored)."""
    text = for_terminal(mask_text(str(value)).replace("\n", " "))
    return text if len(text) <= limit else text[: limit - 1] + "…"
