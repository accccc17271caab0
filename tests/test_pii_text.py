"""scan_text on Chinese and mixed free text: names, addresses, context words, hard negatives, windows."""

from __future__ import annotations

import pytest

from auditor.pii import PIScanner, get_scanner
from auditor.pii.scanner import OVERLAP, WINDOW

ID = "11010519491231002X"


@pytest.fixture(scope="module")
def sc() -> PIScanner:
    return get_scanner()


def found(sc, text: str) -> list[tuple[str, str]]:
    return [(h.entity, text[h.start:h.end]) for h in sc.scan_text(text)]


def test_delivery_line(sc: PIScanner) -> None:
    text = "收货人：欧阳娜娜，电话：+86 139-1234-5678，地址：上海市徐汇区漕溪北路595号3号楼1201室"
    got = found(sc, text)
    assert ("PERSON_NAME", "欧阳娜娜") in got  # compound surname kept whole
    assert ("CN_MOBILE", "+86 139-1234-5678") in got
    assert ("ADDRESS", "上海市徐汇区漕溪北路595号3号楼1201室") in got


def test_name_needs_context(sc: PIScanner) -> None:
    assert ("PERSON_NAME", "张伟") in found(sc, "联系人张伟，请尽快回电。")
    assert ("PERSON_NAME", "司马云飞") in found(sc, "司马云飞先生您好，您的订单已发货。")
    assert found(sc, "今天周一，张家界旅游团从王府井大街出发。") == []
    assert found(sc, "王者荣耀新赛季上线，李宁新品八折。") == []


def test_address_needs_a_house_number(sc: PIScanner) -> None:
    assert found(sc, "北京市朝阳区今天天气晴。") == []
    assert found(sc, "乘坐地铁10号线到国贸站。") == []
    got = found(sc, "我家住在广东省深圳市南山区科苑路15号，欢迎来玩。")
    assert got == [("ADDRESS", "广东省深圳市南山区科苑路15号")]


def test_id_in_running_chinese_without_word_boundaries(sc: PIScanner) -> None:
    assert found(sc, f"身份证号{ID}已绑定") == [("CN_RESIDENT_ID", ID)]
    assert found(sc, f"流水号2023{ID}01") == []  # inside a longer digit run


def test_phone_inside_longer_digit_runs_is_not_a_phone(sc: PIScanner) -> None:
    assert found(sc, "流水号20230313812345678901") == []
    assert found(sc, "订单号：1700000000123138，时间戳1700000000123") == []


def test_context_words_lift_weak_shapes(sc: PIScanner) -> None:
    assert found(sc, "IMEI：490154203237518") == [("IMEI", "490154203237518")]
    assert found(sc, "批次号 490154203237518 质检合格") == []
    assert found(sc, "台胞证号码：12345678") == [("CN_TW_PERMIT", "12345678")]
    assert found(sc, "出生日期：1990年3月7日") == [("BIRTH_DATE", "1990年3月7日")]
    assert found(sc, "活动时间：2023年5月1日") == []


def test_prices_next_to_coordinates(sc: PIScanner) -> None:
    assert found(sc, "价格：119.00,39.90 元") == []
    got = found(sc, "当前位置 116.480512,39.990475 价格 99.00,45.50")
    assert got == [("COORDINATES", "116.480512,39.990475")]


def test_plates_and_emails(sc: PIScanner) -> None:
    assert found(sc, "您的车辆粤B·D12345已驶入停车场") == [("CN_PLATE", "粤B·D12345")]
    assert found(sc, "发票将发送至 zhangwei88@163.com") == [("EMAIL", "zhangwei88@163.com")]
    assert found(sc, "图片 icon@2x.png 已上传") == []


def test_version_strings_and_trace_ids(sc: PIScanner) -> None:
    assert found(sc, "WeChat/8.0.47.2560 NetType/WIFI Language/zh_CN build/TP1A.220624.014") == []
    assert found(sc, "traceId=4bf92f3577b34da6a3ce929d0e0e4736 spanId=00f067aa0ba902b7") == []


def test_hit_across_a_window_boundary_is_found_once_at_its_offset(sc: PIScanner) -> None:
    step = WINDOW - 2 * OVERLAP
    for boundary in (step, step + OVERLAP, WINDOW):
        pad = "这是一段很长的隐私政策文本。" * (boundary // 14 + 1)
        text = pad[: boundary - 9] + "身份证号" + ID + pad[: 3 * WINDOW]
        hits = [h for h in sc.scan_text(text) if h.entity == "CN_RESIDENT_ID"]
        assert [(h.start, text[h.start:h.end]) for h in hits] == [(boundary - 5, ID)]


def test_a_repeated_text_gives_the_same_hits_in_a_list_of_its_own() -> None:
    """Texts up to one window are cached whole; a caller changing its list must not change the next answer."""
    sc = PIScanner()
    text = "收货人：欧阳娜娜，电话：+86 139-1234-5678"
    first = sc.scan_text(text)
    expected = list(first)
    first.clear()
    assert sc.scan_text(text) == expected and len(expected) == 2


def test_names_in_prose_without_a_trigger_word(sc: PIScanner) -> None:
    """The tagger finds names a trigger list never could; compound surnames and dotted names stay whole."""
    assert ("PERSON_NAME", "白雅宁") in found(sc, "白雅宁是一位43岁的女性，从事教育工作。")
    assert ("PERSON_NAME", "韩雪梅") in found(sc, "目前正在韩雪梅医生的指导下治疗。")
    assert ("PERSON_NAME", "王吉瑛") in found(sc, "本报记者王吉瑛报道")
    assert ("PERSON_NAME", "张伟") in found(sc, "你好，我是张伟，请多关照。")
    assert ("PERSON_NAME", "司马光明") in found(sc, "司马光明昨天去了学校。")
    assert ("PERSON_NAME", "阿卜杜拉·买买提") in found(sc, "阿卜杜拉·买买提来自新疆。")


def test_policy_prose_has_no_names(sc: PIScanner) -> None:
    text = ("我们会向您收集设备信息、网络身份标识信息和位置信息，用于安全风控和向您提供服务。"
            "您可以在设置中关闭定位权限。和其他第三方共享时，我们将征得您的同意。")
    assert [e for e, _ in found(sc, text) if e == "PERSON_NAME"] == []


def test_addresses_without_a_house_number(sc: PIScanner) -> None:
    assert found(sc, "她住在湘潭县城塘社区。") == [("ADDRESS", "湘潭县城塘社区")]
    assert ("ADDRESS", "吉林省吉林市小皇村") in found(sc, "家在吉林省吉林市小皇村")
    assert found(sc, "现居住于黑龙江省哈尔滨市道里区，") == [("ADDRESS", "黑龙江省哈尔滨市道里区")]
    assert found(sc, "山东深化农村信用社改革已经进入股份制阶段。") == []
    assert ("ADDRESS", "青岛市市南区香港中路18号") in found(sc, "公司位于青岛市市南区香港中路18号")


def test_landlines_cards_ips_and_build_numbers(sc: PIScanner) -> None:
    assert found(sc, "电话（0351）6208928") == [("CN_LANDLINE", "（0351）6208928")]
    assert found(sc, "前台053141354977") == [("CN_LANDLINE", "053141354977")]
    assert found(sc, "信用卡 4111 1111 1111 1111") == [("BANK_CARD", "4111 1111 1111 1111")]
    assert found(sc, "Amex 371449635398431") == [("BANK_CARD", "371449635398431")]
    assert found(sc, "订单号 4111111111111111 已发货") == []
    assert found(sc, "固件 Build 15261322923 已是最新") == []
    assert found(sc, "登录IP：36.110.12.5，设备 2400:c401::5054:ff:fe1b:b031。") == [
        ("IP_ADDRESS", "36.110.12.5"), ("IP_ADDRESS", "2400:c401::5054:ff:fe1b:b031")]
    assert found(sc, "详见第3.1.2.4条，版本 8.0.1.2") == []
    assert found(sc, "Server IP: 203.0.113.7, DNS 8.8.8.8") == []  # no one's address


def test_news_names_foreign_and_with_forms_of_address(sc: PIScanner) -> None:
    """Transliterated names in news are names; clubs named like people and forms of address are not."""
    assert ("PERSON_NAME", "安切洛蒂") in found(sc, "赛后主帅安切洛蒂表示球队踢得很好。")
    assert ("PERSON_NAME", "温家宝") in found(sc, "会议上，温家宝总理强调要稳定就业。")  # 家 starts a given name
    assert [e for e, _ in found(sc, "本轮马德里竞技vs桑坦德，主队让半球。") if e == "PERSON_NAME"] == []
    assert [e for e, _ in found(sc, "就像刚才陈导说的，这部电影周董也会参加。") if e == "PERSON_NAME"] == []
    assert [e for e, _ in found(sc, "他在《哈利·波特与魔法石》里演一个配角。") if e == "PERSON_NAME"] == []


def test_places_named_without_a_number(sc: PIScanner) -> None:
    assert ("ADDRESS", "汾江中路") in found(sc, "他下班后到汾江中路某银行取钱。")
    assert ("ADDRESS", "马驹桥镇") in found(sc, "新项目将带动马驹桥镇的发展。")
    assert found(sc, "我们会通过官方渠道通知您，城镇居民可在线办理。") == []
    assert found(sc, "这家公司的业绩开始走下坡路。") == []


def names(sc: PIScanner, text: str) -> list[str]:
    return [w for e, w in found(sc, text) if e == "PERSON_NAME"]


def test_words_shown_to_be_places_or_forms_of_address_are_no_names(sc: PIScanner) -> None:
    """One sense per text, lists of places, village-shaped words and 老/小 + surname."""
    assert names(sc, "霍芬海vs科隆：霍芬海打弱旅很有把握。") == []  # the vs mention decides the other
    assert names(sc, "游客常去蒋村的老街，蒋村人都很热情。") == []  # LAC is surer of the place
    assert names(sc, "游客可以去鼓浪屿和东姑岛，东姑和鼓浪屿又都很美。") == []
    assert names(sc, "老刘告诉记者，今年的收成不错。") == []
    assert names(sc, "董家河今年通了公交车。") == []


def test_names_after_roles_speakers_and_pseudonym_notes(sc: PIScanner) -> None:
    assert names(sc, "公司副总经理曹立新说，业绩会好转。") == ["曹立新"]
    assert names(sc, "林晓峰：我觉得这场比赛很关键。") == ["林晓峰"]
    assert names(sc, "市民邢钢（化名）告诉记者，他上当了。") == ["邢钢"]


def test_address_parts_joined_and_names_kept_whole(sc: PIScanner) -> None:
    assert found(sc, "锦绣花苑位于海淀区学院路18号，交通便利。") == [("ADDRESS", "锦绣花苑位于海淀区学院路18号")]
    assert found(sc, "限行区域为北辰大道、共和大街、人民路。") == [
        ("ADDRESS", "北辰大道"), ("ADDRESS", "共和大街"), ("ADDRESS", "人民路")]
    assert found(sc, "我去过四川的泸沽湖镇，风景很美。") == [("ADDRESS", "泸沽湖镇")]
    assert found(sc, "她家在株洲荷塘社区。") == [("ADDRESS", "株洲荷塘社区")]
