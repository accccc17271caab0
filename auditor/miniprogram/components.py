"""Privacy elements reached through custom components: ``<van-button open-type="getPhoneNumber">``.

A component library wraps WeChat's elements: Vant's button renders ``<button open-type="{{ ... openType
}}">``, its field ``<input type="{{ type }}">`` (through ``<include src="./input.wxml">``). A page that
writes ``<van-button open-type="getPhoneNumber">`` asks for the phone number as surely as one writing the
``<button>`` itself. So each component the page uses (``usingComponents`` of the page and of app.json) is
followed to its own WXML, which says which of its properties end up in which privacy element's attribute
(a property ``openType`` is the attribute ``open-type`` on the outer tag); a component passing the
property on to another component is followed too, a few levels deep. When the library's WXML is not in
the project (npm packages not built), ``component_libraries`` in rules/miniprogram_apis.yaml knows the
common ones by path. The hit is placed on the outer tag, in the page: that is where the app asks.
"""

from __future__ import annotations

import posixpath
import re

from auditor.miniprogram.apimap import ApiMap, PrivacyApi
from auditor.miniprogram.elements import Tag, matches
from auditor.miniprogram.jsscan import Hit
from auditor.miniprogram.project import Project
from auditor.miniprogram.wxmlscan import WxmlDoc, read_wxml

#: Components handing a property on to other components are followed this many levels.
MAX_NESTING = 4
BINDING = re.compile(r"\{\{(.*?)\}\}", re.S)
STRING_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
NAME = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)")
NOT_PROPERTIES = frozenset({"true", "false", "null", "undefined", "typeof", "in", "instanceof", "void"})

#: outer attribute -> the privacy APIs it selects inside the component
Forwards = dict[str, list[PrivacyApi]]


def bound_properties(value: str | None) -> list[str]:
    """Names a ``{{ }}`` binding reads (``disabled || loading ? '' : openType`` -> disabled, loading, openType)."""
    if not value or "{{" not in value:
        return []
    names: list[str] = []
    for expr in BINDING.findall(value):
        for name in NAME.findall(STRING_LITERAL.sub(" ", expr)):
            if name not in NOT_PROPERTIES and name not in names:
                names.append(name)
    return names


def kebab(name: str) -> str:
    """A component property as an attribute of its tag: ``openType`` -> ``open-type``."""
    return re.sub(r"(?<!^)([A-Z])", lambda m: "-" + m.group(1).lower(), name).lower()


class Components:
    def __init__(self, project: Project, api_map: ApiMap, docs: dict[str, WxmlDoc]) -> None:
        self.project = project
        self.api_map = api_map
        self.docs = docs
        self._forwards: dict[str, Forwards] = {}

    def _doc(self, rel: str) -> WxmlDoc | None:
        if rel not in self.docs and rel in self.project.files:
            self.docs[rel] = read_wxml(rel, self.project.files[rel].decode("utf-8", "replace"), self.api_map)
        return self.docs.get(rel)

    def _tags(self, stem: str) -> list[tuple[str, Tag]]:
        """(owner stem, tag) of a component's WXML and the files it includes, one level."""
        doc = self._doc(stem + ".wxml")
        if doc is None:
            return []
        out = [(stem, t) for t in doc.tags]
        base = posixpath.dirname(stem)
        for src in doc.includes:
            rel = posixpath.normpath(self.project.app_root + src.lstrip("/") if src.startswith("/")
                                     else posixpath.join(base, src))
            inc = self._doc(rel)
            if inc is not None and rel != stem + ".wxml":
                out.extend((stem, t) for t in inc.tags)
        return out

    def forwards(self, stem: str, depth: int = 0) -> Forwards:
        """Which attributes of this component's tag select which privacy element inside it."""
        if stem in self._forwards:
            return self._forwards[stem]
        self._forwards[stem] = {}  # a component using itself ends here
        out: Forwards = {}
        if depth <= MAX_NESTING:
            using = self.project.using_components(stem)
            for owner, tag in self._tags(stem):
                for api in self.api_map.by_tag.get(tag.name, []):
                    if api.wxml is not None and api.wxml.attr is not None:
                        for prop in bound_properties(tag.attr(api.wxml.attr)):
                            _add(out, kebab(prop), api)
                inner = self._component(owner, using, tag.name, depth)
                for attr, apis in inner.items():
                    for prop in bound_properties(tag.attr(attr)):
                        for api in apis:
                            _add(out, kebab(prop), api)
        self._forwards[stem] = out
        return out

    def _component(self, owner: str, using: dict[str, str], tag: str, depth: int) -> Forwards:
        target = using.get(tag)
        if target is None:
            return {}
        stem = self.project.resolve_component(owner, target)
        if stem is not None and stem + ".wxml" in self.project.files:
            return self.forwards(stem, depth + 1)
        return self._library(target)

    def _library(self, target: str) -> Forwards:
        out: Forwards = {}
        for lib in self.api_map.component_libraries:
            if lib.component.search(target.lstrip("/")):
                for attr, to in lib.forwards:
                    for api in self.api_map.by_tag.get(to, []):
                        if api.wxml is not None and api.wxml.attr == attr:
                            _add(out, attr, api)
        return out

    def hits(self, rel: str) -> list[Hit]:
        """Privacy elements a WXML file asks for through the custom components it uses."""
        doc = self._doc(rel)
        if doc is None:
            return []
        owner = rel.removesuffix(".wxml")
        using = self.project.using_components(owner)
        out = []
        for tag in doc.tags:
            for attr, apis in self._component(owner, using, tag.name, 0).items():
                value = tag.attr(attr)
                if value is None or "{{" in value:
                    continue
                for api in apis:
                    if matches(api, tag, value):
                        out.append(Hit(api=api.id, line=tag.line, column=tag.column, via=f"component <{tag.name}>"))
        return out


def _add(out: Forwards, attr: str, api: PrivacyApi) -> None:
    apis = out.setdefault(attr, [])
    if api not in apis:
        apis.append(api)
