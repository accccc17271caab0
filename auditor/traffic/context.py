"""What a recognizer's hit means where it was found in a capture (data: rules/traffic.yaml).

The recognizers judge a key and a value. A capture says more: whether the value sat in a cookie, a
query, a header or a body, whether it was glued into a longer token, whether the response was a
script every visitor gets, and what an app's User-Agent carries besides its version. This module
weighs hits with that, and adds the device ids that only the place reveals (a hex id in the version
position of a User-Agent token, an app's own ``device_id`` format). It runs only on hits and on the
few leaves whose key names a device id, never on every leaf, so the scan keeps its speed.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from auditor.pii.hit import Hit
from auditor.pii.keys import normalise_key
from auditor.ruleset import Ruleset
from auditor.traffic.flows import Flow

#: The entity of a device id known only by its key or place, in an app's own format.
APP_DEVICE_ID = "APP_DEVICE_ID"
DEVICE_CATEGORY = "device_id"

_HEX_ID = re.compile(r"[0-9a-fA-F]{16,64}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ANY_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_\-.:=+/]{5,127}")
_FRACTION = re.compile(r"\d*\.\d+")
_COMMENT = re.compile(r"\(([^()]*)\)")
_PRODUCT = re.compile(r"([^\s/();,]+)/([^\s();,]+)")
_NAMED = re.compile(r"([^\s/=:]+)\s*[/=:]\s*(\S+)")
#: Networks of a device's own address on its network: RFC 1918 and RFC 4193 (Python's is_private also
#: takes documentation and benchmark ranges).
_PRIVATE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))
_ECHO_STRIP = {ord(c): None for c in " \t\r\n\u3000-·•・()（）"}
_JSONP_BODY = re.compile(rb"\s*(?:/\*\*/\s*)?(?:try\s*\{\s*)?;?\s*"
                         rb"(?:typeof\s+[\w$.]+\s*===?\s*['\"]function['\"]\s*&&\s*)?([\w$.]+)\s*\(")


@dataclass(frozen=True)
class _Rules:
    static_mime: tuple[str, ...]
    static_ext: frozenset[str]
    cookie_weak: frozenset[str]
    cookie_whole: frozenset[str]
    embedded: frozenset[str]
    phones: frozenset[str]
    any_shape: frozenset[str]
    any_confidence: float
    hex_shape: frozenset[str]
    hex_confidence: float
    ua_version: float
    ua_bare: float
    ua_negative: frozenset[str]
    ua_hash_lengths: frozenset[int]  # bare hex lengths in a comment that are build hashes
    placeholders: frozenset[str]
    page_keys: frozenset[str]  # fields that carry the page's own text (titles) into a request
    page_entities: frozenset[str]
    echo_only: frozenset[str]  # entities a response shows as an organisation's unless a request carried them
    credential_keys: frozenset[str]
    user_categories: frozenset[str]  # categories a person types into a form (first-party evidence)
    key_or_context: frozenset[str]  # entities a field's value alone does not establish
    ip_entities: frozenset[str]
    ip_keep: frozenset[str]


@dataclass(frozen=True, slots=True)
class KeyRole:
    """What a field name says to the traffic audit: a device id (any id shape allowed?, confidence of a
    find) and whether it names a credential (a login's password or SMS code: first-party evidence)."""

    device: tuple[bool, float] | None
    credential: bool


@cache
def _rules(root: Path) -> _Rules:
    return _compile(Ruleset(root).load("traffic"))


def _compile(d: dict[str, Any]) -> _Rules:
    dev, ua = d["device_ids"], d["user_agent"]
    return _Rules(
        static_mime=tuple(d["static_content"]["mime_types"]),
        static_ext=frozenset(d["static_content"]["extensions"]),
        cookie_weak=frozenset(d["cookies"]["weak_shape_entities"]),
        cookie_whole=frozenset(d["cookies"]["whole_value_entities"]),
        embedded=frozenset(d["embedded"]["entities"]),
        phones=frozenset(d["embedded"]["phone_entities"]),
        any_shape=frozenset(dev["any_shape"]["keys"]),
        any_confidence=float(dev["any_shape"]["confidence"]),
        hex_shape=frozenset(dev["hex_shape"]["keys"]),
        hex_confidence=float(dev["hex_shape"]["confidence"]),
        ua_version=float(ua["version_confidence"]),
        ua_bare=float(ua["bare_confidence"]),
        ua_negative=frozenset(ua["negative_names"]),
        ua_hash_lengths=frozenset(ua["bare_hash_lengths"]),
        placeholders=frozenset(d["placeholders"]["values"]),
        page_keys=frozenset(d["page_text"]["keys"]),
        page_entities=frozenset(d["page_text"]["entities"]),
        echo_only=frozenset(d["responses"]["echo_only_entities"]),
        credential_keys=frozenset(d["first_party"]["credential_keys"]),
        user_categories=frozenset(d["first_party"]["user_entered_categories"]),
        key_or_context=frozenset(d["fields"]["key_or_context_entities"]),
        ip_entities=frozenset(d["ip_addresses"]["entities"]),
        ip_keep=frozenset(d["ip_addresses"]["keep"]),
    )


def location(path: str) -> str:
    """Where in the message a field path points: query, headers, cookies, body, url or websocket."""
    head = path.split(".", 1)[0]
    return head.split("[", 1)[0]


def _glued(text: str, i: int, step: int) -> bool:
    """Whether position ``i`` continues a token: an ASCII letter or digit, or '-'/'_' before one."""
    if not 0 <= i < len(text):
        return False
    c = text[i]
    if c.isascii() and c.isalnum():
        return True
    if c in "-_":
        j = i + step
        return 0 <= j < len(text) and text[j].isascii() and text[j].isalnum()
    return False


class TrafficContext:
    """The weighing rules of one ruleset, with the caches the scan keeps per distinct key and User-Agent."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.r = _rules(ruleset.root)
        #: key -> its role, None for most keys; read in the scan's hot loop, filled per new key
        self.roles: dict[str, KeyRole | None] = {}
        self._ua: dict[str, tuple[Hit, ...]] = {}

    # -- responses every visitor gets -------------------------------------------------------------

    def is_static(self, flow: Flow) -> bool:
        """A script, stylesheet, font or public page: its finds count only as echoes of the user's own."""
        resp = flow.response
        if resp is None or not resp.body:
            return False
        mime = (resp.mime or resp.header("content-type")).lower()
        if any(m in mime for m in self.r.static_mime):
            return not ("script" in mime and self._jsonp(flow))
        if mime and not mime.startswith(("application/octet-stream", "text/plain", "binary/")):
            return False
        name = flow._parts.path.rpartition("/")[2]
        ext = name.rpartition(".")[2].lower() if "." in name else ""
        return ext in self.r.static_ext and not (ext in ("js", "mjs", "cjs") and self._jsonp(flow))

    def _jsonp(self, flow: Flow) -> bool:
        """A script that answers a JSONP call: API data wrapped in a function call, not a static asset.

        Known by the body opening with a call of the function a query parameter named. A callback
        parameter alone does not say it: script loaders take one too (Google Maps' ``callback=initMap``,
        ad verification scripts) and answer with a whole library that calls it at its end."""
        query = flow._parts.query
        if not query or flow.response is None:
            return False
        m = _JSONP_BODY.match(flow.response.body[:512])
        if m is None:
            return False
        called = m.group(1).decode("ascii", "replace")
        return any(v == called for _, v in parse_qsl(query))

    # -- hits in their place ------------------------------------------------------------------------

    def weigh(self, hits: list[Hit], path: str, value: object, *, text: bool = False) -> list[Hit]:
        """The hits that hold where they were found. ``value`` is what the scanner read: a field's value
        (its stripped text, or a number's repr, is what the hits' offsets refer to), or with ``text`` a
        free text, whose offsets are its own."""
        cookie = path.startswith("cookies")
        ips = self.r.ip_entities  # weighed even when key and value agree
        if not cookie and all("key" in h.evidence and h.entity not in ips and not self.placeholder(h.text)
                              for h in hits):
            return hits  # most hits: a key and a value agree, outside a cookie
        if text:
            source = str(value)
        else:
            source = value.strip() if type(value) is str else repr(value) if isinstance(value, int | float) else ""
        page_text = not text and self._page_text(path)
        return [h for h in hits if self._holds(h, cookie, not text, source)
                and not (page_text and h.entity in self.r.page_entities and "context" not in h.evidence)]

    def _page_text(self, path: str) -> bool:
        """Whether the field carries the page's own text (a title an analytics beacon reports back)."""
        last = path.rpartition(".")[2].split("[", 1)[0].split("{", 1)[0]
        return normalise_key(last) in self.r.page_keys

    def _holds(self, h: Hit, cookie: bool, field: bool, text: str) -> bool:
        r = self.r
        if h.entity in r.ip_entities and not self._telling_address(h.text):
            return False
        by_key = "key" in h.evidence
        if by_key and self.placeholder(h.text):
            return False  # ssid=0, a zeroed advertising id: the field is there, the value is absent
        if cookie:
            if by_key:
                return h.entity not in r.cookie_weak
            return h.entity in r.cookie_whole and h.start == 0 and h.end == len(text) and self._plain(h, text)
        if by_key:
            return True
        if field and h.entity in r.key_or_context and "context" not in h.evidence:
            return False  # a Luhn-valid id under a key that names no card
        return self._plain(h, text)

    def placeholder(self, text: str) -> bool:
        """A value that says "none": a placeholder word, or letters and digits that are one repeated
        character or none at all (``0``, ``-1``, ``00000000-0000-0000-0000-000000000000``)."""
        v = text.strip().lower()
        return v in self.r.placeholders or len({c for c in v if c.isalnum()}) <= 1

    def _device_id(self, value: str, any_shape: bool) -> bool:
        """Whether a value under a key naming a device id is one: no placeholder, and of the shape the key
        allows (any app's id format, or hex only). Fields and User-Agent tokens are judged alike."""
        return not self.placeholder(value) and (_any_id(value) if any_shape else _hex_id(value))

    def _telling_address(self, text: str) -> bool:
        """An IP address the receiver could not have seen anyway: the device's own on its network."""
        try:
            ip = ipaddress.ip_address(text.strip().strip("[]").split("%", 1)[0])
        except ValueError:
            return False
        kind = ("link_local" if ip.is_link_local else "loopback" if ip.is_loopback
                else "private" if any(ip in net for net in _PRIVATE) else "public" if ip.is_global else "reserved")
        return kind in self.r.ip_keep

    def _plain(self, h: Hit, text: str) -> bool:
        """A value-only find that is not part of something else (an id, a foreign number, an SSH remote)."""
        r, s, e = self.r, h.start, h.end
        if h.entity in r.embedded and (_glued(text, s - 1, -1) or _glued(text, e, 1)):
            return False
        if h.entity in r.phones and s > 0 and text[s - 1] == "+" and not h.text.startswith("+"):
            return False
        if h.entity == "EMAIL":
            if e + 1 < len(text) and text[e] == ":" and not text[e + 1].isspace():
                return False  # user@host:path
            if text[max(0, s - 2):s] == "//":
                return False  # scheme://user@host
        return True

    # -- device ids the recognizers do not know ---------------------------------------------------

    def role(self, key: str) -> KeyRole | None:
        """The key's role (None for most keys), worked out once per distinct key."""
        if key in self.roles:
            return self.roles[key]
        norm = normalise_key(key)
        r = self.r
        if norm.startswith("x") and norm[1:] in r.any_shape | r.hex_shape:
            norm = norm[1:]  # X-Device-Id
        device = ((True, r.any_confidence) if norm in r.any_shape
                  else (False, r.hex_confidence) if norm in r.hex_shape else None)
        role = KeyRole(device, norm in r.credential_keys) if device or norm in r.credential_keys else None
        self.roles[key] = role
        return role

    def device_key(self, key: str) -> tuple[bool, float] | None:
        """(any id shape allowed, confidence) for a key naming a device id, else None."""
        role = self.role(key)
        return role.device if role else None

    def device_hit(self, key: str, value: object, path: str) -> Hit | None:
        """A device id under a key that names one, in a format the recognizers do not know."""
        if type(value) is not str and type(value) is not int:
            return None
        kind = self.device_key(key)
        if kind is None or location(path) == "cookies":
            return None
        text = str(value).strip()
        return _device_hit(text, kind[1]) if self._device_id(text, kind[0]) else None

    def user_agent_hits(self, ua: str) -> tuple[Hit, ...]:
        """Device ids in an app's User-Agent, cached per User-Agent (an app sends the same one each time).

        Offsets are not kept: the hit stands for a token of the header, reported at ``headers.user-agent``.
        """
        got = self._ua.get(ua)
        if got is None:
            got = tuple(self._ua_hits(ua))
            if len(self._ua) < 1024:
                self._ua[ua] = got
        return got

    def _ua_hits(self, ua: str) -> list[Hit]:
        pairs: list[tuple[str | None, str]] = list(_PRODUCT.findall(_COMMENT.sub(" ", ua)))
        for comment in _COMMENT.findall(ua):
            for item in re.split(r"[;,]", comment):
                m = _NAMED.fullmatch(item.strip())
                if m:
                    pairs.append((m.group(1), m.group(2)))
                else:
                    pairs += [(None, tok) for tok in item.split()]
        out = []
        for name, value in pairs:
            kind = self.device_key(name) if name else None
            if kind is not None:
                if self._device_id(value, kind[0]):
                    out.append(_device_hit(value, kind[1]))
            elif name is None:
                if _hex_id(value) and len(value) not in self.r.ua_hash_lengths:
                    out.append(_device_hit(value, self.r.ua_bare))
            elif _hex_id(value) and normalise_key(name) not in self.r.ua_negative:
                out.append(_device_hit(value, self.r.ua_version))
        return out


def _device_hit(text: str, score: float) -> Hit:
    return Hit(APP_DEVICE_ID, DEVICE_CATEGORY, 0, len(text), text, score, ("key", "value"))


def _hex_id(v: str) -> bool:
    """A hexadecimal id of 16+ characters or a UUID, with letters and digits and not a run of one."""
    if not _HEX_ID.fullmatch(v):
        return False
    h = v.replace("-", "").lower()
    return len(set(h)) >= 5 and not h.isdigit() and not h.isalpha()


def _any_id(v: str) -> bool:
    """An identifier of any app's format: not a placeholder, a count or a timestamp."""
    if not _ANY_ID.fullmatch(v):
        return False
    alnum = [c for c in v if c.isalnum()]
    if len(alnum) < 6 or len(set(alnum)) < 4:
        return False
    if _FRACTION.fullmatch(v):
        return False  # 0.8238071829546243: a script's Math.random(), a measure, never an id
    if v.isdigit():
        n = int(v)
        # a Unix time in seconds or milliseconds (2000-2040) is a clock, not a device
        return not (946_684_800 <= n <= 2_208_988_800 or 946_684_800_000 <= n <= 2_208_988_800_000)
    return True


def echo_key(text: str) -> int:
    """What makes two finds the same value, whatever their formatting (138 1234 5678, +86 13812345678).

    Python's string hash: keyed per process (forked scan workers share the parent's key), never
    reversible in practice, and far cheaper than an HMAC for a comparison that never leaves memory."""
    v = text.translate(_ECHO_STRIP).upper()
    if v[:1] in "+0" and len(v) > 9:
        for cc in ("+86", "0086"):
            if v.startswith(cc):
                v = v[len(cc):]
                break
    return hash(v)
