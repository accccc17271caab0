"""Which third-party SDK a class, a native library or a component belongs to (rules/sdks.yaml).

Matching is by whole package components, longest prefix first, so ``com.umeng`` claims
``com.umeng.analytics.Foo`` but not ``com.umengx.Foo``, and a specific entry such as
``com.huawei.hms.ads.identifier`` wins over a broader one of another SDK; the lookups themselves live
in the shared catalogue.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from auditor.sdk_catalogue import Catalogue


@dataclass
class _Evidence:
    packages: Counter[str] = field(default_factory=Counter)
    native_libs: set[str] = field(default_factory=set)
    components: set[str] = field(default_factory=set)


class SdkIndex:
    """The APK view of the SDK catalogue (auditor/sdk_catalogue.py): entries by class, library, component."""

    def __init__(self, sdks: dict[str, dict[str, Any]]) -> None:
        self.sdks = sdks
        self.catalogue = Catalogue.of(sdks)

    def match_package(self, package: str) -> tuple[str, str] | None:
        """(sdk id, matching prefix) for a dotted package or class name, else None."""
        return self.catalogue.by_package(package)

    def for_class(self, smali_class: str) -> dict[str, Any] | None:
        """The SDK entry owning 'Lcom/umeng/analytics/Foo;' (judged by its package), else None."""
        sid = self.catalogue.by_class(smali_class)
        return self.sdks[sid] if sid else None

    def for_native_lib(self, path: str) -> str | None:
        return self.catalogue.by_native_lib(path)

    def for_component(self, name: str) -> str | None:
        return self.catalogue.by_component(name)

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
