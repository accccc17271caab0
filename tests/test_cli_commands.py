"""Every command of the CLI contract, run as a user runs it; every JSON it writes checked against the
published schema, every SARIF against the shipped SARIF 2.1.0 schema."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "auditor/schema/audit.schema.json").read_text(encoding="utf-8"))
SARIF_SCHEMA = json.loads((ROOT / "auditor/schema/sarif-2.1.0.json").read_text(encoding="utf-8"))
APK = ROOT / "samples/apk/build/wst.apk"
MINI_BAD = ROOT / "samples/miniprogram/gov-service"
MINI_OK = ROOT / "samples/miniprogram/complaint-12315"
POLICY = ROOT / "samples/policy/ride_hailing_policy.txt"


def valid(doc: dict) -> dict:
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)
    return doc


def valid_sarif(doc: dict) -> dict:
    jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA).validate(doc)
    return doc


@pytest.fixture(scope="module")
def apk() -> Path:
    subprocess.run(["bash", str(ROOT / "samples/apk/build.sh"), "wst"], check=True, capture_output=True)
    return APK


def test_apk_command(run_cli, apk: Path) -> None:
    res = run_cli(["apk", str(apk), "--json", "-"])
    assert res.returncode == 0, res.stderr
    doc = valid(json.loads(res.stdout))
    assert doc["audit"]["app"]["package"] == "cn.gov.example.wst"
    assert doc["audit"]["inputs"][0]["kind"] == "apk"
    code = [o for o in doc["observations"] if o["source"] == "apk" and "api" in o["where"]]
    assert any(o["category"] == "device_id" for o in code)


def test_policy_command(run_cli) -> None:
    res = run_cli(["policy", str(POLICY), "--json", "-"])
    assert res.returncode == 0, res.stderr
    doc = valid(json.loads(res.stdout))
    status = {(d["category"], d["status"]) for d in doc["declarations"] if d["category"]}
    assert ("phone_number", "declared") in status and ("face", "negated") in status
    assert any(d["sdk"] == "amap" for d in doc["declarations"])


def test_policy_command_on_empty_file_is_a_finding_not_a_crash(run_cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    res = run_cli(["policy", str(empty), "--json", "-"])
    assert res.returncode == 0, res.stderr
    doc = valid(json.loads(res.stdout))
    assert [f["rule"] for f in doc["findings"]] == ["no_policy"]


def test_miniprogram_gate_fails_the_bad_one_and_passes_the_good_one(run_cli, tmp_path: Path) -> None:
    sarif = tmp_path / "mp.sarif"
    res = run_cli(["miniprogram", str(MINI_BAD), "--sarif", str(sarif), "--json", str(tmp_path / "mp.json"),
                   "--fail-on", "medium"])
    assert res.returncode == 1, res.stderr
    valid(json.loads((tmp_path / "mp.json").read_text(encoding="utf-8")))
    doc = valid_sarif(json.loads(sarif.read_text(encoding="utf-8")))
    results = doc["runs"][0]["results"]
    assert any(r["ruleId"] == "miniprogram_undeclared_api" for r in results)
    locs = [loc["physicalLocation"] for r in results for loc in r.get("locations", []) if "physicalLocation" in loc]
    assert any(pl.get("region", {}).get("startLine", 0) >= 1 for pl in locs)
    ok = run_cli(["miniprogram", str(MINI_OK), "--fail-on", "medium"])
    assert ok.returncode == 0, ok.stderr


def test_scan_text_and_stdin(run_cli) -> None:
    res = run_cli(["scan", "联系电话：13912345678，身份证号：340104199003071235"])
    assert res.returncode == 0, res.stderr
    row = json.loads(res.stdout.strip().splitlines()[0])
    ents = {e["entity"] for e in row["entities"]}
    assert {"CN_MOBILE", "CN_RESIDENT_ID"} <= ents
    assert "13912345678" not in res.stdout and "340104199003071235" not in res.stdout
    gbk = "姓名：张伟 手机 13912345678\n订单号 202611250001234567\n".encode("gbk")
    res2 = run_cli(["scan", "-"], input=gbk)
    assert res2.returncode == 0
    lines = [json.loads(x) for x in res2.stdout.decode().strip().splitlines()]
    assert len(lines) == 2 and lines[0]["entities"] and not lines[1]["entities"]


def test_report_sarif_for_a_traffic_audit(run_cli, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    har = ROOT / "samples/traffic/gov_service.har"
    assert run_cli(["traffic", str(har), "--db", str(db)]).returncode == 0
    res = run_cli(["report", "--db", str(db), "--sarif", str(tmp_path / "r.sarif"), "--html", str(tmp_path / "r.html"),
                   "--lang", "en"])
    assert res.returncode == 0, res.stderr
    valid_sarif(json.loads((tmp_path / "r.sarif").read_text(encoding="utf-8")))
    assert (tmp_path / "r.html").stat().st_size > 1000
    missing = run_cli(["report", "--db", str(db), "--audit", "nope", "--html", str(tmp_path / "x.html")])
    assert missing.returncode == 2 and "nope" in missing.stderr


def test_version_and_help(run_cli) -> None:
    assert "pi-auditor" in run_cli(["--version"]).stdout
    out = run_cli(["--help"]).stdout
    for cmd in ("audit", "traffic", "apk", "policy", "scan", "miniprogram", "proxy", "report", "audits", "batch"):
        assert cmd in out
    addon = run_cli(["proxy", "--print-addon"])
    assert addon.returncode == 0 and addon.stdout.strip().endswith("mitm_addon.py")
