"""The APK's part of the checklist, on an app built here from smali and a layout by the Android tools:
the launcher activity asks for camera, microphone and location in one requestPermissions call at
start-up (认定方法 四.6), another activity asks for camera and microphone together when a call starts
(no start-up code: shown, not a breach), and the login layout has a CheckBox ticked by default beside
the policy text (三.4)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.pipeline import AuditInputs, run_audit

pytestmark = pytest.mark.slow
FRAMEWORK = Path("/usr/share/android-framework-res/framework-res.apk")
PKG = "com/example/consentdemo"

MANIFEST = """<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.consentdemo"
    android:versionCode="1" android:versionName="1.0">
  <uses-sdk android:minSdkVersion="23" android:targetSdkVersion="30"/>
  <uses-permission android:name="android.permission.CAMERA"/>
  <uses-permission android:name="android.permission.RECORD_AUDIO"/>
  <uses-permission android:name="android.permission.ACCESS_FINE_LOCATION"/>
  <application android:label="@string/app_name">
    <activity android:name=".MainActivity" android:exported="true">
      <intent-filter>
        <action android:name="android.intent.action.MAIN"/>
        <category android:name="android.intent.category.LAUNCHER"/>
      </intent-filter>
    </activity>
    <activity android:name=".CallActivity"/>
  </application>
</manifest>
"""
STRINGS = """<?xml version="1.0" encoding="utf-8"?>
<resources>
  <string name="app_name">同意演示</string>
  <string name="agree">我已阅读并同意《用户协议》和《隐私政策》</string>
  <string name="remember">记住我</string>
</resources>
"""
LAYOUT = """<?xml version="1.0" encoding="utf-8"?>
<LinearLayout xmlns:android="http://schemas.android.com/apk/res/android"
    android:layout_width="match_parent" android:layout_height="match_parent" android:orientation="vertical">
  <CheckBox android:id="@+id/remember" android:layout_width="wrap_content" android:layout_height="wrap_content"
      android:checked="true" android:text="@string/remember"/>
  <LinearLayout android:layout_width="match_parent" android:layout_height="wrap_content">
    <CheckBox android:id="@+id/agree" android:layout_width="wrap_content" android:layout_height="wrap_content"
        android:checked="true"/>
    <TextView android:layout_width="wrap_content" android:layout_height="wrap_content" android:text="@string/agree"/>
  </LinearLayout>
</LinearLayout>
"""


def _request(cls: str, method: str, perms: list[str]) -> str:
    lines = [f"    const/4 v0, {len(perms):#x}", "    new-array v0, v0, [Ljava/lang/String;"]
    for i, p in enumerate(perms):
        lines += [f"    const/4 v1, {i:#x}", f'    const-string v2, "android.permission.{p}"',
                  "    aput-object v2, v0, v1"]
    call = f"L{PKG}/{cls};->requestPermissions([Ljava/lang/String;I)V"
    lines += ["    const/4 v1, 0x7", f"    invoke-virtual {{p0, v0, v1}}, {call}"]
    return f".method public {method}\n    .registers 5\n" + "\n".join(lines) + "\n    return-void\n.end method\n"


def _activity(cls: str, body: str) -> str:
    return (f".class public L{PKG}/{cls};\n.super Landroid/app/Activity;\n\n"
            ".method public constructor <init>()V\n    .registers 1\n"
            "    invoke-direct {p0}, Landroid/app/Activity;-><init>()V\n    return-void\n.end method\n\n" + body)


@pytest.fixture(scope="module")
def apk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = [t for t in ("smali", "aapt", "zipalign", "apksigner", "keytool") if shutil.which(t) is None]
    if missing or not FRAMEWORK.exists():
        pytest.skip(f"Android build tools missing ({', '.join(missing) or FRAMEWORK}): run scripts/setup.sh")
    d = tmp_path_factory.mktemp("apk")
    (d / "res/values").mkdir(parents=True)
    (d / "res/layout").mkdir()
    (d / "smali" / PKG).mkdir(parents=True)
    (d / "AndroidManifest.xml").write_text(MANIFEST, encoding="utf-8")
    (d / "res/values/strings.xml").write_text(STRINGS, encoding="utf-8")
    (d / "res/layout/activity_login.xml").write_text(LAYOUT, encoding="utf-8")
    on_create = _request("MainActivity", "onCreate(Landroid/os/Bundle;)V",
                         ["CAMERA", "RECORD_AUDIO", "ACCESS_FINE_LOCATION"])
    (d / "smali" / PKG / "MainActivity.smali").write_text(_activity("MainActivity", on_create), encoding="utf-8")
    start_call = _request("CallActivity", "startCall()V", ["CAMERA", "RECORD_AUDIO"])
    (d / "smali" / PKG / "CallActivity.smali").write_text(_activity("CallActivity", start_call), encoding="utf-8")

    def run(*args: str, cwd: Path = d) -> None:
        done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"{args[0]}: {done.stderr[-1500:]}"

    run("smali", "assemble", "--api", "23", "-o", "classes.dex", "smali")
    run("aapt", "package", "-f", "-M", "AndroidManifest.xml", "-S", "res", "-I", str(FRAMEWORK), "-F", "unsigned.apk")
    run("aapt", "add", "unsigned.apk", "classes.dex")
    run("zipalign", "-p", "-f", "4", "unsigned.apk", "aligned.apk")
    run("keytool", "-genkeypair", "-keystore", "k.jks", "-storepass", "android", "-keypass", "android", "-alias", "k",
        "-keyalg", "RSA", "-keysize", "2048", "-validity", "100", "-dname", "CN=test")
    run("apksigner", "sign", "--ks", "k.jks", "--ks-pass", "pass:android", "--out", "app.apk", "aligned.apk")
    return d / "app.apk"


@pytest.fixture(scope="module")
def checklist(apk: Path) -> dict[str, object]:
    return {e.id: e for e in run_audit(AuditInputs(apk=apk)).checklist}


def test_several_permissions_at_start_up(checklist: dict) -> None:
    e = checklist["rdff-4-6"]
    assert e.verdict == "violation"
    sites = [ev["where"] for ev in e.evidence if ev["kind"] == "call_site"]
    assert sites == [{"class": "com.example.consentdemo.MainActivity", "method": "onCreate(Landroid/os/Bundle;)V",
                      "startup": True}]
    assert "CAMERA" in e.evidence[0]["text"] and "ACCESS_FINE_LOCATION" in e.evidence[0]["text"]


def test_a_request_made_by_a_feature_is_not_the_breach(apk: Path) -> None:
    from auditor.apk import analyze_apk

    reqs = analyze_apk(apk, salt="s").permission_requests
    call = [r for r in reqs if r["class"].endswith("CallActivity")]
    assert call and call[0]["startup"] is False and call[0]["categories"] == ["audio", "photos"]


def test_a_layout_checkbox_ticked_beside_the_policy(checklist: dict) -> None:
    e = checklist["rdff-3-4"]
    assert e.verdict == "violation"
    [where] = [ev["where"] for ev in e.evidence if ev["kind"] == "file"]
    assert where["file"] == "res/layout/activity_login.xml" and where["checked"] is True
    assert "隐私政策" in e.evidence[0]["text"] and "记住我" not in e.evidence[0]["text"]
