"""Code that runs when the app starts, before the user can have agreed to anything.

A privacy dialog is shown by an activity at the earliest; content providers, the Application class
and the launcher activity's first callbacks run before the user can answer it. Call sites reachable
from those within a few calls are flagged ``where["startup"]`` as a static hint for the
``before_consent`` rule (认定方法 三.1); the traffic capture remains the proof. Calls are followed by
their declared target only (no virtual dispatch, no callbacks), so the hint under-approximates.
"""

from __future__ import annotations

from androguard.core.analysis.analysis import Analysis, MethodAnalysis
from androguard.core.apk import APK

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


def startup_methods(apk: APK, dx: Analysis) -> set[MethodAnalysis]:
    """Methods reachable from the entry callbacks within MAX_DEPTH direct calls."""
    frontier: set[MethodAnalysis] = set()
    for cls in entry_classes(apk):
        ca = dx.classes.get(cls)
        if ca is not None and not ca.is_external():
            frontier.update(m for m in ca.get_methods() if m.name in ENTRY_METHODS)
    seen = set(frontier)
    for _ in range(MAX_DEPTH):
        frontier = {
            callee
            for m in frontier
            for _cls, callee, _off in m.get_xref_to()
            if not callee.is_external() and callee not in seen
        }
        seen |= frontier
    return seen
