"""The SDK catalogue (rules/sdks.yaml + auditor/sdk_catalogue.py): the data holds its promises (a
signature and a source per entry, no signature or alias claimed twice) and the lookups find SDKs the way
apps, captures and policies show them, without the wrong matches real text invites."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from auditor.errors import RulesError
from auditor.policy import parse_policy_text
from auditor.ruleset import PROJECT_ROOT, Ruleset, default_ruleset
from auditor.sdk_catalogue import Catalogue, NameIndex, name_key, signatures

KINDS = {"analytics", "push", "map", "crash", "payment", "social", "ads", "face", "verification", "oaid", "im",
         "customer_service", "apm", "hotfix", "packer", "browser", "ui", "cdn", "cloud"}


@pytest.fixture(scope="module")
def sdks() -> dict[str, dict]:
    return default_ruleset().sdks


@pytest.fixture(scope="module")
def cat(sdks: dict[str, dict]) -> Catalogue:
    return Catalogue.of(sdks)


@pytest.fixture(scope="module")
def names(cat: Catalogue) -> NameIndex:
    return cat.names()


def found(names: NameIndex, text: str) -> list[tuple[str, str]]:
    return [(m.sdk, text[m.start : m.end]) for m in names.mentions(text)]


# ---- the data


def test_every_entry_has_a_signature_and_a_source(sdks: dict[str, dict]) -> None:
    for sid, s in sdks.items():
        assert signatures(s), f"{sid}: no code or network signature"
        assert len(s["source"]) >= 10, f"{sid}: no source"
        for field in s.get("sources", {}):
            assert s.get(field), f"{sid}: a source for {field}, which the entry does not have"


def test_the_loader_refuses_an_entry_without_a_signature(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(PROJECT_ROOT / "rules", root)
    data = yaml.safe_load((root / "sdks.yaml").read_text(encoding="utf-8"))
    data["sdks"].append({"id": "nothing", "name": "Nothing", "name_zh": "无", "aliases": [], "vendor": "x",
                         "kind": "other", "categories": [], "packages": [], "domains": [],
                         "source": "a test entry without signatures"})
    (root / "sdks.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError, match=r"id=nothing.*no code or network signature"):
        _ = Ruleset(root).sdks


def test_no_signature_is_claimed_by_two_entries_unless_related(sdks: dict[str, dict]) -> None:
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for sid, s in sdks.items():
        for field, value in signatures(s):
            owners[(field.removeprefix("miniprogram."), value.lower())].add(sid)
    for (field, value), ids in owners.items():
        for a in ids:
            for b in ids - {a}:
                assert b in sdks[a].get("related", []) or a in sdks[b].get("related", []), (
                    f"{field} {value} is claimed by {sorted(ids)}, which are not declared related")


def test_related_ids_exist_and_aliases_name_one_entry(sdks: dict[str, dict]) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for sid, s in sdks.items():
        for r in s.get("related", []):
            assert r in sdks and r != sid, f"{sid}: related {r} is no other entry"
        for a in (s["name"], s["name_zh"], *s["aliases"]):
            owners[name_key(a)].add(sid)
    shared = {k: v for k, v in owners.items() if len(v) > 1}
    assert not shared, f"names that name several entries: {shared}"


def test_the_catalogue_covers_the_market(sdks: dict[str, dict]) -> None:
    assert len(sdks) >= 70
    kinds = {s["kind"] for s in sdks.values()}
    assert {"push", "ads", "analytics", "crash", "apm", "map", "social", "payment", "face", "verification",
            "oaid"} <= kinds <= KINDS | {"other"}
    for sid in ("huawei_push", "honor_push", "xiaomi_push", "oppo_push", "vivo_push", "meizu_push", "pangle", "gdt",
                "kuaishou_ads", "baidu_mobads", "sigmob", "mintegral", "umeng", "talkingdata", "growingio",
                "sensorsdata", "baidu_mobstat", "guance_rum", "tingyun", "bugly", "firebase", "wechat_opensdk",
                "qq_connect", "weibo_sdk", "alipay", "unionpay", "douyin_opensdk", "amap", "baidu_location",
                "tencent_map", "megvii_faceid", "sensetime_liveness", "tencent_huiyan", "alibaba_realidentity",
                "baidu_face", "cmcc_auth", "unicom_auth", "ctcc_auth", "jverification", "aliyun_numberauth",
                "msa_oaid"):
        assert sid in sdks, sid
    for sid in ("amap", "baidu_location", "tencent_map"):
        assert sdks[sid]["miniprogram"]["packages"], f"{sid} has no mini-program SDK"


# ---- code and network lookups


def test_packages_match_whole_components_longest_first(cat: Catalogue) -> None:
    assert cat.by_package("com.umeng.analytics.MobclickAgent") == ("umeng", "com.umeng")
    assert cat.by_package("com.umengx.Foo") is None
    assert cat.by_package("com.huawei.hms.ads.identifier.AdvertisingIdClient")[0] == "huawei_oaid"
    assert cat.by_package("com.huawei.hms.push.HmsMessageService")[0] == "huawei_push"
    assert cat.by_class("Lcom/tencent/mm/opensdk/openapi/WXAPIFactory;") == "wechat_opensdk"
    assert cat.by_class("Lcom/tencent/mm/ui/LauncherUI;") is None


def test_native_libraries_and_components(cat: Catalogue) -> None:
    assert cat.by_native_lib("lib/arm64-v8a/libjcore230.so") == "jpush"
    assert cat.by_native_lib("lib/armeabi-v7a/libAMapSDK_MAP_v9_4_0.so") == "amap"
    assert cat.by_native_lib("lib/arm64-v8a/libmsaoaidsec.so") == "msa_oaid"
    assert cat.by_native_lib("lib/arm64-v8a/libmegface_v3.so") == "megvii_faceid"
    assert cat.by_native_lib("lib/arm64-v8a/libBuglyish.so") is None
    assert cat.by_component("com.xiaomi.push.service.XMPushService") == "xiaomi_push"
    assert cat.by_component("com.hihonor.push.sdk.PushReceiver") == "honor_push"
    assert cat.by_component("com.example.app.MainActivity") is None


def test_domains_match_as_suffixes_longest_first(cat: Catalogue) -> None:
    assert cat.by_domain("rum-openway.guance.com") == "guance_rum"
    assert cat.by_domain("a.b.amap.com") == "amap"
    assert cat.by_domain("apis.map.qq.com") == "tencent_map"
    assert cat.by_domain("gdt.qq.com") == "gdt"
    assert cat.by_domain("qq.com") is None
    assert cat.by_domain("notamap.com") is None
    assert cat.by_domain("pagead2.googlesyndication.com") == "admob"


def test_mini_program_sdks(cat: Catalogue) -> None:
    assert cat.by_miniprogram_package("utils/qqmap-wx-jssdk.min.js") == "tencent_map"
    assert cat.by_miniprogram_package("libs/amap-wx.130.js") == "amap"
    assert cat.by_miniprogram_package("@cloudcare/rum-miniapp") == "guance_rum"
    assert cat.by_miniprogram_domain("restapi.amap.com") == "amap"
    assert cat.by_miniprogram_domain("api.map.baidu.com") == "baidu_location"
    # uni-app's built-in analytics (uni统计): both the 1.0 and the 2.0 collector
    assert cat.by_miniprogram_domain("tongji.dcloud.io") == "dcloud_unistat"
    assert cat.by_domain("tongji-collector.dcloud.net.cn") == "dcloud_unistat"
    assert cat.by_miniprogram_package("@dcloudio/uni-stat") == "dcloud_unistat"


# ---- names


def test_latin_aliases_only_as_whole_words(names: NameIndex) -> None:
    assert found(names, "chromium Forum Premium museum umbrella") == []
    assert found(names, "集成了UMSDK用于统计") == [("umeng", "UMSDK")]
    assert found(names, "本应用接入MTA统计") == [("tencent_mta", "MTA")]
    assert found(names, "我们使用uni统计SDK统计页面访问") == [("dcloud_unistat", "uni统计SDK")]
    assert found(names, "SMTAX报表") == []


def test_short_chinese_aliases_need_a_token_edge(names: NameIndex) -> None:
    assert found(names, "个推用于推送唤醒功能") == [("getui", "个推")]
    assert found(names, "我们使用个推为您推送消息") == [("getui", "个推")]
    assert found(names, "我们会向您发送一个推送通知") == []
    assert found(names, "每个推荐位都会展示广告") == []


def test_brands_inside_a_company_name_are_the_company(names: NameIndex) -> None:
    assert found(names, "本服务由中华为民科技有限公司提供推送服务") == []
    assert found(names, "测试服务由广东OPPO移动通信有限公司提供") == []


def test_company_columns_of_sdk_tables(names: NameIndex) -> None:
    assert names.match("快手", "北京快手广告有限公司", "广告投放") == ["kuaishou_ads"]
    assert names.match("快手", "北京快手广告有限公司") == ["kuaishou_ads"]
    assert names.match("", "友盟同欣（北京）科技有限公司", "统计分析") == ["umeng"]
    # a Tencent row whose purpose names the WeChat SDK
    assert names.match("腾讯开放平台", "深圳市腾讯计算机系统有限公司", "分享内容到微信好友，发起微信支付") == [
        "wechat_opensdk"]
    # an SDK the catalogue does not know keeps no id, though its company makes others
    assert names.match("阿里云智能语音SDK", "阿里云计算有限公司", "语音识别") == []


def test_several_sdks_in_one_row_name(names: NameIndex) -> None:
    assert names.match("社会化分享SDK（微信、QQ、微博）", None, "分享") == ["wechat_opensdk", "qq_connect", "weibo_sdk"]


def test_makers_push_sdks_named_in_prose(names: NameIndex) -> None:
    text = "为了向您推送订单消息，我们会接入华为SDK、小米SDK、VIVO SDK或OPPO SDK（根据手机型号自动选择）。"
    assert [s for s, _ in found(names, text)] == ["huawei_push", "xiaomi_push", "vivo_push", "oppo_push"]
    text = "我们集成了手机厂商Push SDK（如小米、华为、VIVO、OPPO、荣耀等品牌），用于在系统通知栏展示消息。"
    assert [s for s, _ in found(names, text)] == ["xiaomi_push", "huawei_push", "vivo_push", "oppo_push",
                                                  "honor_push"]
    text = "为适配各品牌手机的消息推送，我们会通过SDK与终端厂商（魅族、华为、小米）共享设备型号。"
    assert [s for s, _ in found(names, text)] == ["meizu_push", "huawei_push", "xiaomi_push"]


def test_brands_and_sign_in_options_are_no_sdks_where_no_sdk_is_spoken_of(names: NameIndex) -> None:
    assert found(names, "您可以使用第三方账号微信、QQ、微博登录本应用，我们将获取您的头像和昵称。") == []
    assert found(names, "您也可以通过华为、小米等手机厂商的应用商店下载本应用。") == []


def test_a_list_item_without_the_word_sdk(names: NameIndex) -> None:
    text = "“华为HMS”：由“华为技术有限公司”提供，用于手机系统级推送通道。"
    assert ("huawei_push", "华为HMS") in found(names, text)


def test_a_brand_takes_its_sdk_from_the_words_before_sdk(names: NameIndex) -> None:
    assert found(names, "5.华为获取oaid SDK，来源于华为") == [("huawei_oaid", "华为获取oaid SDK")]
    assert found(names, "6.小米广告联盟SDK，来源于小米") == [("xiaomi_ads", "小米广告联盟SDK")]
    # a brand before a clause is not that clause's SDK
    assert found(names, "电信运营商会通过中移SDK完成一键登录") == [("cmcc_auth", "中移SDK")]


def test_a_service_named_inside_a_party_is_no_sdk(names: NameIndex) -> None:
    text = "支付功能由与我们合作的第三方支付机构（包括微信支付、支付宝）向您提供，其会收集您的银行卡号。"
    assert found(names, text) == []
    assert found(names, "我们接入了微信支付SDK，用于完成订单支付。") == [("wechat_opensdk", "微信支付SDK")]


def test_a_company_as_the_subject_names_its_only_sdk(names: NameIndex) -> None:
    text = "消息推送由每日互动股份有限公司提供技术服务，我们会向其提供设备标识。"
    assert found(names, text) == [("getui", "每日互动股份有限公司")]
    # in brackets after another SDK's name it is that SDK's provider
    assert found(names, "我们集成了某某视频SDK（每日互动股份有限公司），用于推送。") == []


def test_policy_reading_uses_the_catalogue() -> None:
    text = ("第三方SDK\n"
            "我们会通过华为SDK、小米SDK或OPPO SDK向您发送推送消息，并通过友盟SDK统计使用情况。\n"
            "SDK名称：快手\n第三方主体：北京快手广告有限公司\n使用目的：广告投放\n")
    got = {d.sdk for d in parse_policy_text(text).declarations if d.category is None}
    assert got == {"huawei_push", "xiaomi_push", "oppo_push", "umeng", "kuaishou_ads"}
