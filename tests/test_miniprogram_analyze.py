"""analyze_miniprogram on the two samples and on broken projects, and the mini-program rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.errors import InputError
from auditor.miniprogram import analyze_miniprogram
from auditor.model import Finding, number
from auditor.ruleset import default_ruleset
from auditor.scope import JudgeContext, all_checks, judge
from auditor.scope.rules_miniprogram import CHECKS

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "miniprogram"


def write_tree(root: Path, files: dict[str, Any]) -> Path:
    """Create files under root; dicts are written as JSON, str as UTF-8, bytes as they are."""
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            p.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
        elif isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    return root


def judged(path: Path) -> list[Finding]:
    r = analyze_miniprogram(path, salt="s")
    number(r.observations, "o")
    ctx = JudgeContext(
        observations=r.observations,
        declarations=r.declarations,
        app={**r.app, "miniprogram_privacy": r.privacy},
        ruleset=default_ruleset(),
    )
    return judge(ctx, CHECKS)


def findings(path: Path) -> list[tuple[str, str | None, str]]:
    return sorted((f.rule, f.category, f.severity) for f in judged(path))


def test_gov_service_sample_observations() -> None:
    r = analyze_miniprogram(SAMPLES / "gov-service", salt="s")
    got = sorted((o.where["file"], o.where["api"], o.category, o.party.kind) for o in r.observations)
    assert got == [
        ("miniprogram_npm/wx-stat-sdk/index.js", "wx.getLocation", "precise_location", "third"),
        ("packageA/pages/progress/progress.js", "wx.onLocationChange", "precise_location", "first"),
        ("packageA/pages/progress/progress.js", "wx.startLocationUpdateBackground", "precise_location", "first"),
        ("pages/face/face.js", "wx.chooseImage", "face", "first"),
        ("pages/face/face.wxml", "<camera>", "face", "first"),
        ("pages/handle/handle.js", "wx.chooseAddress", "address", "first"),
        ("pages/index/index.js", "wx.getLocation", "precise_location", "first"),
        ("pages/index/index.wxml", "<button open-type=getPhoneNumber>", "phone_number", "first"),
        ("utils/clipboard.js", "wx.getClipboardData", "clipboard", "first"),
        ("utils/clipboard.js", "wx.setClipboardData", "clipboard", "first"),
    ]
    assert r.app["appid"] == "wxf00dgov0service01" and r.app["pages"] == 4
    # app.js and common/vendor.js name no privacy API and are not parsed
    assert (r.app["files_scanned"], r.app["js_files_parsed"]) == (11, 6)  # 8 JS + 3 WXML
    assert r.app["subpackages"] == ["packageA"]
    assert r.privacy["first_call"]["file"] == "pages/index/index.js"
    assert r.privacy["authorization"] == {"mode": "official_popup", "handled": False, "before_first_call": False,
                                          "handlers": []}
    assert all(o.value is None for o in r.observations)


def test_process_pool_gives_the_same_observations(monkeypatch: pytest.MonkeyPatch) -> None:
    import auditor.miniprogram as mp

    serial = analyze_miniprogram(SAMPLES / "gov-service", salt="s")
    monkeypatch.setattr(mp, "POOL_MIN_BYTES", 0)
    pooled = analyze_miniprogram(SAMPLES / "gov-service", salt="s")
    assert [o.to_dict() for o in pooled.observations] == [o.to_dict() for o in serial.observations]


def test_gov_service_fails_the_gate_for_each_undeclared_use() -> None:
    assert findings(SAMPLES / "gov-service") == [
        ("miniprogram_undeclared_api", "address", "high"),  # requiredPrivateInfos lacks chooseAddress
        ("miniprogram_undeclared_api", "precise_location", "high"),  # the app
        ("miniprogram_undeclared_api", "precise_location", "high"),  # the wx-stat-sdk npm package
        ("miniprogram_unused_declaration", "health", "low"),
    ]
    assert {f.party.name for f in judged(SAMPLES / "gov-service") if f.party} == {"wxf00dgov0service01", "wx-stat-sdk"}


def test_one_problem_one_finding_when_the_guideline_lacks_a_category() -> None:
    """privacy.json lists neither clipboard nor face nor location: `undeclared` says so once; the
    mini-program rule keeps to what app.json must declare and does not repeat the guideline gap."""
    r = analyze_miniprogram(SAMPLES / "gov-service", salt="s")
    number(r.observations, "o")
    ctx = JudgeContext(observations=r.observations, declarations=r.declarations,
                       app={**r.app, "miniprogram_privacy": r.privacy}, ruleset=default_ruleset())
    found = judge(ctx, all_checks())
    undeclared = {f.category for f in found if f.rule == "undeclared"}
    assert {"clipboard", "face", "precise_location", "address"} <= undeclared
    api_rule = [f for f in found if f.rule == "miniprogram_undeclared_api"]
    assert {f.category for f in api_rule} == {"address", "precise_location"}
    assert not any("用户隐私保护指引" in f.detail for f in api_rule)
    # where to fix it: app.json (no requiredPrivateInfos key yet, so its top); the SARIF writer reads it
    assert all(f.where and f.where["file"] == "app.json" for f in api_rule)


def test_compliant_complaint_service_passes() -> None:
    r = analyze_miniprogram(SAMPLES / "complaint-12315", salt="s")
    assert {o.category for o in r.observations} == {"precise_location", "photos", "phone_number", "profile"}
    assert r.privacy["authorization"]["before_first_call"] is True
    assert {d.category for d in r.declarations} >= {o.category for o in r.observations}
    assert findings(SAMPLES / "complaint-12315") == []


LOCATION_PAGE = "Page({ onLoad() { wx.getFuzzyLocation({}) } })"


def test_fuzzy_location_with_precise_declared_and_unused_entries(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "app.json": {
            "pages": ["pages/a/a"],
            "requiredPrivateInfos": ["getFuzzyLocation", "getLocation", "chooseAddress"],
            "permission": {"scope.userFuzzyLocation": {"desc": "查询所在城市的办事指南"}},
        },
        "app.js": "App({ onLaunch() { wx.onNeedPrivacyAuthorization((resolve) => resolve({event: 'agree'})) } })",
        "privacy.json": {"setting_list": [{"privacy_key": "位置信息", "privacy_text": "查询城市"}]},
        "pages/a/a.js": LOCATION_PAGE,
    })
    r = analyze_miniprogram(root, salt="s")
    assert r.privacy["guideline"]["types"] == ["Location"]
    got = findings(root)
    assert ("miniprogram_undeclared_api", "coarse_location", "high") in got
    assert ("miniprogram_unused_declaration", "precise_location", "low") in got
    assert ("miniprogram_unused_declaration", "address", "low") in got
    assert not any(f[0] == "miniprogram_no_privacy_authorization" for f in got)


def test_fuzzy_and_precise_declared_together_flag_a_precise_call(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "app.json": {
            "pages": ["pages/a/a"],
            "requiredPrivateInfos": ["getLocation", "getFuzzyLocation"],
            "permission": {"scope.userLocation": {"desc": "推荐附近的办事大厅"}},
        },
        "privacy.json": {"setting_list": [{"privacy_key": "Location", "privacy_text": "推荐附近的办事大厅"}]},
        "pages/a/a.js": "Page({ onTap() { wx.requirePrivacyAuthorize({ success: () => wx.getLocation({}) }) } })",
    })
    [finding] = [f for f in judged(root) if f.rule == "miniprogram_undeclared_api"]
    assert finding.category == "precise_location"
    assert "互斥" in finding.detail


def test_permission_desc_missing_or_too_long(tmp_path: Path) -> None:
    base = {"pages": ["pages/a/a"], "requiredPrivateInfos": ["getFuzzyLocation"]}
    long_desc = {"scope.userFuzzyLocation": {"desc": "用" * 31}}
    for name, perm in (("none", {}), ("long", long_desc)):
        root = write_tree(tmp_path / name, {
            "app.json": {**base, "permission": perm},
            "privacy.json": {"setting_list": [{"privacy_key": "Location", "privacy_text": "查询城市"}]},
            "pages/a/a.js": LOCATION_PAGE,
            "pages/a/a.wxml": '<button open-type="agreePrivacyAuthorization">同意</button>',
        })
        assert findings(root) == [("miniprogram_undeclared_api", "coarse_location", "high")], name


def test_without_a_guideline_file_the_guideline_is_not_checked(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "app.json": {"pages": ["pages/a/a"]},
        "pages/a/a.js": "Page({ onTap() { wx.requirePrivacyAuthorize({}); wx.chooseMedia({}) } })",
    })
    r = analyze_miniprogram(root, salt="s")
    assert r.privacy["guideline"]["file"] is None
    assert r.privacy["checks"]["guideline"]["status"] == "not_checked"
    assert r.privacy["checks"]["guideline"]["known_from"] == "console"
    assert r.privacy["checks"]["requiredPrivateInfos"] == {"known_from": "source", "status": "checked"}
    assert any(w.startswith("privacy guideline not checked") for w in r.warnings)
    assert findings(root) == []


def test_guideline_given_and_missing_a_type_the_category_declares_elsewhere(tmp_path: Path) -> None:
    """chooseLocation needs 选择的位置信息; the guideline has only 位置信息, which covers the category, so
    only the mini-program rule can say what WeChat will block, pointing at privacy.json."""
    root = write_tree(tmp_path, {
        "app.json": {"pages": ["pages/a/a"], "requiredPrivateInfos": ["chooseLocation"]},
        "privacy.json": {"setting_list": [{"privacy_key": "Location", "privacy_text": "推荐门店"}]},
        "pages/a/a.js": "Page({ onTap() { wx.chooseLocation({}) } })",
    })
    [f] = [f for f in judged(root) if f.rule == "miniprogram_undeclared_api"]
    assert "选择的位置信息" in f.detail and f.where is not None and f.where["file"] == "privacy.json"


def test_privacy_handler_only_on_a_later_page_does_not_count(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "app.json": {"pages": ["pages/home/home", "pages/agree/agree"]},
        "privacy.json": {"setting_list": [{"privacy_key": "Clipboard", "privacy_text": "识别办件码"}]},
        "pages/home/home.js": "Page({ onShow() { wx.getClipboardData({}) } })",
        "pages/agree/agree.wxml": '<button open-type="agreePrivacyAuthorization">同意</button>',
    })
    r = analyze_miniprogram(root, salt="s")
    assert r.privacy["authorization"]["handled"] is True
    assert r.privacy["authorization"]["before_first_call"] is False
    # WeChat's official popup asks at the first call: not the app's fault (since 2023-10-17)
    assert not [f for f in findings(root) if f[0] == "miniprogram_no_privacy_authorization"]


@pytest.mark.parametrize("handler", ["", "wx.requirePrivacyAuthorize({ success() {} })"])
def test_nickname_input_needs_the_app_to_ask_for_privacy_consent(tmp_path: Path, handler: str) -> None:
    root = write_tree(tmp_path, {
        "app.json": {"pages": ["pages/me/me"]},
        "privacy.json": {"setting_list": [{"privacy_key": "UserInfo", "privacy_text": "展示昵称"}]},
        "pages/me/me.wxml": '<input type="nickname" placeholder="昵称"/>',
        "pages/me/me.js": f"Page({{ onLoad() {{ {handler} }} }})",
    })
    got = [f for f in findings(root) if f[0] == "miniprogram_no_privacy_authorization"]
    assert got == ([] if handler else [("miniprogram_no_privacy_authorization", "profile", "low")])


POPUP = {
    "components/privacy/privacy.json": {"component": True},
    "components/privacy/privacy.wxml": '<button open-type="agreePrivacyAuthorization">同意</button>',
}


@pytest.mark.parametrize(("user", "before"), [("pages/home/home", True), ("pages/later/later", False)])
def test_consent_popup_component_counts_on_the_page_that_uses_it(tmp_path: Path, user: str, before: bool) -> None:
    root = write_tree(tmp_path, {
        "app.json": {"pages": ["pages/home/home", "pages/later/later"]},
        "pages/home/home.js": "Page({ onTap() { wx.chooseMedia({}) } })",
        f"{user}.json": {"usingComponents": {"privacy": "../../components/privacy/privacy"}},
        **POPUP,
    })
    r = analyze_miniprogram(root, salt="s")
    assert r.privacy["authorization"]["handled"] is True
    assert r.privacy["authorization"]["before_first_call"] is before


def test_sdk_listed_in_the_guideline_is_a_declared_third_party(tmp_path: Path) -> None:
    sdk_code = ("module.exports = { init() { wx.getLocation({ type: 'wgs84', success(res) { "
                "wx.request({ url: 'https://stat.example.com/c', data: res }) } }) } }")
    files = {
        "app.json": {"pages": ["pages/a/a"], "requiredPrivateInfos": ["getLocation"],
                     "permission": {"scope.userLocation": {"desc": "统计访问城市"}}},
        "app.js": "App({ onLaunch() { wx.onNeedPrivacyAuthorization((resolve) => resolve({ event: 'agree' })) } })",
        "miniprogram_npm/wx-stat-sdk/index.js": sdk_code,
    }
    guideline = [{"privacy_key": "Location", "privacy_text": "统计访问城市"}]
    listed = {"setting_list": guideline, "sdk_privacy_info_list": [
        {"sdk_name": "wx-stat-sdk", "sdk_biz_name": "某统计公司", "sdk_list": [{"privacy_key": "Location"}]}]}
    rules = {}
    for name, privacy in (("unlisted", {"setting_list": guideline}), ("listed", listed)):
        root = write_tree(tmp_path / name, {**files, "privacy.json": privacy})
        r = analyze_miniprogram(root, salt="s")
        number(r.observations, "o")
        ctx = JudgeContext(observations=r.observations, declarations=r.declarations,
                           app={**r.app, "miniprogram_privacy": r.privacy}, ruleset=default_ruleset())
        rules[name] = {f.rule for f in judge(ctx, all_checks())}
    assert "undisclosed_sdk" in rules["unlisted"]
    assert "undisclosed_sdk" not in rules["listed"]


def test_project_config_miniprogram_root_and_ext_json(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "project.config.json": {"appid": "wx0123456789abcdef", "miniprogramRoot": "./miniprogram/",
                                "pluginRoot": "plugin"},
        "miniprogram/app.json": {"pages": ["pages/a/a"]},
        "miniprogram/ext.json": {"extAppid": "wxext", "requiredPrivateInfos": ["chooseLocation"]},
        "miniprogram/pages/a/a.js": "wx.chooseLocation({})",
        "plugin/components/scan/scan.js": "Component({ methods: { go() { wx.chooseImage({}) } } })",
        "node_modules/x/index.js": "wx.getLocation({})",
        "server/app.js": "wx.getLocation({})",
    })
    r = analyze_miniprogram(tmp_path, salt="s")
    assert r.app["appid"] == "wx0123456789abcdef"
    assert r.privacy["requiredPrivateInfos"] == ["chooseLocation"]
    assert r.privacy["config_file"] == "miniprogram/app.json"
    # paths are relative to the input directory, so CI annotations land on repository files
    got = [(o.where["file"], o.entity, o.party.kind, o.party.name) for o in r.observations]
    assert got == [
        ("miniprogram/pages/a/a.js", "wx.chooseLocation", "first", "wx0123456789abcdef"),
        ("plugin/components/scan/scan.js", "wx.chooseImage", "third", "plugin"),
    ]


def test_miniprogram_root_outside_the_project_is_refused(tmp_path: Path) -> None:
    write_tree(tmp_path, {"project.config.json": {"miniprogramRoot": "../elsewhere"}})
    with pytest.raises(InputError, match="points outside the project") as e:
        analyze_miniprogram(tmp_path, salt="s")
    assert e.value.path.endswith("project.config.json")


def test_invalid_app_json_names_the_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app.json": '{"pages": ["pages/a/a",]}'})
    with pytest.raises(InputError, match="not valid JSON") as e:
        analyze_miniprogram(tmp_path, salt="s")
    assert e.value.path.endswith("app.json")


def test_app_json_fields_of_the_wrong_type_are_named(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app.json": {"pages": "pages/index/index"}})
    with pytest.raises(InputError, match="pages: 'pages/index/index' is not of type 'array'"):
        analyze_miniprogram(tmp_path, salt="s")


def test_combined_open_type_and_unknown_required_private_info(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "app.json": {"pages": ["pages/a/a"], "requiredPrivateInfos": ["getPhoneNumber"]},
        "pages/a/a.wxml": '<button open-type="getPhoneNumber|agreePrivacyAuthorization">手机号登录</button>',
    })
    r = analyze_miniprogram(root, salt="s")
    assert [o.entity for o in r.observations] == ["button[open-type=getPhoneNumber]"]
    assert r.privacy["authorization"]["before_first_call"] is True
    assert r.privacy["requiredPrivateInfos"] == []
    assert "app.json: requiredPrivateInfos entry 'getPhoneNumber' is not one WeChat accepts" in r.warnings


def test_app_json_in_gbk_is_an_input_error(tmp_path: Path) -> None:
    write_tree(tmp_path, {"app.json": '{"window": {"navigationBarTitleText": "政务服务"}}'.encode("gbk")})
    with pytest.raises(InputError, match="not UTF-8"):
        analyze_miniprogram(tmp_path, salt="s")


def test_bad_privacy_json_names_the_entry(tmp_path: Path) -> None:
    write_tree(tmp_path, {
        "app.json": {"pages": []},
        "privacy.json": {"setting_list": [{"privacy_key": "Location"}]},
    })
    with pytest.raises(InputError, match=r"setting_list/0: 'privacy_text' is a required property") as e:
        analyze_miniprogram(tmp_path, salt="s")
    assert e.value.path.endswith("privacy.json")


def test_not_a_mini_program(tmp_path: Path) -> None:
    write_tree(tmp_path, {"index.js": "wx.getLocation({})"})
    with pytest.raises(InputError, match=r"no app\.json"):
        analyze_miniprogram(tmp_path, salt="s")
    with pytest.raises(InputError, match="no such file"):
        analyze_miniprogram(tmp_path / "missing", salt="s")


def test_broken_js_is_a_warning_and_other_files_still_count(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "app.json": {"pages": ["pages/a/a", "pages/b/b"]},
        "pages/a/a.js": "Page({\n  onLoad() {\n    wx.getLocation({ success(r) { \n}\n",
        "pages/b/b.js": "Page({ onLoad() { wx.chooseImage({}) } })",
    })
    r = analyze_miniprogram(root, salt="s")
    assert any(w.startswith("pages/a/a.js:") and "does not parse" in w for w in r.warnings)
    assert "wx.chooseImage" in [o.entity for o in r.observations]
