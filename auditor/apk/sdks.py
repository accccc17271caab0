"""Which third-party SDK a class belongs to: the catalogue (rules/sdks.yaml), then the APK itself.

The catalogue names an SDK's public packages, native libraries and manifest components. SDKs also
ship code the catalogue cannot name: obfuscated internal packages (AMap's location SDK keeps its
readers of IMEI, MAC and cell towers in ``com.loc``), helper libraries only they use. ``Owners`` finds
them in one APK by every signal:

1. package prefix from the catalogue, by whole package components, longest first (``com.umeng`` claims
   ``com.umeng.analytics.Foo`` but not ``com.umengx.Foo``; ``com.huawei.hms.ads.identifier`` wins over a
   broader entry of another SDK; the lookups live in the shared catalogue, auditor/sdk_catalogue.py);
   never the app's own package tree unless the prefix is more specific;
2. a manifest component the catalogue lists for the SDK: its package is the SDK's;
3. a native library of the SDK (lib/*/libX.so): the package of the class that loads it
   (``System.loadLibrary("X")``) is the SDK's;
4. the package tree: a package none of the above claims, whose classes are used from outside it only
   by one SDK's code (directly, or through other such packages), is that SDK's. Platform support
   libraries (androidx, android.support...) are neutral: they use nobody's code on their own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

from auditor.apk.code import CodeIndex, package_of
from auditor.sdk_catalogue import Catalogue

#: Calls that load a native library by name (the const-string in the caller names it).
_LOADERS = (
    ("Ljava/lang/System;", "loadLibrary"),
    ("Ljava/lang/System;", "load"),
    ("Ljava/lang/Runtime;", "loadLibrary"),
)
#: A package-tree walk that grows past this many packages is too tangled to credit anyone.
MAX_WALK = 400


class SdkIndex:
    """The APK view of the SDK catalogue (auditor/sdk_catalogue.py): entries by class, library, component."""

    def __init__(self, sdks: dict[str, dict[str, Any]]) -> None:
        self.sdks = sdks
        self.catalogue = Catalogue.of(sdks)

    def match_package(self, package: str) -> tuple[str, str] | None:
        """(sdk id, matching prefix) for a dotted package or class name, else None."""
        return self.catalogue.by_package(package)

    def for_class(self, smali_class: str) -> dict[str, Any] | None:
        """The SDK entry owning 'Lcom/umeng/analytics/Foo;' by its package prefix alone, else None."""
        sid = self.catalogue.by_class(smali_class)
        return self.sdks[sid] if sid else None

    def for_native_lib(self, path: str) -> str | None:
        return self.catalogue.by_native_lib(path)

    def for_component(self, name: str) -> str | None:
        return self.catalogue.by_component(name)

    def listed_component(self, name: str) -> str | None:
        """The SDK whose catalogue entry lists this manifest component by name."""
        sid = self.catalogue.by_component(name)
        return sid if sid and name in self.sdks[sid].get("components", []) else None


@dataclass
class _Evidence:
    packages: Counter[str] = field(default_factory=Counter)
    inferred: dict[str, str] = field(default_factory=dict)  # package -> the signal that gave it
    native_libs: set[str] = field(default_factory=set)
    components: set[str] = field(default_factory=set)


class Owners:
    """The owner of every class of one APK (or of one APK nested in it)."""

    def __init__(
        self,
        index: SdkIndex,
        code: CodeIndex,
        *,
        files: Iterable[str],
        components: Iterable[str],
        app_package: str | None,
        libraries: tuple[str, ...],
    ) -> None:
        self.index = index
        self.code = code
        self.app = app_package or None
        self.libraries = libraries
        self.files = [f for f in files if f.startswith("lib/") and f.endswith(".so")]
        self.components = list(components)
        self._packages = {package_of(c) for c in code.classes}
        self._seeds: dict[str, tuple[str, str]] = {}  # package -> (sdk id, signal)
        self._seed_components()
        self._seed_native_libs()
        self._inferred: dict[str, tuple[str, str] | None] = {}

    # --- the four signals ---------------------------------------------------------------------------

    def _by_prefix(self, package: str) -> tuple[str, str] | None:
        hit = self.index.match_package(package) if package else None
        if hit is None:
            return None
        # the app's own tree: only a catalogue prefix more specific than the app's package counts
        if self._app_tree(package) and hit[1].count(".") <= (self.app or "").count("."):
            return None
        return hit

    def _seed(self, package: str, sid: str, signal: str) -> None:
        if package and package in self._packages and not self._by_prefix(package) and not self._neutral(package):
            self._seeds.setdefault(package, (sid, signal))

    def _seed_components(self) -> None:
        for name in self.components:
            sid = self.index.listed_component(name)
            if sid:
                self._seed(name.rpartition(".")[0], sid, f"component {name}")

    def _seed_native_libs(self) -> None:
        libs: dict[str, str] = {}
        for path in self.files:
            sid = self.index.for_native_lib(path)
            if sid:
                stem = PurePosixPath(path).stem
                libs[stem[3:] if stem.startswith("lib") else stem] = sid
        if not libs:
            return
        for cls, name in _LOADERS:
            for m, _target in self.code.invokes(cls, name):
                for s in self.code.strings(m):
                    base = PurePosixPath(s).name.removeprefix("lib").removesuffix(".so")
                    if base in libs:
                        self._seed(package_of(self.code.signature(m)[0]), libs[base], f"native library lib{base}.so")

    def _neutral(self, package: str) -> bool:
        """Platform support libraries: used by everyone, owned by no SDK."""
        return (package + ".").startswith(self.libraries)

    def _app_tree(self, package: str) -> bool:
        return bool(self.app) and (package == self.app or package.startswith(self.app + "."))

    @cached_property
    def _referrer_packages(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for dst, srcs in self.code.referrers.items():
            p = package_of(dst)
            out[p].update(q for q in (package_of(s) for s in srcs) if q != p)
        return out

    def _direct(self, package: str) -> str | None:
        hit = self._by_prefix(package)
        if hit:
            return hit[0]
        seed = self._seeds.get(package)
        return seed[0] if seed else None

    def _infer(self, package: str) -> tuple[str, str] | None:
        """(sdk id, signal) when every use of the package from outside leads back to one SDK only."""
        if package in self._inferred:
            return self._inferred[package]
        result = None
        if not (self._neutral(package) or self._app_tree(package)):
            owners: set[str] = set()
            via: set[str] = set()
            seen, stack, blocked = {package}, [package], False
            while stack and not blocked:
                refs = self._referrer_packages.get(stack.pop(), set())
                if not refs:
                    blocked = True  # used by nobody we can see: entered from elsewhere
                for r in refs - seen:
                    sid = self._direct(r)
                    if sid:
                        owners.add(sid)
                        via.add(r)
                    elif self._app_tree(r) or len(seen) > MAX_WALK:
                        blocked = True
                    elif not self._neutral(r):
                        seen.add(r)
                        stack.append(r)
            if len(owners) == 1 and not blocked:
                result = (owners.pop(), "used only by " + ", ".join(sorted(via)[:3]))
        self._inferred[package] = result
        return result

    # --- answers ------------------------------------------------------------------------------------

    def owner(self, descriptor: str) -> tuple[str, str] | None:
        """(sdk id, how it was found) of a class, or None for the app and the libraries it uses."""
        package = package_of(descriptor)
        hit = self._by_prefix(package)
        if hit:
            return hit[0], "package"
        if package in self._seeds:
            return self._seeds[package]
        return self._infer(package)

    def sdk_of(self, descriptor: str) -> dict[str, Any] | None:
        hit = self.owner(descriptor)
        return self.index.sdks[hit[0]] if hit else None

    def evidence(self) -> dict[str, _Evidence]:
        """Per SDK: classes per catalogue prefix, packages found by the other signals, libraries, components."""
        ev: dict[str, _Evidence] = defaultdict(_Evidence)
        for cls in self.code.classes:
            package = package_of(cls)
            hit = self._by_prefix(package)
            if hit:
                ev[hit[0]].packages[hit[1]] += 1
        for package, (sid, signal) in self._seeds.items():
            ev[sid].inferred[package] = signal
        for package in self._packages:
            if package not in self._seeds and not self._by_prefix(package):
                found = self._inferred.get(package)
                if found:
                    ev[found[0]].inferred[package] = found[1]
        for path in self.files:
            if sid := self.index.for_native_lib(path):
                ev[sid].native_libs.add(path)
        for name in self.components:
            if sid := self.index.for_component(name):
                ev[sid].components.add(name)
        return ev


def inventory(index: SdkIndex, owners: Iterable[Owners], categories: dict[str, set[str]]) -> list[dict[str, Any]]:
    """Every SDK with any evidence in the APK and the APKs nested in it, and the categories its own code
    was seen reading."""
    merged: dict[str, _Evidence] = defaultdict(_Evidence)
    for o in owners:
        for sid, e in o.evidence().items():
            m = merged[sid]
            m.packages.update(e.packages)
            m.inferred.update(e.inferred)
            m.native_libs |= e.native_libs
            m.components |= e.components
    out = []
    for sid in sorted(merged):
        s, e = index.sdks[sid], merged[sid]
        out.append(
            {
                "id": sid,
                "name": s["name"],
                "name_zh": s["name_zh"],
                "kind": s["kind"],
                "evidence": {
                    "packages": dict(sorted(e.packages.items())),
                    "inferred_packages": dict(sorted(e.inferred.items())),
                    "native_libs": sorted(e.native_libs),
                    "components": sorted(e.components),
                },
                "categories": sorted(categories.get(sid, set())),
            }
        )
    return out
