"""Which third-party SDK a class, a native library or a component belongs to (rules/sdks.yaml).

Matching is by whole package components, longest prefix first, so ``com.umeng`` claims
``com.umeng.analytics.Foo`` but not ``com.umengx.Foo``, and a specific entry such as
``com.tencent.mm.opensdk`` wins over a broader one of another SDK.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any


@dataclass
class _Evidence:
    packages: Counter[str] = field(default_factory=Counter)
    native_libs: set[str] = field(default_factory=set)
    components: set[str] = field(default_factory=set)


class SdkIndex:
    def __init__(self, sdks: dict[str, dict[str, Any]]) -> None:
        self.sdks = sdks
        self._prefixes = {tuple(p.split(".")): sid for sid, s in sdks.items() for p in s["packages"]}
        self._longest = max((len(p) for p in self._prefixes), default=0)
        self._cache: dict[str, tuple[str, str] | None] = {}

    def match_package(self, package: str) -> tuple[str, str] | None:
        """(sdk id, matching prefix) for a dotted package or class name, else None."""
        if package in self._cache:
            return self._cache[package]
        parts = tuple(package.split("."))
        hit = None
        for n in range(min(len(parts), self._longest), 0, -1):
            sid = self._prefixes.get(parts[:n])
            if sid is not None:
                hit = (sid, ".".join(parts[:n]))
                break
        self._cache[package] = hit
        return hit

    def for_class(self, smali_class: str) -> dict[str, Any] | None:
        """The SDK entry owning 'Lcom/umeng/analytics/Foo;' (judged by its package), else None."""
        package = smali_class[1:-1].rpartition("/")[0].replace("/", ".")
        hit = self.match_package(package) if package else None
        return self.sdks[hit[0]] if hit else None

    def for_native_lib(self, path: str) -> str | None:
        stem = PurePosixPath(path).stem
        for sid, s in self.sdks.items():
            if any(stem.startswith(lib) for lib in s.get("native_libs", [])):
                return sid
        return None

    def for_component(self, name: str) -> str | None:
        for sid, s in self.sdks.items():
            if name in s.get("components", []):
                return sid
        hit = self.match_package(name.rpartition(".")[0])
        return hit[0] if hit else None

    def inventory(
        self,
        classes: Iterable[str],
        files: Iterable[str],
        component_names: Iterable[str],
        categories: dict[str, set[str]],
    ) -> list[dict[str, Any]]:
        """Every SDK with any evidence, and the categories its own code was seen reading."""
        ev: dict[str, _Evidence] = defaultdict(_Evidence)
        for cls in classes:
            package = cls[1:-1].rpartition("/")[0].replace("/", ".")
            hit = self.match_package(package) if package else None
            if hit:
                ev[hit[0]].packages[hit[1]] += 1
        for path in files:
            if path.startswith("lib/") and path.endswith(".so") and (sid := self.for_native_lib(path)):
                ev[sid].native_libs.add(path)
        for name in component_names:
            if sid := self.for_component(name):
                ev[sid].components.add(name)
        out = []
        for sid in sorted(ev):
            s, e = self.sdks[sid], ev[sid]
            out.append(
                {
                    "id": sid,
                    "name": s["name"],
                    "name_zh": s["name_zh"],
                    "kind": s["kind"],
                    "evidence": {
                        "packages": dict(sorted(e.packages.items())),
                        "native_libs": sorted(e.native_libs),
                        "components": sorted(e.components),
                    },
                    "categories": sorted(categories.get(sid, set())),
                }
            )
        return out
