"""Signs that the APK does not show all its code: a packer (加固) or code loaded at run time.

Chinese apps are commonly packed: the real dex is encrypted and a stub decrypts it at start-up, so the
static analysis sees only the stub and finding no PI API proves nothing. Both signs become warnings
that tell the reader to rely on the traffic capture; the data is in rules/android_apis.yaml.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from auditor.apk.apis import Signature
from auditor.apk.code import CodeIndex
from auditor.ruleset import Ruleset


@dataclass(frozen=True)
class Packer:
    id: str
    name: str
    name_zh: str
    files: tuple[str, ...]
    classes: tuple[str, ...]


@dataclass(frozen=True)
class HidingRules:
    packers: tuple[Packer, ...]
    loaders: tuple[tuple[str, Signature], ...]
    elsewhere: tuple[Packer, ...]  # builds whose code is not in classes*.dex (Instant Run)

    @classmethod
    def load(cls, ruleset: Ruleset) -> HidingRules:
        data = ruleset.load("android_apis")

        def kinds(key: str) -> tuple[Packer, ...]:
            return tuple(
                Packer(p["id"], p["name"], p["name_zh"], tuple(p["files"]), tuple(p["classes"]))
                for p in data.get(key, [])
            )

        return cls(
            kinds("packers"),
            tuple((d["id"], Signature.parse(s)) for d in data.get("dynamic_loading", []) for s in d["signatures"]),
            kinds("code_elsewhere"),
        )


def detect_packers(kinds: tuple[Packer, ...], files: Iterable[str], classes: Iterable[str]) -> list[dict[str, Any]]:
    """Each packer (or build kind) with the files and classes that give it away."""
    files, classes = list(files), list(classes)
    found = []
    for p in kinds:
        evidence = sorted(f for f in files if any(fnmatchcase(f, g) for g in p.files))
        evidence += sorted(c for c in classes if c.startswith(p.classes))
        if evidence:
            found.append({"id": p.id, "name": p.name, "name_zh": p.name_zh, "evidence": evidence[:10]})
    return found


def dynamic_loading(rules: HidingRules, code: CodeIndex) -> list[dict[str, Any]]:
    """Where the code creates a class loader for dex it carries or downloads."""
    sites = {
        (c, m.partition("(")[0], api)
        for api, sig in rules.loaders
        for c, m, _target in code.call_places(sig.cls, sig.name, sig.descriptor)
    }
    return [{"class": c, "method": m, "api": api} for c, m, api in sorted(sites)]
