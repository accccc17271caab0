"""Finding privacy elements in WXML (``<camera>``, ``<button open-type="getPhoneNumber">``...).

WXML is HTML-like markup with ``{{ }}`` data binding; the standard library's tolerant HTML tokenizer
reads it (self-closing tags, unknown elements, unquoted attributes) and gives line and column of each
start tag, which is all we need. A bound attribute (``open-type="{{t}}"``) cannot be resolved
statically and does not match here; the file's start tags are kept so that a custom component that
hands such an attribute on (``<van-button open-type="getPhoneNumber">`` rendering
``<button open-type="{{openType}}">``) can be followed by auditor.miniprogram.components.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from auditor.miniprogram.apimap import ApiMap, PrivacyApi
from auditor.miniprogram.elements import Tag, matches
from auditor.miniprogram.jsscan import Hit

#: Start tags kept per file for following components; a hostile file cannot make this unbounded.
MAX_TAGS = 100_000


@dataclass
class WxmlDoc:
    hits: list[Hit] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def context_category(api_map: ApiMap, api: PrivacyApi, lowered: str) -> str | None:
    if api.category is None:
        return None
    return next(
        (c.category for c in api_map.context if api.id in c.apis and any(k in lowered for k in c.keywords)),
        None,
    )


class _WxmlParser(HTMLParser):
    def __init__(self, api_map: ApiMap, text: str, doc: WxmlDoc) -> None:
        super().__init__(convert_charrefs=True)
        self.api_map = api_map
        self.lowered = text.lower()
        self.doc = doc
        self.templates: list[bool] = []  # open <template> tags: whether each is a generic one

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, offset = self.getpos()
        t = Tag(tag, tuple((k, (v or "").strip()) for k, v in attrs), line, offset + 1)
        if len(self.doc.tags) < MAX_TAGS:
            self.doc.tags.append(t)
        if tag in ("include", "import") and (src := t.attr("src")):
            self.doc.includes.append(src)
        if tag == "template":
            name = t.attr("name")
            self.templates.append(name is not None and self.api_map.is_generic_template(name))
        if any(self.templates):
            return  # a generic renderer's catalogue entry: the use is where the JS creates the element
        for api in self.api_map.by_tag.get(tag, []):
            if matches(api, t):
                self.doc.hits.append(
                    Hit(api=api.id, line=line, column=offset + 1, via="wxml",
                        context_category=context_category(self.api_map, api, self.lowered))
                )

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "template" and self.templates:
            self.templates.pop()  # <template is="x"/> closes itself

    def handle_endtag(self, tag: str) -> None:
        if tag == "template" and self.templates:
            self.templates.pop()


def read_wxml(rel: str, text: str, api_map: ApiMap) -> WxmlDoc:
    """Privacy elements, start tags and includes of one WXML file; a warning when the markup breaks."""
    doc = WxmlDoc()
    parser = _WxmlParser(api_map, text, doc)
    try:
        parser.feed(text)
        parser.close()
    except AssertionError:  # the stdlib tokenizer asserts on malformed <! declarations
        line, _ = parser.getpos()
        doc.problems.append(f"{rel}:{line}: WXML does not parse; skipped the rest of the file")
    return doc


def scan_wxml(rel: str, text: str, api_map: ApiMap) -> tuple[list[Hit], list[str]]:
    """Hits in one WXML file, and a warning when the markup breaks the tokenizer part-way."""
    doc = read_wxml(rel, text, api_map)
    return doc.hits, doc.problems
