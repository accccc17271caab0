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
