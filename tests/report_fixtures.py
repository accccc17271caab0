"""A realistic audit for the report tests: a Chinese medical-appointment app seen through all three sources.

Raw values are real-looking Chinese PI (the GB 11643 sample resident ID, a mainland mobile number, an
IMEI) and are masked and hashed here exactly as the scanners do, so the report only ever sees masked
values; tests assert the raw ones never appear. Findings carry the clauses of their rules from rules/,
as the scope engine attaches them.
"""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser

from auditor.masking import mask, value_hash
from auditor.model import Audit, Clause, Declaration, Finding, InputFile, Observation, Party, number
from auditor.ruleset import Ruleset

SALT = "report-fixture-salt"
RAW = {
    "id": "11010519491231002X",
    "phone": "13812345678",
    "imei": "864343040123456",
    "name": "张伟",
    "address": "北京市朝阳区建国路88号2单元301",
    "coords": "116.480512,39.990475",
}
FIRST = Party("first", "安心挂号")
UMENG = Party("third", "友盟", sdk="umeng")
AMAP = Party("third", "高德地图", sdk="amap")
T0 = "2026-11-20T09:15:"


def _obs(category: str, entity: str, source: str, party: Party, where: dict, raw: str | None = None,
         confidence: float = 0.9, before: bool | None = None) -> Observation:
    return Observation(
        category=category,
        entity=entity,
        source=source,  # type: ignore[arg-type]
        party=party,
        where=where,
        value=mask(raw, entity) if raw else None,
        value_hash=value_hash(raw, SALT) if raw else None,
        confidence=confidence,
        before_consent=before,
    )


def observations() -> list[Observation]:
    obs = [
        # APK code (caller class and method, framework API)
        _obs("device_id", "IMEI", "apk", UMENG, {
            "class": "com.umeng.commonsdk.statistics.common.DeviceConfig", "method": "getImeiNew",
            "api": "android.telephony.TelephonyManager.getImei"}, confidence=0.95),
        _obs("precise_location", "LOCATION_API", "apk", AMAP, {
            "class": "com.amap.api.location.AMapLocationClient", "method": "startLocation",
            "api": "android.location.LocationManager.requestLocationUpdates"}),
        _obs("app_list", "APP_LIST_API", "apk", FIRST, {
            "class": "cn.anxin.guahao.util.AppScanner", "method": "collectInstalled",
            "api": "android.content.pm.PackageManager.getInstalledPackages"}),
        _obs("device_id", "PERMISSION", "apk", FIRST, {"permission": "android.permission.READ_PHONE_STATE"},
             confidence=0.6),
        # traffic (flow, side, field path, URL with a query that held raw PI, time)
        _obs("device_id", "IMEI", "traffic", UMENG, {
            "flow": 1, "side": "request", "path": "body.header.imei", "file": "capture.har",
            "url": f"https://ulogs.umeng.com/unify_logs?imei={RAW['imei']}", "time": T0 + "02Z"},
            RAW["imei"], before=True),
        _obs("precise_location", "COORDINATES", "traffic", AMAP, {
            "flow": 2, "side": "request", "path": "query.location", "file": "capture.har",
            "url": f"https://restapi.amap.com/v3/geocode/regeo?location={RAW['coords']}", "time": T0 + "03Z"},
            RAW["coords"], before=True),
        _obs("id_document", "CN_RESIDENT_ID", "traffic", FIRST, {
            "flow": 6, "side": "request", "path": "body.data.sfzh", "file": "capture.har",
            "url": "https://api.anxin-guahao.cn/v2/patient/register", "time": T0 + "41Z"},
            RAW["id"], confidence=0.99, before=False),
        _obs("phone_number", "CN_MOBILE", "traffic", FIRST, {
            "flow": 6, "side": "request", "path": "body.data.lxdh", "file": "capture.har",
            "url": "https://api.anxin-guahao.cn/v2/patient/register", "time": T0 + "41Z"},
            RAW["phone"], confidence=0.97, before=False),
        _obs("name", "PERSON_NAME", "traffic", FIRST, {
            "flow": 7, "side": "request", "path": "form.xm", "file": "capture.har",
            "url": "http://log.anxin-guahao.cn/collect", "time": T0 + "45Z"},
            RAW["name"], confidence=0.8, before=False),
        _obs("address", "ADDRESS", "traffic", FIRST, {
            "flow": 7, "side": "request", "path": "form.jtdz", "file": "capture.har",
            "url": "http://log.anxin-guahao.cn/collect", "time": T0 + "45Z"},
            RAW["address"], confidence=0.55, before=False),
        # mini-program code (file:line:column, API)
        _obs("precise_location", "WX_API", "miniprogram", FIRST, {
            "file": "pages/index/index.js", "line": 42, "column": 5, "api": "wx.getLocation"}),
        _obs("address", "WX_API", "miniprogram", FIRST, {
            "file": "pages/profile/profile.js", "line": 88, "column": 9, "api": "wx.chooseAddress"}),
    ]
    number(obs, "o")
    return obs


def declarations() -> list[Declaration]:
    decls = [
        Declaration("phone_number", "declared", "policy", "注册账号时，我们会收集您的手机号码，用于身份验证。", FIRST),
        Declaration("name", "declared", "policy", "预约挂号时，我们需要收集就诊人的姓名、身份证件号码。", FIRST),
        Declaration("id_document", "declared", "policy", "预约挂号时，我们需要收集就诊人的姓名、身份证件号码。", FIRST),
        Declaration("health", "declared", "policy", "在线问诊时，您需要提供病情描述。", FIRST),
        Declaration("app_list", "negated", "policy", "我们不会收集您的软件安装列表。", FIRST),
        Declaration("precise_location", "conditional", "policy",
                    "在您授权后，我们会获取您的位置以推荐附近医院。", FIRST),
        Declaration(None, "declared", "policy", "高德地图SDK：为您提供定位服务，收集位置信息。", AMAP, sdk="amap",
                    sdk_name="高德地图", sdk_categories=["precise_location"]),
    ]
    number(decls, "d")
    return decls


def _finding(rs: Ruleset, rule: str, category: str | None, party: Party | None, obs: list[str],
             *, severity: str | None = None, weak: bool = False, detail: str = "", detail_en: str = "") -> Finding:
    r = rs.rule(rule)
    clauses = [Clause(c, rs.clauses[c]["instrument"], rs.clauses[c]["article"], rs.clauses[c]["text"])
               for c in r["clauses"]]
    sev = severity or (r["severity_sensitive"] if rs.is_sensitive(category) else r["severity"])
    return Finding(rule=rule, category=category, severity=sev, title=r["title"], title_en=r["title_en"],  # type: ignore[arg-type]
                   clauses=clauses, observations=obs, party=party, weak=weak, detail=detail, detail_en=detail_en,
                   count=len(obs))


def findings(rs: Ruleset) -> list[Finding]:
    fs = [
        _finding(rs, "undeclared", "address", FIRST, ["o10", "o12"], severity="low", weak=True,
                 detail="字段名 jtdz（家庭地址）与小程序 chooseAddress 调用，政策未提及地址。",
                 detail_en="Field name jtdz (home address) and the mini-program's chooseAddress call; the policy does "
                           "not mention addresses."),
        _finding(rs, "before_consent", "device_id", UMENG, ["o5", "o1"]),
        _finding(rs, "undisclosed_sdk", "device_id", UMENG, ["o1", "o5"]),
        _finding(rs, "contradicts_policy", "app_list", FIRST, ["o3"]),
        _finding(rs, "before_consent", "precise_location", AMAP, ["o6", "o2"]),
        _finding(rs, "beyond_necessary", "precise_location", FIRST, ["o11", "o2", "o6"]),
        _finding(rs, "sensitive_no_separate_consent", "id_document", FIRST, ["o7"]),
        _finding(rs, "cleartext_pi", "name", FIRST, ["o9", "o10"], severity="medium"),
        _finding(rs, "miniprogram_undeclared_api", "address", FIRST, ["o12"]),
        _finding(rs, "permission_unjustified", "device_id", FIRST, ["o4"]),
    ]
    number(fs, "f")
    return fs


def flows() -> list[dict]:
    """The pipeline's per-flow timeline, as auditor.traffic.scan produces it."""
    rows = [
        (0, "00", "https://api.anxin-guahao.cn/v2/config", [], True),
        (1, "02", "https://ulogs.umeng.com/unify_logs", ["device_id"], True),
        (2, "03", "https://restapi.amap.com/v3/geocode/regeo", ["precise_location"], True),
        (3, "05", "https://api.anxin-guahao.cn/v2/banner", [], True),
        (4, "21", "https://api.anxin-guahao.cn/v2/privacy/agree", [], False),
        (5, "30", "https://api.anxin-guahao.cn/v2/hospitals", [], False),
        (6, "41", "https://api.anxin-guahao.cn/v2/patient/register", ["id_document", "phone_number"], False),
        (7, "45", "http://log.anxin-guahao.cn/collect", ["address", "name"], False),
        (8, "52", "https://ulogs.umeng.com/unify_logs", [], False),
    ]
    return [
        {"file": "capture.har", "index": i, "time": T0 + s + "+00:00", "method": "POST", "url": url,
         "host": url.split("/")[2], "categories": cats, "before_consent": before}
        for i, s, url, cats, before in rows
    ]


def _input(kind: str, path: str, content: bytes) -> InputFile:
    return InputFile(kind, path, hashlib.sha256(content).hexdigest(), len(content))


def sample_audit(rs: Ruleset | None = None) -> Audit:
    rs = rs or Ruleset()
    return Audit(
        id="a-20261120-0915",
        created="2026-11-20T09:30:00+00:00",
        tool_version="0.1.0",
        rules_version=rs.version,
        inputs=[
            _input("apk", "samples/apk/anxin-guahao-3.2.1.apk", b"PK\x03\x04 anxin apk"),
            _input("traffic", "samples/traffic/capture.har", b'{"log": {"entries": []}}'),
            _input("miniprogram", "samples/miniprogram/anxin", b"app.json"),
            _input("policy", "samples/policy/隐私政策.html", "<h1>安心挂号隐私政策</h1>".encode()),
        ],
        app={
            "name": "安心挂号",
            "package": "cn.anxin.guahao",
            "version": "3.2.1",
            "category": "medical_consultation",
            "category_name": "问诊挂号",
            "permissions": [
                {"name": "android.permission.READ_PHONE_STATE", "dangerous": True, "categories": ["device_id"],
                 "used_by": ["com.umeng.commonsdk.statistics.common.DeviceConfig.getImeiNew"]},
                {"name": "android.permission.ACCESS_FINE_LOCATION", "dangerous": True,
                 "categories": ["precise_location"], "used_by": ["com.amap.api.location.AMapLocationClient"]},
                {"name": "android.permission.READ_CONTACTS", "dangerous": True, "categories": ["contacts"],
                 "used_by": []},
                {"name": "android.permission.INTERNET", "dangerous": False, "categories": [], "used_by": []},
            ],
            "sdks": [
                {"id": "umeng", "name": "友盟", "evidence": ["code: com.umeng.commonsdk", "domain: ulogs.umeng.com"],
                 "categories": ["device_id", "coarse_location", "app_list"]},
                {"id": "amap", "name": "高德地图", "evidence": ["code: com.amap.api.location"],
                 "categories": ["precise_location", "wifi_info"]},
            ],
            "flows": flows(),
        },
        consent={"how": "url", "spec": "privacy/agree", "file": "capture.har", "flow": 4,
                 "time": T0 + "21+00:00", "url": "https://api.anxin-guahao.cn/v2/privacy/agree"},
        observations=observations(),
        declarations=declarations(),
        findings=findings(rs),
        warnings=["capture.har: 2 flows had undecodable bodies (gzip truncated) and were skipped"],
    )


HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def hostile_audit(rs: Ruleset | None = None) -> Audit:
    """The sample audit with attacker-chosen text in every app-controlled field the report shows."""
    a = sample_audit(rs)
    a.app["name"] = "<script>alert('name')</script>" + HOSTILE
    a.app["package"] = "cn.evil" + HOSTILE
    a.app["version"] = HOSTILE
    a.app["permissions"][0]["name"] = "android.permission." + HOSTILE
    a.app["permissions"][0]["used_by"] = ["com.evil.A" + HOSTILE]
    a.app["sdks"][0]["evidence"] = ["domain: " + HOSTILE]
    a.app["flows"][1]["url"] = "https://evil.example/" + HOSTILE
    a.app["flows"][1]["host"] = "evil.example" + HOSTILE
    a.observations[4].where["url"] = "https://evil.example/x" + HOSTILE + "?imei=1"
    a.observations[4].where["path"] = "body." + HOSTILE
    a.observations[0].where["class"] = "com.evil" + HOSTILE
    a.observations[10].where["file"] = "pages/" + HOSTILE + ".js"
    a.consent = {"how": "url", "url": "https://evil.example/agree" + HOSTILE, "flow": 4, "file": "capture.har"}
    a.findings[0].detail = HOSTILE
    a.declarations[4].text = "我们不会收集" + HOSTILE
    a.warnings.append(HOSTILE)
    a.inputs[0].path = "samples/" + HOSTILE + ".apk"
    a.id = "a-" + HOSTILE
    return a


class Page(HTMLParser):
    """Elements, attributes and text of a page, as a browser's parser sees them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        (self.styles if self._in_style else self.text).append(data)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]

    @property
    def all_text(self) -> str:
        return " ".join(self.text)
