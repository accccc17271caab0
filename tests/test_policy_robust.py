"""Any text, however odd, is read without an exception (property-based, on Chinese-heavy text)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.policy import parse_policy_text

FRAGMENTS = [
    "我们不会收集",
    "您的",
    "手机号码",
    "、",
    "，",
    "。",
    "；",
    "：",
    "\n",
    "\t",
    "（",
    "）",
    "除",
    "外",
    "如您选择",
    "仅在",
    "时",
    "单独同意",
    "SDK名称：",
    "友盟+",
    "收集个人信息类型：",
    "|",
    "一、",
    "（二）",
    "人脸",
    "生物识别信息",
    "等",
    "位置信息",
    "不会向第三方提供",
    "未经您同意",
    "1.",
    "上述信息",
    "极光推送SDK",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=60))
def test_any_text_is_read_without_error(parts: list[str]) -> None:
    text = "".join(parts)
    result = parse_policy_text(text)
    for d in result.declarations:
        assert d.status in ("declared", "negated", "conditional")
        assert d.position is not None and 0 <= d.position <= len(result.text)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_any_html_is_read_without_error(body: str) -> None:
    parse_policy_text("", html=f"<html><body><table><tr><td>{body}</td></tr></table><p>{body}</p></body></html>")
