"""Privacy policies shipped inside the APK, and the addresses of online ones.

Regulators often receive an APK and nothing else; the policy it carries (an HTML page under assets/
shown in the consent dialog, a text file in res/raw, a long string resource) is what the app told its
users, so it is handed to the policy reader as is. Which names and words mark a policy is data
(rules/apk_policy_files.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from androguard.core.axml import ARSCParser
from charset_normalizer import from_bytes

from auditor.apk.code import CodeIndex
from auditor.errors import RulesError
from auditor.ruleset import Ruleset

URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[^\s\"'<>\\]*)?")
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


@dataclass(frozen=True)
class PolicyCues:
    """rules/apk_policy_files.yaml, compiled."""

    file_name: re.Pattern[str]
    titles: tuple[str, ...]
    topics: tuple[str, ...]
    url: re.Pattern[str]

    @classmethod
    def load(cls, ruleset: Ruleset) -> PolicyCues:
        data = ruleset.load("apk_policy_files")
        path = ruleset.root / "apk_policy_files.yaml"

        def compile_(key: str) -> re.Pattern[str]:
            try:
                return re.compile(data[key]["pattern"], re.I)
            except re.error as e:
                raise RulesError(path, f"{key}.pattern", f"not a regular expression: {e}") from None

        return cls(
            compile_("file_name"),
            tuple(data["titles"]["terms"]),
            tuple(t.lower() for t in data["topics"]["terms"]),
            compile_("url"),
        )

    def is_policy(self, text: str, by_name: bool) -> bool:
        if by_name:
            lower = text.lower()
            return any(t in lower for t in self.topics)
        return any(t in text for t in self.titles) and "收集" in text


def bundled_policies(
    files: Iterable[str], read: Callable[[str, int], bytes | None], cues: PolicyCues
) -> list[tuple[str, str]]:
    """(path inside the APK, decoded text) of each policy file under assets/ or res/raw/."""
    found: list[tuple[str, str]] = []
    scanned = 0
    for path in sorted(files):
        p = PurePosixPath(path)
        if not (path.startswith(("assets/", "res/raw")) and p.suffix.lower() in TEXT_SUFFIXES):
            continue
        by_name = bool(cues.file_name.search(p.name))
        if not by_name:
            scanned += 1
            if scanned > MAX_CONTENT_SCAN:
                continue
        data = read(path, MAX_POLICY_BYTES)
        text = decode(data) if data else None
        if text and cues.is_policy(text, by_name):
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


def string_policies(arsc: ARSCParser | None, cues: PolicyCues) -> list[tuple[str, str]]:
    """Policies pasted whole into a string resource (shown in the first-run dialog)."""
    return [
        (f"resources.arsc:{_name(arsc, rid)}", value)
        for rid, value in _string_resources(arsc)
        if len(value) >= MIN_STRING_POLICY and cues.is_policy(value, False)
    ]


def policy_urls(
    arsc: ARSCParser | None, code: CodeIndex, is_third_party: Callable[[str], bool], cues: PolicyCues
) -> list[str]:
    """Policy addresses in string resources, and in code used by the app's own classes.

    URLs inside SDK code are the SDK vendor's own policy, not the app's, so they are left out. A URL
    without a cue of its own counts when its resource name has one (``privacy_url``).
    """
    urls: set[str] = set()
    for rid, value in _string_resources(arsc):
        found = URL.findall(value) if "http" in value else []
        if found and arsc is not None:
            named = bool(cues.file_name.search(_name(arsc, rid)))
            urls.update(u for u in found if named or cues.url.search(u))
    for value, users in code.strings_containing("http"):
        candidates = [u for u in URL.findall(value) if cues.url.search(u)]
        if candidates and any(not is_third_party(code.signature(m)[0]) for m in users):
            urls.update(candidates)
    return sorted(urls)
