"""The PI-reading Android APIs of rules/android_apis.yaml, parsed into lookups for the code scan.

The YAML speaks smali (``Lpkg/Class;->name(args)ret``) because that is what a regulator sees in a
disassembler; this module splits each signature once into class, member and descriptor so the scan
can go straight to androguard's class table instead of matching strings per instruction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from auditor.errors import RulesError
from auditor.ruleset import Ruleset

DEFAULT_CONFIDENCE = 0.9
_METHOD = re.compile(r"^(L[^;]+;)->([^(:]+)(\(.*)?$")
_FIELD = re.compile(r"^(L[^;]+;)->([^(:]+):(.+)$")


@dataclass(frozen=True)
class Signature:
    """One smali member: a method (any overload when ``descriptor`` is None) or a static field."""

    cls: str
    name: str
    descriptor: str | None
    is_field: bool

    @classmethod
    def parse(cls, text: str) -> Signature:
        if m := _FIELD.match(text):
            return cls(m[1], m[2], m[3], True)
        m = _METHOD.match(text)
        if not m:
            raise ValueError(f"not a smali member signature: {text}")
        return cls(m[1], m[2], m[3], False)

    @property
    def smali(self) -> str:
        sep = ":" if self.is_field else ""
        return f"{self.cls}->{self.name}{sep}{self.descriptor or ''}"

    @property
    def java_class(self) -> str:
        """'Landroid/provider/Settings$Secure;' -> 'android.provider.Settings$Secure', as Class.forName takes it."""
        return self.cls[1:-1].replace("/", ".")


@dataclass(frozen=True)
class Near:
    """Evidence the calling method must also hold for the call to count (e.g. "android_id")."""

    strings: frozenset[str] = frozenset()
    string_prefixes: tuple[str, ...] = ()
    fields: frozenset[str] = frozenset()

    def matches(self, strings: set[str], fields: set[str]) -> bool:
        if self.strings & strings or self.fields & fields:
            return True
        return any(s.startswith(self.string_prefixes) for s in strings) if self.string_prefixes else False


@dataclass(frozen=True)
class ApiRule:
    id: str
    signatures: tuple[Signature, ...]
    category: str
    permissions: tuple[str, ...]
    source: str
    near: Near | None = None
    requires: Near | None = None
    reflection: str | None = None
    sdk_kind_category: dict[str, str] = field(default_factory=dict)
    coarse_without: str | None = None
    confidence: float = DEFAULT_CONFIDENCE
    permission_widens: bool = False

    def category_for(self, sdk_kind: str | None, requested: set[str]) -> str:
        """The category a call site reads, given who calls it and what the manifest grants.

        Without ``coarse_without`` but with another of its permissions the OS gives a city-level
        position; without any of them it gives nothing, which reach.py reports, so the API's own
        category stays.
        """
        if sdk_kind and sdk_kind in self.sdk_kind_category:
            return self.sdk_kind_category[sdk_kind]
        if self.coarse_without and self.coarse_without not in requested and set(self.permissions) & requested:
            return "coarse_location"
        return self.category


def _near(spec: dict | None) -> Near | None:
    if not spec:
        return None
    return Near(
        frozenset(spec.get("strings", [])), tuple(spec.get("string_prefixes", [])), frozenset(spec.get("fields", []))
    )


def load_api_rules(ruleset: Ruleset) -> list[ApiRule]:
    """Read rules/android_apis.yaml; unknown categories are a RulesError naming the entry."""
    path = ruleset.root / "android_apis.yaml"
    rules: list[ApiRule] = []
    for i, e in enumerate(ruleset.load("android_apis")["apis"]):
        entry = f"apis[{i}] (id={e['id']})"
        cats = [e["category"], *e.get("sdk_kind_category", {}).values()]
        for cat in cats:
            ruleset.require_category(path, entry, cat)
        try:
            sigs = tuple(Signature.parse(s) for s in e["signatures"])
        except ValueError as err:
            raise RulesError(path, entry, str(err)) from None
        rules.append(
            ApiRule(
                id=e["id"],
                signatures=sigs,
                category=e["category"],
                permissions=tuple(e["permissions"]),
                source=e["source"],
                near=_near(e.get("near")),
                requires=_near(e.get("requires")),
                reflection=e.get("reflection"),
                sdk_kind_category=dict(e.get("sdk_kind_category", {})),
                coarse_without=e.get("coarse_without"),
                confidence=float(e.get("confidence", DEFAULT_CONFIDENCE)),
                permission_widens=bool(e.get("permission_widens", False)),
            )
        )
    return rules


@dataclass(frozen=True)
class Libraries:
    """rules/android_apis.yaml ``libraries``: platform support code no SDK owns and the app did not write."""

    prefixes: tuple[str, ...]
    own_dex_loaders: tuple[str, ...]

    @classmethod
    def load(cls, ruleset: Ruleset) -> Libraries:
        libs = ruleset.load("android_apis").get("libraries", [])
        return cls(
            tuple(e["prefix"] for e in libs),
            tuple(e["prefix"] for e in libs if e.get("loads_own_dex")),
        )

    def holds(self, dotted_class: str) -> bool:
        return dotted_class.startswith(self.prefixes)
