"""Hostile mini-programs (issue 15): every reader is bounded, and the bound is named in what it says.

Each input here once crashed, hung or blew up the mini-program reader: a member chain that overflowed
the C stack through our own recursion, deep parentheses and a 100,000-deep arrow chain that made the
ancestor walks quadratic, deep JSON, a FIFO named like a script, a miniprogramRoot linked outside the
project, a package whose index points many entries at one region, a 50 MB script. Time and memory
figures live in benchmarks/bench_miniprogram.py; here the behaviour is checked: a clear warning or a
one-line input error, and the rest of the project still audited.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from auditor.errors import InputError
from auditor.miniprogram import analyze_miniprogram
from auditor.miniprogram.apimap import default_api_map
from auditor.miniprogram.gwx import compiled_hits
from auditor.miniprogram.jsscan import scan_js
from auditor.miniprogram.jsscope import MAX_ANCESTORS
from auditor.miniprogram.wxapkg import HEADER, U32, read_wxapkg


def project(root: Path, files: dict[str, str | bytes]) -> Path:
    files = {"app.json": '{"pages": ["pages/a/a"]}', **files}
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return root


def test_long_member_chain_is_no_receiver_and_no_crash() -> None:
    src = ("wx" + ".a" * 1000 + ".getLocation()\nwx.chooseImage({})\n").encode()
    result = scan_js("chain.js", src, default_api_map())
    assert [h.api for h in result.hits] == ["wx.chooseImage"]


@pytest.mark.parametrize(
    "deep",
    [
        "(" * 50_000 + "wx.getLocation()" + ")" * 50_000,
        "var f = " + "a=>" * 100_000 + "wx.getLocation()",
        "(function(){" * 3_000 + "wx.getLocation()" + "})()" * 3_000,
    ],
    ids=["parentheses", "arrow-chain", "nested-functions"],
)
def test_code_nested_too_deep_is_skipped_with_the_bound_named(deep: str) -> None:
    src = ("wx.chooseImage({});\n" + deep + "\n").encode()
    result = scan_js("deep.js", src, default_api_map())
    assert [h.api for h in result.hits] == ["wx.chooseImage"]
    assert result.warnings == [f"deep.js:2: code nested deeper than {MAX_ANCESTORS} levels; that code was not analysed"]


def test_deep_json_app_config_is_an_input_error_naming_the_limit(tmp_path: Path) -> None:
    root = project(tmp_path, {"app.json": '{"pages": [], "x": ' + "[" * 100_000 + "]" * 100_000 + "}"})
    with pytest.raises(InputError, match=r"app\.json: JSON nested deeper than 64 levels \(limits\.max_json_depth\)"):
        analyze_miniprogram(root, salt="s")


def test_deep_page_json_does_not_stop_the_audit(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "pages/a/a.json": '{"usingComponents": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "pages/a/a.js": "wx.getLocation({})",
    })
    assert [o.entity for o in analyze_miniprogram(root, salt="s").observations] == ["wx.getLocation"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_named_like_a_script_is_skipped_not_read(tmp_path: Path) -> None:
    root = project(tmp_path, {"pages/a/a.js": "wx.getLocation({})"})
    os.mkfifo(root / "pages" / "a" / "fifo.js")
    r = analyze_miniprogram(root, salt="s")  # reading the FIFO would block forever
    assert [o.entity for o in r.observations] == ["wx.getLocation"]
    assert "pages/a/fifo.js: not a regular file (FIFO, device or socket); skipped" in r.warnings


def test_miniprogram_root_linked_outside_the_project_is_refused(tmp_path: Path) -> None:
    outside = project(tmp_path / "outside", {"secret.js": "wx.getLocation({})"})
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "project.config.json").write_text('{"miniprogramRoot": "mp"}', encoding="utf-8")
    (proj / "mp").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InputError, match="miniprogramRoot 'mp/' resolves outside the project"):
        analyze_miniprogram(proj, salt="s")


def test_linked_files_and_directories_inside_are_not_followed(tmp_path: Path) -> None:
    outside = project(tmp_path / "outside", {"secret.js": "wx.getLocation({})"})
    root = project(tmp_path / "mp", {"pages/a/a.js": "wx.chooseImage({})"})
    (root / "lib").symlink_to(outside, target_is_directory=True)
    (root / "pages" / "a" / "b.js").symlink_to(outside / "secret.js")
    assert [o.entity for o in analyze_miniprogram(root, salt="s").observations] == ["wx.chooseImage"]


def package_with_shared_region(count: int) -> bytes:
    """A package whose ``count`` script entries all point at one region, plus app.json."""
    blob = b"wx.getLocation({});" * 1000
    app = b'{"pages": []}'
    names = [f"/p{i}.js".encode() for i in range(count)] + [b"/app.json"]
    index_len = U32.size + sum(3 * U32.size + len(n) for n in names)
    start = HEADER.size + index_len
    index = bytearray(U32.pack(len(names)))
    for n in names[:-1]:
        index += U32.pack(len(n)) + n + struct.pack(">II", start, len(blob))
    index += U32.pack(len(names[-1])) + names[-1] + struct.pack(">II", start + len(blob), len(app))
    return HEADER.pack(0xBE, 0, index_len, len(blob) + len(app), 0xED) + bytes(index) + blob + app


def test_package_entries_sharing_bytes_are_read_once(tmp_path: Path) -> None:
    f = tmp_path / "bomb.wxapkg"
    f.write_bytes(package_with_shared_region(1000))
    pkg = read_wxapkg(f)
    assert sorted(pkg.files) == ["app.json", "p0.js"]
    assert pkg.warnings == ["bomb.wxapkg: 999 entries overlap bytes of earlier entries (entries must not share "
                            "bytes); skipped: 'p1.js', 'p10.js', 'p100.js', 'p101.js', 'p102.js', ..."]


def test_package_with_more_entries_than_the_limit_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "many.wxapkg"
    f.write_bytes(package_with_shared_region(20))
    with pytest.raises(InputError, match=r"21 entries, more than the limit of 10 \(limits\.max_files\)"):
        read_wxapkg(f, max_files=10)


def test_uses_per_file_are_capped_with_the_bound_named() -> None:
    api_map = default_api_map()
    tight = type(api_map)(**{**api_map.__dict__, "max_uses_per_file": 50})
    result = scan_js("many.js", b"wx.getLocation({});\n" * 200, tight)
    assert len(result.hits) == 50
    assert result.warnings == ["many.js:51: more than 50 privacy-API uses in one file (limits.max_uses_per_file); "
                               "the rest of the file was not analysed"]


def test_script_above_the_parse_limit_is_read_but_not_parsed(tmp_path: Path) -> None:
    api_map = default_api_map()
    unit = b"function f(a){if(a){wx.getLocation({})}return a}\n"
    big = unit * (api_map.max_parse_bytes // len(unit) + 1)
    result = scan_js("big.js", big, api_map)
    assert result.hits == [] and result.parsed
    assert result.warnings == [f"big.js: {len(big)} bytes is above the {api_map.max_parse_bytes}-byte parse limit; "
                               "file not analysed"]


def test_compiled_templates_are_bounded_and_the_bound_named() -> None:
    api_map = default_api_map()
    tight = type(api_map)(**{**api_map.__dict__, "max_uses_per_file": 50})
    table = "function gz$gwx_1(){\nZ([3,'getPhoneNumber'])\n}\nvar z=gz$gwx_1()\n"
    hits, problems = compiled_hits("page-frame.js", (table + "var b=_mz(z,'button',['openType',0])\n" * 200).encode(),
                                   tight)
    assert len(hits) == 50
    assert problems == ["page-frame.js:55: more than 50 privacy elements in compiled templates "
                        "(limits.max_uses_per_file); the rest of the file was not read"]
    # an element list that never closes is read as far as 4 KB, not to the end of the file each time
    hits, problems = compiled_hits("x.js", (table + "var b=_mz(z,'button',[" * 20_000).encode(), api_map)
    assert (hits, problems) == ([], [])
