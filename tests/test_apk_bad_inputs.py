"""Broken, hostile and huge APKs: one clear InputError naming the file, or a partial result that says
what it could not read; never a traceback, never unbounded memory."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from apk_fixtures import sample_apks  # noqa: F401  (pytest fixture)

from auditor.apk import analyze_apk
from auditor.apk.archive import MAX_APK_BYTES
from auditor.errors import InputError


def rebuild(src: Path, dst: Path, replace: dict[str, bytes]) -> Path:
    """Copy an APK entry by entry, swapping or adding entries (the signature breaks)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.pop(info.filename, None) or zin.read(info))
        for name, data in replace.items():
            zout.writestr(name, data)
    return dst


def declare_size(zip_bytes: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size of one entry in both its local header and the central directory."""
    data = bytearray(zip_bytes)
    eocd = data.rindex(b"PK\x05\x06")
    count, _cd_size, pos = struct.unpack_from("<HLL", data, eocd + 10)
    for _ in range(count):
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        local = struct.unpack_from("<L", data, pos + 42)[0]
        if data[pos + 46 : pos + 46 + n] == name.encode():
            struct.pack_into("<L", data, pos + 24, size)
            struct.pack_into("<L", data, local + 22, size)
        pos += 46 + n + m + k
    return bytes(data)


def lie_about(zip_bytes: bytes, name: str, declared: bytes) -> bytes:
    """Make both headers of one entry describe ``declared`` (its size and CRC) whatever it holds."""
    data = bytearray(zip_bytes)
    eocd = data.rindex(b"PK\x05\x06")
    count, _cd_size, pos = struct.unpack_from("<HLL", data, eocd + 10)
    crc = zlib.crc32(declared)
    for _ in range(count):
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        local = struct.unpack_from("<L", data, pos + 42)[0]
        if data[pos + 46 : pos + 46 + n] == name.encode():
            struct.pack_into("<L", data, pos + 16, crc)
            struct.pack_into("<L", data, pos + 24, len(declared))
            struct.pack_into("<L", data, local + 14, crc)
            struct.pack_into("<L", data, local + 22, len(declared))
        pos += 46 + n + m + k
    return bytes(data)


def zeros_entry(src: Path, dst: Path, name: str, megabytes: int) -> Path:
    """``src`` with entry ``name`` replaced by (or added as) deflated zeros, written in 1 MB steps."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != name:
                zout.writestr(info.filename, zin.read(info))
        with zout.open(name, "w") as f:
            for _ in range(megabytes):
                f.write(bytes(1 << 20))
    return dst


def expect_input_error(path: Path, fragment: str) -> InputError:
    with pytest.raises(InputError) as err:
        analyze_apk(path, salt="s")
    assert err.value.path == str(path)
    assert fragment in err.value.message
    return err.value


def test_missing_file(tmp_path):
    expect_input_error(tmp_path / "nope.apk", "no such file")


def test_text_file_is_not_an_apk(tmp_path):
    p = tmp_path / "政务服务.apk"
    p.write_text("这不是一个安装包，而是一段中文文本。\n", encoding="utf-8")
    expect_input_error(p, "not an APK")


def test_truncated_apk(sample_apks, tmp_path):  # noqa: F811
    data = sample_apks["wst"].read_bytes()
    p = tmp_path / "truncated.apk"
    p.write_bytes(data[: len(data) // 2])
    expect_input_error(p, "truncated")


def test_zip_without_manifest_or_dex(tmp_path):
    p = tmp_path / "photos.apk"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("DCIM/readme.txt", "相册备份")
    expect_input_error(p, "neither AndroidManifest.xml nor classes.dex")


def test_zip_bomb_by_ratio(sample_apks, tmp_path):  # noqa: F811
    p = tmp_path / "bomb.apk"
    shutil.copy(sample_apks["notes"], p)
    with zipfile.ZipFile(p, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("assets/zeros.bin", "w") as f:
        chunk = bytes(1 << 20)
        for _ in range(40):
            f.write(chunk)
    expect_input_error(p, "zip bomb suspected: entry assets/zeros.bin")


def test_zip_bomb_with_lying_sizes(tmp_path):
    """Headers declare a tiny dex whose deflate stream is 30 MB: the CRC check stops the read."""
    p = tmp_path / "liar.apk"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00" + bytes(60))
        zf.writestr("classes.dex", bytes(30 << 20))
    p.write_bytes(declare_size(p.read_bytes(), "classes.dex", 4096))
    expect_input_error(p, "classes.dex")


@pytest.mark.parametrize("name", ["classes.dex", "AndroidManifest.xml"])
def test_zip_bomb_whose_headers_lie_with_a_matching_crc(sample_apks, tmp_path, name):  # noqa: F811
    """Both headers say 1 MB and carry the CRC of the first megabyte; the stream holds 48 MB. zipfile
    alone would stop at 1 MB and find the CRC right; androguard would inflate all of it."""
    p = zeros_entry(sample_apks["notes"], tmp_path / "liar.apk", name, 48)
    p.write_bytes(lie_about(p.read_bytes(), name, bytes(1 << 20)))
    err = expect_input_error(p, "inflates beyond the 1048576 bytes its headers declare")
    assert name in err.message


def test_nested_apk_whose_headers_lie_is_skipped_with_a_warning(sample_apks, tmp_path):  # noqa: F811
    p = zeros_entry(sample_apks["notes"], tmp_path / "host.apk", "assets/plugin.apk", 48)
    p.write_bytes(lie_about(p.read_bytes(), "assets/plugin.apk", bytes(1 << 20)))
    r = analyze_apk(p, salt="s")
    assert r.app["package"] == "com.example.notes"
    assert any("nested assets/plugin.apk skipped" in w and "inflates beyond" in w for w in r.warnings)


def test_malformed_dex_leaves_a_partial_result(sample_apks, tmp_path):  # noqa: F811
    p = rebuild(sample_apks["flashlight"], tmp_path / "baddex.apk", {"classes.dex": b"dex\n035\x00" + bytes(200)})
    r = analyze_apk(p, salt="s")
    assert any("classes.dex is malformed" in w for w in r.warnings)
    assert r.app["package"] == "com.example.flashlight"
    # classes2.dex (Umeng, Pangle) is still analysed
    assert {o.party.sdk for o in r.observations if o.party.kind == "third"} == {"umeng", "pangle"}


def test_malformed_manifest_leaves_a_partial_result(sample_apks, tmp_path):  # noqa: F811
    garbage = "<manifest>不是二进制XML</manifest>".encode()
    p = rebuild(sample_apks["wst"], tmp_path / "badmanifest.apk", {"AndroidManifest.xml": garbage})
    r = analyze_apk(p, salt="s")
    assert any("AndroidManifest.xml is missing or malformed" in w for w in r.warnings)
    assert r.permissions == [] and r.app.get("package") is None
    assert any(o.entity == "TelephonyManager.getDeviceId" for o in r.observations)


def test_manifest_and_dex_both_broken(sample_apks, tmp_path):  # noqa: F811
    p = rebuild(
        sample_apks["notes"],
        tmp_path / "allbad.apk",
        {"AndroidManifest.xml": b"\x00" * 64, "classes.dex": b"\xff" * 64},
    )
    expect_input_error(p, "neither the manifest nor any dex")


def test_broken_nested_apk_is_a_warning(sample_apks, tmp_path):  # noqa: F811
    p = rebuild(sample_apks["flashlight"], tmp_path / "badplugin.apk", {"assets/plugin.apk": b"PK\x03\x04broken"})
    r = analyze_apk(p, salt="s")
    assert any("nested assets/plugin.apk skipped" in w for w in r.warnings)
    assert r.nested == []


def test_larger_than_any_apk_is_refused_without_reading(tmp_path):
    p = tmp_path / "huge.apk"
    with p.open("wb") as f:  # sparse: costs no disk
        f.truncate(MAX_APK_BYTES + 1)
    expect_input_error(p, "larger than")


HUGE_SCRIPT = """
import json, resource, sys
from pathlib import Path
from auditor.apk import analyze_apk
r = analyze_apk(Path(sys.argv[1]), salt="s")
print(json.dumps({"package": r.app["package"], "size": r.app["size"],
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""


@pytest.mark.slow
def test_300mb_apk_is_analysed_in_bounded_memory(sample_apks, tmp_path):  # noqa: F811
    """A 300 MB asset (a game's data file) beside the code: analysed, in memory about the file size."""
    p = tmp_path / "big.apk"
    shutil.copy(sample_apks["notes"], p)
    block = os.urandom(1 << 20)
    with zipfile.ZipFile(p, "a", zipfile.ZIP_STORED) as zf, zf.open("assets/game.pak", "w", force_zip64=True) as f:
        for _ in range(300):
            f.write(block)
    out = subprocess.run(
        [sys.executable, "-c", HUGE_SCRIPT, str(p)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    doc = json.loads(out.stdout)
    assert doc["package"] == "com.example.notes" and doc["size"] > 300 << 20
    assert doc["rss_mb"] < 1200, doc


def test_packed_apk_warns_that_code_is_hidden(sample_apks, tmp_path):  # noqa: F811
    """360 Jiagu's native stub beside the code: no PI API found must not read as 'collects nothing'."""
    stub = {"lib/armeabi-v7a/libjiagu.so": b"\x7fELF\x01\x01\x01\x00"}
    r = analyze_apk(rebuild(sample_apks["notes"], tmp_path / "packed.apk", stub), salt="s")
    assert [(x["id"], x["evidence"]) for x in r.packers] == [("qihoo_jiagu", ["lib/armeabi-v7a/libjiagu.so"])]
    assert any("packed by 360加固" in w and "only the unpacking stub" in w for w in r.warnings)


def test_dex_only_jar_in_assets_is_analysed_quietly(sample_apks, tmp_path):  # noqa: F811
    """Plugins often ship as a jar holding only classes.dex: analysed, without a manifest warning."""
    with zipfile.ZipFile(sample_apks["flashlight"]) as zf, zipfile.ZipFile(zf.open("assets/plugin.apk")) as plugin:
        dex = plugin.read("classes.dex")
    jar = tmp_path / "plugin.jar"
    with zipfile.ZipFile(jar, "w") as zf:
        zf.writestr("classes.dex", dex)
    p = rebuild(sample_apks["notes"], tmp_path / "withjar.apk", {"assets/ext/plugin.jar": jar.read_bytes()})
    r = analyze_apk(p, salt="s")
    assert [o.where["apk"] for o in r.observations if o.entity == "TelephonyManager.getLine1Number"] == [
        "assets/ext/plugin.jar"
    ]
    assert r.warnings == []
