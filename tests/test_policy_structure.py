"""Sections of a policy as companies publish them: contents blocks, headings of mixed numbering styles,
markdown and HTML headings, run-in chapter titles, annexes. The wording is written for these tests in
the shape real policies take."""

from __future__ import annotations

from auditor.policy import PolicyResult, parse_policy_text


def statuses(result: PolicyResult) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for d in result.declarations:
        if d.category:
            out.setdefault(d.category, set()).add(d.status)
    return out


def path_of(result: PolicyResult, start: str) -> tuple[str, ...]:
    return next(s.path for s in result.sentences if s.text.startswith(start))


# Contents numbered 1. … 9., body chapters numbered 一. … : the body must not nest under the last
# contents entry (联系我们), which is a skipped section.
CONTENTS_IN_ANOTHER_STYLE = """某某读书隐私政策
本政策将帮助您了解以下内容：
1.我们如何收集和使用您的个人信息
2.指纹登录说明
3.我们如何共享您的个人信息
4.本政策如何更新
5.如何联系我们
一. 我们如何收集和使用您的个人信息
（一）注册登录
当您注册账号时，我们会收集您的手机号码。
（二）书架同步
为同步书架，我们会收集您的设备标识符（Android ID）。
二. 指纹登录说明
您可以选择开启指纹登录，指纹验证由系统完成。
三. 我们如何共享您的个人信息
我们不会向第三方提供您的手机号码。
四. 本政策如何更新
重大变更包括收集您的位置信息的目的发生变化。
五. 如何联系我们
客服邮箱：help@example.com
"""


def test_contents_in_another_numbering_style_do_not_swallow_the_body() -> None:
    result = parse_policy_text(CONTENTS_IN_ANOTHER_STYLE)
    got = statuses(result)
    assert got["phone_number"] == {"declared"} and got["device_id"] == {"declared"}
    assert "precise_location" not in got  # only in the update section
    assert "email" not in got  # the operator's address, in the contact section
    assert path_of(result, "当您注册账号时") == ("我们如何收集和使用您的个人信息", "注册登录")
    assert path_of(result, "客服邮箱") == ("如何联系我们",)


def test_contents_entries_are_not_statements() -> None:
    result = parse_policy_text(CONTENTS_IN_ANOTHER_STYLE)
    toc = [s.text for s in result.sentences if s.kind == "toc"]
    assert toc[0] == "1.我们如何收集和使用您的个人信息" and toc[-1] == "5.如何联系我们" and len(toc) == 5
    # 指纹登录说明 is declared by its body heading and sentence, never by the contents entry.
    fingerprint = [d for d in result.declarations if d.category == "fingerprint"]
    assert fingerprint and all(not d.text.startswith("2.") for d in fingerprint)


def test_a_chapter_title_reanchors_whatever_its_style() -> None:
    text = (
        "一、我们如何收集和使用您的个人信息\n"
        "1. 地图导航\n"
        "导航时我们会收集您的精确位置。\n"
        "8. 如何联系我们\n"  # a chapter numbered like a sub-section
        "联系电话：400-000-0000\n"
        "九、您的权利\n"
        "您可以更正您的手机号码。\n"
    )
    result = parse_policy_text(text)
    assert path_of(result, "联系电话") == ("如何联系我们",)
    assert path_of(result, "您可以更正") == ("您的权利",)
    assert statuses(result) == {"precise_location": {"declared"}, "phone_number": {"declared"}}


def test_top_level_numbers_that_carry_on_close_a_stray_section() -> None:
    text = (
        "一、适用范围\n本政策适用于某某健康。\n"
        "6、政策修改\n我们会修改本政策。\n"
        "三、信息收集\n我们会收集您的身份证号码。\n"
    )
    result = parse_policy_text(text)
    assert path_of(result, "我们会收集") == ("信息收集",)
    assert statuses(result) == {"id_document": {"declared"}}


def test_contents_run_together_on_one_line() -> None:
    text = (
        "本政策包含以下内容：\n"
        "1.我们如何收集和使用个人信息2.我们如何共享个人信息3.我们如何保护个人信息4.如何联系我们\n"
        "1.我们如何收集和使用个人信息\n"
        "我们会收集您的通讯录。\n"
    )
    result = parse_policy_text(text)
    assert [s.kind for s in result.sentences[:2]] == ["text", "toc"]
    assert statuses(result) == {"contacts": {"declared"}}


def test_markdown_headings_give_their_levels_and_marks_are_dropped() -> None:
    text = (
        "# 某某社区隐私政策\n"
        "### 三、 我们如何收集和使用您的个人信息\n"
        "#### 3.1 发布动态\n"
        "**发布动态时**，我们会收集您上传的[图片](https://example.com/a)。\n"
        "### 九、 如何联系我们\n"
        "* 邮箱：[a@example.com](mailto:a@example.com)\n"
    )
    result = parse_policy_text(text)
    assert path_of(result, "发布动态时") == ("某某社区隐私政策", "我们如何收集和使用您的个人信息", "发布动态")
    assert "**" not in result.text and "](" not in result.text
    assert statuses(result) == {"photos": {"declared"}}


def test_html_heading_levels_are_kept_out_of_the_text() -> None:
    html = (
        "<h1>隐私政策</h1><h2>一、收集的信息</h2><h3>（一）实名认证</h3><p>我们会收集您的身份证号码。</p>"
        "<h2>二、联系我们</h2><p>地址：北京市海淀区某某路1号</p>"
    )
    result = parse_policy_text("", html=html)
    assert "\x01" not in result.text and result.text.startswith("隐私政策")
    assert path_of(result, "我们会收集") == ("隐私政策", "收集的信息", "实名认证")
    assert path_of(result, "地址") == ("隐私政策", "联系我们")
    assert statuses(result) == {"id_document": {"declared"}}


def test_a_chapter_title_opening_a_paragraph_opens_the_chapter() -> None:
    text = (
        "一、名词解释\n"
        "1. 个人敏感信息：指身份证件号码、生物识别信息等。\n"
        "二、 我们如何收集和使用个人信息： 我们会收集您的手机号码用于登录。\n"
    )
    result = parse_policy_text(text)
    assert path_of(result, "二、") == ("我们如何收集和使用个人信息",)
    assert statuses(result) == {"phone_number": {"declared"}}


def test_an_annex_opens_a_section_of_its_own() -> None:
    text = (
        "十、如何联系我们\n邮箱：a@example.com\n"
        "附件一：\n《第三方SDK目录》\n某某推送SDK：用于消息推送，收集设备标识符（OAID）。\n"
    )
    result = parse_policy_text(text)
    assert path_of(result, "某某推送SDK") == ("附件一", "《第三方SDK目录》")
    assert statuses(result) == {"device_id": {"declared"}}
