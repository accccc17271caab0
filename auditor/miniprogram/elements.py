"""A privacy element and when it counts: ``<button open-type="getPhoneNumber">``, ``<camera>``.

Shared by every reader of elements: WXML source (auditor.miniprogram.wxmlscan), templates compiled into
a package (gwx), and elements created in JavaScript (jsxscan).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.miniprogram.apimap import PrivacyApi


@dataclass(frozen=True)
class Tag:
    name: str
    attrs: tuple[tuple[str, str], ...]
    line: int
    column: int

    def attr(self, name: str) -> str | None:
        """The attribute's value; the last one when a tag repeats it, as WeChat reads it."""
        return next((v for k, v in reversed(self.attrs) if k == name), None)


#: An attribute bound to data (``{{x}}``) where only literal values are read: never equal to a
#: literal, never "false".
BOUND = "{{…}}"


def attr_name(name: str) -> str:
    """``openType`` -> ``open-type``: compilers and JSX camel-case hyphenated attributes (``data-*`` stay)."""
    return name if "-" in name else re.sub(r"[A-Z]", lambda m: "-" + m.group(0).lower(), name)


FALSE_VALUES = frozenset({"false", "{{false}}", "{{ false }}"})


def matches(api: PrivacyApi, tag: Tag, value: str | None = None) -> bool:
    """Whether a tag selects the API; ``value`` stands for the API's attribute when given (a component's
    outer attribute). open-type may combine abilities: "getPhoneNumber|agreePrivacyAuthorization"."""
    m = api.wxml
    if m is None or (m.off is not None and tag.attr(m.off) in FALSE_VALUES):
        return False
    if m.attr is None:
        return True
    if value is None:
        value = tag.attr(m.attr)
    return value is not None and m.value in [v.strip() for v in value.split("|")]
