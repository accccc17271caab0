"""WXML that WeChat's compiler turned into JavaScript (``$gwx``), read back for privacy elements.

A ``.wxapkg`` (and a folder unpacked from one) holds no ``.wxml``: the compiler (wcc) turns every
template into code in ``app-wxss.js``, ``page-frame.js`` or ``app-service.js``. Its layout, as the
unpackers read it (wxappUnpacker's ``wuWxml.js``):

- ``function gz$gwx_N(){ ... Z(op) ... }`` builds template N's table of operands, one ``Z(op)`` per
  line: ``[3,'text']`` is a string literal, ``[1,false]`` a literal value, ``z[i]`` reuses entry i,
  anything else is a data binding;
- a render function starts with ``var z=gz$gwx_N()`` and creates elements with
  ``var v=_mz(z,'button',['class',i,'openType',d,...],...)`` (the first index absolute, the others
  offsets from it; attribute names camel-cased) or, for an element with one attribute or none,
  ``var v=_n('button')`` followed by ``_rz(z,v,'openType',i,...)`` (absolute index);
- ``var x=['./pages/a/a.wxml',...]`` lists the source files and ``e_[x[k]]={f:m..}`` registers the render
  function just written for file ``x[k]``.

Only literal values match, as in source WXML (a bound ``open-type="{{t}}"`` does not), and elements
of a framework's generic templates (``d_[x[k]]["tmpl_0_14"]=function``, rules' ``generic_templates``)
are not uses; a hit keeps the position in the compiled file and names the source ``.wxml`` as its
module.
"""

from __future__ import annotations

import bisect
import re

from auditor.miniprogram.apimap import ApiMap
from auditor.miniprogram.elements import BOUND, Tag, attr_name, matches
from auditor.miniprogram.jsscan import Hit
from auditor.miniprogram.wxmlscan import context_category

#: A compiled file is read only when it holds template tables.
MARK = b"gz$gwx"
TABLE = re.compile(rb"function (gz\$gwx[\w$]*)\(\)\{")
OPERAND = re.compile(rb"^Z\((.*)\);?\r?$", re.M)
STRING = re.compile(rb"^\[3,'((?:[^'\\]|\\.)*)'\]$")
VALUE = re.compile(rb"^\[1,(true|false|-?\d+(?:\.\d+)?)\]$")
REUSE = re.compile(rb"^z\[(\d+)\]$")
USE = re.compile(rb"var z=(gz\$gwx[\w$]*)\(\)")
ELEMENT = re.compile(rb"var ([\w$]+)=(?:_mz\(z,['\"]([\w-]+)['\"],\[([^\]]{0,4096})\]|_n\(['\"]([\w-]+)['\"]\))")
ATTR = re.compile(rb"['\"]([^'\"]+)['\"],(\d+)")
PATHS = re.compile(rb"var x=\[([^\]]{0,1048576})\]")
REGISTER = re.compile(rb"e_\[x\[(\d+)\]\]=\{f:")
#: Where each render function starts: a named template's (``d_[x[k]]["name"]=function``) or a file's.
RENDERER = re.compile(rb"d_\[x\[\d+\]\]\[['\"]([^'\"]+)['\"]\]=function|var m\d+=function")


def _operands(src: bytes, start: int, end: int) -> list[str | None]:
    """Template table entries between ``start`` and ``end``: literal text, or None for a binding."""
    out: list[str | None] = []
    for m in OPERAND.finditer(src, start, end):
        op = m.group(1)
        if s := STRING.match(op):
            out.append(re.sub(rb"\\(.)", rb"\1", s.group(1)).decode("utf-8", "replace"))
        elif v := VALUE.match(op):
            out.append(v.group(1).decode())
        elif (r := REUSE.match(op)) and int(r.group(1)) < len(out):
            out.append(out[int(r.group(1))])
        else:
            out.append(None)
    return out


def compiled_hits(rel: str, src: bytes, api_map: ApiMap) -> tuple[list[Hit], list[str]]:
    """Privacy elements (and privacy-authorization buttons) of the templates compiled into ``src``, at
    most ``limits.max_uses_per_file`` of them (a warning names the bound)."""
    if MARK not in src:
        return [], []
    defs = list(TABLE.finditer(src))
    tables: dict[bytes, list[str | None]] = {}
    for i, m in enumerate(defs):
        end = defs[i + 1].start() if i + 1 < len(defs) else len(src)
        tables[m.group(1)] = _operands(src, m.end(), end)
    uses = [(m.start(), m.group(1)) for m in USE.finditer(src)]
    registers = [(m.start(), int(m.group(1))) for m in REGISTER.finditer(src)]
    path_lists = [(m.start(), re.findall(rb"['\"]\.?/?([^'\"]+)['\"]", m.group(1))) for m in PATHS.finditer(src)]
    newlines = [m.start() for m in re.finditer(rb"\n", src)]
    renderers = [(m.start(), (m.group(1) or b"").decode("utf-8", "replace")) for m in RENDERER.finditer(src)]
    hits: list[Hit] = []
    cap = api_map.max_uses_per_file
    texts: dict[bytes, str] = {}
    elements = list(ELEMENT.finditer(src))
    for n, m in enumerate(elements):
        tag = (m.group(2) or m.group(4)).decode()
        apis = api_map.by_tag.get(tag)
        if not apis:
            continue
        f = bisect.bisect_right(renderers, (m.start(), "\uffff")) - 1
        if f >= 0 and api_map.is_generic_template(renderers[f][1]):
            continue  # a generic renderer's catalogue entry (Taro 3 base template)
        k = bisect.bisect_right(uses, (m.start(), b"\xff")) - 1
        table_name = uses[k][1] if k >= 0 else b""
        table = tables.get(table_name, [])
        indexes: list[tuple[bytes, int]] = []
        base = None
        for name, index in ATTR.findall(m.group(3) or b""):
            base = int(index) if base is None else base
            indexes.append((name, base if not indexes else base + int(index)))
        end = elements[n + 1].start() if n + 1 < len(elements) else len(src)
        setter = re.compile(rb"_rz\(z," + re.escape(m.group(1)) + rb",['\"]([^'\"]+)['\"],(\d+)")
        indexes += [(name, int(index)) for name, index in setter.findall(src, m.end(), end)]
        attrs = [(attr_name(name.decode()), BOUND if i >= len(table) or table[i] is None else str(table[i]))
                 for name, i in indexes]
        line = bisect.bisect_left(newlines, m.start()) + 1
        column = m.start() - (newlines[line - 2] if line > 1 else -1)
        element = Tag(tag, tuple(attrs), line, column)
        if table_name not in texts:  # the template's literal texts, for context keywords (刷脸...)
            texts[table_name] = " ".join(v for v in table if v).lower()
        lowered = texts[table_name]
        if len(hits) >= cap:
            return hits, [f"{rel}:{line}: more than {cap} privacy elements in compiled templates "
                          "(limits.max_uses_per_file); the rest of the file was not read"]
        for api in apis:
            if matches(api, element):
                hits.append(Hit(api=api.id, line=line, column=column, via="wxml",
                                context_category=context_category(api_map, api, lowered),
                                module=_source_file(m.start(), registers, path_lists)))
    return hits, []


def _source_file(pos: int, registers: list[tuple[int, int]], path_lists: list[tuple[int, list[bytes]]]) -> str | None:
    """The source .wxml of the render function around ``pos``: the next registration's ``x[k]``."""
    r = bisect.bisect_left(registers, (pos, -1))
    if r >= len(registers):
        return None
    at, k = registers[r]
    p = bisect.bisect_right(path_lists, (at, [])) - 1
    paths = path_lists[p][1] if p >= 0 else []
    return paths[k].decode("utf-8", "replace") if k < len(paths) else None
