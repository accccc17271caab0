"""Whether a read can happen at all: library code the app never reaches, permissions it never asks for.

Every app bundles androidx (or the old support library), and androidx wraps framework APIs for old
and new Android versions: ``FingerprintManagerCompat.authenticate``, ``TelephonyManagerCompat.getImei``,
``LocationManagerCompat.getCurrentLocation``. Such a wrapper reads nothing unless the app calls it. A
read inside the libraries of rules/android_apis.yaml ``libraries`` counts as the app's collection only
when some method outside them reaches it through calls (by the method the invoke names, a subclass
that inherits it, or a supertype method it overrides). Reaches through the framework (an activity
lifecycle callback, a listener) are not followed, so a read found unreached remains visible as weak
evidence rather than disappearing.

A read whose API needs a permission the app does not request fails on the device, whoever calls it.
"""

from __future__ import annotations

from auditor.apk.apis import ApiRule, Libraries
from auditor.apk.code import CodeIndex, Method, dotted

#: Reverse call walk bound: a library method with this many transitive callers is taken as reached.
#: Only a guard against a pathological call graph: a real widget's callers inside androidx run to a few
#: hundred (appcompat's ActivityChooserModel: 340-365 in six real APKs, none outside androidx), and the
#: whole walk costs ~0.1 ms per method, so a bound near that size called such code reached.
MAX_CALLERS = 20_000
NO_PERMISSION = "no_permission"
UNREACHED_LIBRARY = "unreached_library"


def permitted(rule: ApiRule, requested: set[str]) -> bool:
    """The app requests at least one of the permissions the API needs (or it needs none)."""
    return rule.permission_widens or not rule.permissions or any(p in requested for p in rule.permissions)


class LibraryReach:
    def __init__(self, code: CodeIndex, libraries: Libraries) -> None:
        self.code = code
        self.libraries = libraries
        self._memo: dict[Method, bool] = {}

    def in_library(self, descriptor: str) -> bool:
        return self.libraries.holds(dotted(descriptor))

    def reached(self, m: Method) -> bool:
        """Code outside the libraries calls ``m``, directly or through library methods."""
        if m in self._memo:
            return self._memo[m]
        seen, stack, found = {m}, [m], False
        while stack and not found:
            for caller in self.code.callers(stack.pop()):
                if caller in seen:
                    continue
                if not self.in_library(self.code.signature(caller)[0]) or self._memo.get(caller):
                    found = True
                    break
                seen.add(caller)
                stack.append(caller)
            if len(seen) > MAX_CALLERS:
                found = True
        for s in seen if not found else (m,):
            self._memo[s] = found
        return found

    def obstacle(self, rule: ApiRule, caller: Method, caller_class: str, requested: set[str]) -> str | None:
        """Why the read is not the app's collection (a tag for the observation's evidence), or None."""
        if not permitted(rule, requested):
            return NO_PERMISSION
        if self.in_library(caller_class) and not self.reached(caller):
            return UNREACHED_LIBRARY
        return None
