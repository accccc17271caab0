"""Getting the same policy text out of .txt (UTF-8, GBK), .html (UTF-8, GB18030) and .pdf files."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

from auditor.policy import PolicyResult, parse_policy_text, read_policy

DATA = Path(__file__).parent / "data" / "policies"


def category_statuses(result: PolicyResult) -> set[tuple[str, str]]:
    return {(d.category, d.status) for d in result.declarations if d.category}


def sdk_names(result: PolicyResult) -> list[tuple[str | None, str | None]]:
    return [(d.sdk, d.sdk_name) for d in result.declarations if d.category is None]


def test_gbk_file_reads_like_its_utf8_source() -> None:
    gbk = read_policy(DATA / "p04_govservice.txt")
    src = parse_policy_text((DATA / "src" / "p04_govservice.txt").read_text(encoding="utf-8"))
    assert gbk.unreadable is None and not gbk.warnings
    assert gbk.text == src.text
    assert category_statuses(gbk) == category_statuses(src)
    assert "face" in {c for c, _ in category_statuses(gbk)}


def test_gb18030_html_with_gb2312_meta() -> None:
    result = read_policy(DATA / "p11_ticketing.html")
    assert result.text.startswith("行程通票务隐私政策")
    assert ("plate_number", "declared") in category_statuses(result)
    assert ("alipay", "支付宝支付SDK") in sdk_names(result)


def test_pdf_reads_like_its_source_text() -> None:
    pdf = read_policy(DATA / "p08_fooddelivery.pdf")
    src = parse_policy_text((DATA / "src" / "p08_fooddelivery.txt").read_text(encoding="utf-8"))
    assert pdf.unreadable is None
    assert category_statuses(pdf) == category_statuses(src)
    assert sdk_names(pdf) == sdk_names(src)
    # Wrapped lines are joined back: a sentence longer than a PDF line is one line of text.
    assert "为向您展示您附近可配送的商家，在您授权后，我们会收集您的位置信息。" in pdf.text


def test_html_drops_scripts_and_styles_and_keeps_table_rows() -> None:
    result = read_policy(DATA / "p02_maps.html")
    assert "var tip" not in result.text and "font-family" not in result.text
    assert "身份证号码与银行卡号" not in result.text  # only in the <script>
    assert "百度定位SDK\t北京百度网讯科技有限公司\t辅助定位" in result.text
    assert ("id_document", "negated") in category_statuses(result)
    assert ("face", "declared") not in category_statuses(result)  # the CSS content: string


def test_positions_point_at_the_sentence_in_the_text() -> None:
    for name in ("p01_ridehailing.txt", "p05_ecommerce.html", "p20_shortvideo.pdf"):
        result = read_policy(DATA / name)
        assert result.declarations
        for d in result.declarations:
            assert d.position is not None
            assert result.text[d.position :].startswith(d.text[:12]), (name, d.text)


def test_sha256_is_of_the_input_bytes() -> None:
    path = DATA / "p04_govservice.txt"
    assert read_policy(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_declarations_carry_source_function_and_party() -> None:
    result = read_policy(DATA / "p01_ridehailing.txt")
    loc = next(d for d in result.declarations if d.category == "precise_location")
    assert loc.source == "policy" and loc.function == "叫车" and loc.party is None
    amap = next(d for d in result.declarations if d.sdk == "amap")
    assert amap.party is not None and (amap.party.kind, amap.party.sdk) == ("third", "amap")
    assert amap.sdk_name == "高德定位SDK" and amap.function == "获取位置以确定上车点"
    assert amap.to_dict()["party"] == {"kind": "third", "name": "高德定位SDK", "sdk": "amap"}


def test_parse_policy_text_prefers_the_html_when_given() -> None:
    html = (DATA / "p05_ecommerce.html").read_text(encoding="utf-8")
    result = parse_policy_text("这段文字不会被使用", html=html)
    assert "优品汇隐私政策" in result.text and "这段文字" not in result.text
    assert {"alipay", "getui", "xiaomi_push"} <= {d.sdk for d in result.declarations}
    assert result.sha256 == hashlib.sha256(html.encode()).hexdigest()


def sdk_ids_and_categories(result: PolicyResult) -> list[tuple[str | None, list[str]]]:
    return [(d.sdk or d.sdk_name, d.sdk_categories) for d in result.declarations if d.category is None]


def hard_wrap(text: str, width: int) -> str:
    return "\n".join(
        "\n".join(textwrap.wrap(line, width, break_long_words=True, replace_whitespace=False, drop_whitespace=False))
        for line in text.split("\n")
    )


def test_a_text_hard_wrapped_at_a_fixed_width_reads_like_the_original() -> None:
    for name in ("p01_ridehailing.txt", "p09_messaging.txt", "p26_insurance.txt", "p33_rental.txt"):
        text = (DATA / name).read_text(encoding="utf-8")
        original = parse_policy_text(text)
        for width in (40, 60):
            wrapped = hard_wrap(text, width)
            assert wrapped.count("\n") > text.count("\n")
            assert category_statuses(parse_policy_text(wrapped)) == category_statuses(original), (name, width)
        # At a common width the SDKs and what each collects survive too (a name cut by the wrap may
        # then be read as a shorter alias, 华为推送 for 华为推送（HMS Core Push Kit）).
        rewrapped = parse_policy_text(hard_wrap(text, 60))
        assert sdk_ids_and_categories(rewrapped) == sdk_ids_and_categories(original), name
