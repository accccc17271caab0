"""What the manifest and the signing block say: identity, components, and cleartext policy.

Read from androguard's parsed manifest (an lxml tree) rather than its convenience getters, because the
getters drop the attributes that matter here (exported, permission, the <queries> element) and the
defaults Android applies when an attribute is absent depend on targetSdkVersion.
"""

from __future__ import annotations

import hashlib
from typing import Any

from androguard.core.apk import APK
from androguard.core.axml import AXMLPrinter
from lxml.etree import _Element

NS = "{http://schemas.android.com/apk/res/android}"
COMPONENT_TAGS = {
    "activity": "activities",
    "activity-alias": "activities",
    "service": "services",
    "receiver": "receivers",
    "provider": "providers",
}
CLEARTEXT_DEFAULT_OFF_FROM = 28  # Android 9: cleartext is off by default for apps targeting it
EXPORTED_DEFAULT_OFF_FROM = 17  # providers stop being exported by default at API 17


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def app_metadata(apk: APK, warnings: list[str], label: str) -> dict[str, Any]:
    """package, versions, label, SDK levels and the SHA-256 of every signing certificate."""
    try:
        app_label = apk.get_app_name() or None
    except Exception:  # noqa: BLE001 - unresolvable label resource in a damaged resources.arsc
        app_label = None
    try:
        certs = sorted({hashlib.sha256(c.dump()).hexdigest() for c in apk.get_certificates()})
    except Exception as e:  # noqa: BLE001 - malformed signature block
        certs = []
        warnings.append(f"{label}: signing certificates unreadable ({type(e).__name__})")
    if not certs:
        warnings.append(f"{label}: the APK is not signed")
    if not apk.is_valid_APK():
        return {"cert_sha256": certs}
    return {
        "package": apk.get_package() or None,
        "version_name": apk.get_androidversion_name() or None,
        "version_code": _int(apk.get_androidversion_code()),
        "label": app_label,
        "min_sdk": _int(apk.get_min_sdk_version()),
        "target_sdk": _int(apk.get_target_sdk_version()),
        "cert_sha256": certs,
    }


def class_name(package: str, name: str | None) -> str:
    if not name:
        return ""
    if name.startswith("."):
        return package + name
    return name if "." in name else f"{package}.{name}"


def components(apk: APK) -> dict[str, Any]:
    """Components by kind, the exported ones (with the permission guarding them), and <queries>."""
    out: dict[str, Any] = {kind: [] for kind in dict.fromkeys(COMPONENT_TAGS.values())}
    out["exported"] = []
    out["queries"] = {"packages": [], "intents": [], "providers": []}
    root = apk.get_android_manifest_xml()
    if root is None:
        return out
    package = apk.get_package() or ""
    target = _int(apk.get_target_sdk_version()) or 1
    app = root.find("application")
    for el in app if app is not None else []:
        kind = COMPONENT_TAGS.get(el.tag) if isinstance(el.tag, str) else None
        if kind is None:
            continue
        attr = "targetActivity" if el.tag == "activity-alias" else "name"
        name = class_name(package, el.get(NS + "name") or el.get(NS + attr))
        out[kind].append(name)
        if _exported(el, target):
            out["exported"].append(
                {
                    "kind": kind[:-1] if kind != "activities" else "activity",
                    "name": name,
                    "permission": el.get(NS + "permission"),
                }
            )
    for q in root.iter("queries"):
        for el in q:
            if el.tag == "package":
                out["queries"]["packages"].append(el.get(NS + "name"))
            elif el.tag == "intent":
                out["queries"]["intents"] += [a.get(NS + "name") for a in el.iter("action")]
            elif el.tag == "provider":
                out["queries"]["providers"].append(el.get(NS + "authorities"))
    return out


def _exported(el: _Element, target_sdk: int) -> bool:
    value = el.get(NS + "exported")
    if value is not None:
        return value.lower() == "true"
    if el.tag == "provider":
        return target_sdk < EXPORTED_DEFAULT_OFF_FROM
    return el.find("intent-filter") is not None


def cleartext(apk: APK, warnings: list[str], label: str) -> tuple[bool | None, dict[str, Any]]:
    """Whether plain HTTP is allowed, and by what: network security config, manifest flag, default.

    On Android 7+ a network security config overrides ``usesCleartextTraffic``; a config that allows
    cleartext for some domains only still answers True (the report lists the domains).
    """
    root = apk.get_android_manifest_xml()
    app = root.find("application") if root is not None else None
    if app is None:
        return None, {}
    target = _int(apk.get_target_sdk_version())
    default = None if target is None else target < CLEARTEXT_DEFAULT_OFF_FROM
    ref = app.get(NS + "networkSecurityConfig")
    if ref:
        nsc = _network_security_config(apk, ref, default, warnings, label)
        if nsc is not None:
            allowed = bool(nsc["base_cleartext"] or nsc["cleartext_domains"])
            return allowed, {"source": "network_security_config", **nsc}
    flag = app.get(NS + "usesCleartextTraffic")
    if flag is not None:
        return flag.lower() == "true", {"source": "usesCleartextTraffic"}
    return default, {"source": f"default for targetSdkVersion {target}"}


def _network_security_config(
    apk: APK, ref: str, default: bool | None, warnings: list[str], label: str
) -> dict[str, Any] | None:
    path = _resource_path(apk, ref)
    try:
        root = AXMLPrinter(apk.get_file(path)).get_xml_obj() if path else None
    except Exception:  # noqa: BLE001 - missing file or broken binary XML
        root = None
    if root is None:
        warnings.append(f"{label}: network security config {ref} could not be read")
        return None
    base = root.find("base-config")
    base_value = base.get("cleartextTrafficPermitted") if base is not None else None
    domains = [
        (d.text or "").strip()
        for dc in root.iter("domain-config")
        if (dc.get("cleartextTrafficPermitted") or "").lower() == "true"
        for d in dc.iter("domain")
    ]
    return {
        "path": path,
        "base_cleartext": default if base_value is None else base_value.lower() == "true",
        "cleartext_domains": domains,
    }


def _resource_path(apk: APK, ref: str) -> str | None:
    """'@7F020000' (as androguard prints a reference) -> 'res/xml/network_security_config.xml'."""
    if not ref.startswith("@"):
        return None
    try:
        res = apk.get_android_resources()
        configs = res.get_resolved_res_configs(int(ref[1:], 16)) if res else []
    except Exception:  # noqa: BLE001 - not a hex id, or a resource table androguard cannot parse
        return None
    return next((path for _cfg, path in configs if isinstance(path, str)), None)
