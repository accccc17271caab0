"""Who reads, and whether it can: the toolbox sample (samples/apk/toolbox) built from our own smali.

Its manifest asks for READ_PHONE_STATE, ACCESS_WIFI_STATE and READ_SMS only. Expected values come from
the sample's design, written in its manifest comment before the analysis was run.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from apk_fixtures import analysed, sample_apks  # noqa: F401  (pytest fixtures)

from auditor.apk import ApkResult, analyze_apk
from auditor.pipeline import AuditInputs, run_audit
from auditor.report.i18n import catalogue
from auditor.report.view import build_view
from auditor.ruleset import Ruleset

ROOT = Path(__file__).resolve().parent.parent


def code(r: ApkResult, entity: str | None = None) -> list:
    return [o for o in r.observations if "class" in o.where and (entity is None or o.entity == entity)]


def one(r: ApkResult, entity: str):
    [o] = code(r, entity)
    return o


def test_obfuscated_package_used_only_by_an_sdk_is_that_sdks(analysed):  # noqa: F811
    """com.zz.loc is named nowhere in the catalogue; only AMap's public client uses it."""
    r = analysed["toolbox"]
    for entity in ("TelephonyManager.getDeviceId", "WifiInfo.getBSSID"):
        o = one(r, entity)
        assert o.where["class"].startswith("com.zz.loc.")
        assert (o.party.kind, o.party.sdk) == ("third", "amap")
    amap = {s["id"]: s for s in r.sdks}["amap"]
    assert amap["evidence"]["inferred_packages"] == {"com.zz.loc": "used only by com.amap.api.location"}
    assert set(amap["categories"]) == {"device_id", "wifi_info"}


def test_package_shared_by_sdk_and_app_stays_the_apps(analysed):  # noqa: F811
    o = one(analysed["toolbox"], "Settings.Secure.getString(android_id)")
    assert o.where["class"] == "com.zz.common.u" and o.party.kind == "first"


def test_class_loading_an_sdks_native_library_is_that_sdks(analysed):  # noqa: F811
    """a.b.c.d calls System.loadLibrary("jcore"); lib/arm64-v8a/libjcore.so is JPush's."""
    o = one(analysed["toolbox"], "PackageManager.getInstalledPackages")
    assert (o.where["class"], o.party.sdk) == ("a.b.c.d", "jpush")
    jpush = {s["id"]: s for s in analysed["toolbox"].sdks}["jpush"]
    assert jpush["evidence"]["native_libs"] == ["lib/arm64-v8a/libjcore.so"]
    assert jpush["evidence"]["inferred_packages"] == {"a.b.c": "native library libjcore.so"}


def test_listed_component_gives_its_package_to_the_sdk(sample_apks, analysed, tmp_path):  # noqa: F811
    """com.zz.push.CoreService is a manifest service in a package nothing else uses: the app's, until a
    catalogue entry lists it as its component."""
    assert one(analysed["toolbox"], "TelephonyManager.getSimSerialNumber").party.kind == "first"
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    path = rules / "sdks.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    getui = next(s for s in data["sdks"] if s["id"] == "getui")
    getui["components"] = [*getui["components"], "com.zz.push.CoreService"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    r = analyze_apk(sample_apks["toolbox"], salt="s", ruleset=Ruleset(rules))
    assert one(r, "TelephonyManager.getSimSerialNumber").party.sdk == "getui"
    assert {s["id"]: s for s in r.sdks}["getui"]["evidence"]["components"] == ["com.zz.push.CoreService"]


def test_library_code_the_app_never_reaches_is_weak_evidence(analysed):  # noqa: F811
    r = analysed["toolbox"]
    imei = one(r, "TelephonyManager.getImei")  # androidx TelephonyManagerCompat.getImei: nobody calls it
    assert "unreached_library" in imei.evidence and imei.confidence < 0.6 and not imei.collects
    imsi = one(r, "TelephonyManager.getSubscriberId")  # ...getSubscriberId: the app's SimInfo calls it
    assert imsi.collects and imsi.confidence == pytest.approx(0.9)


def test_read_behind_a_permission_never_requested_is_weak_evidence(analysed):  # noqa: F811
    fp = one(analysed["toolbox"], "FingerprintManager.authenticate")
    assert fp.category == "fingerprint" and "no_permission" in fp.evidence and not fp.collects


def test_library_and_unpermitted_reads_are_no_finding_and_no_collected_sensitive_pi(sample_apks):  # noqa: F811
    audit = run_audit(AuditInputs(apk=sample_apks["toolbox"]))
    assert "fingerprint" not in {f.category for f in audit.findings}
    view = build_view(audit, Ruleset(ROOT / "rules"), catalogue("en"))
    assert view.summary.sensitive == []
    # the weak evidence is still in the audit
    assert any(o.entity == "FingerprintManager.authenticate" for o in audit.observations)


def test_serial_read_through_helpers_is_found_at_the_caller(analysed):  # noqa: F811
    """SysProps.getProperty(key) reflects on SystemProperties.get; Shell.getprop(key) runs "getprop " + key;
    MainActivity.onCreate passes "ro.serialno" to both."""
    r = analysed["toolbox"]
    refl = one(r, "SystemProperties.get(serialno)")
    shell = one(r, "Runtime.exec(getprop_serialno)")
    for o in (refl, shell):
        assert o.where["class"] == "com.example.toolbox.MainActivity"
        assert o.where["method"] == "onCreate(Landroid/os/Bundle;)V"
        assert o.category == "device_id" and "wrapper" in o.evidence
    assert refl.where["via"] == "reflection-wrapper" and shell.where["via"] == "wrapper"
    assert shell.where["api"] == "Ljava/lang/Runtime;->exec(Ljava/lang/String;)Ljava/lang/Process;"


def test_sms_uri_from_a_static_field(analysed):  # noqa: F811
    """Inbox.INBOX = Uri.parse("content://sms/inbox") in <clinit>; the contacts string of another field
    of the same class must not make the query a contacts read."""
    r = analysed["toolbox"]
    assert one(r, "ContentResolver.query(sms)").where["class"] == "com.example.toolbox.Inbox"
    assert code(r, "ContentResolver.query(contacts)") == []


def test_saved_wifi_networks(analysed):  # noqa: F811
    o = one(analysed["toolbox"], "WifiManager.getConfiguredNetworks")
    assert (o.category, o.party.kind, o.where["class"]) == ("wifi_info", "first", "com.example.toolbox.Wifi")


def test_evidence_that_is_no_pi_category_is_listed_not_observed(analysed):  # noqa: F811
    r = analysed["toolbox"]
    caps = {(c["id"], c["class"]) for c in r.capabilities}
    assert caps == {
        ("accessibility_window_content", "com.example.toolbox.ScreenReader"),
        ("carrier_name", "com.example.toolbox.Wifi"),
    }
    assert not [o for o in r.observations if "getSimOperatorName" in o.where.get("api", "")]


def test_multidex_loader_is_no_dynamic_loading_warning(analysed):  # noqa: F811
    r = analysed["toolbox"]
    assert r.dynamic_loading == [] and r.warnings == []


def test_instant_run_build_says_its_code_went_unanalysed(sample_apks, tmp_path):  # noqa: F811
    p = tmp_path / "instant.apk"
    shutil.copy(sample_apks["notes"], p)
    with zipfile.ZipFile(p, "a") as zf:
        zf.writestr("instant-run.zip", b"PK\x05\x06" + bytes(18))
    r = analyze_apk(p, salt="s")
    assert any("Instant Run build" in w and "instant-run.zip" in w and "not analysed" in w for w in r.warnings)


def test_protection_levels_are_the_platforms_current_ones(analysed):  # noqa: F811
    perms = {p["name"]: p for p in analysed["toolbox"].permissions}
    internet = perms["android.permission.INTERNET"]
    assert (internet["protection_level"], internet["dangerous"]) == ("normal|instant", False)
    assert perms["android.permission.READ_SMS"]["dangerous"] is True
    assert perms["android.permission.ACCESS_WIFI_STATE"]["protection_level"] == "normal"
