"""The webpack module table of a compiled mini-program (uni-app, Taro), across all its files.

uni-app and Taro emit webpack chunks: ``(global.webpackJsonp = ...).push([[chunk], {id: function(
module, exports, require) {...}}])``. A page's module reaches ``uni`` as ``require("543d").default``
where module ``543d`` lives in ``common/vendor.js``. Each file's scan (auditor.miniprogram.jsscan)
finds the module functions it defines and summarises what each exports (``exports.x = v``,
``module.exports = v``, webpack's ``require.d(exports, {x: () => v})``, ``Object.defineProperty``
getters), with values in the terms of auditor.miniprogram.jsscope; ``ModuleTable`` then decides over
the whole project whether a reference such as ``("mod", "543d", ("default",))`` is a receiver.

A module is a receiver's home when its export evaluates to ``wx`` (directly, through a Proxy over it,
or through another module), when it hands an object to a framework initializer (Taro's
``initNativeApi`` hook copies the wx API onto it), or when its exports carry a framework runtime's
signature (uni-app's runtime exports ``createApp``, ``createPage``, ``createComponent`` and its
default is ``uni``); the last two are data in rules/miniprogram_apis.yaml.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import tree_sitter

from auditor.miniprogram.jsscope import (
    MAX_EVAL_DEPTH,
    RECV,
    RECVMOD,
    Scopes,
    TooDeep,
    Value,
    join,
    member,
    node_at,
    params_of,
    parts,
    string_value,
    text,
    unwrap,
)

#: A file is searched for module tables only when it mentions one of these.
WEBPACK_MARKS = (b"webpackJsonp", b"webpackChunk", b"__webpack_require__", b"__webpack_modules__")
FUNCTION_VALUE = "[(function_expression) (arrow_function) (parenthesized_expression)] @fn"
MODULE_TABLE_QUERY = f"""
(call_expression
  function: (member_expression property: (property_identifier) @push (#eq? @push "push"))
  arguments: (arguments (array (object (pair key: [(string) (number) (property_identifier)] @key
                                             value: {FUNCTION_VALUE})))))
(call_expression
  arguments: (arguments (object (pair key: [(string) (number)] @key value: {FUNCTION_VALUE}))))
(variable_declarator
  value: (object (pair key: [(string) (number)] @key value: {FUNCTION_VALUE})))
"""
#: Module tables written as arrays: webpack emits ``[, fn, , fn]`` (the index is the id, holes included)
#: or ``Array(n).concat([fn, ...])`` instead of an object when the ids are dense numbers (webpack 4
#: development builds such as uni-app's dev output, ``moduleIds: "natural"``), in a JSONP chunk's
#: ``push([[chunk], table])`` or as the argument of the bootstrap IIFE.
ARRAY_TABLE_QUERY = """
(call_expression
  function: (member_expression property: (property_identifier) @push (#eq? @push "push"))
  arguments: (arguments (array) @chunk))
(call_expression
  function: [(function_expression) (parenthesized_expression (function_expression))]
  arguments: (arguments . [(array) (call_expression)] @table))
"""

Summary = dict[str, Any]


@cache
def _query(language: tree_sitter.Language) -> tree_sitter.Query:
    return tree_sitter.Query(language, MODULE_TABLE_QUERY)


@cache
def _array_query(language: tree_sitter.Language) -> tree_sitter.Query:
    return tree_sitter.Query(language, ARRAY_TABLE_QUERY)


def _add_module(scopes: Scopes, module_id: str | None, fn: tree_sitter.Node | None) -> None:
    fn = unwrap(fn)
    is_fn = fn is not None and fn.type in ("function_expression", "arrow_function", "function")
    if module_id and is_fn and len(params_of(fn)) <= 3:
        scopes.add_module(module_id, fn)


def _array_elements(table: tree_sitter.Node | None) -> list[tuple[int, tree_sitter.Node]]:
    """``(id, element)`` of an array module table; ``Array(n).concat([...])`` starts at ``n``."""
    if table is None:
        return []
    offset = 0
    if table.type == "call_expression":  # Array(n).concat([...])
        callee, args = table.child_by_field_name("function"), table.child_by_field_name("arguments")
        is_member = callee is not None and callee.type == "member_expression"
        inner = callee.child_by_field_name("object") if is_member else None
        if inner is None or inner.type != "call_expression" or text(callee.child_by_field_name("property")) != "concat":
            return []
        count, tables = parts(inner.child_by_field_name("arguments")), parts(args)
        if text(inner.child_by_field_name("function")) != "Array" or len(count) != 1 or len(tables) != 1:
            return []
        n = string_value(count[0])
        if n is None or not n.isdigit():
            return []
        offset, table = int(n), tables[0]
    if table.type != "array":
        return []
    out, index = [], offset
    for child in table.children:
        if child.type == ",":
            index += 1
        elif child.is_named and child.type != "comment":
            out.append((index, child))
    return out


def find_modules(scopes: Scopes, language: tree_sitter.Language) -> None:
    """Register the file's webpack module functions with ``scopes``."""
    cursor = tree_sitter.QueryCursor(_query(language))
    for _pattern, caps in cursor.matches(scopes.root):
        keys, fns = caps.get("key", []), caps.get("fn", [])
        for key, fn in zip(keys, fns, strict=False):
            _add_module(scopes, string_value(key) if key.type in ("string", "number") else text(key), fn)
    for _pattern, caps in tree_sitter.QueryCursor(_array_query(language)).matches(scopes.root):
        for table in caps.get("table", []):
            for index, fn in _array_elements(table):
                _add_module(scopes, str(index), fn)
        for chunk in caps.get("chunk", []):  # push([[chunk ids], table, ...])
            elements = parts(chunk)
            if len(elements) >= 2 and elements[0].type == "array":
                for index, fn in _array_elements(elements[1]):
                    _add_module(scopes, str(index), fn)


def mark_initialized(scopes: Scopes, initializers: frozenset[str]) -> None:
    """Objects handed to a framework initializer become receivers (Taro: ``hooks.call("initNativeApi", taro)``)."""
    for name in initializers:
        needle = name.encode()
        for m in re.finditer(rb"(?<![\w$])" + re.escape(needle) + rb"(?![\w$])", scopes.src):
            try:
                node = node_at(scopes.root, m.start(), m.end())
            except TooDeep:
                continue
            call = node
            for _ in range(4):  # name -> string -> arguments -> call, or name -> member -> call
                if call is None or call.type == "call_expression":
                    break
                call = call.parent
            if call is None or call.type != "call_expression":
                continue
            args = call.child_by_field_name("arguments")
            for arg in parts(args):
                if arg.type == "identifier":
                    scope, _binds = scopes.lookup(arg)
                    if scope is not None:
                        scopes.initialized.add((scope.id, text(arg)))


def _getter_value(scopes: Scopes, fn: tree_sitter.Node | None) -> Value:
    """The value a getter function returns (``function(){return o}`` or ``() => o``)."""
    fn = unwrap(fn)
    if fn is None or fn.type not in ("function_expression", "arrow_function", "function"):
        return None
    body = fn.child_by_field_name("body")
    if body is None:
        return None
    if body.type != "statement_block":
        return scopes.value(body)
    ret = next((s for s in body.named_children if s.type == "return_statement"), None)
    value = parts(ret)
    return scopes.value(value[0]) if value else None


def _is_param(scopes: Scopes, ident: tree_sitter.Node | None, fn: tree_sitter.Node, index: int) -> bool:
    if ident is None or ident.type != "identifier":
        return False
    scope, binds = scopes.lookup(ident)
    return scope == fn and ("param", index) in binds


def summarize(scopes: Scopes, fn: tree_sitter.Node, runtime_exports: tuple[frozenset[str], ...]) -> Summary:
    """What one module function exports: ``whole`` (module.exports = v) and named ``exports``."""
    params = params_of(fn)
    names = [text(p) if p is not None else None for p in params]
    exports: dict[str, list[Value]] = {}
    whole: list[Value] = []
    src = scopes.src
    lo, hi = fn.start_byte, fn.end_byte

    def node_at_(start: int, end: int) -> tree_sitter.Node | None:
        scopes.check_time()
        return node_at(scopes.root, start, end)

    exp = names[1] if len(names) > 1 else None
    if exp:
        e = re.escape(exp.encode())
        pattern = rb"(?<![\w$.])" + e + rb"\s*(?:\.\s*[\w$]+|\[\s*[\"'][^\"']+[\"']\s*\])\s*=(?![=>])"
        for m in re.compile(pattern).finditer(src, lo, hi):
            ident = node_at_(m.start(), m.start() + len(exp))
            if not _is_param(scopes, ident, fn, 1):
                continue
            target = ident.parent if ident is not None else None
            assign = target.parent if target is not None else None
            if assign is None or assign.type != "assignment_expression" or assign.child_by_field_name("left") != target:
                continue
            key = _member_name(target)
            if key is not None:
                exports.setdefault(key, []).append(scopes.value(assign.child_by_field_name("right")))
        for m in re.compile(rb"defineProperty\s*\(\s*" + e + rb"\s*,").finditer(src, lo, hi):
            call = _enclosing_call(node_at_(m.start(), m.start() + len("defineProperty")))
            args = call.child_by_field_name("arguments") if call is not None else None
            argv = parts(args)
            if len(argv) < 3 or not _is_param(scopes, argv[0], fn, 1):
                continue
            key = string_value(argv[1])
            if key is None or key == "__esModule" or argv[2].type != "object":
                continue
            for pair in parts(argv[2]):
                k = text(pair.child_by_field_name("key")) if pair.type == "pair" else ""
                if k == "get":
                    exports.setdefault(key, []).append(_getter_value(scopes, pair.child_by_field_name("value")))
                elif k == "value":
                    exports.setdefault(key, []).append(scopes.value(pair.child_by_field_name("value")))
    mod = names[0] if names else None
    if mod:
        for m in re.compile(rb"(?<![\w$.])" + re.escape(mod.encode()) + rb"\s*\.\s*exports\b").finditer(src, lo, hi):
            ident = node_at_(m.start(), m.start() + len(mod))
            if not _is_param(scopes, ident, fn, 0):
                continue
            exports_node = ident.parent if ident is not None else None
            if exports_node is None or exports_node.parent is None:
                continue
            up = exports_node.parent
            if up.type == "assignment_expression" and up.child_by_field_name("left") == exports_node:
                whole.append(scopes.value(up.child_by_field_name("right")))
            elif up.type in ("member_expression", "subscript_expression") and (
                up.child_by_field_name("object") == exports_node
            ):
                assign = up.parent
                key = _member_name(up)
                if key and assign is not None and assign.type == "assignment_expression" and (
                    assign.child_by_field_name("left") == up
                ):
                    exports.setdefault(key, []).append(scopes.value(assign.child_by_field_name("right")))
    req = names[2] if len(names) > 2 else None
    if req:
        for m in re.compile(rb"(?<![\w$.])" + re.escape(req.encode()) + rb"\s*\.\s*d\s*\(").finditer(src, lo, hi):
            ident = node_at_(m.start(), m.start() + len(req))
            if not _is_param(scopes, ident, fn, 2):
                continue
            call = _enclosing_call(ident)
            args = call.child_by_field_name("arguments") if call is not None else None
            argv = parts(args)
            if len(argv) == 3 and string_value(argv[1]) is not None:  # webpack 4: d(exports, "x", getter)
                exports.setdefault(string_value(argv[1]) or "", []).append(_getter_value(scopes, argv[2]))
            elif len(argv) == 2 and argv[1].type == "object":  # webpack 5: d(exports, {x: getter})
                for pair in parts(argv[1]):
                    if pair.type == "pair":
                        key = pair.child_by_field_name("key")
                        name = string_value(key) if key is not None and key.type in ("string", "number") else text(key)
                        exports.setdefault(name, []).append(_getter_value(scopes, pair.child_by_field_name("value")))
    out_exports = {k: join(v) for k, v in exports.items()}
    for signature in runtime_exports:
        if signature <= out_exports.keys():
            out_exports["default"] = join([out_exports.get("default"), RECV])
    return {"whole": join(whole), "exports": {k: v for k, v in out_exports.items() if v is not None}}


def _member_name(node: tree_sitter.Node) -> str | None:
    if node.type == "member_expression":
        return text(node.child_by_field_name("property"))
    if node.type == "subscript_expression":
        return string_value(node.child_by_field_name("index"))
    return None


def _enclosing_call(node: tree_sitter.Node | None) -> tree_sitter.Node | None:
    for _ in range(4):
        if node is None or node.type == "call_expression":
            return node
        node = node.parent
    return None


def summarize_file(scopes: Scopes, runtime_exports: tuple[frozenset[str], ...]) -> dict[str, Summary]:
    """Summaries of every module function of the file, by module id; a too-deep one is left out."""
    out: dict[str, Summary] = {}
    for module_id, fn in scopes.modules.values():
        try:
            s = summarize(scopes, fn, runtime_exports)
        except TooDeep:
            continue
        if s["whole"] is not None or s["exports"]:
            out[module_id] = merge_summary(out.get(module_id), s)
    return out


def merge_summary(a: Summary | None, b: Summary) -> Summary:
    """Two definitions of one module id (chunks built twice): either may be the receiver."""
    if a is None:
        return b
    names = a["exports"].keys() | b["exports"].keys()
    return {
        "whole": join([a["whole"], b["whole"]]),
        "exports": {k: join([a["exports"].get(k), b["exports"].get(k)]) for k in names},
    }


class ModuleTable:
    """Every module summary of a project, to tell whether a cross-module value is a receiver."""

    def __init__(self, summaries: dict[str, Summary]) -> None:
        self.summaries = summaries
        self._memo: dict[Value, bool] = {}

    def is_receiver(self, v: Value) -> bool:
        if v not in self._memo:
            self._memo[v] = False  # cycles through module re-exports end here
            self._memo[v] = self._resolve(v, 0)
        return self._memo[v]

    def _resolve(self, v: Value, depth: int) -> bool:
        if v is None or depth > MAX_EVAL_DEPTH:
            return False
        if v in (RECV, RECVMOD):
            return True
        kind = v[0]
        if kind == "any":
            return any(self._resolve(x, depth + 1) for x in v[1])
        if kind == "interop":
            return self._resolve(v[1], depth + 1)
        if kind != "mod":
            return False
        target = self._target(v[1], v[2])
        return self.is_receiver(target) if target != v else False

    def _target(self, module_id: str, path: tuple[str, ...]) -> Value:
        """What ``("mod", id, path)`` stands for in terms of the module's own export values."""
        s = self.summaries.get(module_id)
        if s is None:
            return None
        if not path:
            return s["whole"]
        name, rest = path[0], path[1:]
        if name in s["exports"]:
            value = s["exports"][name]
        elif s["whole"] is not None:
            value = s["whole"] if name == "default" else member(s["whole"], name)
        else:
            return None
        for part in rest:
            value = member(value, part)
        return value
