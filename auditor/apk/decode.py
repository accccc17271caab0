"""Strings an SDK keeps encrypted until its class initialiser decodes them.

Older Chinese SDKs (JPush 1.x among them) hold every string of a class in a static ``String[] z``
that ``<clinit>`` fills by passing each encrypted literal through the class's own static decoders
(``z(String) -> char[]``, ``z(char[]) -> String``: an XOR with a few keys cycling on the index).
The keys that decide a read (``Settings.Secure.getString(cr, z[59])`` is ANDROID_ID) are then no
const-string anywhere. This module runs such a ``<clinit>`` on a small interpreter: integer and char
arithmetic, arrays, branches and switches, the class's own static methods, and the few String methods
a decoder needs. The first instruction it does not model (another class, a field of another class,
an exception) stops it: the fields set until then keep the values the device gives them at that
point (the table is filled first, the rest of the initialiser builds other things), the others none.

A method's decoded strings are the elements it picks with a constant index from such an array it
reads (``sget-object z``, ``const/16 59``, ``aget-object``): not the whole array, so one key of a
150-string table does not make every method that reads the table hold every key.
"""

from __future__ import annotations

import contextlib

from auditor.apk.dex import Dex, arg_registers, instructions, units_at

#: Instructions one initialiser may run (the decoders included) before it is given up.
MAX_STEPS = 200_000
#: Calls nested inside an initialiser (its own decoders calling each other).
MAX_DEPTH = 4
#: Instructions all initialisers of one APK may run together (a class is run once, when a call site's
#: method reads one of its tables): ~1.2 s of CPU (0.6 µs a step here) on an app built to look like a
#: wall of tables.
#: JPush 1.8's largest table takes 57,000.
MAX_TOTAL_STEPS = 2_000_000
STRING = "Ljava/lang/String;"


class _Stop(Exception):
    """The code did something this interpreter does not model."""


class _NewString:
    """``new-instance java/lang/String`` before its constructor ran."""


def _s16(v: int) -> int:
    return v - 0x10000 if v & 0x8000 else v


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - 0x100000000 if v & 0x80000000 else v


def _i32(data: bytes, at: int) -> int:
    """The signed 32-bit little-endian number at byte ``at``."""
    return _s32(int.from_bytes(data[at : at + 4], "little"))


#: const/4, const/16, const: an int constant into a register (see ``_int_const``).
_INT_CONSTS = frozenset({0x12, 0x13, 0x14})


def _int_const(data: bytes, p: int) -> tuple[int, int]:
    """(register, value) of the const/4, const/16 or const instruction at ``p``: the interpreter and
    ``picked_strings`` read constants alike."""
    op, a = data[p], data[p + 1]
    if op == 0x12:
        return a & 0xF, (a >> 4) - 16 if a >> 4 & 8 else a >> 4
    if op == 0x13:
        return a, _s16(data[p + 2] | data[p + 3] << 8)
    return a, _i32(data, p + 2)


def _binop(kind: int, a: int, b: int) -> int:
    """Java int arithmetic: add sub mul div rem and or xor shl shr ushr (kind 0..10)."""
    if kind in (3, 4) and b == 0:
        raise _Stop("division by zero")
    if kind == 0:
        r = a + b
    elif kind == 1:
        r = a - b
    elif kind == 2:
        r = a * b
    elif kind == 3:
        r = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
    elif kind == 4:
        r = a - b * (abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1))
    elif kind == 5:
        r = a & b
    elif kind == 6:
        r = a | b
    elif kind == 7:
        r = a ^ b
    elif kind == 8:
        r = a << (b & 31)
    elif kind == 9:
        r = a >> (b & 31)
    else:
        r = (a & 0xFFFFFFFF) >> (b & 31)
    return _s32(r)


_IF = {0: lambda a, b: a == b, 1: lambda a, b: a != b, 2: lambda a, b: a < b,
       3: lambda a, b: a >= b, 4: lambda a, b: a > b, 5: lambda a, b: a <= b}


class _Run:
    def __init__(self, d: Dex, cls: str, slots: dict[tuple[str, str], int], budget: list[int]) -> None:
        self.d, self.cls, self.slots, self.budget = d, cls, slots, budget
        self.statics: dict[int, object] = {}
        self.steps = 0

    def call(self, slot: int, args: list[object], depth: int) -> object:
        if depth > MAX_DEPTH:
            raise _Stop("calls nested too deep")
        d, data = self.d, self.d.data
        start, end = d.span(slot)
        nregs = data[start - 16] | data[start - 15] << 8
        regs: list[object] = [None] * nregs
        regs[nregs - len(args):] = args
        result: object = None
        p = start
        while start <= p < end:
            self.steps += 1
            self.budget[0] -= 1
            if self.steps > MAX_STEPS or self.budget[0] < 0:
                raise _Stop("too many steps")
            op, a = data[p], data[p + 1]
            u16 = data[p + 2] | data[p + 3] << 8
            nxt = p + 2 * units_at(data, p)
            if op == 0x00:
                pass
            elif op in (0x01, 0x07):
                regs[a & 0xF] = regs[a >> 4]
            elif op in (0x02, 0x08):
                regs[a] = regs[u16]
            elif op in (0x0A, 0x0C):
                regs[a] = result
            elif op == 0x0E:
                return None
            elif op in (0x0F, 0x11):
                return regs[a]
            elif op in _INT_CONSTS:
                r, v = _int_const(data, p)
                regs[r] = v
            elif op == 0x15:
                regs[a] = _s32(u16 << 16)
            elif op == 0x1A:
                regs[a] = d.string(u16)
            elif op == 0x1B:
                regs[a] = d.string(int.from_bytes(data[p + 2 : p + 6], "little"))
            elif op == 0x1F:  # check-cast
                pass
            elif op == 0x21:
                arr = regs[a >> 4]
                if not isinstance(arr, list):
                    raise _Stop("array-length of no array")
                regs[a & 0xF] = len(arr)
            elif op == 0x22:
                if d.type_name(u16) != STRING:
                    raise _Stop("new-instance")
                regs[a] = _NewString()
            elif op == 0x23:
                size, typ = regs[a >> 4], d.type_name(u16)
                if not isinstance(size, int) or not 0 <= size <= 1 << 16:
                    raise _Stop("new-array size")
                regs[a & 0xF] = [0] * size if typ in ("[C", "[I", "[B") else [None] * size
            elif op in (0x28, 0x29, 0x2A):
                off = (a - 256 if a & 0x80 else a) if op == 0x28 else (
                    _s16(u16) if op == 0x29 else _i32(data, p + 2))
                nxt = p + 2 * off
            elif op in (0x2B, 0x2C):
                key = regs[a]
                pay = p + 2 * _i32(data, p + 2)
                target = _switch(data, pay, key, op == 0x2B)
                if target is not None:
                    nxt = p + 2 * target
            elif 0x32 <= op <= 0x37:
                x, y = regs[a & 0xF], regs[a >> 4]
                if not isinstance(x, int) or not isinstance(y, int):
                    raise _Stop("compare of no ints")
                if _IF[op - 0x32](x, y):
                    nxt = p + 2 * _s16(u16)
            elif 0x38 <= op <= 0x3D:
                x = regs[a]
                x = 0 if x is None else x if isinstance(x, int) else 1
                if _IF[op - 0x38](x, 0):
                    nxt = p + 2 * _s16(u16)
            elif 0x44 <= op <= 0x4A and op != 0x45:  # aget* but wide
                arr, i = regs[data[p + 2]], regs[data[p + 3]]
                if not isinstance(arr, list) or not isinstance(i, int) or not 0 <= i < len(arr):
                    raise _Stop("aget")
                regs[a] = arr[i]
            elif 0x4B <= op <= 0x51 and op != 0x4C:  # aput* but wide
                arr, i = regs[data[p + 2]], regs[data[p + 3]]
                if not isinstance(arr, list) or not isinstance(i, int) or not 0 <= i < len(arr):
                    raise _Stop("aput")
                v = regs[a]
                arr[i] = v & 0xFFFF if op == 0x50 and isinstance(v, int) else v
            elif 0x60 <= op <= 0x6D and op not in (0x61, 0x68):  # sget / sput (not wide) of the class's own fields
                if self.d.field_text(u16).partition("->")[0] != self.cls:
                    raise _Stop("another class's field")
                if op < 0x67:
                    regs[a] = self.statics.get(u16, 0 if op in (0x60, 0x63, 0x64, 0x65, 0x66) else None)
                else:
                    self.statics[u16] = regs[a]
            elif 0x6E <= op <= 0x72 or 0x74 <= op <= 0x78:
                args = [regs[r] for r in arg_registers(data, p)]
                cls, name, desc = d.method_parts(u16)
                if (cls, name, desc) == (STRING, "<init>", "([C)V") and args and isinstance(args[0], _NewString):
                    text = _text(args[1])
                    regs = [text if r is args[0] else r for r in regs]
                else:
                    result = self.invoke(cls, name, desc, args, depth)
            elif op == 0x8E:  # int-to-char
                regs[a & 0xF] = _int(regs[a >> 4]) & 0xFFFF
            elif 0x90 <= op <= 0x9A:
                regs[a] = _binop(op - 0x90, _int(regs[data[p + 2]]), _int(regs[data[p + 3]]))
            elif 0xB0 <= op <= 0xBA:
                regs[a & 0xF] = _binop(op - 0xB0, _int(regs[a & 0xF]), _int(regs[a >> 4]))
            elif 0xD0 <= op <= 0xE2:
                if op <= 0xD7:
                    kind, dst, src, lit = op - 0xD0, a & 0xF, a >> 4, _s16(u16)
                else:
                    lit8 = data[p + 3]
                    kind, dst, src, lit = op - 0xD8, a, data[p + 2], lit8 - 256 if lit8 & 0x80 else lit8
                x = _int(regs[src])
                regs[dst] = _s32(lit - x) if kind == 1 else _binop(kind, x, lit)  # kind 1 is rsub here
            else:
                raise _Stop(f"opcode {op:#x}")
            p = nxt
        raise _Stop("ran off the method")

    def invoke(self, cls: str, name: str, desc: str, args: list[object], depth: int) -> object:
        if cls == self.cls:
            slot = self.slots.get((name, desc))
            if slot is None:
                raise _Stop("no code")
            return self.call(slot, args, depth + 1)
        if cls == STRING:
            if name == "toCharArray" and isinstance(args[0], str):
                return [ord(ch) for ch in args[0]]
            if name == "intern" and isinstance(args[0], str):
                return args[0]
            if name == "valueOf" and desc == "([C)Ljava/lang/String;":
                return _text(args[0])
        raise _Stop(f"call to {cls}->{name}")


def _text(chars: object) -> str:
    if not isinstance(chars, list) or not all(isinstance(c, int) for c in chars):
        raise _Stop("no char array")
    return "".join(chr(c & 0xFFFF) for c in chars)


def _int(v: object) -> int:
    if not isinstance(v, int):
        raise _Stop("no int")
    return v


def _switch(data: bytes, pay: int, key: object, packed: bool) -> int | None:
    if not isinstance(key, int) or pay + 8 > len(data):
        raise _Stop("switch")
    size = data[pay + 2] | data[pay + 3] << 8
    if packed:
        first = _i32(data, pay + 4)
        i = key - first
        if 0 <= i < size:
            return _i32(data, pay + 8 + 4 * i)
        return None
    keys = [_i32(data, pay + 4 + 4 * i) for i in range(size)]
    if key in keys:
        i = keys.index(key)
        base = pay + 4 + 4 * size
        return _i32(data, base + 4 * i)
    return None


def initialised_statics(
    d: Dex, cls: str, slots: dict[tuple[str, str], int], budget: list[int]
) -> dict[str, object]:
    """The class's static fields (smali text) after its ``<clinit>`` ran, or {} when it cannot be run
    here. ``slots``: the class's methods with code in ``d``, by (name, descriptor); ``budget``: the
    steps the APK's initialisers have left, spent here."""
    clinit = slots.get(("<clinit>", "()V"))
    if clinit is None:
        return {}
    run = _Run(d, cls, slots, budget)
    # the fields set before the first unmodelled instruction hold what they hold on the device
    with contextlib.suppress(_Stop, IndexError, ValueError, TypeError, KeyError):
        run.call(clinit, [], 0)
    return {d.field_text(f): v for f, v in run.statics.items()}


def picked_strings(d: Dex, start: int, end: int, tables: dict[int, list[object]]) -> set[str]:
    """Elements a method takes with a constant index from the decoded arrays it reads (field id in
    ``d`` -> the array)."""
    arrays: dict[int, list[object]] = {}
    ints: dict[int, int] = {}
    out: set[str] = set()
    data = d.data
    for p, op in instructions(data, start, end):
        a = data[p + 1]
        if op == 0x62:
            f = data[p + 2] | data[p + 3] << 8
            arrays.pop(a, None)
            if f in tables:
                arrays[a] = tables[f]
        elif op in _INT_CONSTS:
            r, v = _int_const(data, p)
            ints[r] = v
        elif op == 0x46:
            arr, i = arrays.get(data[p + 2]), ints.get(data[p + 3])
            if arr is not None and i is not None and 0 <= i < len(arr) and isinstance(arr[i], str):
                out.add(arr[i])
            arrays.pop(a, None)
            ints.pop(a, None)
        elif op in _WRITES_AA:
            ints.pop(a, None)
            arrays.pop(a, None)
        elif op in _WRITES_A:
            ints.pop(a & 0xF, None)
            arrays.pop(a & 0xF, None)
    return out


#: Other instructions writing vAA (moves, results, array and field reads, 23x and lit8 arithmetic) or
#: vA (moves, array-length, instance field reads, 2addr and lit16 arithmetic): a constant held there
#: before no longer is.
_WRITES_AA = frozenset([0x02, 0x05, 0x08, 0x0A, 0x0B, 0x0C, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B,
                        0x1C, 0x22, *range(0x44, 0x4B), *range(0x60, 0x67), *range(0x90, 0xB0),
                        *range(0xD8, 0xE3)])
_WRITES_A = frozenset([0x01, 0x04, 0x07, 0x20, 0x21, 0x23, *range(0x52, 0x59), *range(0x7B, 0x90),
                       *range(0xB0, 0xD8)])
