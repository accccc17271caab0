"""Code that runs when the app starts, before the user can have agreed to anything.

A privacy dialog is shown by an activity at the earliest; content providers, the Application class
and the launcher activity's first callbacks run before the user can answer it. Call sites reachable
from those within a few calls are flagged ``where["startup"]`` as a static hint for the
``before_consent`` rule (认定方法 三.1); the traffic capture remains the proof. Calls are followed by
their declared target only (no virtual dispatch, no callbacks), so the hint under-approximates.
"""

from __future__ import annotations

from androguard.core.apk import APK

from auditor.apk.code import CodeIndex, Method
from auditor.apk.manifest import NS, class_name

ENTRY_METHODS = frozenset({"<clinit>", "<init>", "attachBaseContext", "onCreate", "onStart", "onResume"})
MAX_DEPTH = 4


def entry_classes(apk: APK) -> set[str]:
    """Smali names of the Application, the launcher activities and every content provider."""
    root = apk.get_android_manifest_xml() if apk.is_valid_APK() else None
    if root is None:
        return set()
    package = apk.get_package() or ""
    names: set[str] = set(apk.get_main_activities() or ())
    app = root.find("application")
    if app is not None:
        names.add(app.get(NS + "name") or "")
        names.update(p.get(NS + "name") or "" for p in app.iter("provider"))
    return {"L" + class_name(package, n).replace(".", "/") + ";" for n in names if n}


def startup_methods(apk: APK, code: CodeIndex) -> set[Method]:
    """Methods reachable from the entry callbacks within MAX_DEPTH direct calls."""
    frontier = {m for cls in entry_classes(apk) for m in code.methods_of(cls) if code.signature(m)[1] in ENTRY_METHODS}
    seen = set(frontier)
    for _ in range(MAX_DEPTH):
        frontier = {callee for m in frontier for callee in code.callees(m) if callee not in seen}
        seen |= frontier
    return seen
