"""Biometric payloads: whether an image, audio clip or template is a face, a fingerprint or a voice.

The bytes of a selfie and of a sticker look alike, so content alone decides only what kind of media
it is (magic bytes, else the declared MIME type); the purpose comes from the field name and the URL
(`faceImage` on `/faceid/v3/verify`). Words that mark decorative media (sticker, emoji, banner)
veto the hit. All words and signatures live in recognizers/biometrics.yaml.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from auditor.pii.data import RecognizerData
from auditor.pii.hit import Hit

# Enough base64 to sniff every signature in biometrics.yaml without decoding a whole image.
_SNIFF_CHARS = 4096
_DATA_URI = re.compile(r"data:([\w.+\-]+/[\w.+\-]+)?(?:;[\w=\-]+)*;base64,", re.I)
_BASE64 = re.compile(r"[A-Za-z0-9+/_\-]+={0,2}")
# Opaque binary under a biometric key with no known signature (vendor feature vectors) is
# weaker evidence than a recognised image or template.
_UNKNOWN_FORMAT_SCORE = 0.6
_MIN_PAYLOAD = 64


@dataclass(frozen=True)
class _Magic:
    kind: str
    signature: bytes
    offset: int
    also: tuple[bytes, int] | None

    def matches(self, data: bytes) -> bool:
        if data[self.offset:self.offset + len(self.signature)] != self.signature:
            return False
        if self.also is None:
            return True
        sig, off = self.also
        return data[off:off + len(sig)] == sig


@dataclass(frozen=True)
class _Purpose:
    entity: str
    category: str
    kinds: frozenset[str]
    key_words: tuple[str, ...]
    url_words: tuple[str, ...]


class BiometricClassifier:
    def __init__(self, data: RecognizerData) -> None:
        bio = data.biometrics
        self._magic = [
            _Magic(m["kind"], bytes.fromhex(m["hex"]), m["offset"],
                   (bytes.fromhex(m["also"]["hex"]), m["also"]["offset"]) if "also" in m else None)
            for m in bio["magic"]
        ]
        self._mime = [(m["prefix"].lower(), m["kind"]) for m in bio["mime"]]
        self._purposes = [
            _Purpose(p["entity"], data.entities[p["entity"]].category, frozenset(p["kinds"]),
                     tuple(w.lower() for w in p["key_words"]), tuple(w.lower() for w in p["url_words"]))
            for p in bio["purposes"]
        ]
        self._not_personal = tuple(w.lower() for w in bio["not_personal_words"])

    def media_kind(self, data: bytes, mime: str) -> tuple[str | None, str]:
        """(kind, evidence): 'magic' when the content says so, else 'mime' from the declared type."""
        for m in self._magic:
            if m.matches(data):
                return m.kind, "magic"
        mime = mime.lower()
        for prefix, kind in self._mime:
            if mime.startswith(prefix):
                return kind, "mime"
        return None, ""

    def classify(self, key: str, url: str, data: bytes, mime: str, key_entities: frozenset[str]) -> list[Hit]:
        """Hits for a payload; ``key_entities`` are what the field lexicon says the key names."""
        if len(data) < _MIN_PAYLOAD:
            return []
        key_l = key.lower()
        parts = urlsplit(url.lower()) if url else None
        url_l = f"{parts.path}?{parts.query}" if parts else ""
        if any(w in key_l or w in url_l for w in self._not_personal):
            return []
        kind, how = self.media_kind(data, mime)
        for p in self._purposes:
            by_key = p.entity in key_entities or any(w in key_l for w in p.key_words)
            by_url = any(w in url_l for w in p.url_words)
            if kind is None:
                if by_key and not mime:
                    return [Hit(p.entity, p.category, 0, len(data), "", _UNKNOWN_FORMAT_SCORE, ("key",))]
                continue
            if kind not in p.kinds or not (by_key or by_url):
                continue
            score = 0.95 if by_key and by_url else 0.85 if by_key else 0.7
            evidence = (how,) + (("key",) if by_key else ()) + (("url",) if by_url else ())
            return [Hit(p.entity, p.category, 0, len(data), "", score, evidence)]
        return []


def decode_payload(value: str) -> tuple[bytes, str] | None:
    """The first bytes and MIME type of a base64 or data-URI string, enough to sniff its kind."""
    mime = ""
    m = _DATA_URI.match(value)
    if m:
        mime = m.group(1) or ""
        value = value[m.end():]
    head = value[:_SNIFF_CHARS]
    head = head[: len(head) - len(head) % 4]
    if len(head) < _MIN_PAYLOAD or not _BASE64.fullmatch(head):
        return None
    try:
        raw = base64.b64decode(head, altchars=b"-_" if ("-" in head or "_" in head) else None)
    except (binascii.Error, ValueError):
        return None
    return raw, mime
