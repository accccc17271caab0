"""Finding privacy elements in WXML (``<camera>``, ``<button open-type="getPhoneNumber">``...).

WXML is HTML-like markup with ``{{ }}`` data binding; the standard library's tolerant HTML tokenizer
reads it (self-closing tags, unknown elements, unquoted attributes) and gives line and column of each
start tag, which is all we need. A bound attribute (``open-type="{{t}}"``) cannot be resolved
statically and does not match.
"""

from __future__ import annotations

from html.parser import HTMLParser

from auditor.miniprogram.apimap import ApiMap
from auditor.miniprogram.jsscan import Hit


class _WxmlParser(HTMLParser):
    def __init__(self, api_map: ApiMap, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.api_map = api_map
        self.lowered = text.lower()
        self.hits: list[Hit] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        candidates = self.api_map.by_tag.get(tag)
        if not candidates:
            return
        values = {k: (v or "").strip() for k, v in attrs}
        line, offset = self.getpos()
        for api in candidates:
            m = api.wxml
            # open-type may combine abilities: "getPhoneNumber|agreePrivacyAuthorization"
            if m is None or (m.attr is not None and m.value not in values.get(m.attr, "").split("|")):
                continue
            context = None
            if api.category is not None:
                context = next(
                    (
                        c.category
                        for c in self.api_map.context
                        if api.id in c.apis and any(k in self.lowered for k in c.keywords)
                    ),
                    None,
                )
            self.hits.append(Hit(api=api.id, line=line, column=offset + 1, via="wxml", context_category=context))

    handle_startendtag = handle_starttag


def scan_wxml(rel: str, text: str, api_map: ApiMap) -> tuple[list[Hit], list[str]]:
    """Hits in one WXML file, and a warning when the markup breaks the tokenizer part-way."""
    parser = _WxmlParser(api_map, text)
    try:
        parser.feed(text)
        parser.close()
    except AssertionError:  # the stdlib tokenizer asserts on malformed <! declarations
        line, _ = parser.getpos()
        return parser.hits, [f"{rel}:{line}: WXML does not parse; skipped the rest of the file"]
    return parser.hits, []
