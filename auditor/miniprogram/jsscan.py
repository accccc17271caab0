"""Finding privacy-API use in JS/TS with tree-sitter.

Why this shape: parsing is the cost (tree-sitter-javascript runs at about 3 MB/s here), and an API can
only be reached if its name appears somewhere in the file (``wx.getLocation``, ``wx['getLocation']``,
``const {getLocation} = wx``). So a file is parsed only when one of the table's names occurs in it (or
when it is a webpack chunk, whose modules other files may reach ``wx`` through), and
then each occurrence is looked up in the syntax tree (``descendant_for_byte_range``) and judged there:
a property of a receiver, a string subscript of one, or a destructuring key. The text search never
decides; it only spares parsing files that cannot match. Syntax errors are therefore reported only for
files that mention a privacy API.

What the object in front of the API name is comes from auditor.miniprogram.jsscope: names are looked
up by lexical scope and followed to their definition, through the call site of an IIFE (how minified
uni-app passes ``uni`` into a module as ``e``) and through webpack's module table
(auditor.miniprogram.bundle). A reference into another file's module cannot be settled here; such a
hit carries the reference as ``receiver`` and the project-wide table settles it.

A member that is only tested, never used (``!!wx.getUserProfile``, ``Boolean(wx.x)``, ``if (wx.x)``, ``typeof wx.x``,
``wx.x && wx.x()``'s left side), is a feature test, not a use.

In a compiled package (``app-service.js``) every source file is wrapped in ``define("path", ...)``;
a hit inside one carries that path as ``module`` so it can be attributed to its original file.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

import tree_sitter
import tree_sitter_javascript
import tree_sitter_typescript

from auditor.miniprogram.apimap import ApiMap, PrivacyApi
from auditor.miniprogram.bundle import WEBPACK_MARKS, Summary, find_modules, mark_initialized, summarize_file
from auditor.miniprogram.jsscope import (
    FUNCTION_TYPES,
    MAX_ANCESTORS,
    RECV,
    RECVMOD,
    OutOfTime,
    Scopes,
    TooDeep,
    Value,
    ancestors,
    needs_project,
    node_at,
    parts,
    text,
)
from auditor.miniprogram.jsxscan import element_uses, trigger_words

CONTEXT_WINDOW_BYTES = 20_000
CHUNK = 1 << 16
URL_LITERAL = re.compile(rb"[\"'`]https?://([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
#: A code unit sends data when it calls one of these (wx.request, uni.uploadFile...).
SENDS = re.compile(rb"(?<![\w$])(?:request|uploadFile|connectSocket)\s*\(")
NULLISH = frozenset({"undefined", "null", "void 0"})


@dataclass(frozen=True)
class Hit:
    """One use of a privacy API (or privacy handler) in a source file; positions are 1-based.

    ``receiver`` is set when whether the object in front of the API is ``wx`` depends on another
    module of the project; ``unit_domains`` are the hosts of URL literals in the code unit around the
    hit (its webpack module, or the file), which tell a data SDK from a UI library.
    """

    api: str
    line: int
    column: int
    via: str
    context_category: str | None = None
    module: str | None = None
    receiver: Value = None
    bundle_module: str | None = None
    unit_domains: tuple[str, ...] = ()


@dataclass
class ScanResult:
    hits: list[Hit]
    warnings: list[str]
    #: False when the file names no privacy API and was not parsed
    parsed: bool
    #: webpack module summaries defined in this file (auditor.miniprogram.bundle)
    modules: dict[str, Summary] | None = None


@cache
def _language(suffix: str) -> tree_sitter.Language:
    if suffix == ".ts":
        return tree_sitter.Language(tree_sitter_typescript.language_typescript())
    if suffix == ".tsx":
        return tree_sitter.Language(tree_sitter_typescript.language_tsx())
    return tree_sitter.Language(tree_sitter_javascript.language())


IDENT_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$")


def _occurrences(src: bytes, names: Iterable[str]) -> list[tuple[int, int, str]]:
    """(start, end, name) of each whole-word occurrence, in file order.

    ``bytes.find`` per name is an order of magnitude faster than one regex alternation over ~50
    names, and this runs over every byte of the project.
    """
    out = []
    for name in names:
        needle = name.encode()
        i = src.find(needle)
        while i >= 0:
            end = i + len(needle)
            if (i == 0 or src[i - 1] not in IDENT_BYTES) and (end == len(src) or src[end] not in IDENT_BYTES):
                out.append((i, end, name))
            i = src.find(needle, end)
    out.sort()
    return out


class _Columns:
    """Byte offset -> 1-based character column, cheap when asked in ascending order on long lines."""

    def __init__(self, src: bytes) -> None:
        self.src = src
        self.line_start = -1
        self.last_byte = 0
        self.last_col = 0

    def column(self, line_start: int, byte: int) -> int:
        if line_start != self.line_start or byte < self.last_byte:
            self.line_start, self.last_byte, self.last_col = line_start, line_start, 0
        self.last_col += len(self.src[self.last_byte : byte].decode("utf-8", "replace"))
        self.last_byte = byte
        return self.last_col + 1


def _parse(parser: tree_sitter.Parser, src: bytes, deadline: float) -> tree_sitter.Tree | None:
    """Parse with a deadline (time.monotonic); None when it ran out of time.

    Only a parse that reads through a callback honours the deadline, but the nodes of such a tree
    fetch their text through the callback again (~28 us per ``node.text`` against 0.2 us): a 500 KB
    real bundle spent 46 of 64 s there. Re-parsing the bytes with the finished tree as ``old_tree``
    reuses every node (no edits: ~0 s) and gives a tree that holds its source.
    """
    try:
        tree = parser.parse(
            lambda offset, _point: src[offset : offset + CHUNK],
            progress_callback=lambda _offset, _has_error: time.monotonic() > deadline,
        )
    except ValueError:
        return None
    return parser.parse(src, old_tree=tree)


def _first_error_line(root: tree_sitter.Node) -> int:
    node = root
    for _ in range(MAX_ANCESTORS):
        if node.is_error or node.is_missing:
            break
        nxt = next((c for c in node.children if c.has_error), None)
        if nxt is None:
            break
        node = nxt
    return node.start_point.row + 1


def is_feature_test(node: tree_sitter.Node) -> bool:
    """Whether a member access only tests that the API exists (``if (wx.x)``, ``!!wx.x``, ``Boolean(wx.x)``,
    ``typeof wx.x``)."""
    cur = node
    for parent in ancestors(node):
        t = parent.type
        if t == "unary_expression":
            return text(parent.child_by_field_name("operator")) in ("typeof", "!")
        if t == "parenthesized_expression":
            cur = parent
            continue
        if t == "binary_expression":
            op = text(parent.child_by_field_name("operator"))
            if op in ("&&", "||", "??"):
                if op == "&&" and parent.child_by_field_name("left") == cur:
                    return True
                cur = parent
                continue
            if op in ("==", "!=", "===", "!=="):
                left, right = parent.child_by_field_name("left"), parent.child_by_field_name("right")
                other = right if left == cur else left
                return other is not None and (text(other) in NULLISH or other.type == "string")
            return False
        if t in ("if_statement", "while_statement", "do_statement", "for_statement", "ternary_expression"):
            return parent.child_by_field_name("condition") == cur
        if t == "arguments":  # Boolean(wx.x): the same test as !!wx.x
            call = parent.parent
            fn = call.child_by_field_name("function") if call is not None else None
            return fn is not None and text(fn) == "Boolean" and parts(parent) == [cur]
        return False
    return False


class _FileScan:
    def __init__(self, api_map: ApiMap, src: bytes, root: tree_sitter.Node, deadline: float) -> None:
        self.api_map = api_map
        self.src = src
        self.root = root
        self.deadline = deadline
        self.scopes = Scopes(api_map.receivers, src, root, deadline)
        #: line at which the deadline stopped the analysis
        self.stopped_at: int | None = None
        #: first line of code nested too deep to analyse
        self.too_deep_at: int | None = None
        #: local name -> APIs bound to it by destructuring or a named import, with the binding node
        self.bound: dict[str, list[tuple[PrivacyApi, tree_sitter.Node, str]]] = {}
        self._domains: dict[int | None, tuple[str, ...]] = {}

    def _line(self, byte: int) -> int:
        return self.src.count(b"\n", 0, byte) + 1

    def sites(self, occurrences: list[tuple[int, int, str]]) -> Iterator[tuple[str, tree_sitter.Node]]:
        """(name, smallest node) for each occurrence, until the file's time budget runs out.

        Looking a node up costs time proportional to the width of the tree above it, which in a
        minified bundle (one array of thousands of modules) adds up; the deadline keeps it bounded.
        """
        for start, end, name in occurrences:
            if self.stopped_at is not None:
                return
            if time.monotonic() > self.deadline:
                self.stopped_at = self._line(start)
                return
            try:
                node = node_at(self.root, start, end)
            except TooDeep:
                self.too_deep_at = self.too_deep_at or self._line(start)
                continue
            if node is not None:
                yield name, node

    def prepare(self, language: tree_sitter.Language) -> dict[str, Summary]:
        """Module table, framework initializers and module summaries of the file."""
        try:
            find_modules(self.scopes, language)
            mark_initialized(self.scopes, self.api_map.receivers.initializers)
            return summarize_file(self.scopes, self.api_map.receivers.runtime_exports)
        except OutOfTime:
            self.stopped_at = 1
        except TooDeep:
            self.too_deep_at = 1
        return {}

    # --- uses ----------------------------------------------------------------------------------
    def receiver(self, obj: tree_sitter.Node | None) -> tuple[bool, Value]:
        """(is a receiver here, or needs the project's module table to tell: the value)."""
        v = self.scopes.value(obj)
        if v in (RECV, RECVMOD):
            return True, None
        return False, v if needs_project(v) else None

    def uses(
        self, occurrences: list[tuple[int, int, str]]
    ) -> Iterator[tuple[PrivacyApi, tree_sitter.Node, str, Value]]:
        """(api, node to report, how it was reached, pending receiver) for each real access."""
        for name, node in self.sites(occurrences):
            try:
                found = list(self._use(name, node))
            except TooDeep:
                self.too_deep_at = self.too_deep_at or node.start_point.row + 1
                continue
            except OutOfTime:
                self.stopped_at = node.start_point.row + 1
                return
            yield from found

    def _use(self, name: str, node: tree_sitter.Node) -> Iterator[tuple[PrivacyApi, tree_sitter.Node, str, Value]]:
        parent = node.parent
        if parent is None:
            return
        apis = self.api_map.by_js.get(name, [])
        if node.type == "property_identifier" and parent.type == "member_expression":
            if is_feature_test(parent):
                return
            obj = parent.child_by_field_name("object")
            local, pending = (False, None)
            if not all(a.any_receiver for a in apis):
                local, pending = self.receiver(obj)
            for api in apis:
                if api.any_receiver or local:
                    yield api, parent, _via(obj), None
                elif pending is not None:
                    yield api, parent, _via(obj), pending
        elif node.type == "string_fragment" and parent.type == "string":
            sub = parent.parent
            if sub is None or sub.type != "subscript_expression" or sub.child_by_field_name("index") != parent:
                return
            if is_feature_test(sub):
                return
            local, pending = self.receiver(sub.child_by_field_name("object"))
            if local or pending is not None:
                for api in apis:
                    yield api, sub, "subscript", pending
        elif node.type in ("shorthand_property_identifier_pattern", "property_identifier"):
            pattern = parent if parent.type == "object_pattern" else parent.parent
            if pattern is None or pattern.type != "object_pattern":
                return
            decl = pattern.parent
            if decl is not None and decl.type == "variable_declarator":
                local, _ = self.receiver(decl.child_by_field_name("value"))
                if local:
                    for api in apis:
                        yield api, node, "destructuring", None
        elif node.type == "identifier" and parent.type == "import_specifier":
            self._bind_import(parent)

    def _bind_import(self, spec: tree_sitter.Node) -> None:
        """``import { getLocation as gl } from '@tarojs/taro'`` binds ``gl`` like destructuring does."""
        name = spec.child_by_field_name("name")
        stmt = next((a for a in ancestors(spec) if a.type == "import_statement"), None)
        source = stmt.child_by_field_name("source") if stmt is not None else None
        if name is None or source is None or not self.scopes.is_framework_module(text(source)[1:-1]):
            return
        local = spec.child_by_field_name("alias") or name
        for api in self.api_map.by_js.get(text(name), []):
            entry = (api, spec, "import")
            if entry not in self.bound.setdefault(text(local), []):
                self.bound[text(local)].append(entry)

    def context_category(self, api: PrivacyApi, node: tree_sitter.Node) -> str | None:
        rules = [c for c in self.api_map.context if api.id in c.apis]
        if not rules:
            return None
        scope = next((a for a in ancestors(node) if a.type in FUNCTION_TYPES), self.root)
        end = min(scope.end_byte, scope.start_byte + CONTEXT_WINDOW_BYTES)
        body = self.src[scope.start_byte : end].decode("utf-8", "replace").lower()
        return next((c.category for c in rules if any(k in body for k in c.keywords)), None)

    def unit_domains(self, node: tree_sitter.Node, define: tree_sitter.Node | None) -> tuple[str, ...]:
        """Hosts of the URL literals in the code unit around ``node`` (its webpack module, its
        ``define()`` module, or else the whole file), when that code sends requests at all (an image
        URL in a UI library is not a destination)."""
        unit = define or next((a for a in ancestors(node) if a.id in self.scopes.modules), None)
        key = unit.id if unit is not None else None
        if key not in self._domains:
            lo, hi = (unit.start_byte, unit.end_byte) if unit is not None else (0, len(self.src))
            hosts: set[str] = set()
            if SENDS.search(self.src, lo, hi):
                hosts = {m.group(1).decode("ascii").lower() for m in URL_LITERAL.finditer(self.src, lo, hi)}
            self._domains[key] = tuple(sorted(hosts))
        return self._domains[key]


def _via(obj: tree_sitter.Node | None) -> str:
    if obj is None:
        return "member"
    name = text(obj) if obj.end_byte - obj.start_byte <= 80 else "expression"
    return "wx" if name == "wx" else name


def _enclosing(node: tree_sitter.Node) -> tuple[bool, str | None, tree_sitter.Node | None]:
    """Whether the node sits in an unparsable region, and the ``define("path", ...)`` call around it."""
    in_error = node.is_error
    module = None
    define = None
    for cur in ancestors(node):
        if cur.is_error:
            in_error = True
        if module is None and cur.type == "call_expression":
            fn = cur.child_by_field_name("function")
            args = cur.child_by_field_name("arguments")
            if fn is not None and fn.type == "identifier" and text(fn) == "define" and args is not None:
                first = next(iter(parts(args)), None)
                if first is not None and first.type == "string":
                    module, define = text(first)[1:-1], cur
    return in_error, module, define


def scan_js(rel: str, src: bytes, api_map: ApiMap) -> ScanResult:
    """Scan one JS/TS file; ``rel`` names it in warnings."""
    occurrences = _occurrences(src, api_map.by_js)
    element_words = _occurrences(src, trigger_words(api_map))
    bundle = any(mark in src for mark in WEBPACK_MARKS)
    if not occurrences and not element_words and not bundle:
        return ScanResult([], [], parsed=False)
    limit = api_map.max_parse_bytes
    if len(src) > limit:
        return ScanResult([], [f"{rel}: {len(src)} bytes is above the {limit}-byte parse limit; file not analysed"],
                          True)
    suffix = rel[rel.rfind(".") :].lower()
    language = _language(suffix)
    parser = tree_sitter.Parser(language)
    budget = api_map.parse_timeout_seconds
    deadline = time.monotonic() + budget
    tree = _parse(parser, src, deadline)
    if tree is None:
        return ScanResult([], [f"{rel}: parsing took longer than {budget:g} s; file skipped"], True)
    warnings: list[str] = []
    root = tree.root_node
    if root.has_error:
        warnings.append(f"{rel}:{_first_error_line(root)}: JS does not parse; skipped the unparsable code")
    scan = _FileScan(api_map, src, root, deadline)
    modules = scan.prepare(language) if bundle else {}
    found: list[tuple[int, PrivacyApi, tree_sitter.Node, str, Value]] = []
    cap = api_map.max_uses_per_file
    for api, node, via, pending in scan.uses(occurrences):
        if len(found) >= cap:
            warnings.append(f"{rel}:{node.start_point.row + 1}: more than {cap} privacy-API uses in one file "
                            "(limits.max_uses_per_file); the rest of the file was not analysed")
            break
        if via == "destructuring":
            scan.bound.setdefault(_destructured_local(node), []).append((api, node, via))
            continue
        found.append((node.start_byte, api, node, via, pending))
    found.extend((b, a, n, v, None) for b, a, n, v in _bound_calls(scan))
    elements = element_uses(scan.scopes, element_words, api_map)
    found.extend((call.start_byte, api, call, "element", None) for api, call in elements)
    hits = _hits(scan, found)
    if scan.too_deep_at is not None:
        warnings.append(f"{rel}:{scan.too_deep_at}: code nested deeper than {MAX_ANCESTORS} levels; "
                        "that code was not analysed")
    if scan.stopped_at is not None:
        warnings.append(
            f"{rel}:{scan.stopped_at}: analysis took longer than {budget:g} s; skipped the rest of the file"
        )
    return ScanResult(hits, warnings, parsed=True, modules=modules or None)


def _hits(scan: _FileScan, found: list[tuple[int, PrivacyApi, tree_sitter.Node, str, Value]]) -> list[Hit]:
    found.sort(key=lambda f: f[0])
    cols = _Columns(scan.src)
    hits = []
    for _, api, node, via, pending in found:
        if time.monotonic() > scan.deadline:
            scan.stopped_at = scan.stopped_at or node.start_point.row + 1
            break
        try:
            in_error, module, define = _enclosing(node)
            if in_error:
                continue
            bundle_module = scan.scopes.module_of(node)
            context = scan.context_category(api, node)
            domains = scan.unit_domains(node, define)
        except TooDeep:
            scan.too_deep_at = scan.too_deep_at or node.start_point.row + 1
            continue
        line_start = node.start_byte - node.start_point.column
        hits.append(
            Hit(
                api=api.id,
                line=node.start_point.row + 1,
                column=cols.column(line_start, node.start_byte),
                via=via,
                context_category=context,
                module=module,
                receiver=pending,
                bundle_module=bundle_module,
                unit_domains=domains,
            )
        )
    return hits


def _destructured_local(key: tree_sitter.Node) -> str:
    """The local name a destructured API is bound to: ``{getLocation: gl}`` -> ``gl``."""
    if key.type == "property_identifier" and key.parent is not None:
        value = key.parent.child_by_field_name("value")
        if value is not None and value.type == "identifier":
            return text(value)
    return text(key)


def _bound_calls(scan: _FileScan) -> Iterator[tuple[int, PrivacyApi, tree_sitter.Node, str]]:
    """Calls of destructured or imported names; the binding itself counts when the name is never called."""
    bound = scan.bound
    if not bound:
        return
    called: set[str] = set()
    for name, node in scan.sites(_occurrences(scan.src, bound)):
        parent = node.parent
        if node.type != "identifier" or parent is None or parent.type != "call_expression":
            continue
        if parent.child_by_field_name("function") != node:
            continue
        called.add(name)
        for api, _, via in bound[name]:
            yield parent.start_byte, api, parent, via
    for name, sites in bound.items():
        if name not in called:
            for api, node, via in sites:
                yield node.start_byte, api, node, via
