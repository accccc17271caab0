"""The HTML report: one self-contained page rendered from reports/templates with autoescape on.

Self-contained means the page can be filed and opened years later, offline: the CSS, the fonts
(a subset, see fonts.py) and the chart (inline SVG) are inside the file, and a Content-Security-Policy
forbids the page from loading anything else even if a value slipped past escaping.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from auditor.model import Audit
from auditor.report.fonts import SCREEN_WEIGHTS, font_face_css
from auditor.report.i18n import Catalogue, catalogue
from auditor.report.view import build_view
from auditor.resources import installed_dir
from auditor.ruleset import Ruleset
from auditor.safetext import without_surrogates

TEMPLATES = installed_dir("reports") / "templates"
STYLESHEET = installed_dir("reports") / "css" / "report.css"
#: Colours shared with the campaign dashboard (auditor.batch.dashboard), inlined before either stylesheet.
PALETTE = installed_dir("reports") / "css" / "palette.css"
FONT_SLOT = "/*@font-face*/"
_CSS_SAFE = re.compile(r"[A-Za-z0-9 ]|[^\x00-\x7f]")


def css_string(value: object) -> Markup:
    """Quote text for a CSS string inside <style>: every ASCII punctuation and control char is escaped.

    HTML escaping does not apply inside <style> (its content is raw text), so app-controlled text
    such as the app name in the page header must be neutralised with CSS escapes instead.
    """
    text = str(value)
    out = "".join(ch if _CSS_SAFE.fullmatch(ch) else f"\\{ord(ch):x} " for ch in text)
    return Markup(f'"{out}"')


def page_counter(t: Catalogue) -> Markup:
    """Turn 'Page %(page)s of %(pages)s' into CSS content tokens with counter(page) / counter(pages)."""
    parts = re.split(r"%\((page|pages)\)s", t.gettext("print.page"))
    tokens = [f"counter({p})" if i % 2 else str(css_string(p)) for i, p in enumerate(parts) if p]
    return Markup(" ".join(tokens))


@cache
def environment(lang: str) -> Environment:
    t = catalogue(lang)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(t.gettext, t.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["css_string"] = css_string
    env.globals["label"] = t.label
    return env


def render_html(audit: Audit, ruleset: Ruleset, *, lang: str = "zh",
                font_weights: Sequence[int] = SCREEN_WEIGHTS) -> str:
    """The report page; ``font_weights`` are the CJK font weights to embed (print needs bold too)."""
    t = catalogue(lang)
    view = build_view(audit, ruleset, t)
    html = (
        environment(lang)
        .get_template("report.html.j2")
        .render(
            view=view,
            css=Markup(PALETTE.read_text(encoding="utf-8") + STYLESHEET.read_text(encoding="utf-8")),
            fonts=Markup(FONT_SLOT),
            page_counter=page_counter(t),
        )
    )
    html = without_surrogates(html)
    # The font subset needs the finished page's characters, so it goes in last.
    return html.replace(FONT_SLOT, font_face_css(html, font_weights), 1)
