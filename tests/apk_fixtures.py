"""Sample APKs built from samples/apk/ by its own build script, analysed once per test session."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.apk import ApkResult, analyze_apk

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "apk"
BUILD = SAMPLES / "build"
APPS = ("wst", "flashlight", "notes", "toolbox")


@pytest.fixture(scope="session")
def sample_apks() -> dict[str, Path]:
    missing = [t for t in ("smali", "aapt", "zipalign", "apksigner", "keytool") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"Android build tools missing ({', '.join(missing)}): run scripts/setup.sh as root")
    done = subprocess.run(["bash", str(SAMPLES / "build.sh")], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        pytest.fail(f"samples/apk/build.sh failed:\n{done.stderr[-2000:]}")
    return {app: BUILD / f"{app}.apk" for app in APPS}


@pytest.fixture(scope="session")
def analysed(sample_apks: dict[str, Path]) -> dict[str, ApkResult]:
    return {app: analyze_apk(path, salt="test-salt") for app, path in sample_apks.items()}


FRAMEWORK = Path("/usr/share/android-framework-res/framework-res.apk")


def build_apk(work: Path, manifest: str, smali: dict[str, str]) -> Path:
    """An unsigned APK assembled here from smali sources (relative path -> text) and a manifest, by
    Debian's smali and aapt: for tests whose sample is generated (hundreds of classes) rather than kept
    in samples/apk/. The analysis reads no signature, so none is made."""
    if shutil.which("smali") is None or shutil.which("aapt") is None or not FRAMEWORK.exists():
        pytest.skip("Android build tools missing (smali, aapt, framework-res): run scripts/setup.sh as root")
    for rel, text in smali.items():
        (work / "smali" / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / "smali" / rel).write_text(text, encoding="utf-8")
    (work / "AndroidManifest.xml").write_text(manifest, encoding="utf-8")
    for args in (
        ["smali", "assemble", "--api", "21", "-o", "classes.dex", "smali"],
        ["aapt", "package", "-f", "-M", "AndroidManifest.xml", "-I", str(FRAMEWORK), "-F", "app.apk"],
        ["aapt", "add", "app.apk", "classes.dex"],
    ):
        done = subprocess.run(args, cwd=work, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, f"{args[0]}: {done.stderr[-1500:]}"
    return work / "app.apk"
