"""Privacy elements behind custom components, who collects through libraries and SDKs, and where a
declaration sits in app.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor.miniprogram import analyze_miniprogram
from auditor.miniprogram.components import bound_properties, kebab
from auditor.miniprogram.jsonpos import positions

# A button component in the shape of Vant's: the open-type it renders comes from its openType property,
# behind a condition; a field component renders its input through an include.
BUTTON = {
    "lib/button/index.json": {"component": True},
    "lib/button/index.wxml": '<button class="b"\n  open-type="{{ disabled || loading ? \'\' : openType }}"\n'
                             '  bindgetphonenumber="onGetPhoneNumber"><slot/></button>',
    "lib/button/index.js": "Component({ properties: { openType: String } })",
}
FIELD = {
    "lib/field/index.json": {"component": True},
    "lib/field/index.wxml": '<view class="f"><include src="./input.wxml"/></view>',
    "lib/field/input.wxml": '<input type="{{ type }}" value="{{ value }}"/>',
}
# the app's own wrapper around the library button, handing its `kind` property on as open-type
WRAPPER = {
    "components/login-btn/index.json": {"component": True, "usingComponents": {"lib-button": "/lib/button/index"}},
    "components/login-btn/index.wxml": '<lib-button open-type="{{kind}}">登录</lib-button>',
}


def write_tree(root: Path, files: dict[str, Any]) -> Path:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(content) if isinstance(content, dict) else content, encoding="utf-8")
    return root


def elements(root: Path) -> list[tuple[str, int, str]]:
    r = analyze_miniprogram(root, salt="s")
    return sorted((o.where["file"], o.where["line"], o.entity) for o in r.observations)


def test_properties_a_binding_reads_and_their_attribute_names() -> None:
    assert bound_properties("{{ disabled || loading ? '' : openType }}") == ["disabled", "loading", "openType"]
    assert bound_properties("getPhoneNumber") == []
    assert (kebab("openType"), kebab("type")) == ("open-type", "type")


def test_library_button_and_field_count_on_the_page_that_uses_them(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "app.json": {"pages": ["pages/a/a"], "usingComponents": {"lib-field": "/lib/field/index"}},
        "pages/a/a.json": {"usingComponents": {"lib-button": "../../lib/button/index"}},
        "pages/a/a.wxml": '<view>\n<lib-button type="primary"\n  open-type="getPhoneNumber">手机号</lib-button>\n'
                          '<lib-field\n  type="nickname"/>\n<lib-button open-type="share">分享</lib-button>\n'
                          '<lib-field type="text"/></view>',
        **BUTTON, **FIELD,
    })
    assert elements(root) == [
        ("pages/a/a.wxml", 2, "button[open-type=getPhoneNumber]"),
        ("pages/a/a.wxml", 4, "input[type=nickname]"),
    ]


def test_a_wrapper_of_a_wrapper_is_followed(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "app.json": {"pages": ["pages/a/a"]},
        "pages/a/a.json": {"usingComponents": {"login-btn": "/components/login-btn/index"}},
        "pages/a/a.wxml": '<login-btn kind="getPhoneNumber"/>',
        **BUTTON, **WRAPPER,
    })
    assert elements(root) == [("pages/a/a.wxml", 1, "button[open-type=getPhoneNumber]")]


def test_npm_library_found_in_miniprogram_npm_or_known_by_data(tmp_path: Path) -> None:
    page = '<van-button open-type="getPhoneNumber">授权</van-button>'
    built = write_tree(tmp_path / "built", {
        "app.json": {"pages": ["pages/a/a"], "usingComponents": {"van-button": "@vant/weapp/button/index"}},
        "pages/a/a.wxml": page,
        **{k.replace("lib/", "miniprogram_npm/@vant/weapp/"): v for k, v in BUTTON.items()},
    })
    # miniprogram_npm not built (only package.json's dependency): the library is known by data
    unbuilt = write_tree(tmp_path / "unbuilt", {
        "app.json": {"pages": ["pages/a/a"], "usingComponents": {"van-button": "@vant/weapp/button/index"}},
        "pages/a/a.wxml": page,
    })
    assert elements(built) == elements(unbuilt) == [("pages/a/a.wxml", 1, "button[open-type=getPhoneNumber]")]


def test_ui_library_calls_are_the_apps_and_a_data_sdk_is_a_third_party(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {
        "app.json": {"pages": ["pages/a/a"]},
        # a UI library: it picks images for the app and sends nothing anywhere
        "miniprogram_npm/some-ui/uploader/index.js":
            "Component({ methods: { pick() { wx.chooseImage({ success: (r) => this.triggerEvent('pick', r) }) } },"
            " data: { icon: 'https://img.cdn.example/upload.png' } })",
        # a statistics package the catalogue does not know: it sends what it reads to its own host
        "miniprogram_npm/stat-lite/index.js":
            "wx.getLocation({ success(r) { wx.request({ url: 'https://collect.stat-lite.example/l', data: r }) } })",
        # a vendored map SDK file, known by the catalogue by its file name
        "libs/qqmap-wx-jssdk.min.js": "function Q(){} Q.prototype.here = function(){ wx.getLocation({}) }",
    })
    r = analyze_miniprogram(root, salt="s")
    got = sorted((o.where["file"], o.party.kind, o.party.sdk or o.party.name, o.where.get("library"))
                 for o in r.observations)
    first = r.app["appid"] or r.app["name"] or "mini-program"
    assert got == [
        ("libs/qqmap-wx-jssdk.min.js", "third", "tencent_map", "qqmap-wx-jssdk.min.js"),
        ("miniprogram_npm/some-ui/uploader/index.js", "first", first, "some-ui"),
        ("miniprogram_npm/stat-lite/index.js", "third", "stat-lite", "stat-lite"),
    ]


def test_positions_of_keys_and_items() -> None:
    text = '{\n  "pages": ["a"],\n  "requiredPrivateInfos": [\n    "getLocation",\n    "chooseAddress"\n  ],\n' \
           '  "permission": {"scope.userLocation": {"desc": "附近门店"}}\n}'
    pos = positions(text)
    assert pos[("requiredPrivateInfos",)] == (3, 3)
    assert pos[("requiredPrivateInfos", 1)] == (5, 5)
    assert pos[("permission", "scope.userLocation")] == (7, 18)
    assert pos[("permission", "scope.userLocation", "desc")] == (7, 41)


def test_declaration_findings_point_at_their_line(tmp_path: Path) -> None:
    from auditor.model import number
    from auditor.ruleset import default_ruleset
    from auditor.scope import JudgeContext, judge
    from auditor.scope.rules_miniprogram import CHECKS

    root = tmp_path
    (root / "pages" / "a").mkdir(parents=True)
    (root / "app.json").write_text('{\n  "pages": ["pages/a/a"],\n  "requiredPrivateInfos": [\n    "chooseAddress"\n'
                                   '  ],\n  "permission": {\n    "scope.userLocation": {"desc": "附近门店"}\n  }\n}',
                                   encoding="utf-8")
    (root / "pages" / "a" / "a.js").write_text("wx.getLocation({})", encoding="utf-8")
    r = analyze_miniprogram(root, salt="s")
    number(r.observations, "o")
    ctx = JudgeContext(observations=r.observations, declarations=r.declarations,
                       app={**r.app, "miniprogram_privacy": r.privacy}, ruleset=default_ruleset())
    where = {(f.rule, f.category): f.where for f in judge(ctx, CHECKS)}
    assert where[("miniprogram_undeclared_api", "precise_location")] == {
        "file": "app.json", "line": 3, "column": 3, "key": "requiredPrivateInfos"}
    assert where[("miniprogram_unused_declaration", "address")] == {
        "file": "app.json", "line": 4, "column": 5, "key": "requiredPrivateInfos:chooseAddress"}
