"""The questions the audit asks of an app's code, answered from the dex files' operand arrays (dex.py).

A method is named by ``Method(dex, slot)``: the dex it is in and its position among that dex's methods
with code. Every answer keeps androguard's sense of a reference: an invoke refers to the method id it
names (class, name, descriptor as written in the instruction), without resolving virtual dispatch or
inheritance, so the call sites found are the ones androguard's cross-references give.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import cached_property
from typing import NamedTuple

import numpy as np

from auditor.apk.decode import MAX_TOTAL_STEPS, initialised_statics, picked_strings
from auditor.apk.dex import SGET, SPUT, Dex, arg_registers, instructions


class Method(NamedTuple):
    dex: int
    slot: int


def dotted(descriptor: str) -> str:
    """'Lcom/amap/api/Foo;' -> 'com.amap.api.Foo'"""
    return descriptor[1:-1].replace("/", ".")


def package_of(descriptor: str) -> str:
    """'Lcom/amap/api/Foo;' -> 'com.amap.api' ('' for the default package)."""
    return descriptor[1:-1].rpartition("/")[0].replace("/", ".")


def _stored_strings(d: Dex, start: int, end: int, field_ids: set[int]) -> set[str]:
    """Register tracking over one method, just enough for ``static_field_strings``.

    A register holds the strings it may stand for: a const-string, the result of a call that took one
    first (Uri.parse), or an array's elements: strings ``aput-object`` put into it, the elements of the
    arrays put into it (a ``String[][]`` table of property names), or the registers ``filled-new-array``
    took. Arrays are shared by reference, so an element put through one alias is seen through all.
    Registers written by other object-producing instructions are forgotten."""
    regs: dict[int, set[str]] = {}
    pending: set[str] | None = None
    out: set[str] = set()
    data = d.data
    for p, op in instructions(data, start, end):
        a = data[p + 1]
        if op in (0x1A, 0x1B):
            idx = data[p + 2] | data[p + 3] << 8 if op == 0x1A else int.from_bytes(data[p + 2 : p + 6], "little")
            regs[a] = {d.string(idx)}
        elif op == 0x07:  # move-object vA, vB
            _put(regs, a & 0xF, regs.get(a >> 4))
        elif op == 0x08:  # move-object/from16 vAA, vBBBB
            _put(regs, a, regs.get(data[p + 2] | data[p + 3] << 8))
        elif 0x6E <= op <= 0x72:  # invoke-*: a call taking a known string first passes it on (Uri.parse)
            pending = set(regs.get(data[p + 4] & 0xF, ())) if a >> 4 else None
        elif op in (0x24, 0x25):  # filled-new-array {vC, vD, vE, vF, vG}, filled-new-array/range
            pending = set().union(*(regs.get(r, ()) for r in arg_registers(data, p)))
        elif op == 0x0C:  # move-result-object vAA
            _put(regs, a, pending)
            pending = None
        elif op == 0x23:  # new-array vA, vB
            regs[a & 0xF] = set()
        elif op == 0x4D:  # aput-object vAA, vBB, vCC
            if a in regs:
                regs.setdefault(data[p + 2], set()).update(regs[a])
        elif op == 0x69 and (data[p + 2] | data[p + 3] << 8) in field_ids and a in regs:
            out |= regs[a]
        elif op in _OBJECT_WRITES_AA:
            regs.pop(a, None)
        elif op in _OBJECT_WRITES_A:
            regs.pop(a & 0xF, None)
    return out


#: Instructions writing an object of unknown value to vAA (aget-object, sget-object, new-instance,
#: const-class, const/16.., move-result, move-exception) or to vA (const/4, iget-object, instance-of).
_OBJECT_WRITES_AA = frozenset({0x46, 0x62, 0x22, 0x1C, 0x13, 0x14, 0x15, 0x0A, 0x0D})
_OBJECT_WRITES_A = frozenset({0x12, 0x54, 0x20})


def _put(regs: dict[int, set[str]], reg: int, value: set[str] | None) -> None:
    if value is None:
        regs.pop(reg, None)
    else:
        regs[reg] = value


class _Arrays:
    """One dex's operand arrays as numpy views, with the range of each method's entries."""

    def __init__(self, d: Dex) -> None:
        r = d.refs
        self.inv_m, self.inv_t = _np(r.inv_m), _np(r.inv_t)
        self.fld_m, self.fld_f, self.fld_op = _np(r.fld_m), _np(r.fld_f), np.frombuffer(r.fld_op, dtype=np.uint8)
        self.str_m, self.str_s = _np(r.str_m), _np(r.str_s)
        self.typ_m, self.typ_t = _np(r.typ_m), _np(r.typ_t)

    @cached_property
    def by_target(self) -> tuple[np.ndarray, np.ndarray]:
        """Invoke positions ordered by the method they call, and those methods: a call's callers are a slice."""
        order = np.argsort(self.inv_t, kind="stable")
        return order, self.inv_t[order]

    def calls_to(self, ids: list[int]) -> np.ndarray:
        """Positions of the invokes naming any of ``ids``, in instruction order."""
        order, targets = self.by_target
        parts = [order[np.searchsorted(targets, i) : np.searchsorted(targets, i, side="right")] for i in ids]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    @staticmethod
    def rows(owner: np.ndarray, slot: int) -> slice:
        lo, hi = np.searchsorted(owner, [slot, slot + 1])
        return slice(int(lo), int(hi))


def _np(a) -> np.ndarray:
    return np.frombuffer(a, dtype=np.uint32) if len(a) else np.zeros(0, dtype=np.uint32)


class CodeIndex:
    """All dex files of one APK, read once."""

    def __init__(self, dexes: list[Dex]) -> None:
        self.dexes = dexes
        self._arrays = [_Arrays(d) for d in dexes]
        # the runtime's class loader takes the first definition of a class (classes.dex first)
        self._defined: dict[str, tuple[int, int]] = {}
        for di, d in enumerate(dexes):
            for ci, name in enumerate(d.class_names):
                self._defined.setdefault(name, (di, ci))
        self._sig: dict[Method, tuple[str, str, str]] = {}
        self._by_signature: dict[tuple[int, int], dict[tuple[str, str], Method]] = {}
        self._statics: dict[str, dict[str, object]] = {}
        self._decode_budget = [MAX_TOTAL_STEPS]

    # --- classes and methods ------------------------------------------------------------------------

    @property
    def classes(self) -> list[str]:
        """Descriptors of every class defined in the APK's dex files."""
        return list(self._defined)

    def signature(self, m: Method) -> tuple[str, str, str]:
        """(class descriptor, name, descriptor) of a method with code."""
        sig = self._sig.get(m)
        if sig is None:
            d = self.dexes[m.dex]
            sig = self._sig[m] = d.method_parts(int(d.code_methods[m.slot]))
        return sig

    def methods_of(self, descriptor: str) -> list[Method]:
        """The methods with code of a class defined here."""
        where = self._defined.get(descriptor)
        if where is None:
            return []
        di, ci = where
        slots = np.flatnonzero(np.frombuffer(self.dexes[di].code_class, dtype=np.uint32) == ci)
        return [Method(di, int(s)) for s in slots]

    # --- who calls, reads, holds --------------------------------------------------------------------

    def invokes(self, cls: str, name: str, descriptor: str | None = None) -> Iterator[tuple[Method, str]]:
        """(caller, 'Lcls;->name(desc)ret') once per invoke instruction naming any matching overload."""
        for di, d in enumerate(self.dexes):
            ids = d.methods_named(cls, name)
            texts = {i: d.proto_text(int(d.method_proto[i])) for i in ids}
            ids = [i for i in ids if descriptor is None or texts[i] == descriptor]
            if not ids:
                continue
            a = self._arrays[di]
            for pos in a.calls_to(ids):
                t = int(a.inv_t[pos])
                yield Method(di, int(a.inv_m[pos])), f"{cls}->{name}{texts[t]}"

    def call_places(self, cls: str, name: str, descriptor: str | None = None) -> list[tuple[str, str, str]]:
        """(dotted caller class, caller method with descriptor, called member) once each, sorted."""
        places = set()
        for m, target in self.invokes(cls, name, descriptor):
            c, n, d = self.signature(m)
            places.add((dotted(c), n + d, target))
        return sorted(places)

    def field_reads(self, cls: str, name: str, typ: str) -> Iterator[Method]:
        """The reading method once per sget instruction of the static field."""
        for di, d in enumerate(self.dexes):
            ids = d.fields_named(cls, name, typ)
            if not ids:
                continue
            a = self._arrays[di]
            hit = np.isin(a.fld_f, ids) & (a.fld_op >= SGET.start) & (a.fld_op < SGET.stop)
            for pos in np.flatnonzero(hit):
                yield Method(di, int(a.fld_m[pos]))

    def strings(self, m: Method) -> set[str]:
        """The const-string values a method holds."""
        a, d = self._arrays[m.dex], self.dexes[m.dex]
        return {d.string(int(s)) for s in a.str_s[a.rows(a.str_m, m.slot)]}

    def static_reads(self, m: Method) -> set[str]:
        """The static fields a method reads, in smali form."""
        a, d = self._arrays[m.dex], self.dexes[m.dex]
        rows = a.rows(a.fld_m, m.slot)
        ops, fids = a.fld_op[rows], a.fld_f[rows]
        return {d.field_text(int(f)) for f, op in zip(fids, ops, strict=True) if op in SGET}

    def static_field_strings(self, field_text: str) -> set[str]:
        """Strings an app class stores in its own static field (``INBOX = Uri.parse("content://sms/inbox")``
        in <clinit>): followed from const-string through moves and a call taking it first (Uri.parse) to
        the sput naming the field, in each method that writes the field."""
        cls, _, rest = field_text.partition("->")
        name, _, typ = rest.partition(":")
        if cls not in self._defined:
            return set()
        out: set[str] = set()
        for di, d in enumerate(self.dexes):
            ids = set(d.fields_named(cls, name, typ))
            if not ids:
                continue
            a = self._arrays[di]
            writes = np.isin(a.fld_f, list(ids)) & (a.fld_op >= SPUT.start) & (a.fld_op < SPUT.stop)
            for slot in np.unique(a.fld_m[writes]).tolist():
                out |= _stored_strings(d, *d.span(slot), ids)
        return out

    def decoded_strings(self, m: Method) -> set[str]:
        """Strings ``m`` picks by constant index from a ``String[]`` that its class's initialiser
        decodes (decode.py), e.g. JPush's ``z[59]`` = "android_id"."""
        a, d = self._arrays[m.dex], self.dexes[m.dex]
        rows = a.rows(a.fld_m, m.slot)
        tables: dict[int, list[object]] = {}
        for f, op in zip(a.fld_f[rows].tolist(), a.fld_op[rows].tolist(), strict=True):
            text = d.field_text(f)
            if op != 0x62 or not text.endswith(":[Ljava/lang/String;"):
                continue
            value = self._initialised(text.partition("->")[0]).get(text)
            if isinstance(value, list):
                tables[f] = value
        return picked_strings(d, *d.span(m.slot), tables) if tables else set()

    def _initialised(self, cls: str) -> dict[str, object]:
        done = self._statics.get(cls)
        if done is None:
            methods = self.methods_of(cls)
            slots = {self.signature(mm)[1:]: mm.slot for mm in methods}
            d = self.dexes[methods[0].dex] if methods else None
            done = self._statics[cls] = initialised_statics(d, cls, slots, self._decode_budget) if d else {}
        return done

    def string_users(self, text: str) -> set[Method]:
        """Methods holding ``text`` as a const-string."""
        out: set[Method] = set()
        for di, d in enumerate(self.dexes):
            s = d.find_string(text)
            if s is None:
                continue
            a = self._arrays[di]
            out.update(Method(di, int(x)) for x in np.unique(a.str_m[a.str_s == s]))
        return out

    def strings_containing(self, fragment: str) -> Iterator[tuple[str, set[Method]]]:
        """(value, users) of every const-string value that contains ``fragment``."""
        for di, d in enumerate(self.dexes):
            a = self._arrays[di]
            used = np.unique(a.str_s)
            for s in used:
                value = d.string(int(s))
                if fragment in value:
                    yield value, {Method(di, int(x)) for x in np.unique(a.str_m[a.str_s == s])}

    def callees(self, m: Method) -> set[Method]:
        """The methods with code (in any dex) that ``m`` invokes by their declared target."""
        a, d = self._arrays[m.dex], self.dexes[m.dex]
        out: set[Method] = set()
        for t in set(a.inv_t[a.rows(a.inv_m, m.slot)].tolist()):
            target = self._resolve(d.method_parts(t))
            if target is not None:
                out.add(target)
        return out

    def _resolve(self, sig: tuple[str, str, str]) -> Method | None:
        where = self._defined.get(sig[0])
        if where is None:
            return None
        table = self._by_signature.get(where)
        if table is None:
            table = self._by_signature[where] = {self.signature(mm)[1:]: mm for mm in self.methods_of(sig[0])}
        return table.get(sig[1:])

    def _internal(self, type_name: str) -> str | None:
        """The class an (array) type names, when it is defined in the APK."""
        name = type_name.lstrip("[")
        return name if name in self._defined else None

    def supertypes(self, descriptor: str) -> list[str]:
        """The superclass and interfaces of a class defined here, as descriptors."""
        where = self._defined.get(descriptor)
        if where is None:
            return []
        d = self.dexes[where[0]]
        row = d.class_defs[where[1] * 8 : where[1] * 8 + 8]
        out = [d.type_name(int(row[2]))] if int(row[2]) != 0xFFFFFFFF else []
        return out + d.type_list(int(row[3]))

    @cached_property
    def subclasses(self) -> dict[str, list[str]]:
        """Internal class -> the internal classes that extend or implement it directly."""
        out: dict[str, list[str]] = defaultdict(list)
        for cls in self._defined:
            for sup in self.supertypes(cls):
                if sup in self._defined:
                    out[sup].append(cls)
        return dict(out)

    def callers(self, m: Method) -> set[Method]:
        """Methods whose invoke can reach ``m``: naming it, naming it through a subclass that inherits it,
        or naming a method of a supertype defined here that it overrides."""
        cls, name, desc = self.signature(m)
        names = {cls}
        stack = [cls]
        while stack:
            for sub in self.subclasses.get(stack.pop(), []):
                if sub not in names:
                    names.add(sub)
                    stack.append(sub)
        if name not in ("<init>", "<clinit>"):
            stack = [cls]
            while stack:
                for sup in self.supertypes(stack.pop()):
                    if sup in self._defined and sup not in names:
                        names.add(sup)
                        stack.append(sup)
        return {caller for c in names for caller, _t in self.invokes(c, name, desc)}

    # --- which classes use which --------------------------------------------------------------------

    @cached_property
    def referrers(self) -> dict[str, set[str]]:
        """Internal class -> the internal classes whose code names it (call, field, type operand)."""
        out: dict[str, set[str]] = defaultdict(set)
        for di, d in enumerate(self.dexes):
            a = self._arrays[di]
            owner_type = d.method_class[np.frombuffer(d.code_methods, dtype=np.uint32)].astype(np.int64)
            pairs = [
                (owner_type[a.inv_m], d.method_class[a.inv_t]),
                (owner_type[a.fld_m], d.field_class[a.fld_f]),
                (owner_type[a.typ_m], a.typ_t),
            ]
            keys = np.unique(
                np.concatenate(
                    [(src << 32) | dst.astype(np.int64) for src, dst in pairs if len(src)]
                    or [np.zeros(0, dtype=np.int64)]
                )
            )
            internal = [self._internal(d.type_name(t)) for t in range(len(d.type_str))]
            for k in keys.tolist():
                src, dst = internal[k >> 32], internal[k & 0xFFFFFFFF]
                if src and dst and src != dst:
                    out[dst].add(src)
        return dict(out)
