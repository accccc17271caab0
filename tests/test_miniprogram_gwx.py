"""WXML compiled by WeChat's own compiler (wcc), as a .wxapkg carries it, read back for privacy elements.

tests/data/compiled/wxml/ holds WXML written for the project; each element that must be found is named
by a ``MARK:`` comment. The real compiler (the ``miniprogram-compiler`` npm package's Linux wcc, installed
in tests/toolchain by scripts/setup.sh) turns them into ``$gwx`` code at test time; without it the tests
are skipped, saying so.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from auditor.miniprogram import analyze_miniprogram
from auditor.miniprogram.apimap import default_api_map
from auditor.miniprogram.gwx import compiled_hits

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "tests" / "data" / "compiled" / "wxml"
WCC = ROOT / "tests" / "toolchain" / "node_modules" / "miniprogram-compiler" / "bin" / "linux" / "wcc"
PAGES = ["pages/login/login", "pages/me/me"]
MARK = re.compile(r"MARK: ([\w\[\]=#-]+)")


def marked() -> Counter[tuple[str, str]]:
    return Counter((m, f"{p}.wxml") for p in PAGES for m in MARK.findall((SRC / f"{p}.wxml").read_text("utf-8")))


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An unpacked package: app.json and the compiler's output as page-frame.js, no .wxml left."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64") or not os.access(WCC, os.X_OK):
        pytest.skip("WeChat's wcc (x86-64 Linux, tests/toolchain via scripts/setup.sh) is not installed")
    proc = subprocess.run([str(WCC), "-cc", "0", *[f"{p}.wxml" for p in PAGES], "-gn", "$gwx"],
                          cwd=SRC, capture_output=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path_factory.mktemp("gwx")
    (out / "page-frame.js").write_bytes(proc.stdout)
    (out / "app.json").write_text(json.dumps({"pages": PAGES}), encoding="utf-8")
    return out


def test_every_marked_element_is_found_in_the_compiled_templates_and_nothing_else(package: Path) -> None:
    r = analyze_miniprogram(package, salt="s")
    assert Counter((o.entity, o.where["module"]) for o in r.observations) == marked()
    assert {o.where["file"] for o in r.observations} == {"page-frame.js"}


def test_positions_point_at_the_element_and_the_privacy_button_counts_as_handling(package: Path) -> None:
    src = (package / "page-frame.js").read_bytes()
    hits, problems = compiled_hits("page-frame.js", src, default_api_map())
    assert problems == []
    lines = src.decode().splitlines()
    for h in hits:
        assert re.match(r"var [\w$]+=_(mz|n)\(", lines[h.line - 1][h.column - 1 :]), (h.api, h.line)
    assert "button[open-type=agreePrivacyAuthorization]" in {h.api for h in hits}
    r = analyze_miniprogram(package, salt="s")
    assert r.privacy["authorization"]["handled"] is True


def test_a_file_without_templates_is_not_read() -> None:
    assert compiled_hits("a.js", b"var z=1; var v=_mz(z,'button',['openType',0])", default_api_map()) == ([], [])
