"""scan_field and key_categories: field names in English, Chinese and pinyin, combined with the value."""

from __future__ import annotations

import pytest

from auditor.pii import PIScanner, get_scanner
from auditor.pii.keys import key_words, normalise_key

ID = "11010519491231002X"  # GB 11643-1999 worked example


@pytest.fixture(scope="module")
def sc() -> PIScanner:
    return get_scanner()


def entities(hits: list) -> list[str]:
    return [h.entity for h in hits]


@pytest.mark.parametrize("key", ["idCardNo", "id_card_no", "ID-CARD-NO", "user[idCardNo]", "sfzh", "zjhm",
                                 "身份证号", "holderIdCardNo"])
def test_key_styles_normalise_to_one_name(sc: PIScanner, key: str) -> None:
    assert ("CN_RESIDENT_ID", "id_document") in [(e, c) for e, c, _ in sc.key_categories(key)]


def test_key_words_split_camel_snake_and_brackets() -> None:
    assert key_words("user[idCardNo]") == ["id", "card", "no"]
    assert normalise_key("receiverPhone") == "receiverphone"
    assert normalise_key("GPS_Lat") == "gpslat"


@pytest.mark.parametrize("key,entity", [("xm", "PERSON_NAME"), ("lxdh", "CN_MOBILE"), ("jtdz", "ADDRESS"),
                                        ("csrq", "BIRTH_DATE"), ("yhkh", "BANK_CARD"), ("cph", "CN_PLATE"),
                                        ("la", "COORDINATES"), ("lo", "COORDINATES"), ("oaid", "OAID"),
                                        ("androidId", "ANDROID_ID"), ("faceImage", "FACE_IMAGE"),
                                        ("fpTemplate", "FINGERPRINT_TEMPLATE"), ("bssid", "BSSID")])
def test_pinyin_and_english_keys(sc: PIScanner, key: str, entity: str) -> None:
    assert entity in [e for e, _, _ in sc.key_categories(key)]


def test_unknown_key_names_nothing(sc: PIScanner) -> None:
    assert sc.key_categories("goodsName") == []
    assert sc.key_categories("") == []


def test_key_plus_valid_value_is_strong(sc: PIScanner) -> None:
    [hit] = sc.scan_field("body.data.sfzh", "sfzh", ID)
    assert (hit.entity, hit.category, hit.start, hit.end) == ("CN_RESIDENT_ID", "id_document", 0, 18)
    assert hit.score >= 0.9 and set(hit.evidence) == {"key", "value"}


@pytest.mark.parametrize("value", [True, False, None, "", "  ", "1", "0", "null", "张*", "138****5678"])
def test_ambiguous_key_with_flag_enum_or_masked_value_is_not_a_hit(sc: PIScanner, value: object) -> None:
    for key in ("xm", "mobile", "sfzh", "lxdh"):
        assert sc.scan_field(f"query.{key}", key, value) == []


def test_checksum_failure_under_id_key_is_not_a_hit(sc: PIScanner) -> None:
    assert sc.scan_field("body.sfzh", "sfzh", "110105194912310021") == []


def test_pinyin_name_key_with_chinese_name(sc: PIScanner) -> None:
    assert entities(sc.scan_field("body.xm", "xm", "欧阳娜娜")) == ["PERSON_NAME"]
    assert entities(sc.scan_field("body.realName", "realName", "王伟")) == ["PERSON_NAME"]
    assert sc.scan_field("body.xm", "xm", "王老师") == []  # a form of address, not a name


def test_generic_name_key_needs_a_pi_sibling(sc: PIScanner) -> None:
    assert sc.scan_field("body.name", "name", "王老吉") == []  # a drink brand in a product list
    parent = {"name": "李娜", "mobile": "13812345678"}
    assert entities(sc.scan_field("body.name", "name", "李娜", parent=parent)) == ["PERSON_NAME"]


def test_lat_lng_abbreviations_pair_up(sc: PIScanner) -> None:
    parent = {"la": 39.990475, "lo": 116.480512, "acc": 30}
    [lat] = sc.scan_field("query.la", "la", 39.990475, parent=parent)
    [lng] = sc.scan_field("query.lo", "lo", 116.480512, parent=parent)
    assert lat.entity == lng.entity == "COORDINATES" and lat.category == "precise_location"
    alone = sc.scan_field("query.la", "la", 39.990475, parent={"la": 39.990475})
    assert alone and alone[0].score < lat.score  # a pair is a location fix; one axis is weaker


def test_repeated_values_still_depend_on_their_siblings() -> None:
    """A key remembers its last value and hits; where siblings decide, they still must."""
    sc = PIScanner()
    track = {"la": 39.990475, "lo": 116.480512}
    for _ in range(2):
        assert entities(sc.scan_field("b.name", "name", "李娜", parent={"name": "李娜", "mobile": "13812345678"})) \
            == ["PERSON_NAME"]
        assert sc.scan_field("b.name", "name", "李娜", parent={"name": "李娜", "mobile": ""}) == []
        [paired] = sc.scan_field("q.la", "la", 39.990475, parent=track)
        [alone] = sc.scan_field("q.la", "la", 39.990475, parent={"la": 39.990475, "lo": "unknown"})
        assert alone.score < paired.score
        for imei, found in [("490154203237518", ["IMEI"]), ("490154203237519", []), ("490154203237518", ["IMEI"])]:
            assert entities(sc.scan_field("h.imei", "imei", imei)) == found


@pytest.mark.parametrize("key,value", [("la", "zh-CN"), ("lat", 0), ("lng", "0.0"), ("lat", 4.9e-324),
                                       ("longitude", 200.123456), ("latitude", -33.868820), ("lat", "39.9")])
def test_coordinate_keys_with_non_coordinates(sc: PIScanner, key: str, value: object) -> None:
    assert sc.scan_field(f"q.{key}", key, value) == []


def test_location_pair_in_one_field(sc: PIScanner) -> None:
    assert entities(sc.scan_field("q.location", "location", "116.480512,39.990475")) == ["COORDINATES"]


def test_uuid_only_under_a_device_key(sc: PIScanner) -> None:
    uuid = "3f2a9c1e-5b7d-4e8a-9c3b-1d2e3f4a5b6c"
    assert sc.scan_field("h.requestId", "requestId", uuid) == []
    assert sc.scan_field("h.x", "x", uuid) == []
    assert entities(sc.scan_field("h.oaid", "oaid", uuid)) == ["OAID"]
    assert entities(sc.scan_field("h.deviceId", "deviceId", uuid)) == ["OAID"]


def test_generic_device_key_takes_the_entity_the_value_fits(sc: PIScanner) -> None:
    assert entities(sc.scan_field("h.did", "did", "490154203237518")) == ["IMEI"]
    assert entities(sc.scan_field("h.did", "did", "9774d56d682e549c")) == ["ANDROID_ID"]
    assert sc.scan_field("h.did", "did", "unknown") == []


def test_record_ids_are_not_phones(sc: PIScanner) -> None:
    assert sc.scan_field("d.orderId", "orderId", "13812345678") == []
    assert sc.scan_field("d.payOrderId", "payOrderId", "13812345678") == []
    assert entities(sc.scan_field("d.account", "account", "13812345678")) == ["CN_MOBILE"]


def test_value_alone_with_unknown_key(sc: PIScanner) -> None:
    assert entities(sc.scan_field("d.v1", "v1", ID)) == ["CN_RESIDENT_ID"]
    assert entities(sc.scan_field("d.v1", "v1", 13812345678)) == ["CN_MOBILE"]  # numbers arrive as ints


def test_free_text_value_is_scanned_as_text(sc: PIScanner) -> None:
    hits = sc.scan_field("d.remark", "remark", "请联系收货人张伟，电话13812345678，谢谢")
    assert sorted(entities(hits)) == ["CN_MOBILE", "PERSON_NAME"]
    phone = next(h for h in hits if h.entity == "CN_MOBILE")
    assert "请联系收货人张伟，电话13812345678，谢谢"[phone.start:phone.end] == "13812345678"


def test_timestamps_and_trace_ids_are_negative(sc: PIScanner) -> None:
    assert sc.scan_field("d.ts", "ts", 1700000000123) == []
    assert sc.scan_field("d.x", "x", 1700000000123) == []
    assert sc.scan_field("d.traceId", "traceId", "4bf92f3577b34da6a3ce929d0e0e4736") == []
    assert sc.scan_field("d.x", "x", "4bf92f3577b34da6") == []  # 16 hex, but no device key


@pytest.mark.parametrize("key", ["oaid", "mobile", "sfzh", "imei", "remark", "la"])
def test_distinct_values_judged_together_say_what_each_says_alone(sc: PIScanner, key: str) -> None:
    """scan_distinct is a shortcut for columns of different values: its counts and texts, plus
    scan_field on the values it hands back, must be what scan_field says value by value."""
    values: list[object] = [f"{i:02x}a1b2c3d4e5f60718293a4b5c6d7e8f" for i in range(12)] + [
        "13912345678", "13812345678", ID, "00000000-0000-0000-0000-000000000000", "", None, 0, 13700001111,
        "864512030617459", "31.823456", "家住北京市朝阳区建国路88号院3号楼，联系人张伟" * 3]
    one_by_one: dict[tuple[str, float], list[str]] = {}
    for v in values:
        for h in sc.scan_field("", key, v):
            one_by_one.setdefault((h.entity, round(h.score, 6)), []).append(h.text)
    judged, rest = sc.scan_distinct(key, values)
    together: dict[tuple[str, float], list[str]] = {}
    for d in judged:
        together.setdefault((d.first.entity, round(d.first.score, 6)), []).extend(d.texts)
        assert d.count == len(d.texts)  # the values are all different
        assert str(values[d.position]).strip() == d.first.text
    for pos in rest:
        for h in sc.scan_field("", key, values[pos]):
            together.setdefault((h.entity, round(h.score, 6)), []).append(h.text)
    assert {k: sorted(v) for k, v in together.items()} == {k: sorted(v) for k, v in one_by_one.items()}
    if key in ("oaid", "mobile", "sfzh"):
        assert judged  # a plain key: its passes are counted, not handed back
    if key == "la":
        assert not judged and rest == list(range(len(values)))  # an axis needs its record: all handed back


def test_contact_name_keys_short_keys_and_app_lists() -> None:
    from auditor.pii.cli_scan import scan_lines

    def entities(line: str) -> set[tuple[str, str]]:
        return {(e["path"], e["entity"]) for e in scan_lines([line])[0]["entities"]}

    assert ("$.linkMan", "PERSON_NAME") in entities('{"linkMan": "王芳", "linkPhone": "13912345678"}')
    assert ("$.LinkName", "PERSON_NAME") in entities('{"LinkName": "欧阳娜娜"}')
    assert entities('{"n": "张伟", "p": "13812345678"}') == {("$.n", "PERSON_NAME"), ("$.p", "CN_MOBILE")}
    assert entities('{"name": "旗舰店", "price": "13812345678"}') == set()
    assert entities('{"pkgList": ["com.tencent.mm", "com.eg.android.AlipayGphone"]}') == {
        ("$.pkgList[0]", "APP_LIST"), ("$.pkgList[1]", "APP_LIST")}
    assert entities('{"installedApps": "com.ss.android.ugc.aweme,com.taobao.taobao"}') == {
        ("$.installedApps", "APP_LIST")}
    assert entities('{"appList": "www.qq.com"}') == set()
    assert entities('{"clientIp": "36.110.12.5"}') == {("$.clientIp", "IP_ADDRESS")}
    # a whole value that is an address is one, under any key; which ones matter is the reader's call
    assert entities('{"gateway": "fe80::1ff:fe23:4567:890a", "ver": "2.1.0.11"}') == {("$.gateway", "IP_ADDRESS")}
