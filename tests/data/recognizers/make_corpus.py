"""Write corpus.jsonl: the labelled recognizer corpus (fixed seed, so the file is reproducible).

Run: .venv/bin/python tests/data/recognizers/make_corpus.py

Identifiers are generated so that their checksums are right (GB 11643 check digit, Luhn) from real
numbering ranges (county codes from python-stdnum's GB/T 2260 table, mobile prefixes valid in
libphonenumber's CN metadata, UnionPay BINs); labels come from what this script inserted, never from
the scanner. About a third of the cases are hard negatives: near-miss identifiers, order numbers,
timestamps, trace ids, prices beside coordinates, coarse places, words that start with a surname.

Each line is one case:
  {"id", "kind": "text", "text", "expect": [[ENTITY, substring], ...]}
  {"id", "kind": "field", "path", "key", "value", "parent", "url", "expect": [[ENTITY, null|substring]]}
  {"id", "kind": "bytes", "path", "key", "file", "mime", "url", "expect": [[ENTITY, null]]}
null as substring means the whole value. An empty expect list is a negative case.
"""

from __future__ import annotations

import base64
import json
import random
import struct
import uuid
from pathlib import Path
from typing import Any

import phonenumbers
from stdnum import luhn, numdb
from stdnum.cn import ric

HERE = Path(__file__).resolve().parent
rng = random.Random(20251125)
cases: list[dict[str, Any]] = []


def add_text(text: str, *expect: tuple[str, str], tag: str = "") -> None:
    for _, sub in expect:
        assert sub in text, (sub, text)
    cases.append({"kind": "text", "text": text, "expect": [list(e) for e in expect], "tag": tag})


def add_field(
    key: str,
    value: Any,
    *expect: tuple[str, str | None],
    path: str = "",
    parent: dict[str, Any] | None = None,
    url: str = "",
    tag: str = "",
) -> None:
    cases.append(
        {
            "kind": "field",
            "path": path or f"body.data.{key}",
            "key": key,
            "value": value,
            "parent": parent if parent is not None else {key: value},
            "url": url,
            "expect": [list(e) for e in expect],
            "tag": tag,
        }
    )


def add_bytes(key: str, file: str, mime: str, url: str, *expect: tuple[str, None], tag: str = "") -> None:
    cases.append(
        {
            "kind": "bytes",
            "path": f"multipart.{key}",
            "key": key,
            "file": file,
            "mime": mime,
            "url": url,
            "expect": [list(e) for e in expect],
            "tag": tag,
        }
    )


# -- identifiers ----------------------------------------------------------------------------------


def _counties() -> list[str]:
    codes = []
    for line in (Path(ric.__file__).parent / "loc.dat").read_text(encoding="utf-8").splitlines():
        if line[:1].isdigit():
            prov = line[:2]
        elif line.startswith("  ") and line.strip()[:4].isdigit():
            code, _, rest = line.strip().partition(" ")
            if "[" not in rest and code[2:] != "00" and "市辖区" not in rest:
                codes.append(prov + code)
    return codes


COUNTIES = _counties()
assert numdb.get("cn/loc")


def resident_id(valid: bool = True) -> str:
    while True:
        born = f"{rng.randint(1950, 2006)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        body = rng.choice(COUNTIES) + born + f"{rng.randint(0, 999):03d}"
        check = ric.calc_check_digit(body + "0")
        if valid:
            return body + check
        wrong = rng.choice([c for c in "0123456789" if c != check])
        return body + wrong


def resident_id_15() -> str:
    return (
        rng.choice(COUNTIES)
        + f"{rng.randint(40, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        + f"{rng.randint(0, 999):03d}"
    )


MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "193",
    "195",
    "198",
    "199",
]


def mobile() -> str:
    while True:
        n = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(n, "CN")):
            return n


def mobile_formatted(n: str) -> str:
    return rng.choice(
        [
            n,
            f"+86 {n}",
            f"+86-{n[:3]}-{n[3:7]}-{n[7:]}",
            f"{n[:3]} {n[3:7]} {n[7:]}",
            f"0086{n}",
            f"{n[:3]}-{n[3:7]}-{n[7:]}",
        ]
    )


AREA = [
    ("010", 8),
    ("020", 8),
    ("021", 8),
    ("022", 8),
    ("023", 8),
    ("025", 8),
    ("027", 8),
    ("028", 8),
    ("029", 8),
    ("0755", 8),
    ("0571", 8),
    ("0512", 8),
    ("0731", 8),
    ("0851", 8),
    ("0532", 8),
    ("0591", 8),
]


def landline() -> str:
    while True:
        area, n = rng.choice(AREA)
        local = str(rng.randint(2, 8)) + "".join(str(rng.randint(0, 9)) for _ in range(n - 1))
        s = rng.choice([f"{area}-{local}", f"({area}){local}", f"{area} {local}"])
        p = phonenumbers.parse(s, "CN")
        if phonenumbers.is_valid_number(p) and phonenumbers.number_type(p) == phonenumbers.PhoneNumberType.FIXED_LINE:
            return s


BINS = ["622202", "622848", "621700", "621661", "622588", "622262", "621226", "622700", "623668", "621483"]


def luhn_complete(prefix: str, length: int) -> str:
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(length - len(prefix) - 1))
    return body + luhn.calc_check_digit(body)


def bank_card() -> str:
    n = luhn_complete(rng.choice(BINS), rng.choice([16, 19, 19]))
    return rng.choice([n, " ".join(n[i : i + 4] for i in range(0, len(n), 4))])


def bad_luhn(prefix: str, length: int) -> str:
    n = luhn_complete(prefix, length)
    return n[:-1] + str((int(n[-1]) + rng.randint(1, 9)) % 10)


def imei() -> str:
    return luhn_complete(rng.choice(["86", "35", "86"]) + f"{rng.randint(0, 999999):06d}", 15)


def iccid() -> str:
    return luhn_complete(rng.choice(["898600", "898601", "898603", "898611"]), 20)


def imsi() -> str:
    return rng.choice(["46000", "46001", "46002", "46007", "46011"]) + f"{rng.randint(0, 9999999999):010d}"


def meid() -> str:
    return "A" + "".join(rng.choice("0123456789ABCDEF") for _ in range(13))


def hexs(n: int, upper: bool = False) -> str:
    s = "".join(rng.choice("0123456789abcdef") for _ in range(n))
    return s.upper() if upper else s


def uid() -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def mac() -> str:
    first = rng.choice(["3c", "a4", "f0", "8c", "d8", "b0", "ac", "64"])
    return ":".join([first] + [hexs(2) for _ in range(5)])


def passport() -> str:
    return rng.choice(
        [f"E{rng.randint(10000000, 99999999)}", f"E{rng.choice('ABCDEFGH')}{rng.randint(1000000, 9999999)}"]
    )


PROVS = "京沪粤浙苏川鄂陕鲁闽湘豫"


def plate() -> str:
    p = rng.choice(PROVS) + rng.choice("ABCDEFGHK")
    kind = rng.randint(0, 3)
    if kind == 0:
        return (
            p
            + rng.choice(["D", "F"])
            + "".join(rng.choice("0123456789ABCDEFGHJK") for _ in range(1))
            + f"{rng.randint(1000, 9999)}"
        )
    if kind == 1:
        return p + "·" + f"{rng.randint(10000, 99999)}"
    if kind == 2:
        return p + f"{rng.randint(100, 999)}" + rng.choice("ABCDEFGHJK") + str(rng.randint(0, 9))
    return p + f"{rng.randint(10000, 99999)}" + "D"


# -- names and addresses --------------------------------------------------------------------------

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏"
)
COMPOUND = ["欧阳", "司马", "上官", "诸葛", "东方", "慕容", "司徒", "令狐"]
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "晓东",
    "建国",
    "建华",
    "志强",
    "海燕",
    "晨",
    "欣怡",
    "子涵",
    "浩然",
    "宇轩",
    "梓萱",
    "一诺",
    "思远",
    "雨桐",
    "嘉怡",
    "俊杰",
    "文博",
    "佳琪",
    "雪梅",
    "国平",
    "立新",
    "红梅",
    "振华",
    "玉兰",
]


def name() -> str:
    if rng.random() < 0.12:
        return rng.choice(COMPOUND) + rng.choice(["娜娜", "明", "云飞", "静", "晓峰", "雪"])
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


PLACES = [
    ("北京市", "朝阳区", ["建国路", "朝阳北路", "东三环中路", "望京街"]),
    ("北京市", "海淀区", ["中关村大街", "学院路", "知春路", "苏州街"]),
    ("上海市", "徐汇区", ["漕溪北路", "肇嘉浜路", "虹桥路"]),
    ("上海市", "浦东新区", ["世纪大道", "张杨路", "陆家嘴环路"]),
    ("广东省深圳市", "南山区", ["科苑路", "深南大道", "南海大道"]),
    ("广东省广州市", "天河区", ["天河路", "体育西路", "黄埔大道"]),
    ("浙江省杭州市", "西湖区", ["文三路", "天目山路", "教工路"]),
    ("江苏省南京市", "鼓楼区", ["中山北路", "北京西路", "湖南路"]),
    ("四川省成都市", "武侯区", ["人民南路", "科华北路", "武侯祠大街"]),
    ("湖北省武汉市", "洪山区", ["珞喻路", "雄楚大道", "光谷大道"]),
    ("陕西省西安市", "雁塔区", ["小寨西路", "长安南路", "科技路"]),
    ("山东省青岛市", "市南区", ["香港中路", "东海西路", "南京路"]),
]
COMPOUNDS = ["阳光花园", "翠湖小区", "金色家园", "锦绣公寓", "丽景苑", "幸福新村", "万科城市花园"]


def address(full: bool = True) -> str:
    prov_city, district, roads = rng.choice(PLACES)
    road = rng.choice(roads) + f"{rng.randint(1, 999)}号"
    tail = rng.choice(
        [
            "",
            f"{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元{rng.randint(1, 30)}0{rng.randint(1, 4)}室",
            f"{rng.randint(1, 12)}号楼{rng.randint(101, 2505)}室",
            f"{rng.choice(COMPOUNDS)}{rng.randint(1, 20)}栋",
        ]
    )
    head = prov_city + district if full else district
    return head + road + tail


def coord() -> tuple[str, str]:
    lng = rng.uniform(100.0, 122.0)
    lat = rng.uniform(22.0, 45.0)
    d = rng.choice([6, 6, 5, 4])
    return f"{lng:.{d}f}", f"{lat:.{d}f}"


def email() -> str:
    user = rng.choice(["zhangwei", "li.na", "wangfang88", "chen_jie", "liuyang2001", "xiaoming", "hr.team"])
    domain = rng.choice(["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "aliyun.com"])
    return f"{user}{rng.randint(1, 999)}@{domain}"


def birth() -> str:
    y, m, d = rng.randint(1955, 2008), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice([f"{y}-{m:02d}-{d:02d}", f"{y}年{m}月{d}日", f"{y}/{m:02d}/{d:02d}"])


# -- free-text positives --------------------------------------------------------------------------


def text_positives() -> None:
    for _ in range(30):
        i = resident_id()
        t = rng.choice(
            [
                "请核对身份证号：{i}，如有误请联系客服。",
                "用户实名认证成功，证件号码{i}已绑定。",
                "[INFO] realname verify ok idcard={i} uid=10086",
                "公民身份号码 {i} 对应账户已冻结",
                "{i}",
                "居住证号码：{i}，有效期至2030年。",
            ]
        ).format(i=i)
        add_text(t, ("CN_RESIDENT_ID", i))
    for _ in range(6):
        i = resident_id_15()
        add_text(f"旧版身份证号{i}需更换为18位号码。", ("CN_RESIDENT_ID", i))
    for _ in range(30):
        m = mobile_formatted(mobile())
        t = rng.choice(
            [
                "手机号：{m}",
                "如有疑问请致电{m}，谢谢！",
                "联系电话 {m}（工作日9:00-18:00）",
                "sms send to={m} status=ok",
                "验证码已发送至{m}，5分钟内有效。",
                "{m}",
            ]
        ).format(m=m)
        add_text(t, ("CN_MOBILE", m))
    for _ in range(15):
        ln = landline()
        add_text(rng.choice(["办公电话：{l}", "座机 {l} 转 8001", "请拨打{l}预约"]).format(l=ln), ("CN_LANDLINE", ln))
    for _ in range(20):
        c = bank_card()
        add_text(
            rng.choice(
                [
                    "银行卡号：{c}",
                    "您尾号{t}的储蓄卡已绑定，卡号 {c}",
                    "提现至借记卡{c}成功",
                    "bind card no={c} bank=ICBC",
                ]
            ).format(c=c, t=c.replace(" ", "")[-4:]),
            ("BANK_CARD", c),
        )
    for _ in range(8):
        c = luhn_complete(rng.choice(["4392", "5187", "4563"]), 16)
        add_text(f"信用卡卡号：{c}，有效期 08/27", ("BANK_CARD", c))
    for _ in range(10):
        p = passport()
        add_text(rng.choice(["护照号码：{p}", "请上传护照（号码{p}）首页照片"]).format(p=p), ("CN_PASSPORT", p))
    for _ in range(6):
        p = rng.choice(["C", "C"]) + f"{rng.randint(10000000, 99999999)}"
        add_text(f"往来港澳通行证号码 {p}，签注有效。", ("CN_HKMO_PERMIT", p))
    for _ in range(6):
        p = rng.choice("HM") + f"{rng.randint(10000000, 99999999)}"
        add_text(f"回乡证号码：{p}", ("CN_HOME_RETURN_PERMIT", p))
    for _ in range(6):
        p = f"{rng.randint(10000000, 99999999)}"
        add_text(f"台胞证号码：{p}，请核对。", ("CN_TW_PERMIT", p))
    for _ in range(20):
        p = plate()
        add_text(
            rng.choice(["车牌号：{p}", "您的车辆{p}已驶入停车场", "ETC 绑定车牌 {p} 成功", "{p}"]).format(p=p),
            ("CN_PLATE", p),
        )
    for _ in range(15):
        e = email()
        add_text(rng.choice(["邮箱：{e}", "发票将发送至 {e}", "contact: {e}"]).format(e=e), ("EMAIL", e))
    for _ in range(12):
        b = birth()
        add_text(rng.choice(["出生日期：{b}", "生日 {b}", "birthday={b}"]).format(b=b), ("BIRTH_DATE", b))
    for _ in range(20):
        lng, lat = coord()
        pair = rng.choice([f"{lng},{lat}", f"{lat},{lng}", f"{lng}, {lat}"])
        add_text(
            rng.choice(["当前位置：{p}", "定位成功 {p}", "location={p}&radius=1000", "坐标({p})", "{p}"]).format(
                p=pair
            ),
            ("COORDINATES", pair),
        )
    for _ in range(10):
        i = imei()
        add_text(rng.choice(["IMEI：{i}", "设备识别码(IMEI) {i}", "imei={i}&os=android"]).format(i=i), ("IMEI", i))
    for _ in range(5):
        m = meid()
        add_text(f"MEID: {m}", ("MEID", m))
    for _ in range(6):
        i = imsi()
        add_text(rng.choice(["IMSI：{i}", "imsi={i}"]).format(i=i), ("IMSI", i))
    for _ in range(6):
        i = iccid()
        add_text(rng.choice(["SIM卡 ICCID {i}", "iccid={i}"]).format(i=i), ("ICCID", i))
    for _ in range(8):
        m = mac()
        add_text(rng.choice(["MAC地址：{m}", "wlan0 mac {m}"]).format(m=m), ("MAC", m))
    for _ in range(5):
        m = mac()
        add_text(f"已连接 WiFi，BSSID={m}", ("BSSID", m))
    for _ in range(5):
        a = hexs(16)
        add_text(f"android_id={a}", ("ANDROID_ID", a))
    for _ in range(4):
        o = uid()
        add_text(f"oaid: {o}", ("OAID", o))
    for _ in range(4):
        o = uid().upper()
        add_text(f"IDFA {o}", ("IDFA", o))
    for _ in range(30):
        n = name()
        t = rng.choice(
            [
                "收货人：{n}",
                "联系人{n}，请尽快回电。",
                "{n}先生您好，您的订单已发货。",
                "患者姓名：{n}  性别：男",
                "持卡人 {n}",
                "本人{n}承诺所填信息真实有效。",
                "紧急联系人：{n}",
                "{n}女士，您的快递已签收。",
                "乘车人：{n}",
            ]
        ).format(n=n)
        add_text(t, ("PERSON_NAME", n))
    for _ in range(30):
        a = address(full=rng.random() < 0.75)
        t = rng.choice(
            ["收货地址：{a}", "我家住在{a}，欢迎来玩。", "寄件地址为{a}", "户籍地址 {a}", "送货上门：{a}"]
        ).format(a=a)
        add_text(t, ("ADDRESS", a))
    # mixed lines carrying several entities
    for _ in range(25):
        n, m, a, i = name(), mobile(), address(), resident_id()
        add_text(f"收货人：{n}，电话：{m}，地址：{a}", ("PERSON_NAME", n), ("CN_MOBILE", m), ("ADDRESS", a))
        add_text(f"申请人{n}，身份证号{i}，联系电话{m}。", ("PERSON_NAME", n), ("CN_RESIDENT_ID", i), ("CN_MOBILE", m))
    for _ in range(10):
        lng, lat = coord()
        i, m = imei(), mac()
        add_text(
            f"2024-05-01 10:12:03 D/Report: imei={i} mac={m} loc={lng},{lat}",
            ("IMEI", i),
            ("MAC", m),
            ("COORDINATES", f"{lng},{lat}"),
        )


# -- free-text hard negatives ---------------------------------------------------------------------


def text_negatives() -> None:
    for _ in range(15):
        add_text(
            f"订单号：{rng.randint(10**18, 10**19 - 1)}，下单时间 {rng.randint(1600000000000, 1760000000000)}",
            tag="hard_negative",
        )
    for _ in range(10):
        add_text(f"traceId={hexs(32)} spanId={hexs(16)} cost=12ms", tag="hard_negative")
    for _ in range(10):
        a, b = rng.randint(80, 130), rng.randint(10, 50)
        add_text(
            f"价格：{a}.{rng.randint(0, 99):02d},{b}.{rng.randint(0, 99):02d} 元（原价/折后）", tag="hard_negative"
        )
    for _ in range(8):
        add_text(
            rng.choice(
                [
                    f"版本号 v{rng.randint(1, 12)}.{rng.randint(0, 9)}.{rng.randint(0, 99)}"
                    f".{rng.randint(1000000, 9999999)}",
                    f"Android 13; build/TP1A.220624.{rng.randint(100, 999)}",
                    f"WeChat/8.0.{rng.randint(30, 50)}.{rng.randint(2000, 2600)} NetType/WIFI Language/zh_CN",
                ]
            ),
            tag="hard_negative",
        )
    for _ in range(15):
        add_text(
            rng.choice(["随机码 {i}", "校验失败：{i}", "批次 {i} 已入库"]).format(i=resident_id(valid=False)),
            tag="hard_negative",
        )
    for _ in range(8):
        add_text(f"会员卡号{bad_luhn(rng.choice(BINS), 19)}", tag="hard_negative")
    for _ in range(8):
        add_text(f"流水号{rng.randint(2019, 2024)}{mobile()}{rng.randint(100000, 999999)}", tag="hard_negative")
    for _ in range(6):
        add_text(
            f"统一社会信用代码91{rng.randint(110000, 659000)}"
            f"{hexs(9, upper=True).replace('I', 'J').replace('O', 'P')}X",
            tag="hard_negative",
        )
    add_text("今天周一，张家界旅游团从王府井大街出发。", tag="hard_negative")
    add_text("王者荣耀新赛季上线，李宁新品八折。", tag="hard_negative")
    add_text("高新区管委会发布通知：周末高速免费。", tag="hard_negative")
    add_text("关于我们 | 安全中心 | 常见问题", tag="hard_negative")
    add_text("北京市朝阳区今天天气晴，最高气温25度。", tag="hard_negative")
    add_text("乘坐地铁10号线到国贸站，换乘1号线。", tag="hard_negative")
    add_text("活动时间：2023年5月1日至2023年5月7日", tag="hard_negative")
    add_text("图片资源 icon@2x.png 与 banner@3x.png 已上传", tag="hard_negative")
    add_text("邮件服务 user@localhost 未配置", tag="hard_negative")
    add_text("我们不会收集您的身份证号码、银行卡号等敏感个人信息。", tag="hard_negative")
    add_text("为向您提供导航服务，我们会收集您的精确位置信息。", tag="hard_negative")
    add_text("MAC地址获取失败，返回 02:00:00:00:00:00", tag="hard_negative")
    add_text("客服热线 400-810-8888，服务时间 9:00-21:00", tag="hard_negative")
    add_text("营业执照注册号：110108012345678", tag="hard_negative")
    for _ in range(6):
        add_text(f"批次号 {rng.randint(10**14, 10**15 - 1)} 质检合格", tag="hard_negative")
    for _ in range(6):
        add_text(f"requestId: {uid()}", tag="hard_negative")
    for _ in range(4):
        add_text(
            rng.choice(
                [
                    "San Francisco -122.419416,37.774929",
                    "London -0.127758,51.507351",
                    "Paris 2.352222,48.856614",
                    "New York -74.005974,40.712776",
                ]
            ),
            tag="hard_negative",
        )
    for _ in range(5):
        add_text(
            f"第{rng.randint(1, 20)}页，共{rng.randint(20, 99)}页；耗时 {rng.randint(1, 999)}.{rng.randint(10, 99)} 秒",
            tag="hard_negative",
        )
    for _ in range(5):
        add_text(f"商品编号 {rng.randint(10**10, 10**11 - 1)}，库存 {rng.randint(1, 999)} 件", tag="hard_negative")
    add_text("这款手机型号为 SM-G9980，颜色：星空黑", tag="hard_negative")
    add_text("温度 36.5,湿度 45.2，设备运行正常", tag="hard_negative")
    add_text("会议室 A301，投影仪编号 E12345", tag="hard_negative")
    add_text("秦皇岛和石家庄都在河北省。", tag="hard_negative")
    add_text("感谢您使用本应用，祝您生活愉快！", tag="hard_negative")
    add_text("金额：¥1,234.56；余额：¥8,765.43", tag="hard_negative")


# -- structured fields ----------------------------------------------------------------------------


def field_positives() -> None:
    for key in ["sfzh", "idCardNo", "certNo", "zjhm", "id_card", "身份证号", "identityNo", "gmsfhm"]:
        for _ in range(3):
            add_field(key, resident_id(), ("CN_RESIDENT_ID", None))
    for key in ["xm", "realName", "姓名", "receiverName", "contactName", "shrxm", "trueName"]:
        for _ in range(3):
            add_field(key, name(), ("PERSON_NAME", None))
    for _ in range(4):
        n, m = name(), mobile()
        add_field("name", n, ("PERSON_NAME", None), parent={"name": n, "mobile": m, "orderId": "20240501001"})
    for key in ["lxdh", "mobile", "phone", "tel", "sjhm", "userMobile", "contactPhone", "手机号", "cellphone"]:
        for _ in range(3):
            m = mobile()
            add_field(key, rng.choice([m, m, int(m), "+86" + m]), ("CN_MOBILE", None))
    for key in ["jtdz", "address", "receiverAddress", "detailAddress", "家庭住址", "xxdz"]:
        for _ in range(3):
            add_field(key, address(full=rng.random() < 0.8), ("ADDRESS", None))
    for key in ["csrq", "birthday", "dateOfBirth", "出生日期"]:
        for _ in range(3):
            add_field(key, rng.choice([birth(), birth().replace("-", "")]), ("BIRTH_DATE", None))
    for key in ["yhkh", "bankCardNo", "cardNo", "银行卡号"]:
        for _ in range(3):
            add_field(key, luhn_complete(rng.choice(BINS), 19), ("BANK_CARD", None))
    for key in ["hzhm", "passportNo"]:
        for _ in range(3):
            add_field(key, passport(), ("CN_PASSPORT", None))
    for key in ["cph", "plateNo", "licensePlate"]:
        for _ in range(3):
            add_field(key, plate(), ("CN_PLATE", None))
    for key in ["email", "yx", "mail"]:
        for _ in range(3):
            add_field(key, email(), ("EMAIL", None))
    for la, lo in [("la", "lo"), ("lat", "lng"), ("latitude", "longitude"), ("lat", "lon")]:
        for _ in range(4):
            lng, lat = coord()
            as_num = rng.random() < 0.5
            parent = {la: float(lat) if as_num else lat, lo: float(lng) if as_num else lng, "acc": 30}
            add_field(la, parent[la], ("COORDINATES", None), parent=parent, path=f"query.{la}")
            add_field(lo, parent[lo], ("COORDINATES", None), parent=parent, path=f"query.{lo}")
    for _ in range(4):
        lng, lat = coord()
        add_field("location", f"{lng},{lat}", ("COORDINATES", None))
    for key, gen, ent in [
        ("imei", imei, "IMEI"),
        ("deviceImei", imei, "IMEI"),
        ("did", imei, "IMEI"),
        ("meid", meid, "MEID"),
        ("imsi", imsi, "IMSI"),
        ("iccid", iccid, "ICCID"),
        ("androidId", lambda: hexs(16), "ANDROID_ID"),
        ("android_id", lambda: hexs(16), "ANDROID_ID"),
        ("oaid", uid, "OAID"),
        ("oaid", lambda: hexs(64), "OAID"),
        ("idfa", lambda: uid().upper(), "IDFA"),
        ("mac", mac, "MAC"),
        ("macAddress", mac, "MAC"),
        ("serial", lambda: f"R5CR{rng.randint(10, 99)}{hexs(5, upper=True)}", "SERIAL"),
        ("sn", lambda: f"{hexs(12, upper=True)}", "SERIAL"),
        ("bssid", mac, "BSSID"),
        ("ssid", lambda: rng.choice(["TP-LINK_5G_A1B2", "ChinaNet-x7Kq", "CMCC-8866", "Xiaomi_3A2F"]), "SSID"),
        ("wifiName", lambda: rng.choice(["HUAWEI-B311", "家里的WiFi", "MERCURY_6F20"]), "SSID"),
    ]:
        for _ in range(3):
            add_field(key, gen(), (ent, None), path=f"body.device.{key}")
    for _ in range(3):
        add_field("did", hexs(16), ("ANDROID_ID", None))
        add_field("deviceId", uid(), ("OAID", None))
    # value-only: the key says nothing, the value does
    for _ in range(6):
        i = resident_id()
        add_field("v1", i, ("CN_RESIDENT_ID", None))
    for _ in range(6):
        m = mobile()
        add_field("account", m, ("CN_MOBILE", None))
    for _ in range(6):
        e = email()
        add_field("login", e, ("EMAIL", None))
    for _ in range(8):
        n, m = name(), mobile()
        txt = f"请{n}先生于明天下午联系{m}"
        add_field("remark", txt, ("PERSON_NAME", n), ("CN_MOBILE", m))
    for _ in range(6):
        a = address()
        txt = f"送货地址：{a}，放门口即可"
        add_field("comment", txt, ("ADDRESS", a))


def field_negatives() -> None:
    for key, val in [
        ("orderId", mobile()),
        ("orderNo", str(rng.randint(10**17, 10**18 - 1))),
        ("requestId", uid()),
        ("traceId", hexs(32)),
        ("spanId", hexs(16)),
        ("ts", rng.randint(1600000000000, 1760000000000)),
        ("timestamp", rng.randint(1600000000, 1760000000)),
        ("version", "8.0.32"),
        ("appVersion", "12.3.1.2045"),
        ("price", 116.48),
        ("amount", 39.99),
        ("lat", 0),
        ("lng", "0.0"),
        ("lat", 4.9e-324),
        ("xm", ""),
        ("xm", True),
        ("mobile", True),
        ("mobile", "1"),
        ("mobile", None),
        ("phone", "iPhone 15 Pro"),
        ("name", "王老吉"),
        ("name", "默认渠道"),
        ("name", "张家界旅游套餐"),
        ("channel", "huawei"),
        ("la", "zh-CN"),
        ("lo", "en"),
        ("did", "unknown"),
        ("oaid", "00000000-0000-0000-0000-000000000000"),
        ("mac", "02:00:00:00:00:00"),
        ("imei", "000000000000000"),
        ("city", "北京市"),
        ("address", "北京市朝阳区"),
        ("bssid", "00:00:00:00:00:00"),
        ("ssid", "<unknown ssid>"),
        ("tel", "10086"),
        ("sign", hexs(32)),
        ("nonce_str", hexs(32)),
        ("token", hexs(40)),
        ("goodsId", str(rng.randint(10**14, 10**15 - 1))),
        ("skuId", str(rng.randint(10**10, 10**11))),
        ("status", 0),
        ("code", 200),
        ("msg", "success"),
        ("aid", hexs(16)),
        ("page", 1),
        ("birthday", "0000-00-00"),
        ("csrq", ""),
        ("idCardNo", ""),
        ("email", "null"),
        ("cardNo", bad_luhn("622202", 19)),
        ("sfzh", resident_id(valid=False)),
        ("idNo", resident_id(valid=False)),
        ("plateNo", "无"),
        ("address", "暂无"),
        ("lat", "39.9"),
        ("lng", 116),
        ("longitude", 200.123456),
        ("latitude", -33.868820),
        ("imsi", "460"),
        ("iccid", "unknown"),
        ("sn", "unknown"),
        ("serial", "0123456789ABCDEF"),
        ("nickname", "快乐的小王"),
        ("title", "周末特惠"),
        ("desc", "支持7天无理由退货"),
        ("couponId", str(rng.randint(10**17, 10**18))),
        ("uuid", uid()),
        ("session", uid()),
        ("md5", hexs(32)),
        ("etag", hexs(32)),
        ("v", "2.1.0"),
        ("t", rng.randint(1600000000000, 1760000000000)),
        ("area_code", "0755"),
        ("zipcode", "518057"),
        ("ip", "192.168.1.1"),
        ("lang", "zh_CN"),
    ]:
        if key == "ip":  # an IP address is PI since the ip_address category (GB/T 35273-2020 Annex A)
            add_field(key, val, ("IP_ADDRESS", val))
            continue
        add_field(key, val, tag="hard_negative")
    for _ in range(6):
        add_field("orderId", str(rng.randint(10**18, 10**19 - 1)), tag="hard_negative")
        add_field("traceId", hexs(16), tag="hard_negative")
        add_field("requestId", uid(), tag="hard_negative")
        add_field("data", str(rng.randint(10**14, 10**15 - 1)), tag="hard_negative")
    for _ in range(4):
        add_field(
            "remark", f"订单{rng.randint(10**11, 10**12)}已完成，耗时{rng.randint(1, 59)}分钟", tag="hard_negative"
        )


def masked_negatives() -> None:
    """Masked and near-miss values: what apps show on screen, and numbers one rule away from valid."""
    for _ in range(15):
        m = mobile()
        masked = m[:3] + "****" + m[7:]
        add_text(
            rng.choice(["手机号：{m}", "已绑定手机 {m}", "验证码已发送至{m}"]).format(m=masked), tag="hard_negative"
        )
        add_field(rng.choice(["mobile", "phone", "lxdh"]), masked, tag="hard_negative")
    for _ in range(12):
        i = resident_id()
        masked = i[:3] + "*" * 11 + i[-4:]
        add_text(f"身份证号：{masked}", tag="hard_negative")
        add_field(rng.choice(["sfzh", "idCardNo", "certNo"]), masked, tag="hard_negative")
    for _ in range(10):
        c = luhn_complete(rng.choice(BINS), 19)
        add_text(f"您尾号{c[-4:]}的储蓄卡于今日消费{rng.randint(1, 999)}.00元", tag="hard_negative")
        add_field("bankCardNo", c[:4] + "*" * 11 + c[-4:], tag="hard_negative")
    for _ in range(10):
        add_text(f"设备编号 {mobile()}{rng.randint(0, 9)}", tag="hard_negative")
    for _ in range(10):
        add_text(f"时间戳 {rng.randint(1600000000, 1760000000)}，签名 {hexs(32)}", tag="hard_negative")
    for _ in range(8):
        add_text(
            f"城市中心大约在 {rng.randint(100, 121)}.{rng.randint(1, 9)},"
            f"{rng.randint(22, 44)}.{rng.randint(1, 9)} 附近",
            tag="hard_negative",
        )
    for _ in range(8):
        i = resident_id()
        bad = i[:10] + "13" + i[12:17]
        add_text(f"编号{bad}{ric.calc_check_digit(bad + '0')}", tag="hard_negative")
    for _ in range(8):
        n = name()
        add_field("xm", n[0] + "*" * (len(n) - 1), tag="hard_negative")
    for _ in range(6):
        add_text(f"保单号 P{rng.randint(10**9, 10**10 - 1)}{rng.randint(10**7, 10**8 - 1)}", tag="hard_negative")


def sticker_png() -> str:
    return base64.b64encode((HERE / "media" / "python.png").read_bytes()).decode()


def payload_cases() -> None:
    jpg = base64.b64encode((HERE / "media" / "python.jpg").read_bytes()).decode()
    add_field("faceImage", jpg, ("FACE_IMAGE", None), url="https://api.megvii.example/faceid/v3/sdk/verify")
    add_field(
        "image_best",
        "data:image/jpeg;base64," + jpg,
        ("FACE_IMAGE", None),
        url="https://face.example.cn/liveness/check",
    )
    add_field("faceImg", jpg, ("FACE_IMAGE", None), url="https://app.example.cn/api/user/realname")
    add_field("image", jpg, ("FACE_IMAGE", None), url="https://idv.example.cn/api/v2/face/compare")
    add_field(
        "fpTemplate",
        base64.b64encode(FMR).decode(),
        ("FINGERPRINT_TEMPLATE", None),
        url="https://attend.example.cn/api/enroll",
    )
    add_field("sticker", sticker_png(), url="https://im.example.cn/emoticon/upload", tag="hard_negative")
    add_field("avatar", jpg, url="https://app.example.cn/user/avatar", tag="hard_negative")
    add_field("image", jpg, url="https://shop.example.cn/goods/upload", tag="hard_negative")
    add_bytes(
        "faceImage", "media/python.jpg", "image/jpeg", "https://api.example.cn/faceid/v3/verify", ("FACE_IMAGE", None)
    )
    add_bytes("file", "media/python.jpg", "image/jpeg", "https://api.example.cn/liveness/upload", ("FACE_IMAGE", None))
    add_bytes("selfie", "media/python.webp", "image/webp", "https://kyc.example.cn/upload", ("FACE_IMAGE", None))
    add_bytes(
        "voice",
        "media/pluck-pcm16.wav",
        "audio/wav",
        "https://vpr.example.cn/voiceprint/enroll",
        ("VOICE_SAMPLE", None),
    )
    add_bytes(
        "fingerprint",
        "media/fingerprint.fmr",
        "application/octet-stream",
        "https://attend.example.cn/api/fp",
        ("FINGERPRINT_TEMPLATE", None),
    )
    add_bytes("sticker", "media/python.png", "image/png", "https://im.example.cn/emoticon/upload", tag="hard_negative")
    add_bytes("file", "media/python.gif", "image/gif", "https://im.example.cn/chat/upload", tag="hard_negative")
    add_bytes("voice", "media/pluck-pcm16.wav", "audio/wav", "https://im.example.cn/chat/voice", tag="hard_negative")
    add_bytes("image", "media/python.jpg", "image/jpeg", "https://shop.example.cn/goods/upload", tag="hard_negative")


def fmr_record() -> bytes:
    """An ISO/IEC 19794-2:2005 finger minutiae record with 12 minutiae (fixed seed)."""
    minutiae = b"".join(
        struct.pack(
            ">HHBB",
            (rng.randint(0, 2) << 14) | rng.randint(10, 400),
            rng.randint(10, 500),
            rng.randint(0, 255),
            rng.randint(40, 100),
        )
        for _ in range(12)
    )
    view = struct.pack(">BBBB", 1, 0, 90, 12) + minutiae + struct.pack(">H", 0)
    header_len = 24
    total = header_len + len(view)
    header = (
        b"FMR\x00"
        + b" 20\x00"
        + struct.pack(">I", total)[0:4]
        + struct.pack(">H", 0)
        + struct.pack(">HHHH", 416, 500, 197, 197)
        + struct.pack(">BB", 1, 0)
    )
    return header[:header_len].ljust(header_len, b"\x00") + view


FMR = fmr_record()


def main() -> None:
    (HERE / "media" / "fingerprint.fmr").write_bytes(FMR)
    text_positives()
    text_negatives()
    field_positives()
    field_negatives()
    masked_negatives()
    payload_cases()
    with (HERE / "corpus.jsonl").open("w", encoding="utf-8") as f:
        for n, case in enumerate(cases, 1):
            f.write(json.dumps({"id": f"c{n:04d}", **case}, ensure_ascii=False) + "\n")
    neg = sum(1 for c in cases if not c["expect"])
    print(f"{len(cases)} cases, {neg} negatives ({neg / len(cases):.0%})")


if __name__ == "__main__":
    main()
