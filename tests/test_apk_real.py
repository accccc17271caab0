"""A real third-party APK: ATX app-uiautomator.apk, shipped inside the uiautomator2 wheel on PyPI.

Optional: runs when uiautomator2 is installed (``pip install --no-deps uiautomator2==3.7.1``; the APK
is never committed). Expected values come from aapt and apksigner, not from our own code.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path

import pytest

from auditor.apk import ApkResult, analyze_apk


@pytest.fixture(scope="module")
def atx() -> tuple[Path, ApkResult]:
    spec = importlib.util.find_spec("uiautomator2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("uiautomator2 not installed (pip install --no-deps uiautomator2==3.7.1)")
    path = Path(next(iter(spec.submodule_search_locations))) / "assets" / "app-uiautomator.apk"
    if not path.is_file():
        pytest.skip(f"{path} not in this uiautomator2 version")
    return path, analyze_apk(path, salt="s")


@pytest.mark.slow
def test_metadata_and_permissions_agree_with_aapt(atx):
    path, r = atx
    badging = subprocess.run(["aapt", "dump", "badging", str(path)], capture_output=True, text=True).stdout
    m = re.search(r"package: name='([^']+)' versionCode='(\d+)' versionName='([^']+)'", badging)
    assert m and (r.app["package"], r.app["version_code"], r.app["version_name"]) == (m[1], int(m[2]), m[3])
    assert r.app["min_sdk"] == int(re.search(r"sdkVersion:'(\d+)'", badging)[1])
    assert {p["name"] for p in r.permissions} == set(re.findall(r"uses-permission: name='([^']+)'", badging))
    certs = subprocess.run(["apksigner", "verify", "--print-certs", str(path)], capture_output=True, text=True)
    assert r.app["cert_sha256"] == re.findall(r"certificate SHA-256 digest: ([0-9a-f]{64})", certs.stdout)


@pytest.mark.slow
def test_known_clipboard_read_is_found(atx):
    """The ATX input method returns the clipboard to the test host (AdbKeyboard.getClipboardText)."""
    _path, r = atx
    hits = [o for o in r.observations if o.entity == "ClipboardManager.getPrimaryClip"]
    assert any(o.where["method"].startswith("getClipboardText(") and "AdbKeyboard" in o.where["class"] for o in hits)
    assert all(o.party.kind == "first" for o in hits)
