"""Reading a classes*.dex file directly: its id tables, its classes, and the references in its code.

The audit needs the callers of some hundred framework members, the strings and static fields those
callers touch, short call chains from the app's entry points and which packages use which. androguard
answers that by building an object per instruction, method and cross-reference of the whole app
(about 6 million objects for 50,000 classes); here the id tables stay the packed arrays they are in
the file, and one pass over each method's bytecode keeps only the operands that name something (the
method an invoke calls, the field an iget/sget reads, the string of a const-string, the type of a
new-instance...) in flat arrays, method by method. Everything else is looked up on demand.

Format: https://source.android.com/docs/core/runtime/dex-format (header, string_ids, type_ids,
proto_ids, field_ids, method_ids, class_defs, class_data_item, code_item) and
https://source.android.com/docs/core/runtime/dalvik-bytecode (instruction formats and sizes).
"""

from __future__ import annotations

import struct
from array import array
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

_HEADER = struct.Struct("<8s I 20s 20I")
_MAGIC = b"dex\n"
_NO_INDEX = 0xFFFFFFFF

# Reference kinds of an instruction's operand, by opcode.
_NONE, _STRING, _STRING_JUMBO, _TYPE, _FIELD, _METHOD = range(6)


def _opcode_tables() -> tuple[bytes, bytes]:
    """Size in 16-bit code units and operand kind of every opcode (the Dalvik bytecode table)."""
    size = [1] * 256
    kind = [_NONE] * 256

    def put(lo: int, hi: int, units: int, ref: int = _NONE) -> None:
        for op in range(lo, hi + 1):
            size[op], kind[op] = units, ref

    put(0x02, 0x02, 2), put(0x03, 0x03, 3), put(0x05, 0x05, 2), put(0x06, 0x06, 3)
    put(0x08, 0x08, 2), put(0x09, 0x09, 3)
    put(0x13, 0x13, 2), put(0x14, 0x14, 3), put(0x15, 0x16, 2), put(0x17, 0x17, 3), put(0x18, 0x18, 5)
    put(0x19, 0x19, 2)
    put(0x1A, 0x1A, 2, _STRING), put(0x1B, 0x1B, 3, _STRING_JUMBO)
    put(0x1C, 0x1C, 2, _TYPE), put(0x1F, 0x20, 2, _TYPE), put(0x22, 0x23, 2, _TYPE), put(0x24, 0x25, 3, _TYPE)
    put(0x26, 0x26, 3), put(0x29, 0x29, 2), put(0x2A, 0x2C, 3), put(0x2D, 0x3D, 2), put(0x44, 0x51, 2)
    put(0x52, 0x6D, 2, _FIELD)
    put(0x6E, 0x72, 3, _METHOD), put(0x74, 0x78, 3, _METHOD)
    put(0x90, 0xAF, 2), put(0xD0, 0xE2, 2)
    put(0xFA, 0xFB, 4), put(0xFC, 0xFD, 3), put(0xFE, 0xFF, 2)
    return bytes(size), bytes(kind)


_SIZE, _KIND = _opcode_tables()
# static field opcodes: sget* 0x60-0x66 read, sput* 0x67-0x6d write
SGET = range(0x60, 0x67)
SPUT = range(0x67, 0x6E)


class DexError(ValueError):
    """The file is not a dex this reader can trust (bad magic, offsets outside the file)."""


def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    result = data[pos]
    pos += 1
    if result < 0x80:
        return result, pos
    result &= 0x7F
    shift = 7
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7
        if shift > 35:
            raise DexError(f"bad uleb128 at {pos}")


def mutf8(raw: bytes) -> str:
    """Modified UTF-8 (NUL as C0 80, supplementary characters as surrogate pairs) to str."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = raw.replace(b"\xc0\x80", b"\x00").decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:  # not even modified UTF-8: a damaged string table
            return raw.decode("utf-8", "replace")
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _u16_order(text: str) -> bytes:
    """The dex sort order of strings: by UTF-16 code units."""
    return text.encode("utf-16-be", "surrogatepass")


@dataclass
class Refs:
    """The operands of one dex's code, method by method: ``m`` arrays hold the method's position in
    ``Dex.code_methods``, the other the id the instruction names. ``op`` keeps the field opcode
    (reads and writes differ)."""

    inv_m: array = field(default_factory=lambda: array("I"))
    inv_t: array = field(default_factory=lambda: array("I"))
    fld_m: array = field(default_factory=lambda: array("I"))
    fld_f: array = field(default_factory=lambda: array("I"))
    fld_op: array = field(default_factory=lambda: array("B"))
    str_m: array = field(default_factory=lambda: array("I"))
    str_s: array = field(default_factory=lambda: array("I"))
    typ_m: array = field(default_factory=lambda: array("I"))
    typ_t: array = field(default_factory=lambda: array("I"))


class Dex:
    """One dex file: id tables as arrays, names decoded when asked for."""

    def __init__(self, data: bytes, name: str = "classes.dex") -> None:
        self.name = name
        self.data = data
        if len(data) < _HEADER.size or data[:4] != _MAGIC:
            raise DexError("not a dex file (bad magic)")
        h = _HEADER.unpack_from(data, 0)
        (
            _file_size,
            _header_size,
            _endian,
            _link_size,
            _link_off,
            _map_off,
            n_str,
            o_str,
            n_type,
            o_type,
            n_proto,
            o_proto,
            n_field,
            o_field,
            n_meth,
            o_meth,
            n_class,
            o_class,
            _data_size,
            _data_off,
        ) = h[3:]
        if h[5] != 0x12345678:
            raise DexError("big-endian or damaged dex header")
        self.string_off = self._table(o_str, n_str, 4, "I")
        self.type_str = self._table(o_type, n_type, 4, "I")
        proto = self._table(o_proto, n_proto, 12, "I")
        self.proto_return, self.proto_params = proto[1::3], proto[2::3]  # (shorty, return type, parameters)
        fields = self._table(o_field, n_field, 8, "H")
        self.field_class, self.field_type = fields[0::4], fields[1::4]
        self.field_name = self._table(o_field, n_field, 8, "I")[1::2]
        methods = self._table(o_meth, n_meth, 8, "H")
        self.method_class, self.method_proto = methods[0::4], methods[1::4]
        self.method_name = self._table(o_meth, n_meth, 8, "I")[1::2]
        self.class_defs = self._table(o_class, n_class, 32, "I")
        self._strings: dict[int, str] = {}
        # filled by read_code()
        self.code_methods = array("I")  # method id of each method with code, in class order
        self.code_class = array("I")  # its class_def index
        self.code_span = array("I")  # (start, end) byte offsets of its instructions, flattened
        self.refs = Refs()

    def _table(self, off: int, count: int, item: int, fmt: str) -> np.ndarray:
        if count == 0:
            return np.zeros(0, dtype=np.uint32 if fmt == "I" else np.uint16)
        end = off + count * item
        if off <= 0 or end > len(self.data):
            raise DexError(f"id table at {off} (+{count} x {item} bytes) lies outside the file")
        dtype = np.dtype("<u4") if fmt == "I" else np.dtype("<u2")
        return np.frombuffer(self.data, dtype=dtype, count=count * item // dtype.itemsize, offset=off)

    # --- names -------------------------------------------------------------------------------------

    def string(self, idx: int) -> str:
        s = self._strings.get(idx)
        if s is None:
            try:
                _n, start = _uleb(self.data, int(self.string_off[idx]))
            except (IndexError, DexError):  # validate() keeps offsets inside the file; the length may not be
                start = len(self.data)
            end = self.data.find(b"\x00", start)
            s = self._strings[idx] = mutf8(self.data[start : end if end >= 0 else len(self.data)])
        return s

    def find_string(self, text: str) -> int | None:
        """Index of a string by value (the table is sorted), or None."""
        key = _u16_order(text)
        lo, hi = 0, len(self.string_off)
        while lo < hi:
            mid = (lo + hi) // 2
            if _u16_order(self.string(mid)) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(self.string_off) and self.string(lo) == text else None

    def type_name(self, idx: int) -> str:
        return self.string(int(self.type_str[idx]))

    def find_type(self, descriptor: str) -> int | None:
        s = self.find_string(descriptor)
        if s is None:
            return None
        i = int(np.searchsorted(self.type_str, s))  # type_ids are sorted by string index
        return i if i < len(self.type_str) and self.type_str[i] == s else None

    def type_list(self, off: int) -> list[str]:
        """The type names of a type_list (parameters, interfaces); [] for offset 0 or a list that does not
        fit in the file."""
        if not off or off + 4 > len(self.data):
            return []
        n = struct.unpack_from("<I", self.data, off)[0]
        if off + 4 + 2 * n > len(self.data):
            return []
        types = len(self.type_str)
        return [self.type_name(t) if t < types else "?" for t in struct.unpack_from(f"<{n}H", self.data, off + 4)]

    def proto_text(self, idx: int) -> str:
        """'(Landroid/content/Context;I)V': parameters and return type as smali writes them."""
        params = "".join(self.type_list(int(self.proto_params[idx])))
        return f"({params}){self.type_name(int(self.proto_return[idx]))}"

    def method_parts(self, idx: int) -> tuple[str, str, str]:
        """(class descriptor, name, descriptor) of a method id."""
        return (
            self.type_name(int(self.method_class[idx])),
            self.string(int(self.method_name[idx])),
            self.proto_text(int(self.method_proto[idx])),
        )

    def field_text(self, idx: int) -> str:
        """'Landroid/os/Build;->SERIAL:Ljava/lang/String;'"""
        return (
            f"{self.type_name(int(self.field_class[idx]))}->{self.string(int(self.field_name[idx]))}:"
            f"{self.type_name(int(self.field_type[idx]))}"
        )

    @cached_property
    def class_names(self) -> list[str]:
        """Descriptor of each class_def, in file order."""
        return [self.type_name(int(t)) for t in self.class_defs[0::8]]

    def methods_named(self, cls: str, name: str) -> list[int]:
        """Method ids of any overload of ``cls->name`` this dex refers to."""
        t = self.find_type(cls)
        n = self.find_string(name) if t is not None else None
        if n is None:
            return []
        # method_ids are sorted by (class, name, prototype): the overloads are one contiguous run
        first = int(np.searchsorted(self._method_keys, (t << 32) | n))
        last = int(np.searchsorted(self._method_keys, (t << 32) | n, side="right"))
        return list(range(first, last))

    @cached_property
    def _method_keys(self) -> np.ndarray:
        keys = (self.method_class.astype(np.int64) << 32) | self.method_name.astype(np.int64)
        if len(keys) > 1 and bool((keys[1:] < keys[:-1]).any()):  # not sorted as the format requires
            raise DexError("method ids are not sorted")
        return keys

    def fields_named(self, cls: str, name: str, typ: str) -> list[int]:
        t, ty, n = self.find_type(cls), self.find_type(typ), self.find_string(name)
        if t is None or ty is None or n is None:
            return []
        hits = (self.field_class == t) & (self.field_type == ty) & (self.field_name == n)
        return [int(i) for i in np.flatnonzero(hits)]

    # --- code --------------------------------------------------------------------------------------

    def read_code(self) -> None:
        """Walk every class's methods and keep the operands of each method's instructions."""
        data = self.data
        size_of, kind_of = _SIZE, _KIND
        r = self.refs
        inv_m, inv_t = r.inv_m.append, r.inv_t.append
        fld_m, fld_f, fld_op = r.fld_m.append, r.fld_f.append, r.fld_op.append
        str_m, str_s = r.str_m.append, r.str_s.append
        typ_m, typ_t = r.typ_m.append, r.typ_t.append
        code_methods, code_class, code_span = self.code_methods, self.code_class, self.code_span
        limit = len(data)
        n_methods = len(self.method_class)
        for ci, code_off, midx in self._code_items():
            if code_off + 16 > limit:
                raise DexError(f"code item at {code_off} lies outside the file")
            units = int.from_bytes(data[code_off + 12 : code_off + 16], "little")
            p = code_off + 16
            end = p + 2 * units
            if end > limit or midx >= n_methods:
                raise DexError(f"code item at {code_off} lies outside the file")
            slot = len(code_methods)
            code_methods.append(midx)
            code_class.append(ci)
            code_span.append(p)
            code_span.append(end)
            while p < end:
                op = data[p]
                k = kind_of[op]
                if k:
                    if k == _METHOD:
                        inv_m(slot)
                        inv_t(data[p + 2] | data[p + 3] << 8)
                    elif k == _FIELD:
                        fld_m(slot)
                        fld_f(data[p + 2] | data[p + 3] << 8)
                        fld_op(op)
                    elif k == _STRING:
                        str_m(slot)
                        str_s(data[p + 2] | data[p + 3] << 8)
                    elif k == _TYPE:
                        typ_m(slot)
                        typ_t(data[p + 2] | data[p + 3] << 8)
                    else:
                        str_m(slot)
                        str_s(int.from_bytes(data[p + 2 : p + 6], "little"))
                    p += 2 * size_of[op]
                elif op == 0 and data[p + 1]:
                    p += 2 * _payload_units(data, p)
                else:
                    p += 2 * size_of[op]

    def _code_items(self):
        """(class_def index, code_off, method id) of every method with code, in class order."""
        data = self.data
        defs = self.class_defs
        for ci in range(len(defs) // 8):
            off = int(defs[ci * 8 + 6])
            if not off:
                continue
            if off >= len(data):
                raise DexError(f"class data of class {ci} lies outside the file")
            n_sf, p = _uleb(data, off)
            n_if, p = _uleb(data, p)
            n_dm, p = _uleb(data, p)
            n_vm, p = _uleb(data, p)
            for _ in range(n_sf + n_if):
                _d, p = _uleb(data, p)
                _a, p = _uleb(data, p)
            for count in (n_dm, n_vm):
                midx = 0
                for _ in range(count):
                    d, p = _uleb(data, p)
                    midx += d
                    _a, p = _uleb(data, p)
                    code_off, p = _uleb(data, p)
                    if code_off:
                        yield ci, code_off, midx

    def validate(self) -> None:
        """Every index the tables and the code name points inside its table, so lookups cannot fail later."""
        n_str, n_type, n_proto = len(self.string_off), len(self.type_str), len(self.proto_return)
        n_field, n_meth = len(self.field_name), len(self.method_name)
        r = self.refs
        checks = [
            ("string offset", self.string_off, len(self.data)),
            ("type name", self.type_str, n_str),
            ("prototype return type", self.proto_return, n_type),
            ("field class", self.field_class, n_type),
            ("field type", self.field_type, n_type),
            ("field name", self.field_name, n_str),
            ("method class", self.method_class, n_type),
            ("method prototype", self.method_proto, n_proto),
            ("method name", self.method_name, n_str),
            ("class", self.class_defs[0::8], n_type),
            ("invoked method", np.frombuffer(r.inv_t, dtype=np.uint32), n_meth),
            ("field operand", np.frombuffer(r.fld_f, dtype=np.uint32), n_field),
            ("string operand", np.frombuffer(r.str_s, dtype=np.uint32), n_str),
            ("type operand", np.frombuffer(r.typ_t, dtype=np.uint32), n_type),
        ]
        for what, values, bound in checks:
            if len(values) and int(values.max()) >= bound:
                raise DexError(f"a {what} index points outside its table")
        _ = self._method_keys  # raises here, not in a later lookup, when the ids are out of order
        supers = self.class_defs[2::8]
        if len(supers) and int(supers[supers != _NO_INDEX].max(initial=0)) >= max(n_type, 1):
            raise DexError("a superclass index points outside its table")

    def span(self, slot: int) -> tuple[int, int]:
        return self.code_span[2 * slot], self.code_span[2 * slot + 1]


def _payload_units(data: bytes, p: int) -> int:
    """Size of a packed-switch, sparse-switch or fill-array-data payload (a nop with a high byte)."""
    ident = data[p + 1]
    if ident == 1:
        return 4 + 2 * int.from_bytes(data[p + 2 : p + 4], "little")
    if ident == 2:
        return 2 + 4 * int.from_bytes(data[p + 2 : p + 4], "little")
    if ident == 3:
        width = int.from_bytes(data[p + 2 : p + 4], "little")
        count = int.from_bytes(data[p + 4 : p + 8], "little")
        return 4 + (width * count + 1) // 2
    return 1


def units_at(data: bytes, p: int) -> int:
    """Code units of the instruction (or switch / array payload) at byte offset ``p``."""
    op = data[p]
    return _payload_units(data, p) if op == 0 and data[p + 1] else _SIZE[op]


def arg_registers(data: bytes, p: int) -> list[int]:
    """Registers the invoke-* or filled-new-array instruction at byte offset ``p`` takes: up to five
    listed (format 35c) or a run of ``AA`` from ``vCCCC`` (3rc: the /range forms)."""
    op, a = data[p], data[p + 1]
    if op == 0x25 or 0x74 <= op <= 0x78:
        first = data[p + 4] | data[p + 5] << 8
        return list(range(first, first + a))
    c, e = data[p + 4], data[p + 5]
    return [c & 0xF, c >> 4, e & 0xF, e >> 4, a & 0xF][: a >> 4]


def instructions(data: bytes, start: int, end: int):
    """(offset, opcode) of each whole instruction of one method's code, payloads skipped."""
    p = start
    while p < end:
        op = data[p]
        units = units_at(data, p)
        if p + 2 * units > end:
            return
        yield p, op
        p += 2 * units
