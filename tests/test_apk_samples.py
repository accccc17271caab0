"""analyze_apk on the three sample apps (real signed APKs built from smali by samples/apk/build.sh)."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from apk_fixtures import analysed, sample_apks  # noqa: F401  (pytest fixtures)

from auditor.apk import ApkResult
from auditor.model import Observation


def code_obs(result: ApkResult, entity: str | None = None) -> list[Observation]:
    return [o for o in result.observations if "api" in o.evidence and (entity is None or o.entity == entity)]


def by_method(result: ApkResult, cls: str, method_prefix: str) -> list[Observation]:
    return [o for o in code_obs(result) if o.where["class"] == cls and o.where["method"].startswith(method_prefix)]


# --- government-service app -------------------------------------------------------------------------


def test_gov_app_metadata_matches_the_signing_tool(analysed, sample_apks):  # noqa: F811
    app = analysed["wst"].app
    assert app["package"] == "cn.gov.example.wst"
    assert app["label"] == "皖事通示例"
    assert (app["version_name"], app["version_code"], app["min_sdk"], app["target_sdk"]) == ("3.1.2", 30102, 21, 29)
    out = subprocess.run(
        ["apksigner", "verify", "--print-certs", str(sample_apks["wst"])], capture_output=True, text=True, check=True
    ).stdout
    assert app["cert_sha256"] == re.findall(r"certificate SHA-256 digest: ([0-9a-f]{64})", out)
    assert app["sha256"] == hashlib.sha256(sample_apks["wst"].read_bytes()).hexdigest()
    assert app["size"] == sample_apks["wst"].stat().st_size


def test_imei_read_in_oncreate_is_first_party(analysed):  # noqa: F811
    [obs] = by_method(analysed["wst"], "cn.gov.example.wst.MainActivity", "onCreate(")
    assert (obs.category, obs.entity) == ("device_id", "TelephonyManager.getDeviceId")
    assert obs.party.kind == "first" and obs.party.name == "cn.gov.example.wst"
    assert obs.where["api"] == "Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"
    assert obs.confidence == 0.9 and obs.value is None


def test_camera_in_face_sdk_is_face_and_third_party(analysed):  # noqa: F811
    cams = [o for o in code_obs(analysed["wst"]) if o.entity in {"Camera.open", "CameraManager.openCamera"}]
    assert {o.entity for o in cams} == {"Camera.open", "CameraManager.openCamera"}
    for o in cams:
        assert o.category == "face"
        assert (o.party.kind, o.party.sdk) == ("third", "tencent_huiyan")


def test_location_split_between_app_and_amap(analysed):  # noqa: F811
    loc = code_obs(analysed["wst"], "LocationManager.getLastKnownLocation")
    assert {(o.party.kind, o.party.sdk or o.party.name) for o in loc} == {
        ("first", "cn.gov.example.wst"),
        ("third", "amap"),
    }
    assert all(o.category == "precise_location" for o in loc)
    [upd] = code_obs(analysed["wst"], "LocationManager.requestLocationUpdates")
    assert upd.where["class"] == "cn.gov.example.wst.LocationHelper"


def test_gov_sdk_inventory_has_evidence_and_categories(analysed):  # noqa: F811
    sdks = {s["id"]: s for s in analysed["wst"].sdks}
    assert set(sdks) == {"amap", "tencent_huiyan"}
    assert sdks["amap"]["evidence"]["components"] == ["com.amap.api.location.APSService"]
    assert set(sdks["amap"]["categories"]) == {"precise_location", "wifi_info"}
    assert sdks["tencent_huiyan"]["evidence"]["native_libs"] == ["lib/arm64-v8a/libYTFaceTrackPro.so"]
    assert sdks["tencent_huiyan"]["categories"] == ["face"]


def test_bundled_chinese_policy_and_online_url(analysed):  # noqa: F811
    r = analysed["wst"]
    [(path, text)] = r.policy_texts
    assert path == "assets/privacy.html"
    assert "皖事通示例个人信息保护政策" in text and "人脸信息属于敏感个人信息" in text
    assert r.policy_urls == ["https://wst.example.gov.cn/mobile/privacy-policy.html"]


def test_gov_components_and_cleartext_domain(analysed):  # noqa: F811
    r = analysed["wst"]
    exported = {(e["kind"], e["name"]) for e in r.components["exported"]}
    assert ("service", "com.amap.api.location.APSService") in exported
    # no android:exported but an intent-filter: exported by default below API 31
    assert ("receiver", "cn.gov.example.wst.NoticeReceiver") in exported
    assert ("activity", "com.tencent.cloud.huiyansdkface.facelight.ui.FaceVerifyActivity") not in exported
    assert r.components["queries"] == {
        "packages": ["com.eg.android.AlipayGphone"],
        "intents": ["android.media.action.IMAGE_CAPTURE"],
        "providers": [],
    }
    assert r.cleartext_allowed is True
    assert r.app["cleartext"]["base_cleartext"] is False
    assert r.app["cleartext"]["cleartext_domains"] == ["zwfw.example.gov.cn"]


def test_permissions_table_counts_call_sites(analysed):  # noqa: F811
    perms = {p["name"]: p for p in analysed["wst"].permissions}
    phone = perms["android.permission.READ_PHONE_STATE"]
    assert phone["dangerous"] and phone["categories"] == ["device_id"] and phone["used_by"] == 1
    camera = perms["android.permission.CAMERA"]
    # the camera is opened only by the face-verification SDK: in this app it opens face, not photos
    assert camera["used_by"] == 2 and camera["categories"] == ["face"]
    # requested with <uses-permission-sdk-23>, which androguard's own permission list omits
    assert perms["android.permission.ACCESS_BACKGROUND_LOCATION"]["categories"] == ["precise_location"]
    internet = perms["android.permission.INTERNET"]
    assert internet["categories"] == [] and not internet["dangerous"]
    perm_obs = [o for o in analysed["wst"].observations if o.entity == "PERMISSION"]
    assert {(o.where["permission"], o.category) for o in perm_obs} >= {
        ("android.permission.READ_PHONE_STATE", "device_id"),
        ("android.permission.ACCESS_FINE_LOCATION", "precise_location"),
        ("android.permission.CAMERA", "face"),
    }
    assert all(o.confidence == 0.6 and o.evidence == ["permission"] for o in perm_obs)


# --- flashlight utility -------------------------------------------------------------------------------


def test_android_id_counts_only_with_the_android_id_key(analysed):  # noqa: F811
    hits = code_obs(analysed["flashlight"], "Settings.Secure.getString(android_id)")
    assert {(o.where["class"], o.where["method"].split("(")[0]) for o in hits} == {
        ("com.example.flashlight.DeviceUtil", "androidId"),
        ("com.umeng.commonsdk.statistics.common.DeviceConfig", "getAndroidId"),
    }
    assert not by_method(analysed["flashlight"], "com.example.flashlight.InputPrefs", "currentInputMethod")


def test_second_dex_umeng_reads_are_attributed_to_umeng(analysed):  # noqa: F811
    umeng = [o for o in code_obs(analysed["flashlight"]) if o.party.sdk == "umeng"]
    assert {o.entity for o in umeng} == {
        "TelephonyManager.getDeviceId",
        "Settings.Secure.getString(android_id)",
        "WifiInfo.getMacAddress",
        "Build.SERIAL",
        "PackageManager.getInstalledPackages",
    }
    [serial] = [o for o in umeng if o.entity == "Build.SERIAL"]
    assert serial.where["via"] == "field" and serial.where["method"] == "getSerial()Ljava/lang/String;"
    assert all(o.party.name == "Umeng" for o in umeng)


def test_reflection_on_getdeviceid_is_found_with_lower_confidence(analysed):  # noqa: F811
    [obs] = [o for o in code_obs(analysed["flashlight"], "TelephonyManager.getDeviceId") if o.party.sdk == "pangle"]
    assert obs.where["via"] == "reflection" and obs.where["method"].startswith("reflectImei(")
    assert obs.evidence == ["api", "reflection"] and obs.confidence < 0.9


def test_first_party_reads_of_the_flashlight(analysed):  # noqa: F811
    mine = {o.entity: o.category for o in code_obs(analysed["flashlight"]) if o.party.kind == "first"}
    assert mine == {
        "TelephonyManager.getImei": "device_id",
        "Settings.Secure.getString(android_id)": "device_id",
        "WifiInfo.getMacAddress": "device_id",
        "NetworkInterface.getHardwareAddress": "device_id",
        "PackageManager.getInstalledPackages": "app_list",
        "ClipboardManager.getPrimaryClip": "clipboard",
        "ContentResolver.query(contacts)": "contacts",
        "TelephonyManager.getLine1Number": "phone_number",
    }


def test_nested_plugin_apk_is_analysed(analysed):  # noqa: F811
    r = analysed["flashlight"]
    [num] = code_obs(r, "TelephonyManager.getLine1Number")
    assert num.where["apk"] == "assets/plugin.apk"
    assert num.where["class"] == "com.example.flashlight.plugin.PhoneReader"
    assert r.nested == [{"path": "assets/plugin.apk", "package": "com.example.flashlight.plugin", "call_sites": 1}]


def test_flashlight_permissions_unused_and_china_rom(analysed):  # noqa: F811
    perms = {p["name"]: p for p in analysed["flashlight"].permissions}
    camera = perms["android.permission.CAMERA"]
    assert camera["used_by"] == 0 and camera["categories"] == ["photos"]  # torch mode needs no permission
    assert perms["android.permission.READ_CONTACTS"]["used_by"] == 1
    rom = perms["com.android.permission.GET_INSTALLED_APPS"]
    assert rom["china_rom"] and rom["categories"] == ["app_list"] and rom["used_by"] == 3
    assert not perms["android.permission.QUERY_ALL_PACKAGES"]["china_rom"]


def test_flashlight_sdks_policy_urls_and_cleartext(analysed):  # noqa: F811
    r = analysed["flashlight"]
    sdks = {s["id"]: s for s in r.sdks}
    assert set(sdks) == {"umeng", "pangle"}
    assert sdks["pangle"]["evidence"]["components"] == ["com.bytedance.sdk.openadsdk.multipro.TTMultiProvider"]
    assert set(sdks["pangle"]["categories"]) == {"device_id", "app_list", "precise_location"}
    # Umeng's own policy URL sits in Umeng code: not the app's policy
    assert r.policy_urls == ["https://flashlight.example.com/privacy.html"]
    assert r.policy_texts == []
    assert r.cleartext_allowed is True and r.app["cleartext"]["source"] == "usesCleartextTraffic"


# --- compliant notes app ------------------------------------------------------------------------------


def test_notes_app_reads_no_pi(analysed):  # noqa: F811
    r = analysed["notes"]
    assert r.observations == [] and r.permissions == [] and r.sdks == []
    assert r.cleartext_allowed is False
    assert r.warnings == []


def test_gbk_policy_in_res_raw_is_decoded(analysed, sample_apks):  # noqa: F811
    with zipfile.ZipFile(sample_apks["notes"]) as zf:
        raw = zf.read("res/raw/privacy_policy.txt")
    with pytest.raises(UnicodeDecodeError):  # the sample policy is GBK, so the fallback is exercised
        raw.decode("utf-8")
    [(path, text)] = analysed["notes"].policy_texts
    assert path == "res/raw/privacy_policy.txt"
    assert text.startswith("随手记事本隐私政策") and "本应用未接入任何第三方SDK" in text


def test_observations_serialise_without_values(analysed):  # noqa: F811
    for r in analysed.values():
        doc = json.loads(json.dumps([o.to_dict() for o in r.observations], ensure_ascii=False))
        assert all(o["source"] == "apk" and o["value"] is None for o in doc)


def test_build_script_skips_when_up_to_date(sample_apks):  # noqa: F811
    before = {p: p.stat().st_mtime_ns for p in sample_apks.values()}
    out = subprocess.run(
        ["bash", str(Path(next(iter(sample_apks.values()))).parent.parent / "build.sh")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "built" not in out.stderr
    assert {p: p.stat().st_mtime_ns for p in sample_apks.values()} == before


@pytest.mark.parametrize("app", ["wst", "flashlight", "notes"])
def test_permissions_and_components_agree_with_aapt(app, analysed, sample_apks):  # noqa: F811
    out = subprocess.run(
        ["aapt", "dump", "xmltree", str(sample_apks[app]), "AndroidManifest.xml"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    perms = {p["name"] for p in analysed[app].permissions}
    assert perms == set(re.findall(r'uses-permission.*\n\s+A: android:name\([^)]*\)="([^"]+)"', out))
    comps = analysed[app].components
    declared = set(
        re.findall(r'E: (?:activity|service|receiver|provider) .*\n\s+A: android:name\([^)]*\)="([^"]+)"', out)
    )
    listed = {n for kind in ("activities", "services", "receivers", "providers") for n in comps[kind]}
    assert {n.rsplit(".", 1)[-1] for n in listed} == {n.rsplit(".", 1)[-1] for n in declared}


def test_result_to_dict_is_json(analysed):  # noqa: F811
    doc = json.loads(json.dumps(analysed["wst"].to_dict(), ensure_ascii=False))
    assert doc["app"]["label"] == "皖事通示例"
    assert doc["policy_texts"][0]["path"] == "assets/privacy.html" and doc["policy_texts"][0]["chars"] > 200
    assert {o["entity"] for o in doc["observations"]} >= {"PERMISSION", "TelephonyManager.getDeviceId"}


def test_reads_reachable_from_app_start_are_flagged(analysed):  # noqa: F811
    """MainActivity.onCreate reads the IMEI itself and calls LocationHelper.locate before its dialog."""
    startup = {(o.where["class"], o.entity) for o in code_obs(analysed["wst"]) if o.where.get("startup")}
    assert startup == {
        ("cn.gov.example.wst.MainActivity", "TelephonyManager.getDeviceId"),
        ("cn.gov.example.wst.LocationHelper", "LocationManager.getLastKnownLocation"),
        ("cn.gov.example.wst.LocationHelper", "LocationManager.requestLocationUpdates"),
    }
    flash = {o.entity for o in code_obs(analysed["flashlight"]) if o.where.get("startup")}
    assert flash == {"TelephonyManager.getImei", "Settings.Secure.getString(android_id)"}


def test_runtime_code_loading_is_reported(analysed):  # noqa: F811
    r = analysed["flashlight"]
    assert r.dynamic_loading == [
        {"class": "com.example.flashlight.PluginLoader", "method": "load", "api": "DexClassLoader", "apk": None}
    ]
    assert any("loads code at run time" in w for w in r.warnings)
    assert analysed["wst"].dynamic_loading == [] and analysed["wst"].packers == []
