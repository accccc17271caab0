"""Permission requests that ask for several PI permissions at once (认定方法 四.6).

A call of ``requestPermissions`` (the framework's, AndroidX's ActivityCompat or Fragment, or an app
or library method of that name, e.g. EasyPermissions) is answered by the dex index: the method making
the call holds the permission names it passes as const-strings (``Manifest.permission.CAMERA`` is a
compile-time constant). When those are dangerous permissions the app requests, of at least two PI
categories (READ and WRITE of storage are one dialog and one category), the call asks for several at
once; when the caller runs at start-up (auditor/apk/startup.py), before the user has used any
function, it is the scenario's evidence. Arrays built in another method than the call are not followed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from auditor.apk.code import CodeIndex, Method, dotted
from auditor.apk.permissions import PermissionRules

#: method names that take an array of permissions and show the system dialogs
REQUEST_METHODS = ("requestPermissions", "requestEach", "requestEachCombined")
MAX_REQUESTS = 50


def _callers(code: CodeIndex) -> dict[Method, str]:
    """Every method that invokes a request method, with the member it calls (any class)."""
    out: dict[Method, str] = {}
    for di, d in enumerate(code.dexes):
        a = code._arrays[di]  # the index's own operand arrays, read only
        for name in REQUEST_METHODS:
            n = d.find_string(name)
            if n is None:
                continue
            ids = [int(i) for i in np.flatnonzero(d.method_name == n)]
            for pos in a.calls_to(ids):
                cls, mname, desc = d.method_parts(int(a.inv_t[pos]))
                out.setdefault(Method(di, int(a.inv_m[pos])), f"{cls}->{mname}{desc}")
    return out


def permission_requests(code: CodeIndex, startup: set[Method], rules: PermissionRules,
                        requested: set[str]) -> list[dict[str, Any]]:
    """Request sites asking for dangerous permissions of several PI categories in one method."""
    out = []
    for m, target in sorted(_callers(code).items()):
        perms = sorted(s for s in code.strings(m)
                       if s in requested and "dangerous" in rules.level(s, {}).split("|"))
        cats = sorted({c for p in perms for c in rules.by_name.get(p, {}).get("categories", [])})
        if len(cats) < 2:
            continue
        cls, name, desc = code.signature(m)
        out.append({"class": dotted(cls), "method": name + desc, "api": target, "permissions": perms,
                    "categories": cats, "startup": m in startup})
        if len(out) >= MAX_REQUESTS:
            break
    return out
