"""What a JS expression is bound to, resolved through scopes, call sites and a webpack module table.

Minified uni-app and Taro bundles never write ``wx.getLocation``: they write ``e.getLocation`` where
``e`` is the parameter of ``(function(e){...}).call(this, n("543d")["default"])``, ``n`` is the
``require`` parameter of a webpack module function, and module ``543d`` (maybe in another file)
exports the framework's wrapper of ``wx`` as its default. Names are reused everywhere (``e`` is a
string two lines further on), so bindings are looked up by lexical scope: the nearest enclosing
function that declares the name, then, when that declaration is a parameter of a function called on
the spot (an IIFE, ``.call``/``.apply``), the argument at its call site.

Values are small picklable tuples so that a file's scan (in a worker process) can hand unresolved
references to other modules to the parent, which resolves them over the whole project
(auditor.miniprogram.bundle):

- ``RECV``: ``wx`` or something that forwards to it (``uni``, Taro, a Proxy over ``wx``)
- ``RECVMOD``: a framework module's namespace (``require('@tarojs/taro')``); its ``default``/``a``/
  ``index`` members are RECV
- ``("mod", id, path)``: member ``path`` of webpack module ``id``'s exports
- ``("getter", v)``: webpack's ``n.n(v)`` default-export getter; ``("interop", v)``: Babel's
  ``_interopRequireDefault(v)``; ``("any", (v, ...))``: one of several definitions
- ``REQUIRE``: the module function's ``require`` parameter; ``None``: unknown

Every walk is bounded: ancestor walks stop at ``MAX_ANCESTORS`` (``Node.parent`` costs the node's
depth in tree-sitter, so an unbounded walk on a 100,000-deep chain is quadratic), evaluation stops at
``MAX_EVAL_DEPTH``, and the scan's deadline is checked in every loop over a scope's text.
"""

from __future__ import annotations

import bisect
import re
import time
from collections.abc import Iterator
from typing import Any

import tree_sitter

from auditor.miniprogram.apimap import Receivers

#: Ancestor walks stop here. Real code, minified bundles included, nests a few hundred levels at most.
MAX_ANCESTORS = 1000
#: Steps of following one value through bindings, call sites and members.
MAX_EVAL_DEPTH = 24
#: Evaluations one value question may take (see Scopes.value).
MAX_EVAL_STEPS = 20_000
#: A member path into a module's exports longer than this is not followed.
MAX_PATH = 4
#: At most this many alternatives are kept for a name with several definitions.
MAX_ANY = 6

FUNCTION_TYPES = frozenset({
    "function_declaration", "function_expression", "function", "arrow_function", "method_definition",
    "generator_function", "generator_function_declaration",
})
SCOPE_TYPES = FUNCTION_TYPES | {"program", "catch_clause"}
NAME_TYPES = ("identifier", "shorthand_property_identifier_pattern")
#: A name as the binding search reads it (ASCII word characters and ``$``); ``TOKEN_AT`` finds each
#: whole one that is not a member (``.name``) nor followed by one (``name.``).
TOKEN = re.compile(rb"[\w$]+")
TOKEN_AT = re.compile(rb"(?<![\w$.])[\w$]+(?![\w$.])")
#: Text just before a name that may bind it.
BINDING_PREFIXES = (b",", b"var", b"let", b"const", b"function", b"class", b"{", b"import", b"as", b"*")

Value = tuple[Any, ...] | None
RECV: Value = ("recv",)
RECVMOD: Value = ("recvmod",)
REQUIRE: Value = ("require",)


class TooDeep(Exception):
    """Code nested deeper than MAX_ANCESTORS (or followed further than MAX_EVAL_DEPTH)."""


class _TooManySteps(Exception):
    """One value question took more than MAX_EVAL_STEPS evaluations."""


class OutOfTime(Exception):
    """The file's analysis budget ran out."""


def text(node: tree_sitter.Node | None) -> str:
    return (node.text or b"").decode("utf-8", "replace") if node is not None else ""


def ancestors(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """Parents from the nearest up, at most MAX_ANCESTORS of them (TooDeep beyond)."""
    cur = node.parent
    n = 0
    while cur is not None:
        n += 1
        if n > MAX_ANCESTORS:
            raise TooDeep
        yield cur
        cur = cur.parent


def node_at(root: tree_sitter.Node, start: int, end: int) -> tree_sitter.Node | None:
    """The smallest node over ``start..end``; TooDeep when it lies deeper than MAX_ANCESTORS.

    The depth is measured going down with a cursor (each step is cheap) before anything walks up from
    the node with ``Node.parent``, whose cost grows with the depth: on a 100,000-deep arrow chain a
    single walk up would take minutes.
    """
    cursor = root.walk()
    depth = 0
    while cursor.goto_first_child_for_byte(start) is not None:
        depth += 1
        if depth > MAX_ANCESTORS:
            raise TooDeep
    return root.descendant_for_byte_range(start, end)


def parts(node: tree_sitter.Node | None) -> list[tree_sitter.Node]:
    """A node's named children without comments: an argument's or element's position is its index here.

    Comments are named nodes in tree-sitter, and webpack's development output puts them inside
    argument lists (``__webpack_require__(/*! ./runtime */ 1)``) and module tables.
    """
    return [c for c in node.named_children if c.type != "comment"] if node is not None else []


def unwrap(node: tree_sitter.Node | None) -> tree_sitter.Node | None:
    """The expression inside parentheses (and the last one of a comma sequence)."""
    for _ in range(MAX_EVAL_DEPTH):
        if node is None or node.type not in ("parenthesized_expression", "sequence_expression"):
            return node
        inner = parts(node)
        node = inner[-1] if inner else None
    raise TooDeep


def string_value(node: tree_sitter.Node | None) -> str | None:
    """The text of a string or number literal (module ids are either)."""
    if node is None:
        return None
    if node.type == "string":
        return text(node)[1:-1]
    if node.type == "number":
        return text(node)
    return None


def params_of(fn: tree_sitter.Node) -> list[tree_sitter.Node | None]:
    """A function's parameters in order; None for a pattern (destructuring) parameter."""
    single = fn.child_by_field_name("parameter")
    if single is not None:
        return [single if single.type == "identifier" else None]
    plist = fn.child_by_field_name("parameters")
    if plist is None:
        return []
    out: list[tree_sitter.Node | None] = []
    for p in parts(plist):
        if p.type == "identifier":
            out.append(p)
        elif p.type == "assignment_pattern" and (left := p.child_by_field_name("left")) is not None:
            out.append(left if left.type == "identifier" else None)
        else:
            out.append(None)
    return out


def join(values: list[Value]) -> Value:
    """May-analysis: a name bound to ``wx`` on any path counts as ``wx``."""
    known = [v for v in values if v is not None]
    if not known:
        return None
    if RECV in known:
        return RECV
    if RECVMOD in known:
        return RECVMOD
    uniq = list(dict.fromkeys(known))
    if len(uniq) == 1:
        return uniq[0]
    flat: list[Value] = []
    for v in uniq:
        flat.extend(v[1] if v is not None and v[0] == "any" else [v])
    return ("any", tuple(dict.fromkeys(flat))[:MAX_ANY])


def member(v: Value, name: str) -> Value:
    """The value of ``v.name``."""
    if v is None or v in (RECV, REQUIRE):
        return None
    kind = v[0]
    if kind == "module_obj":
        return ("mod", v[1], ()) if name == "exports" else None
    if kind == "mod":
        return ("mod", v[1], (*v[2], name)) if len(v[2]) < MAX_PATH else None
    if kind == "getter":
        return default_of(v[1]) if name == "a" else None
    if kind == "interop":
        return default_of(v[1]) if name == "default" else member(v[1], name)
    if kind == "any":
        return join([member(x, name) for x in v[1]])
    return None


def default_of(v: Value) -> Value:
    """What a default import of ``v`` gives: its ``default`` export (a CommonJS module's exports)."""
    if v is None:
        return None
    if v[0] == "recvmod":
        return RECV
    if v[0] == "mod":
        return member(v, "default")
    if v[0] == "any":
        return join([default_of(x) for x in v[1]])
    return v


def needs_project(v: Value) -> bool:
    """Whether only the project's module table can tell if ``v`` is a receiver."""
    if v is None:
        return False
    if v[0] == "mod":
        return True
    if v[0] in ("getter", "interop"):
        return needs_project(v[1])
    if v[0] == "any":
        return any(needs_project(x) for x in v[1])
    return False


class Scopes:
    """Scope-aware evaluation over one parsed file."""

    def __init__(self, rec: Receivers, src: bytes, root: tree_sitter.Node, deadline: float) -> None:
        self.rec = rec
        self.src = src
        self.root = root
        self.deadline = deadline
        self._bindings: dict[tuple[int, str], list[tuple[str, Any]]] = {}
        self._name_cache: dict[str, list[tuple[int, tree_sitter.Node]]] = {}
        self._tokens: dict[bytes, list[int]] | None = None
        self._declares: dict[int, int | None] = {}
        self._evaluating: set[tuple[int, int]] = set()
        self._steps = 0
        self._names: dict[tuple[int, str], tuple[Value, int]] = {}
        #: webpack module functions of this file: node id -> (module id, node)
        self.modules: dict[int, tuple[str, tree_sitter.Node]] = {}
        #: (scope id, name) of objects handed to a framework's initializer (Taro's initNativeApi hook)
        self.initialized: set[tuple[int, str]] = set()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise OutOfTime

    # --- module table ------------------------------------------------------------------------
    def add_module(self, module_id: str, fn: tree_sitter.Node) -> None:
        self.modules[fn.id] = (module_id, fn)

    def module_of(self, node: tree_sitter.Node) -> str | None:
        """The id of the webpack module function around ``node``."""
        if not self.modules:
            return None
        for a in ancestors(node):
            if a.id in self.modules:
                return self.modules[a.id][0]
        return None

    # --- scopes ------------------------------------------------------------------------------
    def scope_of(self, node: tree_sitter.Node) -> tree_sitter.Node:
        """The nearest function (or catch clause, or the program) enclosing ``node``."""
        for a in ancestors(node):
            if a.type in SCOPE_TYPES:
                return a
        return self.root

    def _declares_into(self, ident: tree_sitter.Node) -> int | None:
        """Node id of the scope ``ident`` declares into (cached: every enclosing scope asks)."""
        if ident.id not in self._declares:
            scope = self._declaring_scope(ident)
            self._declares[ident.id] = scope.id if scope is not None else None
        return self._declares[ident.id]

    def _declaring_scope(self, ident: tree_sitter.Node) -> tree_sitter.Node | None:
        """The scope an identifier in a declaration position declares into, or None if it is none."""
        parent = ident.parent
        if parent is None:
            return None
        t = parent.type
        if t == "variable_declarator" and parent.child_by_field_name("name") == ident:
            return self.scope_of(parent)
        if t in ("function_declaration", "generator_function_declaration", "class_declaration") and (
            parent.child_by_field_name("name") == ident
        ):
            return self.scope_of(parent)
        if t in ("import_clause", "namespace_import", "import_specifier"):
            return self.root
        if t == "object_pattern" or (t == "pair_pattern" and parent.child_by_field_name("value") == ident):
            decl = next((a for a in ancestors(parent) if a.type == "variable_declarator"), None)
            return self.scope_of(decl) if decl is not None else None
        return None

    def bindings(self, scope: tree_sitter.Node, name: str) -> list[tuple[str, Any]]:
        """How ``scope`` binds ``name``: ("param", index), ("value", node), ("import", node), ("decl", None).

        Empty when the scope does not declare it. Assignments to the name anywhere inside the scope
        (not shadowed on the way) count as values too.
        """
        key = (scope.id, name)
        cached = self._bindings.get(key)
        if cached is not None:
            return cached
        self._bindings[key] = []  # a cycle through this scope and name sees no binding
        out: list[tuple[str, Any]] = []
        if scope.type in FUNCTION_TYPES:
            for i, p in enumerate(params_of(scope)):
                if p is not None and text(p) == name:
                    out.append(("param", i))
            own = scope.child_by_field_name("name")
            if scope.type != "function_declaration" and own is not None and text(own) == name:
                out.append(("decl", None))
        elif scope.type == "catch_clause":
            p = scope.child_by_field_name("parameter")
            if p is not None and text(p) == name:
                out.append(("decl", None))
            self._bindings[key] = out
            return out
        declared = bool(out)
        assigned: list[tuple[str, Any]] = []
        for node in self._name_nodes(scope, name):
            parent = node.parent
            if parent is None:
                continue
            if parent.type == "assignment_expression" and parent.child_by_field_name("left") == node:
                assigned.append(("value", parent.child_by_field_name("right")))
                continue
            if self._declares_into(node) != scope.id:
                continue
            declared = True
            if parent.type == "variable_declarator":
                value = parent.child_by_field_name("value")
                out.append(("value", value) if value is not None else ("decl", None))
            elif parent.type in ("import_clause", "namespace_import", "import_specifier"):
                out.append(("import", parent))
            else:
                out.append(("decl", None))
        if declared or scope.type == "program":
            # assignments bind here unless a scope in between declares the name
            for kind, value in assigned:
                if value is not None and self._owner(value, name, scope) == scope:
                    out.append((kind, value))
        if not declared and scope.type != "program":
            out = []
        self._bindings[key] = out
        return out

    def _owner(self, node: tree_sitter.Node, name: str, stop: tree_sitter.Node) -> tree_sitter.Node:
        """The scope whose binding of ``name`` is visible at ``node``, looking no further than ``stop``."""
        scope = self.scope_of(node)
        for _ in range(MAX_ANCESTORS):
            if scope == stop or scope.type == "program" or self.bindings(scope, name):
                return scope
            scope = self.scope_of(scope)
        raise TooDeep

    def _candidates(self, name: str) -> list[tuple[int, tree_sitter.Node]]:
        """(start byte, node) of every identifier spelled ``name`` in the file that stands where a
        binding can be made (``name =``, ``var name``, ``, name``...), found once per name and file."""
        found = self._name_cache.get(name)
        if found is not None:
            return found
        found = []
        needle = name.encode()
        if TOKEN.fullmatch(needle):
            spans = [(start, start + len(needle)) for start in self._binding_tokens().get(needle, [])]
        else:
            pattern = re.compile(rb"(?<![\w$.])" + re.escape(needle) + rb"(?![\w$.])")
            spans = [m.span() for m in pattern.finditer(self.src) if self._binds_here(*m.span())]
        for start, end in spans:
            self.check_time()
            try:
                node = node_at(self.root, start, end)
            except TooDeep:
                continue  # a binding inside code too deep to analyse is not seen
            if node is not None and node.type in NAME_TYPES and text(node) == name:
                found.append((start, node))
        self._name_cache[name] = found
        return found

    def _binds_here(self, start: int, end: int) -> bool:
        """Whether the text around a name lets it be bound (``name =``, ``var name``, ``, name``...);
        ``name.`` (by far the most common use of a receiver) never binds it and is not matched at all."""
        nxt = self.src[end : end + 3].lstrip()[:2]
        prev = self.src[max(0, start - 12) : start].rstrip()
        return (nxt[:1] == b"=" and nxt[:2] not in (b"==", b"=>")) or prev.endswith(BINDING_PREFIXES)

    def _binding_tokens(self) -> dict[bytes, list[int]]:
        """Start bytes of every name in a binding position, by spelling, found in one pass over the file.

        A pass per name cost (names x file size): 3,000 distinct names in a 1.6 MB minified bundle of a
        real package took 4 s of a 20 s per-file budget that is wall time on a loaded CI machine.
        """
        if self._tokens is None:
            tokens: dict[bytes, list[int]] = {}
            for i, m in enumerate(TOKEN_AT.finditer(self.src)):
                if self._binds_here(*m.span()):
                    tokens.setdefault(m.group(), []).append(m.start())
                if i % 65536 == 0:
                    self.check_time()
            self._tokens = tokens
        return self._tokens

    def _name_nodes(self, scope: tree_sitter.Node, name: str) -> Iterator[tree_sitter.Node]:
        """The binding-position identifiers spelled ``name`` inside ``scope``."""
        found = self._candidates(name)
        if not found:
            return
        lo = bisect.bisect_left(found, scope.start_byte, key=lambda f: f[0])
        hi = bisect.bisect_right(found, scope.end_byte, key=lambda f: f[0])
        for _, node in found[lo:hi]:
            yield node

    def lookup(self, ident: tree_sitter.Node) -> tuple[tree_sitter.Node | None, list[tuple[str, Any]]]:
        """(declaring scope, its bindings) of an identifier; (None, []) for a global."""
        name = text(ident)
        scope = self.scope_of(ident)
        for _ in range(MAX_ANCESTORS):
            b = self.bindings(scope, name)
            if b:
                return scope, b
            if scope.type == "program":
                return None, []
            scope = self.scope_of(scope)
        raise TooDeep

    # --- values ------------------------------------------------------------------------------
    def value(self, node: tree_sitter.Node | None, depth: int = 0) -> Value:
        """What ``node`` evaluates to, as far as receivers and modules go.

        One question may take ``MAX_EVAL_STEPS`` evaluations; past that the answer is "unknown" (None),
        as past ``MAX_EVAL_DEPTH``. Names with several bindings fan out at every level: one receiver
        question in a 500 KB real bundle took 6.6 million evaluations (29 s) before this bound.
        """
        if depth == 0:
            self._steps = 0
            try:
                return self._evaluate(node, 0)
            except _TooManySteps:
                return None
        return self._evaluate(node, depth)

    def _evaluate(self, node: tree_sitter.Node | None, depth: int) -> Value:
        if node is None:
            return None
        if depth > MAX_EVAL_DEPTH:
            return None
        self._steps += 1
        if self._steps > MAX_EVAL_STEPS:
            raise _TooManySteps
        key = (node.id, depth)
        if key in self._evaluating:
            return None
        self._evaluating.add(key)
        try:
            return self._value(node, depth + 1)
        finally:
            self._evaluating.discard(key)

    def _value(self, node: tree_sitter.Node, depth: int) -> Value:
        t = node.type
        if t == "identifier":
            return self._identifier(node, depth)
        if t in ("parenthesized_expression", "sequence_expression"):
            inner = parts(node)
            return self.value(inner[-1] if inner else None, depth)
        if t == "member_expression":
            prop = node.child_by_field_name("property")
            return self._member(self.value(node.child_by_field_name("object"), depth), text(prop))
        if t == "subscript_expression":
            idx = string_value(node.child_by_field_name("index"))
            if idx is None:
                return None
            return self._member(self.value(node.child_by_field_name("object"), depth), idx)
        if t == "call_expression":
            return self._call(node, depth)
        if t == "new_expression":
            ctor = node.child_by_field_name("constructor")
            args = node.child_by_field_name("arguments")
            if text(ctor) == "Proxy" and args is not None and self._mentions_global(args):
                return RECV
            return None
        if t == "binary_expression":
            op = text(node.child_by_field_name("operator"))
            if op in ("||", "&&", "??"):
                return join([self.value(node.child_by_field_name("left"), depth),
                             self.value(node.child_by_field_name("right"), depth)])
            return None
        if t == "ternary_expression":
            return join([self.value(node.child_by_field_name("consequence"), depth),
                         self.value(node.child_by_field_name("alternative"), depth)])
        if t == "assignment_expression":
            return self.value(node.child_by_field_name("right"), depth)
        return None

    def _member(self, v: Value, name: str) -> Value:
        """``member``, where a framework module's namespace members (``.default``, ``.index``) are ``wx``."""
        if v == RECVMOD and name in self.rec.namespace_members:
            return RECV
        return member(v, name)

    def _mentions_global(self, node: tree_sitter.Node) -> bool:
        """Whether the text under ``node`` names a global receiver (a Proxy whose handler reads wx)."""
        body = self.src[node.start_byte : node.end_byte]
        return any(re.search(rb"(?<![\w$.])" + g.encode() + rb"(?![\w$])", body) for g in self.rec.globals)

    def _identifier(self, node: tree_sitter.Node, depth: int) -> Value:
        name = text(node)
        scope, binds = self.lookup(node)
        if scope is None:
            if name in self.rec.globals:
                return RECV
            if any(p.match(name) for p in self.rec.identifier_patterns):
                return RECVMOD
            if name in ("require", "__webpack_require__"):
                return ("global_require",)
            return None
        if (scope.id, name) in self.initialized:
            return RECV
        # A name's value does not depend on where it is read (the analysis is flow-insensitive): it is
        # worked out once per binding, and reused by any question with no more depth left than it had.
        key = (scope.id, name)
        known = self._names.get(key)
        if known is not None and known[1] <= depth:
            return known[0]
        values: list[Value] = []
        for kind, data in binds:
            if kind == "param":
                values.append(self._param(scope, data, depth))
            elif kind == "value":
                values.append(self.value(data, depth))
            elif kind == "import":
                values.append(self._import(data))
        result = join(values)
        self._names[key] = (result, depth)
        return result

    def _import(self, spec: tree_sitter.Node) -> Value:
        stmt = next((a for a in ancestors(spec) if a.type == "import_statement"), None)
        source = stmt.child_by_field_name("source") if stmt is not None else None
        if source is None or not self.is_framework_module(text(source)[1:-1]):
            return None
        if spec.type == "import_specifier":
            return None  # a named import is an API bound to a name, handled by the scanner
        return RECV if spec.type == "import_clause" else RECVMOD

    def is_framework_module(self, spec: str) -> bool:
        return spec in self.rec.modules or any(p.search(spec) for p in self.rec.module_patterns)

    def _param(self, fn: tree_sitter.Node, index: int, depth: int) -> Value:
        """A parameter's value: a webpack module function's require, or the IIFE argument."""
        if fn.id in self.modules:
            module_id = self.modules[fn.id][0]
            return (("module_obj", module_id), ("mod", module_id, ()), REQUIRE)[index] if index < 3 else None
        outer = fn.parent
        while outer is not None and outer.type == "parenthesized_expression":
            outer = outer.parent
        if outer is None:
            return None
        if outer.type == "call_expression":
            return self._argument(outer, index, depth)
        if outer.type == "member_expression" and outer.parent is not None and outer.parent.type == "call_expression":
            how = text(outer.child_by_field_name("property"))
            call = outer.parent
            if how == "call":
                return self._argument(call, index + 1, depth)
            if how == "apply":
                argv = parts(call.child_by_field_name("arguments"))
                items = parts(argv[1]) if len(argv) > 1 and argv[1].type == "array" else []
                if index < len(items):
                    return self.value(items[index], depth)
        return None

    def _argument(self, call: tree_sitter.Node, index: int, depth: int) -> Value:
        argv = parts(call.child_by_field_name("arguments"))
        return self.value(argv[index], depth) if index < len(argv) else None

    def _call(self, node: tree_sitter.Node, depth: int) -> Value:
        fn = unwrap(node.child_by_field_name("function"))
        argv = parts(node.child_by_field_name("arguments"))
        if fn is None:
            return None
        if fn.type == "identifier" and not argv and any(p.match(text(fn)) for p in self.rec.identifier_patterns):
            return RECV  # webpack 5's `X_default()` getter of an imported framework module
        if fn.type == "identifier" and text(fn) == "Object" and len(argv) == 1:
            return self.value(argv[0], depth)
        callee = self.value(fn, depth)
        first = argv[0] if argv else None
        if callee == REQUIRE:
            module_id = string_value(first)
            return ("mod", module_id, ()) if module_id is not None else None
        if callee == ("global_require",):
            spec = string_value(first)
            return RECVMOD if spec is not None and self.is_framework_module(spec) else None
        if callee is not None and callee[0] == "getter" and not argv:
            return default_of(callee[1])
        if callee is not None and callee[0] == "any" and not argv:  # one of the alternatives is a getter
            return join([default_of(alt[1]) for alt in callee[1] if alt is not None and alt[0] == "getter"])
        if (
            fn.type == "member_expression"
            and text(fn.child_by_field_name("property")) == "n"
            and first is not None
            and self.value(fn.child_by_field_name("object"), depth) == REQUIRE
        ):
            return ("getter", self.value(first, depth))
        if first is not None and fn.type in ("identifier", "member_expression"):
            inner = self.value(first, depth)
            if inner is not None and (inner == RECVMOD or needs_project(inner)):
                return ("interop", inner)  # Babel's _interopRequireDefault / _interopRequireWildcard
        return None
