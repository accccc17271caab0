"""The WXML scanner on real markup, and on markup that breaks the tokenizer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.miniprogram.apimap import default_api_map
from auditor.miniprogram.wxmlscan import scan_wxml


def scan(text: str) -> list[tuple[str, int, int]]:
    hits, warnings = scan_wxml("pages/a/a.wxml", text, default_api_map())
    assert warnings == []
    return [(h.api, h.line, h.column) for h in hits]


def test_elements_and_open_types_with_positions() -> None:
    text = """<view class="card">
  <live-pusher url="{{pushUrl}}" mode="RTC" autopush />
  <button open-type="chooseAvatar" bind:chooseavatar="onAvatar"><image src="{{a}}"/></button>
  <input type="nickname" placeholder="昵称"/><input type="number"/>
  <voip-room openid="{{id}}"></voip-room>
  <button open-type="{{dynamicType}}">动态</button>
  <button open-type="getRealtimePhoneNumber" bindgetrealtimephonenumber="p">实时手机号</button>
</view>"""
    assert scan(text) == [
        ("live-pusher#record", 2, 3),
        ("live-pusher#camera", 2, 3),
        ("button[open-type=chooseAvatar]", 3, 3),
        ("input[type=nickname]", 4, 3),
        ("voip-room", 5, 3),
        ("button[open-type=getRealtimePhoneNumber]", 7, 3),
    ]


def test_a_generic_renderers_template_catalogue_is_no_use_but_an_apps_own_template_is() -> None:
    # Taro 3's base.wxml: one template per component, every attribute bound, instantiated by name
    text = """<template name="taro_tmpl"><template is="{{'tmpl_0_' + i.nn}}" data="{{i:i}}"/></template>
<template name="tmpl_0_14"><camera device-position="{{i.p3}}" flash="{{i.p4}}"></camera></template>
<template name="tmpl_0_22"><live-pusher url="{{i.p1}}"/></template>
<template name="card"><button open-type="getPhoneNumber">绑定</button></template>
<template is="card"></template>
<camera></camera>"""
    assert scan(text) == [("button[open-type=getPhoneNumber]", 4, 23), ("camera", 6, 1)]


def test_elements_inside_comments_do_not_count() -> None:
    assert scan("<!-- <camera></camera> -->\n<view>人脸识别说明</view>") == []


def test_malformed_declaration_is_a_warning_with_hits_so_far() -> None:
    hits, warnings = scan_wxml("pages/b/b.wxml", "<camera/>\n<![!\"[r'/erb>", default_api_map())
    assert [h.api for h in hits] == ["camera"]
    assert warnings == ["pages/b/b.wxml:2: WXML does not parse; skipped the rest of the file"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="<>!/[]-=\"' abcamer?{}", max_size=60))
def test_any_markup_gives_hits_or_a_warning_never_an_exception(text: str) -> None:
    scan_wxml("x.wxml", text, default_api_map())
