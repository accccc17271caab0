"""The policy readers of the checklist (认定方法 三.6, 三.8, 四.5, 六.1, 六.2, 六.3, 六.5, 一.4, 二.4), each on
sentences written for these tests in the style of published Chinese policies: a breach, and the same
topic handled as the rules require. The real policies of ../shared are measured by the scorer test."""

from __future__ import annotations

import pytest

from auditor.checklist.policy_items import policy_facts
from auditor.checklist.readability import language, obscurity
from auditor.checklist.styles import contrast, styles_fact
from auditor.policy import parse_policy_text
from auditor.ruleset import default_ruleset

RS = default_ruleset()

# A whole policy, chapter by chapter; each test swaps one chapter's sentences.
HEAD = """星河记账隐私政策
更新日期：2026年3月1日
一、我们如何收集和使用您的个人信息
在您注册账号时，我们会收集您的手机号码，用于创建账号。
{use}
二、我们如何共享您的个人信息
我们不会向第三方出售您的个人信息。
三、您的权利
{rights}
四、如何联系我们
{contact}
"""
USE_OK = "我们会根据您的浏览记录向您推荐感兴趣的内容。您可以在【我的】-【设置】-【个性化推荐】中关闭个性化推荐。"
RIGHTS_OK = ("您可以在【我的】-【个人资料】中更正您的昵称与头像。您可以在【设置】-【数据管理】中删除您的账单记录，"
             "也可以联系我们要求删除您的个人信息。您可以在【设置】-【账号与安全】-【注销账号】中申请注销账号。"
             "您可以在系统设置中关闭相应权限，撤回您的授权同意。")
CONTACT_OK = "如您对本政策有任何疑问或投诉，可发送邮件至 privacy@xinghe-example.cn，我们将在十五个工作日内回复。"


def facts(use: str = USE_OK, rights: str = RIGHTS_OK, contact: str = CONTACT_OK) -> dict[str, str]:
    result = parse_policy_text(HEAD.format(use=use, rights=rights, contact=contact), ruleset=RS)
    return {f.scenario: f.status for f in policy_facts(result.sentences, RS)}


def test_a_policy_that_meets_every_item() -> None:
    got = facts()
    for item in ("rdff-3-6", "rdff-3-8", "rdff-4-5", "rdff-6-1", "rdff-6-5"):
        assert got[item] == "compliant", item
    assert got["rdff-6-2"] == "compliant"


@pytest.mark.parametrize("use, expected", [
    ("我们会基于您的浏览记录和兴趣标签形成用户画像，向您推送个性化广告。", "violation"),
    ("我们会根据您的偏好向您展示个性化推荐内容。如您不希望接收，可在设置中关闭此功能。", "compliant"),
    ("我们会根据您的偏好向您推送个性化的商品信息。关闭后，我们将仅向您展示不针对您个人特征的内容。", "compliant"),
    ("我们不会基于您的个人信息进行用户画像或个性化推荐。", "not_applicable"),
    ("我们会向您推送产品更新与活动通知。", "not_applicable"),
])
def test_targeted_push_needs_a_non_targeted_option(use: str, expected: str) -> None:
    assert facts(use=use)["rdff-3-6"] == expected


def test_an_opt_out_of_another_feature_is_no_opt_out_of_targeting() -> None:
    use = ("我们的广告合作伙伴会根据您的设备信息进行精准投放。我们会向您推送账单提醒服务。您可以在“设置”中关闭此功能。")
    assert facts(use=use)["rdff-3-6"] == "violation"


def test_withdrawal_of_consent() -> None:
    rights = "您可以在【我的】中更正昵称，在【设置】中删除账单，在【设置】中注销账号。"
    assert facts(rights=rights)["rdff-3-8"] == "violation"
    assert facts(rights=rights + "您可以随时撤回对相册权限的授权。")["rdff-3-8"] == "compliant"


@pytest.mark.parametrize("rights, missing", [
    ("您可以在【我的】-【个人资料】中更正您的昵称，也可以要求我们删除您的个人信息。", "cancel"),
    ("您可以在【我的】中修改个人资料，在【设置】中申请注销账号。"
     "注销账号后，我们将删除或匿名化您的个人信息。", "delete"),
    ("您可以要求我们删除您的个人信息，也可以在【设置】中注销账号。", "correct"),
])
def test_correction_deletion_and_cancellation_are_each_required(rights: str, missing: str) -> None:
    result = parse_policy_text(HEAD.format(use=USE_OK, rights=rights, contact=CONTACT_OK), ruleset=RS)
    [fact] = [f for f in policy_facts(result.sentences, RS) if f.scenario == "rdff-6-1"]
    assert fact.status == "violation" and fact.measures["missing"] == [missing]
    assert fact.evidence, "a violation names the sentences it went by"


def test_cancellation_conditions() -> None:
    base = "您可以在【我的】中更正资料，并可要求我们删除您的个人信息。"
    bad = base + "申请注销账号时，您需要上传手持身份证照片以核验身份。"
    assert facts(rights=bad)["rdff-6-2"] == "violation"
    plain = base + "您可以在【设置】中申请注销账号，我们将通过短信验证码核验您的身份。"
    assert facts(rights=plain)["rdff-6-2"] == "compliant"
    face = base + "注销账号时需要通过人脸识别验证您的身份。"
    assert facts(rights=face)["rdff-6-2"] == "review"
    assert facts(rights=base)["rdff-6-2"] == "not_applicable"


@pytest.mark.parametrize("contact, expected", [
    ("如您有任何疑问或投诉，请发送邮件至 privacy@xinghe-example.cn，我们将在三十天内予以回复。", "violation"),
    ("如您有任何投诉，请拨打客服电话 400-800-1234，我们将在15日内答复。", "compliant"),
    ("如您有任何问题，请通过本App的“帮助与反馈”联系我们。", "compliant"),
    ("我们会认真对待您的意见。", "violation"),
])
def test_complaint_channel_and_its_time_limit(contact: str, expected: str) -> None:
    assert facts(contact=contact)["rdff-6-5"] == expected


def test_handling_time_of_rights_requests() -> None:
    slow = RIGHTS_OK + "我们将在收到您的删除或注销申请后三十个工作日内完成处理。"
    assert facts(rights=slow)["rdff-6-3"] == "violation"
    fast = RIGHTS_OK + "我们将在收到您的注销申请后十五个工作日内完成处理。"
    assert facts(rights=fast)["rdff-6-3"] == "compliant"


@pytest.mark.parametrize("use, expected", [
    ("为改善服务质量、提升用户体验，我们会收集您的设备信息与使用记录；如您不同意，将无法使用本产品。", "violation"),
    ("为提升用户体验，我们会收集您的使用记录。"
     "拒绝提供上述信息将无法使用个性化推荐功能，但不影响您使用其他功能。", "compliant"),
    ("注册账号需要您的手机号码；如您不提供，将无法使用本产品。", "compliant"),
    ("为完成账号注册并提升服务体验，我们需要您的手机号码；如您不提供，将无法使用本产品。", "compliant"),
])
def test_consent_forced_for_improvement(use: str, expected: str) -> None:
    assert facts(use=use)["rdff-4-5"] == expected


def test_a_fragment_is_not_read_for_what_it_lacks() -> None:
    sdk_page = "第三方SDK目录\nSDK名称：某推送SDK\n使用目的：消息推送\n收集个人信息：设备标识符\n"
    result = parse_policy_text(sdk_page, ruleset=RS)
    got = {f.scenario: f.status for f in policy_facts(result.sentences, RS)}
    assert "violation" not in got.values()


def test_simplified_chinese() -> None:
    simplified = "本隐私政策说明我们如何收集、使用和保护您的个人信息，请您仔细阅读并确认同意。"
    traditional = "本隱私政策說明我們如何蒐集、使用與保護您的個人資料，請您詳細閱讀並確認同意本政策內容。"
    assert language(simplified).status == "compliant"
    assert language(traditional).status == "violation"
    assert language("This privacy policy explains how we collect and use your personal data.").status == "violation"


def test_page_styles() -> None:
    assert round(contrast((119, 119, 119), (255, 255, 255)), 2) == 4.48  # WCAG's own example pair
    text = "我们会收集您的手机号码用于注册账号。" * 40
    assert styles_fact(f"<p>{text}</p>", RS).status == "compliant"
    pale = f"<style>.c{{font-size:8px;color:#ddd}}</style><div class=c>{text}</div>"
    assert styles_fact(pale, RS).status == "violation"
    assert styles_fact(f'<p style="font-size:11px;color:#999">{text}</p>', RS).status == "review"
    nested = f'<body style="font-size:10pt"><p style="font-size:1.2em">{text}</p></body>'  # 13.3px x 1.2
    assert styles_fact(nested, RS).status == "compliant"


def test_length_measures_are_for_a_person() -> None:
    sentence = ("我们会收集您的设备标识符、IMEI、MAC地址、Cookie以及服务器日志，并通过去标识化与加密技术处理，"
                "用于统计分析、安全风控与产品优化，在您使用各项功能的过程中持续记录并与您的账号关联后保存于服务器。")
    long_policy = HEAD.format(use=sentence * 8, rights=RIGHTS_OK, contact=CONTACT_OK)
    result = parse_policy_text(long_policy, ruleset=RS)
    fact = obscurity(result.sentences, result.text, RS)
    assert fact.status == "review" and fact.measures["technical_terms"] >= 5
    short = parse_policy_text(HEAD.format(use=USE_OK, rights=RIGHTS_OK, contact=CONTACT_OK), ruleset=RS)
    assert obscurity(short.sentences, short.text, RS).status == "unclear"
