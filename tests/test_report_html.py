"""The HTML report as a reader (and an attacker) meets it: parsed, not string-matched where structure matters."""

from __future__ import annotations

import base64
import io
import re

import pytest
from fontTools.ttLib import TTFont
from report_fixtures import HOSTILE, RAW, Page, hostile_audit, sample_audit

from auditor.masking import mask
from auditor.model import Audit, Observation, Party
from auditor.report import render_html
from auditor.report.view import EVIDENCE_PER_FINDING
from auditor.ruleset import Ruleset


@pytest.fixture(scope="module")
def rs() -> Ruleset:
    return Ruleset()


@pytest.fixture(scope="module")
def zh(rs: Ruleset) -> str:
    return render_html(sample_audit(rs), rs)


@pytest.fixture(scope="module")
def en(rs: Ruleset) -> str:
    return render_html(sample_audit(rs), rs, lang="en")


def test_raw_pi_never_reaches_the_page_only_masked_values(zh: str) -> None:
    for raw in RAW.values():
        assert raw not in zh
    assert mask(RAW["id"], "CN_RESIDENT_ID") in zh
    assert mask(RAW["coords"], "COORDINATES") in zh
    # the IMEI sat in a URL query string: the query is dropped, the field path says where it was
    assert "ulogs.umeng.com/unify_logs?…" in zh


def test_all_sections_and_cover_facts(zh: str, rs: Ruleset) -> None:
    page = Page(zh)
    ids = {a.get("id") for _, a in page.elements}
    assert {"cover", "summary", "findings", "timeline", "matrix", "sdks", "permissions", "closing"} <= ids
    text = page.all_text
    audit = sample_audit(rs)
    for i in audit.inputs:
        assert i.sha256 in text
    assert "安心挂号" in text and "cn.anxin.guahao" in text and "3.2.1" in text
    assert "问诊挂号" in text  # the app category, named by the necessary-scope rules
    assert rs.version in text


def test_findings_ordered_by_severity_with_clause_text_and_evidence(zh: str, rs: Ruleset) -> None:
    order = re.findall(r'<article class="finding sev-border-(high|medium|low)"', zh)
    assert len(order) == len(sample_audit(rs).findings)
    rank = {"high": 0, "medium": 1, "low": 2}
    assert [rank[s] for s in order] == sorted(rank[s] for s in order)
    text = Page(zh).all_text
    assert rs.clauses["pipl-29"]["text"] in text  # sensitive PI without separate consent
    assert rs.clauses["rdff-3-1"]["text"] in text  # before consent
    # where: APK class.method and API, mini-program file:line:column, traffic URL and field path
    assert "cn.anxin.guahao.util.AppScanner.collectInstalled" in text
    assert "android.content.pm.PackageManager.getInstalledPackages" in text
    assert "pages/profile/profile.js:88:9" in text
    assert "body.data.sfzh" in text and "https://api.anxin-guahao.cn/v2/patient/register" in text
    # by whom: first party or the named SDK
    assert "友盟（Umeng）" in text and "第一方（App 运营者）" in text


def test_summary_counts(zh: str) -> None:
    tiles = dict(
        (label, int(n))
        for n, label in re.findall(r'<span class="tile-n">(\d+)</span><span class="tile-l">([^<]+)</span>', zh)
    )
    audit = sample_audit()
    assert tiles["高"] == sum(f.severity == "high" for f in audit.findings)
    assert tiles["低"] == 1
    assert tiles["同意前收集（条）"] == 2
    summary = zh[zh.index('id="summary"'):zh.index('id="findings"')]
    assert "身份证件号码" in summary and "精确位置、行踪轨迹" in summary  # sensitive PI collected


def test_matrix_marks_contradiction_undeclared_and_beyond_necessary(zh: str) -> None:
    matrix = zh[zh.index('id="matrix"'):zh.index('id="sdks"')]
    rows = {re.sub(r"<[^>]+>", " ", r).split()[0]: r for r in re.findall(r"<tr[^>]*>(.*?)</tr>", matrix, re.S)}
    assert "与政策矛盾" in rows["软件安装列表"]
    assert "「我们不会收集您的软件安装列表。」" in rows["软件安装列表"]  # the policy's own words
    assert "超出必要范围" in rows["精确位置、行踪轨迹"]
    assert "未声明而收集" in rows["地址"]
    assert "一致" in rows["电话号码"]
    assert "病情描述" in matrix  # the rule's own text of the necessary PI of 问诊挂号


def test_timeline_shows_consent_and_flows_before_it(zh: str) -> None:
    svg = zh[zh.index("<svg"):zh.index("</svg>")]
    assert 'class="consent"' in svg
    audit = sample_audit()
    before = sum(1 for f in audit.app["flows"] if f["before_consent"])
    assert f"其中 {before} 个发生在用户同意之前" in zh
    assert svg.count('class="dot-before"') >= 3  # all-flows lane plus device_id and location lanes


def test_english_report_is_english(en: str) -> None:
    page = Page(en)
    assert page.tags("html")[0]["lang"] == "en"
    text = page.all_text
    for heading in ("Findings", "Consent timeline", "Third-party SDK inventory", "Permissions and their use"):
        assert heading in text
    for zh_label in ("问题清单", "同意时间线", "第三方 SDK 清单", "结论摘要"):
        assert zh_label not in text
    assert "Collected before the user consented" in text
    assert "Personal Information Protection Law of the PRC" in text


def test_self_contained_no_external_reference(zh: str) -> None:
    page = Page(zh)
    csp = [a for a in page.tags("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0]["content"] or "")
    for _, attrs in page.elements:
        for name in ("src", "href", "xlink:href", "action"):
            value = attrs.get(name)
            assert value is None or value.startswith(("#", "data:")), (name, value)
    for url in re.findall(r"url\(([^)]*)\)", "".join(page.styles)):
        assert url.strip("'\"").startswith("data:"), url
    assert not page.tags("link") and not page.tags("script") and not page.tags("iframe")


def test_embedded_font_has_the_pages_chinese_glyphs(zh: str) -> None:
    fonts = re.findall(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", zh)
    assert len(fonts) == 1  # regular; bold is synthesised by the browser
    font = TTFont(io.BytesIO(base64.b64decode(fonts[0])))
    cmap = font.getBestCmap()
    for ch in "个人信息保护合规审计报告安心挂号":
        assert ord(ch) in cmap
        assert font["glyf"][cmap[ord(ch)]].numberOfContours > 0  # a real outline, not an empty box


def test_hostile_app_text_renders_inert(rs: Ruleset) -> None:
    html = render_html(hostile_audit(rs), rs)
    page = Page(html)
    assert page.tags("script") == [] and page.tags("img") == []
    for _, attrs in page.elements:
        assert not any(name.startswith("on") for name in attrs), attrs
    # it is shown, as text, to the reader
    assert HOSTILE in page.all_text
    # the app name also goes into the print header inside <style>: CSS-escaped, cannot close it
    assert html.count("</style>") == 1
    assert "alert('name')" not in "".join(page.styles)


def test_evidence_is_capped_per_finding_with_a_count(rs: Ruleset) -> None:
    audit = sample_audit(rs)
    extra = [
        Observation("device_id", "OAID", "traffic", Party("third", "友盟", sdk="umeng"),
                    {"flow": 100 + i, "side": "request", "path": "body.oaid", "url": "https://ulogs.umeng.com/x"},
                    value=mask(f"a1b2c3d4e5f6{i:04d}"), id=f"x{i}")
        for i in range(50)
    ]
    audit.observations += extra
    audit.findings[1].observations += [o.id for o in extra]
    audit.findings[1].count = 0
    html = render_html(audit, rs)
    total = 2 + len(extra)
    assert f"另有 {total - EVIDENCE_PER_FINDING} 条证据未列出" in html
    assert f"证据（共 {total} 条，列出 {EVIDENCE_PER_FINDING} 条" in html


def test_bare_audit_renders_with_every_optional_table_missing(rs: Ruleset) -> None:
    audit = Audit(id="a-1", created="2026-11-20T00:00:00Z", tool_version="0.1.0", rules_version="x")
    text = Page(render_html(audit, rs)).all_text
    assert "（未命名应用）" in text
    assert "未提供网络流量" in text and "未分析 APK" in text and "未识别到第三方 SDK" in text
    assert "本次检测未发现问题（不代表已全面合规）" in text
    assert "未确定（无法判断同意前收集）" in text


def test_unknown_language_is_refused(rs: Ruleset) -> None:
    with pytest.raises(ValueError, match="fr"):
        render_html(sample_audit(rs), rs, lang="fr")


def test_apk_shaped_permissions_and_sdk_evidence(rs: Ruleset) -> None:
    """auditor/apk gives used_by as a call-site count and SDK evidence as {kind: {item: count}}."""
    audit = sample_audit(rs)
    audit.app["permissions"] = [
        {"name": "android.permission.ACCESS_FINE_LOCATION", "dangerous": True, "categories": ["precise_location"],
         "used_by": 4},
        {"name": "android.permission.READ_CONTACTS", "dangerous": True, "categories": ["contacts"], "used_by": 0},
    ]
    audit.app["sdks"] = [{"id": "amap", "name": "AMap", "categories": ["precise_location"],
                          "evidence": {"packages": {"com.amap.api": 2}, "native_libs": [],
                                       "components": ["com.amap.api.location.APSService"]}}]
    html = render_html(audit, rs)
    perms = html[html.index('id="permissions"'):html.index('id="closing"')]
    assert "4 处调用" in perms and "未发现使用" in perms
    assert perms.count("row-flag") == 1  # the dangerous permission no code uses
    sdks = html[html.index('id="sdks"'):html.index('id="permissions"')]
    assert "代码包: com.amap.api ×2" in sdks and "组件: com.amap.api.location.APSService" in sdks
    assert "原生库" not in sdks  # empty kinds are left out


def test_times_are_written_for_people(zh: str) -> None:
    text = Page(zh).all_text
    assert "2026-11-20 09:30:00 UTC" in text  # audit date
    assert "2026-11-20 09:15:21 UTC" in text  # consent moment
    assert "T09:15" not in text


def test_without_installed_cjk_fonts_the_page_still_renders(rs: Ruleset, monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    from auditor.report import fonts

    monkeypatch.setattr(fonts, "FONT_DIRS", ())
    fonts.font_source.cache_clear()
    try:
        html = render_html(sample_audit(rs), rs)
    finally:
        fonts.font_source.cache_clear()
    assert "@font-face" not in html and "问题清单" in html
    assert "falls back to the reader's fonts" in caplog.text


def test_undecodable_bytes_in_app_text_do_not_break_writing(rs: Ruleset, tmp_path) -> None:
    audit = sample_audit(rs)
    audit.app["name"] = b"\xb0\xb2\xd0\xc4".decode("utf-8", "surrogateescape")  # GBK 安心 misread
    audit.observations[4].where["path"] = "body." + b"\xff".decode("utf-8", "surrogateescape")
    out = tmp_path / "r.html"
    out.write_text(render_html(audit, rs), encoding="utf-8")
    assert "\ufffd" in out.read_text(encoding="utf-8")


def test_values_outside_the_models_vocabulary_are_shown_not_fatal(rs: Ruleset) -> None:
    """An audit read back from an older or newer store may carry a severity or source we do not know."""
    audit = sample_audit(rs)
    audit.findings[0].severity = "critical"  # type: ignore[assignment]
    audit.observations[2].source = "ios"  # type: ignore[assignment]
    audit.findings[3].sources = ["ios"]
    text = Page(render_html(audit, rs)).all_text
    assert "critical" in text and "ios" in text
