"""The .wxapkg reader on packages built by the sample packer, and on broken and hostile ones."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.errors import InputError
from auditor.miniprogram import analyze_miniprogram
from auditor.miniprogram.wxapkg import read_wxapkg, safe_name, write_wxapkg

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "miniprogram"

PACKER = SAMPLES / "pack_wxapkg.py"


def pack(src: Path, out: Path, *extra: str) -> Path:
    subprocess.run([sys.executable, str(PACKER), str(src), str(out), *extra], check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def gov_pkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pack(SAMPLES / "gov-service", tmp_path_factory.mktemp("pkg") / "__APP__.wxapkg")


def test_header_layout_is_big_endian_with_marks(gov_pkg: Path) -> None:
    data = gov_pkg.read_bytes()
    assert data[0] == 0xBE and data[13] == 0xED
    index_len, body_len = struct.unpack(">II", data[5:13])
    assert 14 + index_len + body_len == len(data)
    (count,) = struct.unpack(">I", data[14:18])
    (name_len,) = struct.unpack(">I", data[18:22])
    assert data[22 : 22 + name_len].startswith(b"/")
    assert count == len(read_wxapkg(gov_pkg).files)


def test_packed_sources_analyse_like_the_directory(gov_pkg: Path) -> None:
    from_dir = analyze_miniprogram(SAMPLES / "gov-service", salt="s")
    from_pkg = analyze_miniprogram(gov_pkg, salt="s")
    assert from_pkg.app["input_kind"] == "wxapkg"
    key = lambda r: sorted((o.entity, o.where["file"], o.where["line"]) for o in r.observations)  # noqa: E731
    assert key(from_pkg) == key(from_dir)


def test_compiled_layout_maps_code_back_to_its_module(tmp_path: Path) -> None:
    pkg = pack(SAMPLES / "gov-service", tmp_path / "c.wxapkg", "--compiled")
    r = analyze_miniprogram(pkg, salt="s")
    assert r.app["config_file"] == "app-config.json"
    assert r.app["name"] == "掌上政务服务"
    sdk = [o for o in r.observations if o.where.get("module") == "miniprogram_npm/wx-stat-sdk/index.js"]
    assert [o.party.name for o in sdk] == ["wx-stat-sdk"]
    assert sdk[0].where["file"] == "app-service.js"
    assert r.privacy["first_call"]["api"] == "wx.getLocation"


def test_truncated_package_is_an_input_error(gov_pkg: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.wxapkg"
    cut.write_bytes(gov_pkg.read_bytes()[:-100])
    with pytest.raises(InputError, match="truncated") as e:
        analyze_miniprogram(cut, salt="s")
    assert e.value.path == str(cut)


def test_pc_encrypted_package_is_refused_with_the_reason(tmp_path: Path) -> None:
    enc = tmp_path / "pc.wxapkg"
    enc.write_bytes(b"V1MMWX" + os.urandom(2048))
    with pytest.raises(InputError, match="encrypted PC-client package"):
        analyze_miniprogram(enc, salt="s")


def test_not_a_package(tmp_path: Path) -> None:
    f = tmp_path / "x.wxapkg"
    f.write_bytes(b"PK\x03\x04 this is a zip file, not a wxapkg")
    with pytest.raises(InputError, match="header marks"):
        read_wxapkg(f)


def test_traversal_names_are_skipped_and_nothing_is_written(tmp_path: Path) -> None:
    files = {
        "app.json": b'{"pages": ["pages/a/a"]}',
        "pages/a/a.js": b"wx.getLocation({})",
        "../../evil.js": b"wx.chooseImage({})",
        "/etc/cron.d/x.js": b"wx.chooseImage({})",
        "a/../../b.js": b"wx.chooseImage({})",
        "C:/Windows/x.js": b"wx.chooseImage({})",
    }
    pkg_path = tmp_path / "p" / "evil.wxapkg"
    pkg_path.parent.mkdir()
    pkg_path.write_bytes(write_wxapkg(files))
    before = set(tmp_path.rglob("*"))
    pkg = read_wxapkg(pkg_path)
    assert set(pkg.files) == {"app.json", "pages/a/a.js", "etc/cron.d/x.js"}
    assert len(pkg.warnings) == 3 and all("outside the package" in w for w in pkg.warnings)
    r = analyze_miniprogram(pkg_path, salt="s")
    assert set(tmp_path.rglob("*")) == before
    assert [o.entity for o in r.observations] == ["wx.chooseImage", "wx.getLocation"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("/app.json", "app.json"), ("pages//a/./a.js", "pages/a/a.js"), ("..\\x.js", None), ("/", None)],
)
def test_safe_name(name: str, expected: str | None) -> None:
    assert safe_name(name) == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=4000), flip=st.integers(min_value=0, max_value=4000),
       value=st.integers(min_value=0, max_value=255))
def test_damaged_packages_fail_cleanly(tmp_path: Path, cut: int, flip: int, value: int) -> None:
    data = bytearray(write_wxapkg({"app.json": b'{"pages": []}', "pages/a/a.js": b"wx.getLocation({})" * 50}))
    if flip < len(data):
        data[flip] = value
    f = tmp_path / "d.wxapkg"
    f.write_bytes(bytes(data[: len(data) - cut % len(data)]))
    try:
        read_wxapkg(f)
    except InputError as e:
        assert e.path == str(f)
