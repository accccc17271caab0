"""The third-party SDK list: tables, key-value records, prose, and matching names to rules/sdks.yaml."""

from __future__ import annotations

import pytest

from auditor.model import Declaration
from auditor.policy import parse_policy_text


def sdks(text: str, html: str | None = None) -> list[Declaration]:
    return [d for d in parse_policy_text(text, html=html).declarations if d.category is None]


@pytest.mark.parametrize("written", ["友盟+", "友盟同欣统计SDK", "Umeng", "UMSDK", "友盟统计分析SDK（Android）"])
def test_umeng_aliases_match(written: str) -> None:
    [d] = sdks(f"第三方SDK\nSDK名称：{written} 使用目的：统计 收集个人信息类型：设备信息（IMEI/OAID）\n")
    assert (d.sdk, d.sdk_name, d.sdk_categories) == ("umeng", written, ["device_id"])


def test_plain_text_table_with_tabs_and_an_unknown_sdk() -> None:
    text = (
        "三、第三方SDK共享清单\n"
        "SDK名称\t第三方主体\t使用目的\t收集个人信息类型\n"
        "极光推送\t深圳市和讯华谷信息技术有限公司\t消息推送\t设备标识符（Android ID）、WLAN信息\n"
        "某某地图SDK\t某某科技有限公司\t地图展示\t位置信息\n"
    )
    got = [(d.sdk, d.sdk_name, d.sdk_categories) for d in sdks(text)]
    assert got == [
        ("jpush", "极光推送", ["device_id", "wifi_info"]),
        (None, "某某地图SDK", ["precise_location"]),
    ]
    unknown = sdks(text)[1]
    assert unknown.party is not None and (unknown.party.kind, unknown.party.name, unknown.party.sdk) == (
        "third",
        "某某地图SDK",
        None,
    )


def test_html_table_via_parse_policy_text() -> None:
    html = (
        "<h2>第三方SDK</h2><table><tr><th>SDK名称</th><th>公司名称</th><th>收集的个人信息</th></tr>"
        "<tr><td>腾讯慧眼</td><td>腾讯云计算（北京）有限责任公司</td><td>人脸图像、身份证号码</td></tr></table>"
    )
    [d] = sdks("", html=html)
    assert (d.sdk, d.sdk_categories) == ("tencent_huiyan", ["face", "id_document"])


def test_vendor_matches_only_a_generic_name() -> None:
    text = "第三方SDK\nSDK名称：统计分析SDK 第三方主体：友盟同欣（北京）科技有限公司 使用目的：统计\n"
    assert [d.sdk for d in sdks(text)] == ["umeng"]
    text = "第三方SDK\nSDK名称：阿里云智能语音SDK 第三方主体：阿里云计算有限公司 使用目的：语音识别\n"
    assert [(d.sdk, d.sdk_name) for d in sdks(text)] == [(None, "阿里云智能语音SDK")]


def test_prose_gives_each_sdk_only_what_is_said_about_it() -> None:
    text = (
        "我们接入了网易易盾反垃圾SDK（杭州网易智企科技有限公司）用于识别垃圾内容，"
        "以及个推SDK用于消息推送，个推会收集您的设备标识符（OAID）和WLAN状态。"
    )
    got = {(d.sdk, d.sdk_name): d.sdk_categories for d in sdks(text)}
    assert got == {(None, "网易易盾反垃圾SDK"): [], ("getui", "个推SDK"): ["device_id", "wifi_info"]}


def test_title_line_then_key_lines() -> None:
    text = (
        "第三方SDK\n1. 神策数据分析SDK\n使用目的：统计\n\n"
        "收集个人信息：设备标识符（Android ID）\n第三方主体：神策网络科技（北京）有限公司\n"
    )
    [d] = sdks(text)
    got = (d.sdk, d.sdk_name, d.function, d.sdk_categories)
    assert got == ("sensorsdata", "神策数据分析SDK", "统计", ["device_id"])


def test_the_intro_line_is_not_an_sdk() -> None:
    text = (
        "我们仅接入了以下SDK：\n"
        "1）vivo推送，第三方主体：维沃移动通信有限公司，用途：推送，收集信息：设备标识符（OAID）。\n"
    )
    assert [(d.sdk, d.sdk_name) for d in sdks(text)] == [("vivo_push", "vivo推送")]


def test_an_sdk_mentioned_twice_is_listed_once() -> None:
    text = "第三方SDK\nSDK名称：高德地图SDK 收集个人信息类型：位置信息\n我们使用高德地图SDK获取WLAN信息。\n"
    [d] = sdks(text)
    assert d.sdk == "amap" and d.sdk_categories == ["precise_location", "wifi_info"]


def test_html_cells_with_paragraphs_and_line_breaks_stay_one_row() -> None:
    html = (
        "<h3>第三方SDK</h3><table><tr><th>序号</th><th>SDK名称</th><th>收集个人信息类型</th></tr>"
        "<tr><td>1</td><td><p>友盟+</p><p>(Umeng)</p></td><td>设备信息：<br>IMEI<br/>OAID</td></tr>"
        "<tr><td>2</td><td>个推</td><td><ul><li>设备标识符</li><li>WLAN信息</li></ul></td></tr></table>"
    )
    got = [(d.sdk, d.sdk_categories) for d in sdks("", html=html)]
    assert got == [("umeng", ["device_id"]), ("getui", ["device_id", "wifi_info"])]


def test_multi_line_records_opened_by_the_name_key() -> None:
    text = (
        "第三方SDK目录\n"
        "SDK名称：友盟SDK\nSDK提供方：友盟同欣（北京）科技有限公司\n使用目的：统计分析\n"
        "收集个人信息类型：设备信息（IMEI/Mac/android ID/IDFA/SIM卡IMSI/ICCID）\n"
        "隐私政策链接：https://www.umeng.com/page/policy\n\n"
        "SDK名称：华为推送服务\n使用目的：推送消息\n收集个人信息类型：应用基本信息\n"
    )
    got = [(d.sdk, d.sdk_name, d.function, d.sdk_categories) for d in sdks(text)]
    assert got == [("umeng", "友盟SDK", "统计分析", ["device_id"]), ("huawei_push", "华为推送服务", "推送消息", [])]


def test_table_with_company_and_sdk_name_columns_and_an_empty_cell() -> None:
    html = (
        "<h3>第三方SDK</h3><table><tr><th>第三方名称</th><th>SDK名称</th><th>使用目的</th><th>收集个人信息</th></tr>"
        "<tr><td>每日互动股份有限公司</td><td>个推SDK</td><td></td><td>设备标识符</td></tr></table>"
    )
    [d] = sdks("", html=html)
    assert (d.sdk, d.sdk_name, d.function, d.sdk_categories) == ("getui", "个推SDK", None, ["device_id"])


def test_an_sdk_section_with_nothing_readable_is_reported() -> None:
    result = parse_policy_text("一、第三方SDK\n我们与合作伙伴的合作详见本App内的共享清单页面。\n")
    assert any("no SDK could be read" in w for w in result.warnings)


def test_an_alias_that_reduces_to_a_data_word_does_not_match_that_word() -> None:
    """The MSA entry's alias OAID SDK reduces to "oaid": the bare data word OAID is no mention of it."""

    def found(text: str) -> list[str | None]:
        return [d.sdk for d in parse_policy_text(text).declarations if d.category is None]

    assert found("第三方SDK\n我们接入了个推SDK，个推会收集您的设备标识符（OAID、Android ID）。\n") == ["getui"]
    assert found("第三方SDK\n我们接入了OAID SDK获取设备标识符。\n") == ["msa_oaid"]


def test_a_bar_inside_a_cell_of_a_tab_table_does_not_split_it() -> None:
    text = "第三方SDK\nSDK名称\t使用目的\t收集个人信息\n友盟+\t统计|分析\t设备标识符（IMEI|OAID）\n"
    [d] = sdks(text)
    assert (d.sdk, d.function, d.sdk_categories) == ("umeng", "统计|分析", ["device_id"])


def test_title_line_then_keys_that_only_contain_header_words() -> None:
    text = (
        "二、第三方SDK目录\n\n"
        "极光推送SDK \n所属公司名称:深圳市和讯华谷信息技术有限公司\n收集目的:推送通知消息\n"
        "收集方式:SDK自动采集\n个人信息收集范围:设备标识符(Android ID、OAID)、WiFi列表\n"
        "第三方隐私政策链接:https://example.invalid/jpush\n\n"
        "某某客服SDK\n所属公司名称:某某网络科技有限公司\n收集目的:在线客服\n个人信息收集范围:无\n"
    )
    got = [(d.sdk, d.sdk_name, d.function, d.sdk_categories) for d in sdks(text)]
    assert got == [
        ("jpush", "极光推送SDK", "推送通知消息", ["device_id", "wifi_info"]),
        (None, "某某客服SDK", "在线客服", []),
    ]
    assert sdks(text)[0].party is not None and sdks(text)[0].party.name == "极光推送SDK"


def test_partner_table_whose_name_column_is_product() -> None:
    text = (
        "第三方合作伙伴及共享信息说明\n"
        "第三方公司名称 | 产品/类型 | 共享信息名称 | 使用目的 | 第三方个人信息处理规则 |\n"
        "北京某某科技有限公司 | 某某广告SDK | 设备标识码(IMEI/OAID)、应用列表 | 广告投放 | https://example.invalid |\n"
        "友盟同欣（北京）科技有限公司 | 友盟统计SDK | 设备标识码(OAID) | 统计 | https://example.invalid |\n"
    )
    got = [(d.sdk, d.sdk_name, d.sdk_categories) for d in sdks(text)]
    assert got == [(None, "某某广告SDK", ["app_list", "device_id"]), ("umeng", "友盟统计SDK", ["device_id"])]


def test_two_data_columns_are_read_together() -> None:
    text = (
        "第三方信息共享清单\nSDK名称 | SDK厂商 | 个人信息类型 | 个人信息字段 | 用途和目的 |\n"
        "穿山甲SDK | 北京巨量引擎网络技术有限公司 | 设备信息 | 必选：AndroidID、OAID；可选：粗略位置 | 广告 |\n"
    )
    [d] = sdks(text)
    assert (d.sdk, d.sdk_categories, d.function) == ("pangle", ["coarse_location", "device_id"], "广告")


def test_a_permission_table_is_not_an_sdk_list() -> None:
    text = "权限申请列表\n权限名称\t使用目的\t调用场景\n相机权限（CAMERA）\t扫码\t扫一扫\n"
    assert sdks(text) == []


def test_prose_sdk_name_with_spaces_and_no_pi_collected() -> None:
    text = (
        "第三方SDK\n我们集成了Firebase Crashlytics SDK（Google LLC）用于崩溃分析，它会收集设备标识符（Android ID）。\n"
        "我们仅接入了某某人脸检测SDK（某某软件技术（深圳）有限公司），该SDK在设备本地运行，不收集任何个人信息。\n"
    )
    got = [(d.sdk_name, d.sdk_categories) for d in sdks(text)]
    assert got == [("Firebase Crashlytics SDK", ["device_id"]), ("某某人脸检测SDK", [])]


def test_a_row_with_an_empty_first_cell_keeps_its_columns() -> None:
    text = (
        "第三方SDK列表\n"
        "序号\tSDK名称\t第三方主体\t收集个人信息类型\n"
        "\t极光推送\t深圳市和讯华谷信息技术有限公司\t设备标识符\n"
        "\t某某地图SDK\t某某科技有限公司\t位置信息\n"
    )
    got = [(d.sdk, d.sdk_name, d.sdk_company, d.sdk_categories) for d in sdks(text)]
    assert got == [
        ("jpush", "极光推送", "深圳市和讯华谷信息技术有限公司", ["device_id"]),
        (None, "某某地图SDK", "某某科技有限公司", ["precise_location"]),
    ]


def test_merged_cells_of_an_html_table_are_repeated_in_the_rows_they_span() -> None:
    html = (
        "<h2>第三方SDK清单</h2><table>"
        "<tr><th>SDK名称</th><th>公司名称</th><th>使用目的</th><th>收集的个人信息</th></tr>"
        "<tr><td rowspan='2'>某某统计SDK</td><td rowspan='2'>某某数据有限公司</td>"
        "<td>统计分析</td><td>设备标识符</td></tr>"
        "<tr><td>反作弊</td><td>位置信息</td></tr>"
        "<tr><td>某某支付SDK</td><td colspan='2'>某某支付有限公司</td><td>银行卡号</td></tr>"
        "</table>"
    )
    result = parse_policy_text("", html=html)
    assert "某某统计SDK\t某某数据有限公司\t反作弊\t位置信息" in result.text
    got = [(d.sdk_name, d.sdk_company, d.sdk_categories) for d in result.declarations if d.category is None]
    assert got == [
        ("某某统计SDK", "某某数据有限公司", ["device_id", "precise_location"]),
        ("某某支付SDK", "某某支付有限公司", ["bank_account"]),
    ]


def test_a_header_is_read_by_the_word_it_ends_with() -> None:
    text = (
        "第三方SDK\n"
        "1.某某统计SDK,来源于某某科技\n收集个人信息用途/目的：统计分析\n收集个人信息类型：设备标识符（OAID）\n"
    )
    [d] = sdks(text)
    assert (d.sdk_name, d.sdk_company, d.function, d.sdk_categories) == (
        "某某统计SDK",
        "某某科技",
        "统计分析",
        ["device_id"],
    )


def test_a_list_item_naming_its_maker_is_an_sdk_without_the_word_sdk() -> None:
    text = "五、第三方合作方\n1. “某某推送”：由“某某网络科技有限公司”提供，用于消息推送，收集设备标识符。\n"
    [d] = sdks(text)
    assert (d.sdk_name, d.sdk_company, d.sdk_categories) == ("某某推送", "某某网络科技有限公司", ["device_id"])


def test_sentences_about_sdks_in_general_are_not_sdk_names() -> None:
    text = (
        "七、第三方SDK\n"
        "为实现相关功能，我们会接入授权合作伙伴的软件工具开发包（SDK）。\n"
        "我们使用到的SDK目录如下。\n"
        "我们会通过某某崩溃SDK、某某推送SDK收集运行数据。\n"
    )
    assert [d.sdk_name for d in sdks(text)] == ["某某崩溃SDK", "某某推送SDK"]


def test_a_title_followed_by_its_maker_is_a_record_and_its_link_can_name_it() -> None:
    text = (
        "我们对接入的第三方服务在以下目录中列明。\n\n"
        "**某某开放平台**\n\n运营方：某某网络技术有限公司\n\n功能：分享内容\n\n"
        "收集个人信息类型：设备信息（IMEI）\n\n官网链接：[https://open.weixin.qq.com/](https://open.weixin.qq.com/)\n\n"
        "**相机权限**\n\n使用目的：扫码\n\n收集个人信息类型：照片\n"
    )
    got = [(d.sdk, d.sdk_name, d.sdk_company) for d in sdks(text)]
    # The maker's line makes 某某开放平台 a third party; its link is on the WeChat SDK's own domain.
    # 相机权限 has no maker: a permission, not an SDK.
    assert got == [("wechat_opensdk", "某某开放平台", "某某网络技术有限公司")]
