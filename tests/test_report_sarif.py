"""SARIF output checked against the official 2.1.0 schema shipped in auditor/schema/."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from report_fixtures import RAW, sample_audit

from auditor.report import to_sarif, validate_sarif
from auditor.ruleset import Ruleset

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def rs() -> Ruleset:
    return Ruleset()


@pytest.fixture(scope="module")
def doc(rs: Ruleset) -> dict:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)  # the fixture's inputs are named relative to the checkout
        return to_sarif(sample_audit(rs), rs)


def results_by(doc: dict, rule: str, category: str) -> dict:
    [r] = [r for r in doc["runs"][0]["results"] if r["ruleId"] == rule and r["properties"]["category"] == category]
    return r


def test_valid_against_the_official_schema(doc: dict) -> None:
    validate_sarif(doc)
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-schema-2.1.0.json")


def test_the_validator_rejects_what_the_schema_forbids(doc: dict) -> None:
    bad = copy.deepcopy(doc)
    bad["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(bad)
    bad = copy.deepcopy(doc)
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"] = {"region": {"startLine": 0}}
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(bad)


def test_one_result_per_finding_with_rule_level_and_clauses(doc: dict, rs: Ruleset) -> None:
    audit = sample_audit(rs)
    results = doc["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == [f.rule for f in audit.findings]
    levels = {"high": "error", "medium": "warning", "low": "note"}
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    for r, f in zip(results, audit.findings, strict=True):
        assert r["level"] == levels[f.severity]
        assert rules[r["ruleIndex"]]["id"] == f.rule
        for c in f.clauses:
            assert c.id in r["message"]["text"]


def test_driver_rules_carry_titles_and_clause_help(doc: dict, rs: Ruleset) -> None:
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert set(rules) == set(rs.rules["by_id"])
    before = rules["before_consent"]
    assert before["shortDescription"]["text"] == "Collected before the user consented"
    assert "征得用户同意前即收集个人信息" in before["fullDescription"]["text"]
    assert rs.clauses["rdff-3-1"]["text"] in before["help"]["text"]
    assert before["defaultConfiguration"]["level"] == "error"


def test_locations_for_each_source(doc: dict) -> None:
    """Paths are relative to the repository holding the inputs (this checkout, for the fixture's)."""
    mp = results_by(doc, "miniprogram_undeclared_api", "address")["locations"][0]["physicalLocation"]
    assert mp["artifactLocation"] == {"uri": "samples/miniprogram/anxin/pages/profile/profile.js",
                                      "uriBaseId": "%SRCROOT%"}
    assert mp["region"] == {"startLine": 88, "startColumn": 9}
    assert doc["runs"][0]["columnKind"] == "unicodeCodePoints"
    apk = results_by(doc, "contradicts_policy", "app_list")["locations"][0]
    assert apk["logicalLocations"][0]["fullyQualifiedName"] == "cn.anxin.guahao.util.AppScanner.collectInstalled"
    assert apk["physicalLocation"]["artifactLocation"] == {"uri": "samples/apk/anxin-guahao-3.2.1.apk",
                                                           "uriBaseId": "%SRCROOT%"}
    traffic = results_by(doc, "sensitive_no_separate_consent", "id_document")["locations"][0]
    assert traffic["physicalLocation"]["artifactLocation"]["uri"] == "samples/traffic/capture.har"
    assert traffic["logicalLocations"][0]["fullyQualifiedName"] == "flow[6].request.body.data.sfzh"
    assert traffic["logicalLocations"][1]["name"] == "https://api.anxin-guahao.cn/v2/patient/register"


def test_every_result_is_placed_and_ranked(doc: dict) -> None:
    """What GitHub code scanning needs: a location with a base id for every result, security-severity
    on every rule, and an automation id whose category part is stable across runs."""
    run = doc["runs"][0]
    for r in run["results"]:
        assert r["locations"], r["ruleId"]
        for loc in r["locations"]:
            assert loc["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    for rule in run["tool"]["driver"]["rules"]:
        assert 0 < float(rule["properties"]["security-severity"]) < 10
    assert run["tool"]["driver"]["rules"][0]["properties"]["security-severity"]
    category, _, audit_id = run["automationDetails"]["id"].rpartition("/")
    assert category == "pi-auditor/apk+miniprogram+policy+traffic" and audit_id == "a-20261120-0915"
    assert "%SRCROOT%" in run["originalUriBaseIds"]


def test_no_raw_pi_and_inputs_hashed(doc: dict, rs: Ruleset) -> None:
    text = json.dumps(doc, ensure_ascii=False)
    for raw in RAW.values():
        assert raw not in text
    hashes = {a["hashes"]["sha-256"] for a in doc["runs"][0]["artifacts"]}
    assert hashes == {i.sha256 for i in sample_audit(rs).inputs}


def test_undecodable_bytes_still_give_utf8_json(rs: Ruleset) -> None:
    audit = sample_audit(rs)
    audit.observations[6].where["url"] = "https://api.cn/" + b"\xd0\xc4".decode("utf-8", "surrogateescape")
    doc = to_sarif(audit, rs)
    json.dumps(doc, ensure_ascii=False).encode("utf-8")
    validate_sarif(doc)


def test_a_declaration_finding_lands_on_the_line_to_fix(tmp_path: Path, run_cli) -> None:
    """An undeclared location API is shown first on app.json's requiredPrivateInfos, where the fix goes,
    then on the call site."""
    mp = tmp_path / "mp"
    (mp / "pages" / "index").mkdir(parents=True)
    (mp / "app.json").write_text(
        '{\n  "pages": ["pages/index/index"],\n  "requiredPrivateInfos": [\n    "chooseAddress"\n  ]\n}\n',
        encoding="utf-8")
    (mp / "pages" / "index" / "index.js").write_text(
        "Page({\n  onLoad() {\n    wx.getLocation({ type: 'gcj02' })\n    wx.chooseAddress({})\n  }\n})\n",
        encoding="utf-8")
    (mp / "pages" / "index" / "index.json").write_text("{}", encoding="utf-8")
    (mp / "pages" / "index" / "index.wxml").write_text("<view/>", encoding="utf-8")
    out = tmp_path / "pi.sarif"
    res = run_cli(["miniprogram", str(mp), "--sarif", str(out)], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    validate_sarif(doc)
    [result] = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "miniprogram_undeclared_api"]
    first, *rest = (loc["physicalLocation"] for loc in result["locations"])
    assert first["artifactLocation"]["uri"].endswith("app.json") and first["region"]["startLine"] == 3
    assert any(p["artifactLocation"]["uri"].endswith("index.js") and p["region"]["startLine"] == 3 for p in rest)
