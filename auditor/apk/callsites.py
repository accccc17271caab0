"""Finding the call sites of PI-reading APIs in androguard's cross-references.

Direct calls come straight from ``MethodAnalysis.get_xref_from`` of the framework method, so the cost
is proportional to the number of call sites, not to the size of the app. Three things xrefs do not
give, and how they are found:

- the argument that decides whether a call reads PI (``Settings.Secure.getString(cr, "android_id")``,
  ``ContentResolver.query`` on the contacts URI): the caller's own ``const-string`` and ``sget``
  instructions, read only for the few callers of such APIs;
- reads of framework fields (``Build.SERIAL``), which androguard does not cross-reference: the field's
  index is looked up in each dex and the raw code is searched for an ``sget`` of that index, and each
  hit is confirmed by disassembling that method only;
- reflection: methods that call ``Class.getMethod``/``getDeclaredMethod`` and hold the API's name (and,
  for generic names, its class name) as constant strings, taken from the string xrefs.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from androguard.core.analysis.analysis import Analysis, MethodAnalysis
from androguard.core.dex import DEX, EncodedMethod, Instruction

from auditor.apk.apis import ApiRule, Signature

_CONST_STRING = (0x1A, 0x1B)
_SGET = range(0x60, 0x67)
_REFLECTION = ("Ljava/lang/Class;", ("getMethod", "getDeclaredMethod"))
_CODE_HEADER = 16  # registers, ins, outs, tries, debug_info_off, insns_size precede the code units


@dataclass(frozen=True)
class CallSite:
    """A method that calls (or reads, or reflects on) one PI API; ``count`` sites in that method."""

    rule: ApiRule
    caller: MethodAnalysis
    target: str  # the smali member reached, e.g. 'Landroid/os/Build;->SERIAL:Ljava/lang/String;'
    via: str  # "invoke" | "field" | "reflection"
    count: int

    @property
    def caller_class(self) -> str:
        return str(self.caller.class_name)

    @property
    def caller_method(self) -> str:
        return f"{self.caller.name}{_descriptor(self.caller)}"


def _descriptor(m: MethodAnalysis) -> str:
    """androguard prints multi-argument descriptors with spaces ('(I J)V'); smali has none."""
    return str(m.descriptor).replace(" ", "")


class _MethodFacts:
    """Constant strings and static field reads of a method, disassembled once and only on demand."""

    def __init__(self) -> None:
        self._cache: dict[MethodAnalysis, tuple[set[str], set[str]]] = {}

    def get(self, m: MethodAnalysis) -> tuple[set[str], set[str]]:
        facts = self._cache.get(m)
        if facts is None:
            strings: set[str] = set()
            fields: set[str] = set()
            if not m.is_external():
                for ins in m.get_method().get_instructions():
                    op = ins.get_op_value()
                    if op in _CONST_STRING:
                        strings.add(str(ins.cm.vm.get_cm_string(ins.get_ref_kind())))
                    elif op in _SGET:
                        fields.add(_field_text(ins))
            facts = self._cache[m] = (strings, fields)
        return facts


def find_call_sites(dx: Analysis, dexes: Iterable[tuple[DEX, bytes]], rules: list[ApiRule]) -> list[CallSite]:
    """Every call site of every rule, in a stable order (rule order, then caller)."""
    facts = _MethodFacts()
    reflectors = _callers(dx, *_REFLECTION)
    dexes = list(dexes)
    sites: list[CallSite] = []
    for rule in rules:
        found: list[CallSite] = []
        for sig in rule.signatures:
            if sig.is_field:
                hits = Counter(_field_readers(dx, dexes, sig))
                found += [CallSite(rule, m, sig.smali, "field", n) for m, n in hits.items()]
                continue
            calls = Counter(invokes(dx, sig))
            found += [
                CallSite(rule, m, target, "invoke", n) for (m, target), n in calls.items() if _near_ok(rule, m, facts)
            ]
            if rule.reflection:
                found += [
                    CallSite(rule, m, f"{sig.cls}->{sig.name}", "reflection", 1)
                    for m in _reflective(dx, sig, rule.reflection, reflectors)
                    if _near_ok(rule, m, facts)
                ]
        found.sort(key=lambda s: (s.caller_class, s.caller_method, s.via))
        sites += found
    return sites


def _near_ok(rule: ApiRule, m: MethodAnalysis, facts: _MethodFacts) -> bool:
    if rule.near is None:
        return True
    strings, fields = facts.get(m)
    return rule.near.matches(strings, fields)


def invokes(dx: Analysis, sig: Signature) -> Iterable[tuple[MethodAnalysis, str]]:
    """(caller, called member) once per invoke instruction of any overload the signature covers."""
    ca = dx.classes.get(sig.cls)
    if ca is None:
        return
    for target in ca.get_methods():
        if target.name != sig.name:
            continue
        if sig.descriptor is not None and _descriptor(target) != sig.descriptor:
            continue
        text = f"{sig.cls}->{target.name}{_descriptor(target)}"
        for _cls, caller, _off in target.get_xref_from():
            if not caller.is_external():
                yield caller, text


def _callers(dx: Analysis, cls: str, names: tuple[str, ...]) -> set[MethodAnalysis]:
    """Methods calling any overload of the named methods of ``cls``."""
    ca = dx.classes.get(cls)
    if ca is None:
        return set()
    return {
        caller for target in ca.get_methods() if target.name in names for _c, caller, _off in target.get_xref_from()
    }


def _string_users(dx: Analysis, value: str) -> set[MethodAnalysis]:
    sa = dx.strings.get(value)
    return {m for _c, m in sa.get_xref_from()} if sa is not None else set()


def _reflective(dx: Analysis, sig: Signature, mode: str, reflectors: set[MethodAnalysis]) -> set[MethodAnalysis]:
    if not reflectors:
        return set()
    hits = _string_users(dx, sig.name) & reflectors
    if hits and mode == "with_class":
        hits &= _string_users(dx, sig.java_class)
    return hits


def _field_readers(dx: Analysis, dexes: list[tuple[DEX, bytes]], sig: Signature) -> Iterable[MethodAnalysis]:
    """Methods that read a framework static field: raw sget search per dex, confirmed per method."""
    want = (sig.cls, sig.descriptor, sig.name)  # a field's descriptor is its type
    for vm, raw in dexes:
        field_ids = vm.fields.gets() if vm.fields is not None else []
        idx = next(
            (i for i, f in enumerate(field_ids) if (f.get_class_name(), f.get_type(), f.get_name()) == want), None
        )
        if idx is None:
            continue
        pattern = re.compile(b"[\x60-\x66][\x00-\xff]" + re.escape(idx.to_bytes(2, "little")), re.DOTALL)
        ranges = _code_ranges(vm)
        starts = [r[0] for r in ranges]
        seen: set[int] = set()
        for hit in pattern.finditer(raw):
            pos = hit.start()
            i = bisect_right(starts, pos) - 1
            if i < 0 or i in seen:
                continue
            start, end, method = ranges[i]
            if pos >= end or (pos - start) % 2:
                continue
            seen.add(i)
            ma = dx.get_method_analysis(method)
            if ma is not None:
                for ins in method.get_instructions():
                    if ins.get_op_value() in _SGET and _field_text(ins) == sig.smali:
                        yield ma


def _field_text(ins: Instruction) -> str:
    """The smali form 'Lpkg/Cls;->NAME:Ltype;' of the field an sget instruction reads."""
    cls, typ, name = ins.cm.vm.get_cm_field(ins.get_ref_kind())
    return f"{cls}->{name}:{typ}"


def _code_ranges(vm: DEX) -> list[tuple[int, int, EncodedMethod]]:
    """(first code unit, end, method) of every method with code, sorted by offset in the dex."""
    ranges = []
    for m in vm.get_encoded_methods():
        code = m.get_code()
        if code is None:
            continue
        start = m.get_code_off() + _CODE_HEADER
        ranges.append((start, start + 2 * code.insns_size, m))
    ranges.sort(key=lambda r: r[0])
    return ranges
