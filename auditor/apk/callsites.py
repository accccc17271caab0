"""Finding the call sites of PI-reading APIs in the app's code (code.py's index of the dex files).

Direct calls are the invoke instructions naming the framework method; the cost is a lookup in the
operand arrays, not a walk over the app. Three things a plain call does not show, and how they are found:

- the argument that decides whether a call reads PI (``Settings.Secure.getString(cr, "android_id")``,
  ``ContentResolver.query`` on the contacts URI): the caller's own ``const-string`` and ``sget``
  operands, the strings the app's own static fields it reads were set to (``INBOX =
  Uri.parse("content://sms/inbox")``) and the elements it picks from a string table its class
  decodes at start (decode.py), looked at only for the few callers of such APIs. When the
  caller is a helper that gets the argument passed in (``getProperty(key)`` reflecting on
  SystemProperties.get, ``exec("getprop " + key)``), the helper's callers that hold it are the sites
  (``via`` "wrapper" or "reflection-wrapper");
- reads of framework fields (``Build.SERIAL``): the ``sget`` instructions naming the field;
- reflection: methods that call ``Class.getMethod``/``getDeclaredMethod`` and hold the API's name (and,
  for generic names, its class name) as constant strings.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from auditor.apk.apis import ApiRule, Near, Signature
from auditor.apk.code import CodeIndex, Method

_REFLECTION = ("Ljava/lang/Class;", ("getMethod", "getDeclaredMethod"))


@dataclass(frozen=True)
class CallSite:
    """A method that calls (or reads, or reflects on) one PI API; ``count`` sites in that method."""

    rule: ApiRule
    caller: Method
    caller_class: str  # smali descriptor 'Lcom/example/Foo;'
    caller_method: str  # name and descriptor 'onCreate(Landroid/os/Bundle;)V'
    target: str  # the smali member reached, e.g. 'Landroid/os/Build;->SERIAL:Ljava/lang/String;'
    via: str  # "invoke" | "field" | "reflection"
    count: int


class _Sites:
    def __init__(self, code: CodeIndex) -> None:
        self.code = code
        self._facts: dict[Method, tuple[set[str], set[str]]] = {}

    def facts(self, m: Method) -> tuple[set[str], set[str]]:
        """Constant strings (its own and those its app's static fields hold) and static field reads of a
        method, read once and only on demand."""
        f = self._facts.get(m)
        if f is None:
            fields = self.code.static_reads(m)
            strings = self.code.strings(m).union(*(self.code.static_field_strings(x) for x in fields))
            strings |= self.code.decoded_strings(m)
            f = self._facts[m] = (strings, fields)
        return f

    def site(self, rule: ApiRule, m: Method, target: str, via: str, count: int) -> CallSite:
        cls, name, desc = self.code.signature(m)
        return CallSite(rule, m, cls, f"{name}{desc}", target, via, count)

    def holds(self, near: Near | None, m: Method) -> bool:
        return near is None or near.matches(*self.facts(m))

    def sites(self, rule: ApiRule, m: Method, target: str, via: str, count: int) -> list[CallSite]:
        """The site itself when its method holds the rule's evidence, else its callers that hold it."""
        if not self.holds(rule.requires, m):
            return []
        if self.holds(rule.near, m):
            return [self.site(rule, m, target, via, count)]
        wrapped = "reflection-wrapper" if via == "reflection" else "wrapper"
        callers = sorted(self.code.callers(m))
        return [self.site(rule, c, target, wrapped, 1) for c in callers if self.holds(rule.near, c)]


def find_call_sites(code: CodeIndex, rules: list[ApiRule]) -> list[CallSite]:
    """Every call site of every rule, in a stable order (rule order, then caller)."""
    ctx = _Sites(code)
    reflectors = callers(code, *_REFLECTION)
    sites: list[CallSite] = []
    for rule in rules:
        found: list[CallSite] = []
        for sig in rule.signatures:
            if sig.is_field:
                hits = Counter(code.field_reads(sig.cls, sig.name, sig.descriptor or ""))
                found += [ctx.site(rule, m, sig.smali, "field", n) for m, n in hits.items()]
                continue
            calls = Counter(code.invokes(sig.cls, sig.name, sig.descriptor))
            for (m, target), n in calls.items():
                found += ctx.sites(rule, m, target, "invoke", n)
            if rule.reflection:
                for m in _reflective(code, sig, rule.reflection, reflectors):
                    found += ctx.sites(rule, m, f"{sig.cls}->{sig.name}", "reflection", 1)
        found.sort(key=lambda s: (s.caller_class, s.caller_method, s.via))
        sites += _merged(found)
    return sites


def _merged(found: list[CallSite]) -> list[CallSite]:
    """One site per caller and target: a method that reads directly and through a helper (or calls two
    helpers) is one site, counted once per way, shown by its most direct way."""
    out: dict[tuple, CallSite] = {}
    for s in found:
        key = (s.caller, s.target)
        prev = out.get(key)
        if prev is not None:
            direct = prev if not prev.via.endswith("wrapper") else s
            s = CallSite(s.rule, s.caller, s.caller_class, s.caller_method, s.target, direct.via, prev.count + s.count)
        out[key] = s
    return list(out.values())


def callers(code: CodeIndex, cls: str, names: tuple[str, ...]) -> set[Method]:
    """Methods calling any overload of the named methods of ``cls``."""
    return {m for name in names for m, _t in code.invokes(cls, name)}


def _reflective(code: CodeIndex, sig: Signature, mode: str, reflectors: set[Method]) -> set[Method]:
    if not reflectors:
        return set()
    hits = code.string_users(sig.name) & reflectors
    if hits and mode == "with_class":
        hits &= code.string_users(sig.java_class)
    return hits
