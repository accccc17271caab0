"""The JS/TS scanner on real mini-program code: every way of reaching wx that the brief names."""

from __future__ import annotations

import time

import tree_sitter
import tree_sitter_javascript
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.miniprogram.apimap import default_api_map
from auditor.miniprogram.jsscan import _FileScan, _occurrences, scan_js
from auditor.miniprogram.jsscope import MAX_EVAL_STEPS, Scopes, text


def apis(src: str, rel: str = "pages/a/a.js") -> list[tuple[str, int, int, str]]:
    result = scan_js(rel, src.encode("utf-8"), default_api_map())
    return [(h.api, h.line, h.column, h.via) for h in result.hits]


def test_direct_call_position_is_one_based_in_characters() -> None:
    src = "// 首页定位\nconst 城市 = '北京'; wx.getLocation({type: 'gcj02'})\n"
    # c-o-n-s-t, space, 城市, " = ", '北京', ";", space: wx starts at character 18
    assert apis(src) == [("wx.getLocation", 2, 18, "wx")]


def test_alias_chain_and_reassignment() -> None:
    src = """
const w = wx
let w2
w2 = w
w.chooseImage({count: 1})
w2.getClipboardData({success(r) {}})
"""
    assert [a[:2] for a in apis(src)] == [("wx.chooseImage", 5), ("wx.getClipboardData", 6)]


def test_string_subscript_and_passing_the_function_as_value() -> None:
    src = "wx['getLocation']({}); const p = promisify(wx.chooseAddress);"
    assert [(a[0], a[3]) for a in apis(src)] == [("wx.getLocation", "subscript"), ("wx.chooseAddress", "wx")]


def test_destructuring_reports_each_call_of_the_local_name() -> None:
    src = """const { getLocation: locate, setClipboardData } = wx
function a() { locate({}) }
function b() { locate({}) }
"""
    got = apis(src)
    # setClipboardData is never called: its destructuring is the access
    assert [(a[0], a[1], a[3]) for a in got] == [
        ("wx.setClipboardData", 1, "destructuring"),
        ("wx.getLocation", 2, "destructuring"),
        ("wx.getLocation", 3, "destructuring"),
    ]


def test_named_import_from_taro_is_bound_like_destructuring() -> None:
    src = """import { getLocation as locate, chooseImage } from '@tarojs/taro'
import { getLocation } from './my-geo'
export function where() { return locate({ type: 'gcj02' }) }
getLocation()
"""
    assert [(a[0], a[1], a[3]) for a in apis(src)] == [
        ("wx.chooseImage", 1, "import"),
        ("wx.getLocation", 3, "import"),
    ]


def test_frameworks_uni_taro_and_their_compiled_output() -> None:
    src = """
import Taro from '@tarojs/taro'
const common_vendor = require("../../common/vendor.js")
var _taro = _interopRequireDefault(require("@tarojs/taro"))
uni.chooseAddress({})
Taro.chooseLocation({})
common_vendor.index.getFuzzyLocation({})
common_vendor.index.__f__("log", "at pages/a/a.vue:3", "getLocation")
_taro.default.startLocationUpdate({})
_tarojs_taro__WEBPACK_IMPORTED_MODULE_0___default.a.chooseMedia({})
_tarojs_taro__WEBPACK_IMPORTED_MODULE_1___default().chooseAddress({})
(0, _tarojs_taro__WEBPACK_IMPORTED_MODULE_1__.getLocation)({})
"""
    assert [a[:2] for a in apis(src)] == [
        ("wx.chooseAddress", 5),
        ("wx.chooseLocation", 6),
        ("wx.getFuzzyLocation", 7),
        ("wx.startLocationUpdate", 9),
        ("wx.chooseMedia", 10),
        ("wx.chooseAddress", 11),
        ("wx.getLocation", 12),
    ]


def test_names_in_comments_strings_and_other_objects_are_not_calls() -> None:
    src = """
// wx.getLocation is called elsewhere
const doc = "wx.getLocation({})"
const map = { getLocation: 1 }
amap.getLocation({})
this.getClipboardData()
const { chooseImage } = helpers
chooseImage()
"""
    assert apis(src) == []


def test_method_of_a_context_object_matches_any_receiver() -> None:
    src = "const ctx = wx.createMapContext('map'); ctx.moveToLocation()"
    assert [a[0] for a in apis(src)] == ["MapContext.moveToLocation"]


def test_typescript_page() -> None:
    src = """
interface Loc { latitude: number }
Page({
  async onLoad(): Promise<void> {
    const res = await wx.getLocation({ type: 'gcj02' }) as unknown as Loc
    console.log(res.latitude as number)
  }
})
"""
    assert [a[:2] for a in apis(src, "pages/a/a.ts")] == [("wx.getLocation", 5)]


def test_syntax_error_is_reported_with_line_and_the_rest_still_scanned() -> None:
    src = """wx.chooseImage({})
function broken( {
  return
}
wx.getClipboardData({})
"""
    result = scan_js("pages/b/b.js", src.encode(), default_api_map())
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("pages/b/b.js:")
    assert "does not parse" in result.warnings[0]
    assert "wx.chooseImage" in [h.api for h in result.hits]


def test_file_without_any_api_name_is_not_parsed() -> None:
    result = scan_js("pages/c/c.js", b"function ( { broken", default_api_map())
    assert result.parsed is False and result.warnings == []


def test_face_context_upgrades_an_album_call() -> None:
    src = """
Page({
  startFaceVerify() { wx.chooseImage({ sourceType: ['camera'] }) },  // 刷脸认证
  pickPhotos() { wx.chooseImage({ count: 9 }) }
})
"""
    result = scan_js("pages/f/f.js", src.encode(), default_api_map())
    assert [h.context_category for h in result.hits] == ["face", None]


def test_compiled_app_service_keeps_the_module_path() -> None:
    src = 'define("miniprogram_npm/sdk/index.js", function(require, module, exports) {\nwx.getLocation({})\n});'
    [hit] = scan_js("app-service.js", src.encode(), default_api_map()).hits
    assert (hit.module, hit.line) == ("miniprogram_npm/sdk/index.js", 2)


def test_huge_minified_bundle_is_bounded_in_time() -> None:
    unit = "function f(a){var o={x:1,y:[1,2,3]};if(a){wx.getLocation({type:'gcj02'})}return o.x+a*2}"
    src = (unit * 60_000).encode()  # ~5 MB on one line
    api_map = default_api_map()
    tight = type(api_map)(**{**api_map.__dict__, "parse_timeout_seconds": 0.2})
    start = time.monotonic()
    result = scan_js("vendor.js", src, tight)
    assert time.monotonic() - start < 5
    assert result.hits == []
    assert result.warnings and "longer than 0.2 s" in result.warnings[0]


def test_file_naming_an_api_thousands_of_times_is_bounded_in_time() -> None:
    src = ("const a = [" + ",".join(["x.getLocation"] * 60_000) + "]\nwx.getLocation({})\n").encode()
    api_map = default_api_map()
    tight = type(api_map)(**{**api_map.__dict__, "parse_timeout_seconds": 1})
    start = time.monotonic()
    result = scan_js("big.js", src, tight)
    # the 60,000 lookups in one 60,000-wide array once took ~20 s; with node text read from the bytes
    # they fit in the budget on an idle machine (the one real call found), and on a loaded one the
    # budget stops them (while parsing or looking up) with one warning
    assert time.monotonic() - start < 8
    if result.warnings:
        assert len(result.warnings) == 1 and "took longer than 1 s" in result.warnings[0]
    else:
        assert [h.api for h in result.hits] == ["wx.getLocation"]


def test_lookups_stop_at_the_deadline_and_say_where() -> None:
    src = b"const w = wx\n\nw.getLocation({})\nwx.chooseImage({})\n"
    api_map = default_api_map()
    tree = tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language())).parse(src)
    scan = _FileScan(api_map, src, tree.root_node, deadline=time.monotonic() - 1)
    assert list(scan.uses(_occurrences(src, api_map.by_js))) == []
    assert scan.stopped_at == 3


TOKENS = ["wx", "uni", ".", "getLocation", "chooseImage", "[", "]", "'", '"', "(", ")", "{", "}", "=", "const ",
          ":", ",", ";", "\n", "require", "import ", " from ", "'@tarojs/taro'", "define", "`", "/*", "*/", "//", "x"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_any_token_soup_is_scanned_without_exception(tokens: list[str]) -> None:
    result = scan_js("soup.js", "".join(tokens).encode(), default_api_map())
    assert all(h.line >= 1 and h.column >= 1 for h in result.hits)


def _question(src: bytes) -> tuple[Scopes, tree_sitter.Node]:
    """Scopes of ``src`` and the receiver of its last statement, ``x0.getLocation({})``."""
    tree = tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language())).parse(src)
    scopes = Scopes(default_api_map().receivers, src, tree.root_node, time.monotonic() + 60)
    last = tree.root_node.named_children[-1]
    receiver = last.named_children[0].child_by_field_name("function").child_by_field_name("object")
    assert text(receiver) == "x0"
    return scopes, receiver


def test_a_name_is_evaluated_once_however_often_it_is_reached() -> None:
    """Names bound twice each fan out at every level (a real 500 KB bundle: 6.6 million evaluations for
    one receiver question, and the call was missed); each name's value is worked out once."""
    chain = "\n".join(f"var x{i} = x{i + 1} || x{i + 2}; x{i} = x{i + 2} || x{i + 1}" for i in range(20))
    scopes, receiver = _question((chain + "\nvar x20 = wx, x21 = wx\nx0.getLocation({})\n").encode())
    assert scopes.value(receiver) is not None  # reaches wx through 20 levels
    assert scopes._steps < 500


def test_one_value_question_is_bounded_in_evaluations() -> None:
    """A name with more bindings than MAX_EVAL_STEPS: the question stops there, its answer unknown."""
    src = "var x0 = a\n" + "\n".join(f"x0 = a{i}" for i in range(MAX_EVAL_STEPS)) + "\nx0 = wx\nx0.getLocation({})\n"
    scopes, receiver = _question(src.encode())
    assert scopes.value(receiver) is None
    assert scopes._steps == MAX_EVAL_STEPS + 1


def test_a_webpack_getter_reassigned_elsewhere_still_reaches_the_module() -> None:
    """Minifiers reuse a getter's name (``S = i.n(C)``, later ``S = C.insureId``): calling it still reads the module."""
    src = (b"(wx.webpackJsonp=wx.webpackJsonp||[]).push([[1],{5:function(e,t,i){var C=i(7),S=i.n(C);"
           b"function f(){S=C.insureId}S().chooseImage({count:1})}}]);")
    hits = scan_js("pages/a.js", src, default_api_map()).hits
    assert [(h.api, h.receiver) for h in hits] == [("wx.chooseImage", ("mod", "7", ("default",)))]
