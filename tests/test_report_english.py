"""The English report is English: Chinese remains only where it is quoted, not written by us.

Allowed: quotations of the policy and of the law (`.quote`, `.law-quote`), evidence as captured
(`.verbatim`: masked values, field paths, vendors' legal names), the app's own name, and citations of
Chinese instruments (《…》, document numbers such as 国信办秘字〔2021〕14号). Everything the auditor says
itself — labels, findings, clause articles and clause texts — is English.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_fixtures import sample_audit

from auditor.masking import new_salt
from auditor.pipeline import AuditInputs, run_audit
from auditor.report import render_html
from auditor.ruleset import Ruleset

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CITATION = re.compile(r"《[^》]*》|[\u4e00-\u9fff]+〔\d{4}〕\d+号")
ALLOWED = {"quote", "law-quote", "verbatim", "cover-app"}
SKIPPED = {"style", "title"}  # the page title repeats the app's name


class ChineseText(HTMLParser):
    """Text nodes with Chinese characters that sit outside every allowed element."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, set[str]]] = []
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"meta", "br", "img", "input", "link", "circle", "rect", "line", "path"}:
            return
        self.stack.append((tag, set((dict(attrs).get("class") or "").split())))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack[-1][0] != tag:
            self.stack.pop()
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if any(tag in SKIPPED or classes & ALLOWED for tag, classes in self.stack):
            return
        if CJK.search(CITATION.sub("", data)):
            self.found.append(data.strip())


def untranslated(html: str) -> list[str]:
    parser = ChineseText()
    parser.feed(html)
    return parser.found


def audited(**inputs: object) -> object:
    return run_audit(AuditInputs(**inputs), salt=new_salt())  # type: ignore[arg-type]


@pytest.mark.parametrize("audit", [
    pytest.param(lambda: sample_audit(Ruleset()), id="fixture"),
    pytest.param(lambda: audited(traffic=[ROOT / "samples/traffic/gov_service.har"],
                                 scope=ROOT / "samples/scope.example.yaml",
                                 apk=ROOT / "samples/apk/build/wst.apk"), id="demo"),
    pytest.param(lambda: audited(traffic=[ROOT / "samples/traffic/ride_hailing.har"],
                                 policy=ROOT / "samples/policy/ride_hailing_policy.txt",
                                 app_category="网络约车类"), id="ride-hailing"),
])
def test_no_untranslated_chinese_in_the_english_report(audit) -> None:  # type: ignore[no-untyped-def]
    html = render_html(audit(), Ruleset(), lang="en")
    assert untranslated(html) == []


def test_the_check_finds_what_is_left_in_chinese() -> None:
    rs = Ruleset()
    assert untranslated(render_html(sample_audit(rs), rs, lang="zh"))  # the Chinese report, for contrast


def test_clause_articles_and_texts_are_english_data_with_their_source() -> None:
    rs = Ruleset()
    data = rs.load("clauses")
    assert "not an official translation" in data["translation_source"]
    for c in rs.clauses.values():
        assert c["text_en"] and not CJK.search(c["text_en"]), c["id"]
        assert c["article_en"] and not CJK.search(c["article_en"]), c["id"]
    assert rs.clauses["pipl-13"]["article_en"] == "Art. 13"
