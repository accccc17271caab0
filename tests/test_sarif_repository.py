"""SARIF as GitHub code scanning reads it: every result placed on a file of the repository that holds
the input, relative to its root, even when the input sits in a build folder deep inside it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from auditor.report import validate_sarif

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def results(sarif: Path) -> list[dict]:
    doc = json.loads(sarif.read_text(encoding="utf-8"))
    validate_sarif(doc)
    run = doc["runs"][0]
    assert run["automationDetails"]["id"]
    for rule in run["tool"]["driver"]["rules"]:
        assert float(rule["properties"]["security-severity"]) > 0
    return run["results"]


def test_a_miniprogram_in_a_build_folder_maps_onto_the_repository(tmp_path: Path, run_cli) -> None:
    repo = tmp_path / "repo"
    build = repo / "unpackage/dist/build/mp-weixin"
    shutil.copytree(SAMPLES / "miniprogram/gov-service", build)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    elsewhere = tmp_path / "ci"
    elsewhere.mkdir()
    res = run_cli(["miniprogram", str(build), "--sarif", "pi.sarif"], cwd=elsewhere)
    assert res.returncode == 0, res.stderr
    found = results(elsewhere / "pi.sarif")
    assert found
    lines = 0
    for r in found:
        for loc in r["locations"]:
            art = loc["physicalLocation"]["artifactLocation"]
            assert art["uriBaseId"] == "%SRCROOT%"
            assert art["uri"].startswith("unpackage/dist/build/mp-weixin/"), art
            assert (repo / art["uri"]).is_file(), art
            lines += "region" in loc["physicalLocation"]
    assert lines, "call sites carry their line"
    # a finding about the declaration, with no call site behind it, points at the declaration: the line of
    # app.json or privacy.json that says it
    declared_only = [r for r in found if r["properties"]["observations"] == 0]
    assert declared_only
    for r in declared_only:
        place = r["locations"][0]["physicalLocation"]
        assert place["artifactLocation"]["uri"] in {"unpackage/dist/build/mp-weixin/app.json",
                                                    "unpackage/dist/build/mp-weixin/privacy.json"}
        assert place["region"]["startLine"] >= 1


def test_the_demo_sarif_places_every_result(tmp_path: Path, run_cli) -> None:
    """The README demo (capture, scope file and APK): the capture file and the .apk, repository-relative."""
    sarif = tmp_path / "demo.sarif"
    res = run_cli(["audit", "--traffic", str(SAMPLES / "traffic/gov_service.har"),
                   "--scope", str(SAMPLES / "scope.example.yaml"), "--apk", str(SAMPLES / "apk/build/wst.apk"),
                   "--sarif", str(sarif)], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    found = results(sarif)
    uris = set()
    for r in found:
        assert r["locations"], r["ruleId"]
        for loc in r["locations"]:
            art = loc["physicalLocation"]["artifactLocation"]
            assert art["uriBaseId"] == "%SRCROOT%"
            assert (ROOT / art["uri"]).is_file(), art
            uris.add(art["uri"])
    assert {"samples/traffic/gov_service.har", "samples/apk/build/wst.apk"} <= uris
    traffic = next(r for r in found if r["ruleId"] == "before_consent")
    kinds = {ll["kind"] for ll in traffic["locations"][0]["logicalLocations"]}
    assert kinds == {"member", "resource"}
