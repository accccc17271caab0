"""Compiled mini-programs built at test time by a real bundler from sources written for the project.

tests/data/compiled/ holds small apps in uni-app's and Taro's module styles; webpack 5 in production mode
(its terser renames every module parameter to e, t, n...) builds them into JSONP chunks shared across
files, as those frameworks ship them. Each call the sources make is marked ``// CALL <api>``; feature
tests and the app's own wrappers named like APIs are left unmarked and must not be reported. The
toolchain comes from tests/toolchain (installed by scripts/setup.sh with npm); without node or that
install the tests are skipped, saying so.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from auditor.miniprogram import analyze_miniprogram

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "compiled"
WEBPACK = ROOT / "tests" / "toolchain" / "node_modules" / "webpack"
MARK = re.compile(r"// CALL (\w+)")
ELEMENT = re.compile(r"// ELEMENT (\S+)")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    node = shutil.which("node")
    if node is None or not WEBPACK.is_dir():
        pytest.skip("webpack toolchain not installed (scripts/setup.sh installs tests/toolchain with npm; needs node)")
    out = tmp_path_factory.mktemp("compiled")
    proc = subprocess.run([node, str(DATA / "build.js"), str(out)], capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    for app in ("uni", "taro", "uni-natural", "uni-dev"):
        (out / app / "app.json").write_text(json.dumps({"pages": ["pages/index/index"]}), encoding="utf-8")
    return out


def marked(app: str) -> Counter[str]:
    """The calls the sources of one app make, by their ``// CALL`` marks (uni-* builds use uni's sources)."""
    src = DATA / app.split("-")[0]
    texts = [f.read_text("utf-8") for f in src.rglob("*.js")]
    return Counter([f"wx.{m}" for t in texts for m in MARK.findall(t)] + [m for t in texts for m in ELEMENT.findall(t)])


def check_positions(root: Path, observations: list) -> None:
    """Each reported column is where the call's receiver starts in the minified text."""
    for o in observations:
        if not o.entity.startswith("wx."):
            continue  # an element created in JS: its position is the creating call
        line = (root / o.where["file"]).read_text("utf-8").splitlines()[o.where["line"] - 1]
        name = o.entity.removeprefix("wx.")
        assert re.match(r"[\w$]+(\(\))?\." + name + r"\b", line[o.where["column"] - 1 :]), o.where


@pytest.mark.parametrize("app", ["uni", "taro", "uni-natural", "uni-dev"])
def test_every_call_of_a_minified_bundle_is_found_and_nothing_else(built: Path, app: str) -> None:
    r = analyze_miniprogram(built / app, salt="s")
    assert Counter(o.entity for o in r.observations) == marked(app)
    check_positions(built / app, r.observations)
    assert not r.warnings or all("privacy guideline not checked" in w for w in r.warnings)


@pytest.mark.parametrize("app", ["uni", "uni-natural", "uni-dev"])
def test_uni_calls_cross_chunks_and_a_location_sdk_is_its_vendor(built: Path, app: str) -> None:
    r = analyze_miniprogram(built / app, salt="s")
    files = {o.where["file"] for o in r.observations}
    assert files == {"common/vendor.js", "pages/index/index.js"}  # the page reaches uni from vendor's module
    sdk = [o for o in r.observations if o.party.kind == "third"]
    assert [(o.entity, o.party.sdk) for o in sdk] == [("wx.getLocation", "tencent_map")]
    assert "apis.map.qq.com" in " ".join(sdk[0].evidence)
