"""Value formatting shared by the HTML report and SARIF."""

from __future__ import annotations

from auditor.report.fmt import as_list, clip, format_time, short_label, strip_query
from auditor.safetext import without_surrogates


def test_strip_query_keeps_a_marker_and_never_the_values() -> None:
    url = "https://ulogs.umeng.com/unify_logs?imei=864343040123456&oaid=abc#frag"
    assert strip_query(url) == "https://ulogs.umeng.com/unify_logs?…"
    assert strip_query(url, marker="") == "https://ulogs.umeng.com/unify_logs"
    assert strip_query("http://[::1/x?a=1") == "http://[::1/x"  # unparseable: cut by hand
    assert strip_query("https://a.cn/p") == "https://a.cn/p"


def test_format_time() -> None:
    assert format_time("2026-11-20T09:30:00.400000+00:00") == "2026-11-20 09:30:00.400 UTC"
    assert format_time("2026-11-20T17:30:00+08:00") == "2026-11-20 17:30:00 +08:00"
    assert format_time("2026-11-20T09:30:00Z") == "2026-11-20 09:30:00 UTC"
    assert format_time("2026-11-20T09:30:00") == "2026-11-20 09:30:00"
    assert format_time("第 3 次启动") == "第 3 次启动"
    assert format_time(None) == ""


def test_clip() -> None:
    sentence = "我们会收集您的\n  设备信息（包括 IMEI、Android ID）用于安全风控。"
    assert clip(sentence, 100) == "我们会收集您的 设备信息（包括 IMEI、Android ID）用于安全风控。"
    assert clip(sentence, 10) == "我们会收集您的 设…"
    assert len(clip(sentence, 10)) == 10


def test_short_label_and_as_list() -> None:
    assert short_label("设备标识（IMEI、MEID、IMSI）") == "设备标识"
    assert short_label("Device identifiers (IMEI)") == "Device identifiers"
    assert as_list(None) == [] and as_list("x") == ["x"] and as_list(["a", None, "", 3]) == ["a", "3"]
    assert as_list({"packages": "com.umeng"}) == ["packages: com.umeng"]


def test_without_surrogates_makes_any_document_utf8_writable() -> None:
    raw = b"\xb0\xb2\xd0\xc4\xff".decode("utf-8", "surrogateescape")  # GBK bytes read as UTF-8
    doc = {"name": raw, "list": [raw, 1, None], raw: True}
    clean = without_surrogates(doc)
    assert clean["list"][1:] == [1, None]
    for s in (clean["name"], clean["list"][0], *clean):
        s.encode("utf-8")
        assert "\ufffd" in s or s in ("name", "list")
