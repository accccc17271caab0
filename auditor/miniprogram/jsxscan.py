"""Privacy elements created in JavaScript: ``jsx(Button, {openType: "getPhoneNumber"})``.

Frameworks that render through a generic template (Taro 3 with React or Vue 3, Remax, kbone) keep no
element in WXML: their ``base.wxml`` binds every attribute (``open-type="{{i.p11}}"``) and the element
lives in the compiled JavaScript as an element-creating call, ``(0,r.jsx)(o.Button, {openType:
"getPhoneNumber", ...})``, ``React.createElement(Camera, null)`` or Vue's ``createVNode("button",
{"open-type": ...})``. A call counts when its first argument names a privacy element (a string, a
name/member spelled like the component, ``LivePusher`` for ``live-pusher``, or a name bound to such a
string) and its second is the props object literal or null (an icon factory's ``icon("camera",
pathData)`` makes no element). Props are read as WXML attributes (``openType`` -> ``open-type``),
literal values only. Vue 2 render functions (``_c("button", {attrs: {...}})``, mpvue) are not read:
those frameworks also write the element into WXML, where it is found already.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import tree_sitter

from auditor.miniprogram.apimap import ApiMap, PrivacyApi
from auditor.miniprogram.elements import BOUND, Tag, attr_name, matches
from auditor.miniprogram.jsscope import OutOfTime, Scopes, TooDeep, node_at, parts, string_value, text


def trigger_words(api_map: ApiMap) -> list[str]:
    """Words whose presence makes a file worth reading for elements: each element API's attribute value
    (``getPhoneNumber``), and the component name of an element that needs no attribute (``Camera``)."""
    words: set[str] = set()
    for tag, apis in api_map.by_tag.items():
        for api in apis:
            m = api.wxml
            if m is not None and m.attr is not None and m.value:
                words.add(m.value)
            else:
                words.update({tag, _component_name(tag)})
    return sorted(words)


def _component_name(tag: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in tag.split("-"))


def _tag_of(node: tree_sitter.Node | None, api_map: ApiMap, scopes: Scopes) -> str | None:
    """The element a call's first argument names: ``"button"``, ``Button``, ``o.LivePusher``, ``p["Camera"]``,
    or a name bound to such a string (a minifier hoists ``const n="button"``)."""
    if node is None:
        return None
    if node.type == "string":
        name = string_value(node) or ""
    elif node.type == "identifier":
        name = text(node)
        if _kebab(name) not in api_map.by_tag:
            _scope, binds = scopes.lookup(node)
            values = [string_value(v) for kind, v in binds if kind == "value"]
            name = values[0] if len(values) == 1 and values[0] else name
    elif node.type == "member_expression":
        name = text(node.child_by_field_name("property"))
    elif node.type == "subscript_expression":
        name = string_value(node.child_by_field_name("index")) or ""
    else:
        return None
    tag = _kebab(name)
    return tag if tag in api_map.by_tag else None


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _literal(node: tree_sitter.Node | None) -> str | None:
    """A prop's literal value as WXML would spell it: strings, booleans (``!1`` is a minified false)."""
    if node is None:
        return None
    if node.type in ("true", "false"):
        return text(node)
    if node.type == "unary_expression" and text(node) in ("!0", "!1"):
        return "true" if text(node) == "!0" else "false"
    return string_value(node)


def _element(call: tree_sitter.Node, api_map: ApiMap, scopes: Scopes) -> Tag | None:
    """The element a call creates, with its literal props as attributes; None when it creates none."""
    argv = parts(call.child_by_field_name("arguments"))
    if len(argv) < 2:
        return None
    tag = _tag_of(argv[0], api_map, scopes)
    if tag is None:
        return None
    attrs: list[tuple[str, str]] = []
    if argv[1].type == "object":
        for pair in parts(argv[1]):
            key = pair.child_by_field_name("key") if pair.type == "pair" else None
            if key is None:
                continue
            name = string_value(key) if key.type == "string" else text(key)
            value = _literal(pair.child_by_field_name("value"))
            attrs.append((attr_name(name or ""), BOUND if value is None else value))
    elif argv[1].type not in ("null", "undefined"):
        return None  # props are an object literal (or null): ``icon("camera", pathData)`` makes no element
    return Tag(tag, tuple(attrs), call.start_point.row + 1, call.start_point.column + 1)


def _call_around(node: tree_sitter.Node) -> tree_sitter.Node | None:
    """The call whose first or second argument holds ``node`` (a component name or a prop value)."""
    cur: tree_sitter.Node | None = node
    for _ in range(6):  # fragment -> string -> pair -> object -> arguments -> call
        if cur is None:
            return None
        parent = cur.parent
        if parent is not None and parent.type == "arguments":
            argv = parts(parent)
            if cur in argv[:2] and parent.parent is not None and parent.parent.type == "call_expression":
                return parent.parent
            return None
        cur = parent
    return None


def element_uses(
    scopes: Scopes, occurrences: list[tuple[int, int, str]], api_map: ApiMap
) -> Iterator[tuple[PrivacyApi, tree_sitter.Node]]:
    """(API, call) for each privacy element an element-creating call makes, once per call and API."""
    seen: set[tuple[int, str]] = set()
    for start, end, _word in occurrences:
        if len(seen) >= api_map.max_uses_per_file:
            return  # as many as scan_js takes of any kind
        try:
            scopes.check_time()
            node = node_at(scopes.root, start, end)
            call = _call_around(node) if node is not None else None
            element = _element(call, api_map, scopes) if call is not None else None
        except TooDeep:
            continue
        except OutOfTime:
            return  # the file's budget is spent; scan_js reports where it stopped
        if element is None:
            continue
        for api in api_map.by_tag.get(element.name, []):
            if (call.start_byte, api.id) not in seen and matches(api, element):
                seen.add((call.start_byte, api.id))
                yield api, call
