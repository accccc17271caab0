"""The permission table: every requested permission with its protection level, the PI it opens and
how many call sites in the code actually use it (``used_by`` = 0 is what ``permission_unjustified``
looks for)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from androguard.core.apk import APK

from auditor.apk.callsites import CallSite
from auditor.apk.manifest import NS
from auditor.errors import RulesError
from auditor.ruleset import Ruleset


class PermissionRules:
    """rules/android_permissions.yaml with the category ids checked against categories.yaml."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset

    @cached_property
    def _data(self) -> dict[str, Any]:
        data = self.ruleset.load("android_permissions")
        path = self.ruleset.root / "android_permissions.yaml"
        seen: set[str] = set()
        for i, p in enumerate(data["permissions"]):
            entry = f"permissions[{i}] (id={p['name']})"
            if p["name"] in seen:
                raise RulesError(path, entry, "duplicate permission")
            seen.add(p["name"])
            for cat in p["categories"]:
                self.ruleset.require_category(path, entry, cat)
        return data

    @cached_property
    def by_name(self) -> dict[str, dict[str, Any]]:
        return {p["name"]: p for p in self._data["permissions"]}

    @cached_property
    def platform_levels(self) -> dict[str, str]:
        return dict(self._data["platform"]["levels"])

    def level(self, name: str, declared: dict[str, str]) -> str:
        """The protection level: the platform's own, the app's declaration, our entry, else 'unknown'."""
        entry = self.by_name.get(name)
        return (
            self.platform_levels.get(name)
            or declared.get(name)
            or (entry["protection"] if entry else None)
            or "unknown"
        )

    def china_rom(self, name: str) -> bool:
        entry = self.by_name.get(name)
        if entry is not None and "china_rom" in entry:
            return bool(entry["china_rom"])
        return any(name.startswith(v["prefix"]) for v in self._data["rom_vendors"])


def requested_permissions(apk: APK) -> set[str]:
    """<uses-permission> plus <uses-permission-sdk-23> (requested on Android 6+ only), which androguard's
    ``get_permissions`` leaves out."""
    names = set(apk.get_permissions())
    root = apk.get_android_manifest_xml() if apk.is_valid_APK() else None
    if root is not None:
        names.update(n for el in root.iter("uses-permission-sdk-23") if (n := el.get(f"{NS}name")))
    return names


@dataclass(frozen=True)
class SiteUse:
    """A call site with the category it was judged to read, and the one its API reads by default."""

    site: CallSite
    category: str
    default: str


def permission_table(
    apk: APK, rules: PermissionRules, uses: Iterable[SiteUse], requested: set[str]
) -> list[dict[str, Any]]:
    """One row per requested permission, sorted by name.

    ``categories`` is what the permission opens in this app: the table's categories, except that a
    category every using call site re-judged (CAMERA used only by a face SDK opens ``face``, not
    ``photos``) is replaced by what those sites read.
    """
    used: Counter[str] = Counter()
    judged: dict[str, list[SiteUse]] = {}
    for use in uses:
        for perm in use.site.rule.permissions:
            used[perm] += use.site.count
            judged.setdefault(perm, []).append(use)
    declared = declared_levels(apk)
    max_sdk = {name: sdk for name, sdk in apk.uses_permissions}
    rows = []
    for name in sorted(requested):
        entry = rules.by_name.get(name)
        level = rules.level(name, declared)
        rows.append(
            {
                "name": name,
                "protection_level": level,
                "dangerous": level.split("|")[0] == "dangerous",
                "china_rom": rules.china_rom(name),
                "categories": _effective(list(entry["categories"]) if entry else [], judged.get(name, [])),
                "max_sdk": int(max_sdk[name]) if str(max_sdk.get(name) or "").isdigit() else None,
                "used_by": used[name],
            }
        )
    return rows


# android:protectionLevel as compiled into a manifest: base level in the low 4 bits, then flags
# (developer.android.com/reference/android/R.attr#protectionLevel, PermissionInfo.PROTECTION_*)
_BASE = {0: "normal", 1: "dangerous", 2: "signature", 3: "signatureOrSystem", 4: "internal"}
_FLAGS = {
    0x10: "privileged",
    0x20: "development",
    0x40: "appop",
    0x80: "pre23",
    0x100: "installer",
    0x200: "verifier",
    0x400: "preinstalled",
    0x800: "setup",
    0x1000: "instant",
    0x2000: "runtime",
}


def declared_levels(apk: APK) -> dict[str, str]:
    """Protection levels of the permissions the app declares itself (<permission>)."""
    try:
        details = apk.get_declared_permissions_details()
    except Exception:  # noqa: BLE001 - a damaged manifest: no declared permissions known
        return {}
    out = {}
    for name, d in details.items():
        raw = str(d.get("protectionLevel") or "0")
        try:
            value = int(raw, 0)
        except ValueError:
            out[name] = raw  # already a name ("signature")
            continue
        flags = [f for bit, f in _FLAGS.items() if value & bit]
        out[name] = "|".join([_BASE.get(value & 0xF, "unknown"), *flags])
    return out


def _effective(table: list[str], uses: list[SiteUse]) -> list[str]:
    out: list[str] = []
    for cat in table:
        mine = [u for u in uses if u.default == cat]
        if mine and all(u.category != cat for u in mine):
            out += sorted({u.category for u in mine} - set(out))
        elif cat not in out:
            out.append(cat)
    return out
