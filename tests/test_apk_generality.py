"""Behaviour found wanting on real APKs the project had not seen (benchmarks/RESULTS.md, "apk: generality
on unseen real APKs"), each checked on an APK generated here from our own smali."""

from __future__ import annotations

from pathlib import Path

from apk_fixtures import build_apk

from auditor.apk import analyze_apk

MANIFEST = """<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.fan">
  <uses-sdk android:minSdkVersion="21" android:targetSdkVersion="30"/>
  <uses-permission android:name="android.permission.READ_PHONE_STATE"/>
  <application android:label="Fan"/>
</manifest>
"""

TM = "Landroid/telephony/TelephonyManager;"


def _class(name: str, body: str) -> str:
    return f".class public {name}\n.super Ljava/lang/Object;\n\n{body}"


def _static(name: str, calls: list[str]) -> str:
    lines = "\n".join(f"    invoke-static {{p0}}, {c}" for c in calls)
    return (f".method public static {name}({TM})V\n    .registers 1\n{lines}\n    return-void\n.end method\n")


def _reader(name: str, api: str) -> str:
    return _class(
        name,
        f".method public static read({TM})Ljava/lang/String;\n    .registers 2\n"
        f"    invoke-virtual {{p0}}, {TM}->{api}()Ljava/lang/String;\n    move-result-object v0\n"
        "    return-object v0\n.end method\n",
    )


def test_library_read_with_hundreds_of_library_callers_and_no_app_caller_is_unreached(tmp_path: Path) -> None:
    """Like appcompat's ActivityChooserModel (340-365 transitive callers inside androidx in real APKs, none
    outside): 400 androidx classes call the IMEI read, nothing outside androidx calls them. The IMSI read
    has as many library callers, one of which the app calls: that one is collection."""
    read_imei = f"Landroidx/zz/Imei;->read({TM})Ljava/lang/String;"
    read_imsi = f"Landroidx/zz/Imsi;->read({TM})Ljava/lang/String;"
    n = 400
    smali = {
        "androidx/zz/Imei.smali": _reader("Landroidx/zz/Imei;", "getDeviceId"),
        "androidx/zz/Imsi.smali": _reader("Landroidx/zz/Imsi;", "getSubscriberId"),
        "com/example/fan/Main.smali": _class(
            "Lcom/example/fan/Main;", _static("start", [f"Landroidx/zz/G{n - 1};->g({TM})V"])
        ),
    }
    for i in range(n):
        smali[f"androidx/zz/F{i}.smali"] = _class(f"Landroidx/zz/F{i};", _static("f", [read_imei]))
        smali[f"androidx/zz/G{i}.smali"] = _class(f"Landroidx/zz/G{i};", _static("g", [read_imsi]))
    r = analyze_apk(build_apk(tmp_path, MANIFEST, smali), salt="s")
    by_entity = {o.entity: o for o in r.observations if "class" in o.where}
    imei, imsi = by_entity["TelephonyManager.getDeviceId"], by_entity["TelephonyManager.getSubscriberId"]
    assert "unreached_library" in imei.evidence and not imei.collects
    assert "unreached_library" not in imsi.evidence and imsi.collects
