"""Privacy policies shipped inside the APK, and the addresses of online ones.

Regulators often receive an APK and nothing else; the policy it carries (an HTML page under assets/
shown in the consent dialog, a text file in res/raw, a long string resource) is what the app told its
users, so it is handed to the policy reader as is. A file counts when its name says policy
(privacy, yinsi, 隐私...) and its text is about personal information, or when its text carries an
unambiguous title (隐私政策, 个人信息保护政策...) and talks about collecting.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

from androguard.core.analysis.analysis import Analysis
from androguard.core.axml import ARSCParser
from charset_normalizer import from_bytes

NAME_CUE = re.compile(r"privacy|policy|yinsi|yszc|ysxy|ystk|隐私|个人信息", re.I)
TITLE_CUES = (
    "隐私政策",
    "个人信息保护政策",
    "隐私权政策",
    "个人信息处理规则",
    "隐私保护指引",
    "隐私协议",
    "隐私保护政策",
    "Privacy Policy",
)
TOPIC_CUES = ("个人信息", "隐私", "privacy")
URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[^\s\"'<>\\]*)?")
URL_CUE = re.compile(r"privacy|policy|yinsi|yszc|ysxy|ystk|gerenxinxi|隐私", re.I)
TEXT_SUFFIXES = {".html", ".htm", ".txt", ".md", ".xhtml", ""}
MAX_POLICY_BYTES = 2 << 20
MAX_CONTENT_SCAN = 200  # files read only to look for a title; bounded for asset-heavy games
MIN_STRING_POLICY = 200  # characters: shorter string resources are dialog captions, not the policy


def decode(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), then GB18030 (a superset of GBK), then charset detection."""
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    best = from_bytes(data).best()
    return str(best) if best is not None else None


def _is_policy(text: str, by_name: bool) -> bool:
    if by_name:
        return any(c in text or c.lower() in text.lower() for c in TOPIC_CUES)
    return any(c in text for c in TITLE_CUES) and "收集" in text


def bundled_policies(files: Iterable[str], read: Callable[[str, int], bytes | None]) -> list[tuple[str, str]]:
    """(path inside the APK, decoded text) of each policy file under assets/ or res/raw/."""
    found: list[tuple[str, str]] = []
    scanned = 0
    for path in sorted(files):
        p = PurePosixPath(path)
        if not (path.startswith(("assets/", "res/raw")) and p.suffix.lower() in TEXT_SUFFIXES):
            continue
        by_name = bool(NAME_CUE.search(p.name))
        if not by_name:
            scanned += 1
            if scanned > MAX_CONTENT_SCAN:
                continue
        data = read(path, MAX_POLICY_BYTES)
        text = decode(data) if data else None
        if text and _is_policy(text, by_name):
            found.append((path, text))
    return found


def _string_resources(arsc: ARSCParser | None) -> Iterable[tuple[int, str]]:
    """(resource id, value) of every string resource in every locale.

    Ids, not names: androguard resolves a name by a linear search, so names are looked up only for
    the few strings that turn out to matter.
    """
    if arsc is None:
        return
    for per_locale in arsc.get_resolved_strings().values():
        for strings in per_locale.values():
            for rid, value in strings.items():
                if value:
                    yield rid, value


def _name(arsc: ARSCParser, rid: int) -> str:
    return arsc.get_resource_xml_name(rid) or hex(rid)


def string_policies(arsc: ARSCParser | None) -> list[tuple[str, str]]:
    """Policies pasted whole into a string resource (shown in the first-run dialog)."""
    return [
        (f"resources.arsc:{_name(arsc, rid)}", value)
        for rid, value in _string_resources(arsc)
        if len(value) >= MIN_STRING_POLICY and _is_policy(value, False)
    ]


def policy_urls(arsc: ARSCParser | None, dx: Analysis, is_third_party: Callable[[str], bool]) -> list[str]:
    """Policy addresses in string resources, and in code used by the app's own classes.

    URLs inside SDK code are the SDK vendor's own policy, not the app's, so they are left out. A URL
    without a cue of its own counts when its resource name has one (``privacy_url``).
    """
    urls: set[str] = set()
    for rid, value in _string_resources(arsc):
        found = URL.findall(value) if "http" in value else []
        if found and arsc is not None:
            named = bool(NAME_CUE.search(_name(arsc, rid)))
            urls.update(u for u in found if named or URL_CUE.search(u))
    for value, sa in dx.strings.items():
        if "http" not in value:
            continue
        candidates = [u for u in URL.findall(value) if URL_CUE.search(u)]
        if candidates and any(not is_third_party(str(cls.name)) for cls, _m in sa.get_xref_from()):
            urls.update(candidates)
    return sorted(urls)
