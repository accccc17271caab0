"""Consent checkboxes in the app's own screens, and whether they start ticked (认定方法 三.4).

Three kinds of screen are read statically: mini-program WXML (and the HTML-like templates of uni-app
and Taro builds), H5 pages a capture loaded, and Android layouts compiled into the APK. A checkbox is
a consent box when the text beside it (what follows it, up to the next checkbox, or its own label)
speaks of the policy or of agreeing (隐私, 协议, 同意, 政策, 条款, 授权); it is ticked by default when
its ``checked`` (``value`` for Vant's component, ``android:checked``) is set to a literal true. A value
bound to a variable (``checked="{{agreed}}"``) cannot be read statically and counts as not ticked.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

#: text that makes a checkbox a consent box
CONSENT_TEXT = re.compile(r"隐私|协议|同意|政策|条款|授权|privacy|agree|terms|consent", re.I)
#: characters of text after a checkbox that are read as its label
LABEL_CHARS = 60
_CHECKBOX_TAGS = re.compile(r"^(?:checkbox|[a-z]+-checkbox)$")
_TRUE = frozenset({"", "true", "checked", "1", "{{true}}", "{{ true }}", "{{!0}}"})
MAX_BOXES = 200


def _ticked(tag: str, attrs: dict[str, str | None]) -> bool:
    for key in ("checked", ":checked", "v-bind:checked", "default-checked", ":default-checked"):
        if key in attrs:
            return (attrs[key] or "").strip().lower() in _TRUE
    if tag != "checkbox" and tag != "input" and "value" in attrs:  # <van-checkbox value="{{ true }}">
        return (attrs["value"] or "").strip().lower() in _TRUE - {""}
    return False


@dataclass
class _Box:
    line: int
    checked: bool
    tag: str
    text: str = ""


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.boxes: list[_Box] = []
        self.open: _Box | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        is_box = (tag == "input" and (a.get("type") or "").lower() == "checkbox") or _CHECKBOX_TAGS.match(tag)
        if is_box and len(self.boxes) < MAX_BOXES:
            self.open = _Box(self.getpos()[0], _ticked(tag, a), tag)
            self.boxes.append(self.open)

    def handle_data(self, data: str) -> None:
        if self.open is not None and len(self.open.text) < LABEL_CHARS:
            self.open.text += " " + " ".join(data.split())


def markup_boxes(text: str, where: dict[str, Any], kind: str = "file") -> list[dict[str, Any]]:
    """Consent boxes of one markup document (WXML, HTML, a Vue template)."""
    parser = _Markup()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):  # a page the tokenizer gives up on keeps what it read
        pass
    out = []
    for b in parser.boxes:
        label = b.text.strip()[:LABEL_CHARS]
        if CONSENT_TEXT.search(label):
            out.append({"kind": kind, **where, "line": b.line, "element": b.tag, "checked": b.checked,
                        "text": f"<{b.tag}{' checked' if b.checked else ''}> {label}"})
    return out


def markup_files_boxes(files: dict[str, bytes], names: Iterable[str]) -> list[dict[str, Any]]:
    """Every consent box of a mini-program's markup files."""
    out: list[dict[str, Any]] = []
    for rel in names:
        data = files.get(rel)
        if data and (b"checkbox" in data or b"checkbox" in data.lower()):
            out += markup_boxes(data.decode("utf-8", "replace"), {"file": rel})
    return out


@dataclass
class Page:
    html: bool = False
    boxes: list[dict[str, Any]] = field(default_factory=list)


def consent_page(flow: Any) -> Page:
    """A captured H5 page's consent boxes (its response, when it is HTML)."""
    resp = getattr(flow, "response", None)
    if resp is None or "html" not in (resp.mime or "").lower() or not resp.body:
        return Page()
    from auditor.masking import mask_url
    from auditor.traffic.decode import to_text

    text = to_text(resp.body, resp.header("content-type")) or ""
    if "checkbox" not in text.lower():
        return Page(html=True)
    where = {"flow": flow.index, "file": flow.file, "url": mask_url(flow.url_without_query)}
    return Page(True, markup_boxes(text, where, kind="flow"))


# --- Android layouts ---------------------------------------------------------------------------------

_ANDROID = "{http://schemas.android.com/apk/res/android}"
_LAYOUT = re.compile(r"^res/layout[^/]*/[^/]+\.xml$")


def _string(value: str, arsc: Any, package: str) -> str:
    """android:text as written, or the string resource it names (@string/x or @7F0B0012)."""
    if not value.startswith("@"):
        return value
    if arsc is None:
        return ""
    try:
        name = value
        if re.fullmatch(r"@[0-9A-Fa-f]{8}", value):
            name = arsc.get_resource_xml_name(int(value[1:], 16)) or ""
        key = name.rsplit("/", 1)[-1]
        got = arsc.get_string(package, key)
        return str(got[1]) if got else ""
    except Exception:  # noqa: BLE001 - an unresolvable reference only loses the label
        return ""


def layout_boxes(files: Iterable[str], read: Callable[[str], bytes | None], arsc: Any,
                 package: str) -> list[dict[str, Any]]:
    """CheckBoxes with android:checked="true" whose own text, or a sibling's, is a consent text."""
    from androguard.core.axml import AXMLPrinter

    out: list[dict[str, Any]] = []
    for name in files:
        if not _LAYOUT.match(name):
            continue
        data = read(name)
        if not data:
            continue
        try:
            root = AXMLPrinter(data).get_xml_obj()
        except Exception:  # noqa: BLE001 - a layout androguard cannot read is skipped
            continue
        if root is None:
            continue
        for el in root.iter():
            tag = str(el.tag)
            if not tag.endswith(("CheckBox", "checkbox.MaterialCheckBox")):
                continue
            checked = (el.get(_ANDROID + "checked") or "").lower() == "true"
            parent = el.getparent()
            texts = [_string(el.get(_ANDROID + "text") or "", arsc, package)]
            if parent is not None:
                texts += [_string(s.get(_ANDROID + "text") or "", arsc, package) for s in parent if s is not el]
            label = " ".join(t for t in texts if t)[:LABEL_CHARS]
            if CONSENT_TEXT.search(label):
                out.append({"kind": "file", "file": name, "element": posixpath.basename(tag.replace(".", "/")),
                            "id": el.get(_ANDROID + "id"), "checked": checked,
                            "text": f"<{posixpath.basename(tag.replace('.', '/'))}"
                                    f"{' android:checked=true' if checked else ''}> {label}"})
                if len(out) >= MAX_BOXES:
                    return out
    return out
