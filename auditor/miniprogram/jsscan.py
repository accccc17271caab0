"""Finding privacy-API use in JS/TS with tree-sitter.

Why this shape: parsing is the cost (tree-sitter-javascript runs at about 3 MB/s here), and an API can
only be reached if its name appears somewhere in the file (``wx.getLocation``, ``wx['getLocation']``,
``const {getLocation} = wx``). So a file is parsed only when one of the table's names occurs in it, and
then each occurrence is looked up in the syntax tree (``descendant_for_byte_range``) and judged there:
a property of a receiver, a string subscript of one, or a destructuring key. The text search never
decides; it only spares parsing files that cannot match. Syntax errors are therefore reported only for
files that mention a privacy API.

Receivers are ``wx`` and the framework globals of the table, names bound to them in the same file
(``const w = wx``, ``w2 = w``), names bound to a framework module (``import Taro from '@tarojs/taro'``,
``var _t = _interop(require('@tarojs/taro'))``, uni-app's ``require('../../common/vendor.js')``) and
their namespace members (``_t.default``, ``vendor.index``). Bindings are tracked per file, not per
lexical scope: a shadowing local named like an alias is taken for the alias.

In a compiled package (``app-service.js``) every source file is wrapped in ``define("path", ...)``;
a hit inside one carries that path as ``module`` so it can be attributed to its original file.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

import tree_sitter
import tree_sitter_javascript
import tree_sitter_typescript

from auditor.miniprogram.apimap import ApiMap, PrivacyApi

FUNCTION_TYPES = frozenset(
    {"function_declaration", "function_expression", "arrow_function", "method_definition", "function"}
)
CONTEXT_WINDOW_BYTES = 20_000
ALIAS_ROUNDS = 4
CHUNK = 1 << 16


@dataclass(frozen=True)
class Hit:
    """One use of a privacy API (or privacy handler) in a source file; positions are 1-based."""

    api: str
    line: int
    column: int
    via: str
    context_category: str | None = None
    module: str | None = None


@dataclass
class ScanResult:
    hits: list[Hit]
    warnings: list[str]
    #: False when the file names no privacy API and was not parsed
    parsed: bool


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


def _neighbour(src: bytes, pos: int, step: int) -> int:
    """The first non-blank byte from ``pos`` going in ``step`` direction (-1 when none)."""
    while 0 <= pos < len(src):
        if src[pos] not in b" \t\r\n":
            return src[pos]
        pos += step
    return -1


def _text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


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
    """Parse with a deadline (time.monotonic); None when it ran out of time."""
    try:
        return parser.parse(
            lambda offset, _point: src[offset : offset + CHUNK],
            progress_callback=lambda _offset, _has_error: time.monotonic() > deadline,
        )
    except ValueError:
        return None


def _first_error_line(root: tree_sitter.Node) -> int:
    node = root
    while not (node.is_error or node.is_missing):
        nxt = next((c for c in node.children if c.has_error), None)
        if nxt is None:
            break
        node = nxt
    return node.start_point.row + 1


class _FileScan:
    def __init__(self, api_map: ApiMap, src: bytes, root: tree_sitter.Node, deadline: float) -> None:
        self.api_map = api_map
        self.rec = api_map.receivers
        self.src = src
        self.root = root
        self.deadline = deadline
        #: line at which the deadline stopped the analysis
        self.stopped_at: int | None = None
        self.aliases: set[str] = set()
        #: local name -> APIs bound to it by destructuring or a named import, with the binding node
        self.bound: dict[str, list[tuple[PrivacyApi, tree_sitter.Node, str]]] = {}

    def sites(self, occurrences: list[tuple[int, int, str]]) -> Iterator[tuple[str, tree_sitter.Node]]:
        """(name, smallest node) for each occurrence, until the file's time budget runs out.

        Looking a node up costs time proportional to the width of the tree above it, which in a
        minified bundle (one array of thousands of modules) adds up; the deadline keeps it bounded.
        """
        for start, end, name in occurrences:
            if self.stopped_at is not None:
                return
            if time.monotonic() > self.deadline:
                self.stopped_at = self.src.count(b"\n", 0, start) + 1
                return
            node = self.root.descendant_for_byte_range(start, end)
            if node is not None:
                yield name, node

    # --- receivers -----------------------------------------------------------------------------
    def is_module(self, spec: str) -> bool:
        return spec in self.rec.modules or any(p.search(spec) for p in self.rec.module_patterns)

    def is_receiver(self, node: tree_sitter.Node | None) -> bool:
        if node is None:
            return False
        t = node.type
        if t == "identifier":
            name = _text(node)
            return (
                name in self.rec.globals
                or name in self.aliases
                or any(p.match(name) for p in self.rec.identifier_patterns)
            )
        if t == "parenthesized_expression":
            return self.is_receiver(node.named_children[-1] if node.named_children else None)
        if t == "member_expression":
            prop = node.child_by_field_name("property")
            return bool(prop and _text(prop) in self.rec.namespace_members) and self.is_receiver(
                node.child_by_field_name("object")
            )
        if t == "subscript_expression":
            idx = node.child_by_field_name("index")
            return bool(idx and idx.type == "string" and _text(idx)[1:-1] in self.rec.namespace_members) and (
                self.is_receiver(node.child_by_field_name("object"))
            )
        if t == "call_expression":
            return self.required_module(node) is not None or self._default_getter(node)
        return False

    def _default_getter(self, call: tree_sitter.Node) -> bool:
        """webpack 5's ``X_default()``: a call without arguments of a module's default-export getter."""
        fn = call.child_by_field_name("function")
        args = call.child_by_field_name("arguments")
        return (
            fn is not None
            and fn.type == "identifier"
            and args is not None
            and not args.named_children
            and any(p.match(_text(fn)) for p in self.rec.identifier_patterns)
        )

    def required_module(self, call: tree_sitter.Node) -> str | None:
        """``require('m')`` (possibly wrapped in an interop helper call) of a framework module."""
        fn = call.child_by_field_name("function")
        args = call.child_by_field_name("arguments")
        if fn is None or args is None or not args.named_children:
            return None
        first = args.named_children[0]
        if fn.type == "identifier" and _text(fn) == "require" and first.type == "string":
            spec = _text(first)[1:-1]
            return spec if self.is_module(spec) else None
        if first.type == "call_expression":
            return self.required_module(first)
        return None

    def collect_aliases(self) -> None:
        """Names bound to a receiver, to a fixed point (``const a = wx; const b = a``)."""
        for node in self.root.children:
            if node.type == "import_statement":
                self._import_alias(node)
        self._scan_bindings(frozenset({"require"}))
        known = frozenset(self.rec.globals) | frozenset(self.aliases)
        for _ in range(ALIAS_ROUNDS):
            before = set(self.aliases)
            self._scan_bindings(known)
            new = frozenset(self.aliases - before)
            if not new:
                break
            known = new

    def _import_alias(self, node: tree_sitter.Node) -> None:
        source = node.child_by_field_name("source")
        if source is None or not self.is_module(_text(source)[1:-1]):
            return
        for clause in node.named_children:
            if clause.type != "import_clause":
                continue
            for child in clause.named_children:
                if child.type == "identifier":
                    self.aliases.add(_text(child))
                elif child.type == "namespace_import":
                    self.aliases.update(_text(c) for c in child.named_children if c.type == "identifier")
                elif child.type == "named_imports":
                    for spec in child.named_children:
                        self._bind_import(spec)

    def _bind_import(self, spec: tree_sitter.Node) -> None:
        """``import { getLocation as gl } from '@tarojs/taro'`` binds ``gl`` like destructuring does."""
        name = spec.child_by_field_name("name")
        if spec.type != "import_specifier" or name is None:
            return
        local = spec.child_by_field_name("alias") or name
        for api in self.api_map.by_js.get(_text(name), []):
            self.bound.setdefault(_text(local), []).append((api, spec, "import"))

    def _scan_bindings(self, names: frozenset[str]) -> None:
        # only `x = name` and `require(` can bind; the tree decides, this spares the lookups
        candidates = [
            (start, end, name)
            for start, end, name in _occurrences(self.src, names)
            if (name == "require" and _neighbour(self.src, end, 1) == ord("("))
            or (name != "require" and _neighbour(self.src, start - 1, -1) == ord("="))
        ]
        for name, node in self.sites(candidates):
            if node.type != "identifier":
                continue
            value = node
            parent = node.parent
            if name == "require":
                call = parent
                if call is None or call.type != "call_expression" or self.required_module(call) is None:
                    continue
                value = call
                while call.parent is not None and call.parent.type in ("call_expression", "arguments"):
                    call = call.parent
                value, parent = call, call.parent
            if parent is None:
                continue
            if parent.type == "variable_declarator" and parent.child_by_field_name("value") == value:
                target = parent.child_by_field_name("name")
            elif parent.type == "assignment_expression" and parent.child_by_field_name("right") == value:
                target = parent.child_by_field_name("left")
            else:
                continue
            if target is not None and target.type == "identifier":
                self.aliases.add(_text(target))

    # --- uses ----------------------------------------------------------------------------------
    def uses(
        self, occurrences: list[tuple[int, int, str]]
    ) -> Iterator[tuple[PrivacyApi, tree_sitter.Node, str]]:
        """(api, node to report, how it was reached) for each occurrence that is a real access."""
        for name, node in self.sites(occurrences):
            parent = node.parent
            if parent is None:
                continue
            apis = self.api_map.by_js.get(name, [])
            if node.type == "property_identifier" and parent.type == "member_expression":
                obj = parent.child_by_field_name("object")
                for api in apis:
                    if api.any_receiver or self.is_receiver(obj):
                        yield api, parent, self._via(obj)
            elif node.type == "string_fragment" and parent.type == "string":
                sub = parent.parent
                if sub is not None and sub.type == "subscript_expression" and self.is_receiver(
                    sub.child_by_field_name("object")
                ):
                    for api in apis:
                        yield api, sub, "subscript"
            elif node.type in ("shorthand_property_identifier_pattern", "property_identifier"):
                pattern = parent if parent.type == "object_pattern" else parent.parent
                if pattern is None or pattern.type != "object_pattern":
                    continue
                decl = pattern.parent
                if decl is not None and decl.type == "variable_declarator" and self.is_receiver(
                    decl.child_by_field_name("value")
                ):
                    for api in apis:
                        yield api, node, "destructuring"

    def _via(self, obj: tree_sitter.Node | None) -> str:
        if obj is None:
            return "member"
        text = _text(obj) if obj.end_byte - obj.start_byte <= 80 else "expression"
        return "wx" if text == "wx" else text

    def context_category(self, api: PrivacyApi, node: tree_sitter.Node) -> str | None:
        rules = [c for c in self.api_map.context if api.id in c.apis]
        if not rules:
            return None
        scope = node
        while scope.parent is not None and scope.type not in FUNCTION_TYPES:
            scope = scope.parent
        end = min(scope.end_byte, scope.start_byte + CONTEXT_WINDOW_BYTES)
        text = self.src[scope.start_byte : end].decode("utf-8", "replace").lower()
        return next((c.category for c in rules if any(k in text for k in c.keywords)), None)


def _enclosing(node: tree_sitter.Node) -> tuple[bool, str | None]:
    """Whether the node sits in an unparsable region, and the ``define("path")`` module around it."""
    in_error = False
    module = None
    cur: tree_sitter.Node | None = node
    while cur is not None:
        if cur.is_error:
            in_error = True
        if module is None and cur.type == "call_expression":
            fn = cur.child_by_field_name("function")
            args = cur.child_by_field_name("arguments")
            if fn is not None and fn.type == "identifier" and _text(fn) == "define" and args is not None:
                first = args.named_children[0] if args.named_children else None
                if first is not None and first.type == "string":
                    module = _text(first)[1:-1]
        cur = cur.parent
    return in_error, module


def scan_js(rel: str, src: bytes, api_map: ApiMap) -> ScanResult:
    """Scan one JS/TS file; ``rel`` names it in warnings."""
    occurrences = _occurrences(src, api_map.by_js)
    if not occurrences:
        return ScanResult([], [], parsed=False)
    suffix = rel[rel.rfind(".") :].lower()
    parser = tree_sitter.Parser(_language(suffix))
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
    scan.collect_aliases()
    found: list[tuple[int, PrivacyApi, tree_sitter.Node, str]] = []
    for api, node, via in scan.uses(occurrences):
        in_error, _module = _enclosing(node)
        if in_error:
            continue
        if via == "destructuring":
            scan.bound.setdefault(_destructured_local(node), []).append((api, node, via))
            continue
        found.append((node.start_byte, api, node, via))
    found.extend(_bound_calls(scan))
    if scan.stopped_at is not None:
        warnings.append(
            f"{rel}:{scan.stopped_at}: analysis took longer than {budget:g} s; skipped the rest of the file"
        )
    found.sort(key=lambda f: f[0])
    cols = _Columns(src)
    hits = []
    for _, api, node, via in found:
        _, module = _enclosing(node)
        line_start = node.start_byte - node.start_point.column
        hits.append(
            Hit(
                api=api.id,
                line=node.start_point.row + 1,
                column=cols.column(line_start, node.start_byte),
                via=via,
                context_category=scan.context_category(api, node),
                module=module,
            )
        )
    return ScanResult(hits, warnings, parsed=True)


def _destructured_local(key: tree_sitter.Node) -> str:
    """The local name a destructured API is bound to: ``{getLocation: gl}`` -> ``gl``."""
    if key.type == "property_identifier" and key.parent is not None:
        value = key.parent.child_by_field_name("value")
        if value is not None and value.type == "identifier":
            return _text(value)
    return _text(key)


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
