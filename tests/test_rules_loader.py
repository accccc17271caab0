"""Rule data is validated at load: a bad edit is one clear error naming file and entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.errors import RulesError
from auditor.ruleset import PROJECT_ROOT, Ruleset

GUIDE_CATEGORIES = {
    "face", "fingerprint", "other_biometric", "precise_location", "coarse_location", "id_document", "name",
    "phone_number", "address", "email", "birth_date", "bank_account", "device_id", "wifi_info", "contacts",
    "call_log", "sms", "app_list", "clipboard", "photos", "audio", "health", "plate_number",
}
GUIDE_RULES = {
    "undeclared", "contradicts_policy", "before_consent", "beyond_necessary", "sensitive_no_separate_consent",
    "undisclosed_sdk", "excessive_frequency", "cleartext_pi", "permission_unjustified",
    "miniprogram_undeclared_api", "no_policy",
}


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    dst = tmp_path / "rules"
    shutil.copytree(PROJECT_ROOT / "rules", dst)
    return dst


def test_shipped_rules_load_and_match_the_guide() -> None:
    r = Ruleset()
    assert set(r.categories) >= GUIDE_CATEGORIES
    assert set(r.rules["by_id"]) >= GUIDE_RULES
    assert len(r.necessary_scope) == 39
    assert r.necessary_scope["ride_hailing"]["necessary"] == ["phone_number", "precise_location"]
    assert r.necessary_scope["womens_health"]["necessary"] == []
    assert {"umeng", "jpush", "amap"} <= set(r.sdks)
    for rule in r.rules["rules"]:
        for cid in rule["clauses"]:
            assert r.clauses[cid]["text"]
    assert r.is_sensitive("face") and not r.is_sensitive("device_id")


def test_bad_value_names_file_and_entry(rules_copy: Path) -> None:
    p = rules_copy / "categories.yaml"
    old = "id: health, zh: 健康生理信息, en: Health and physiological information, sensitive: true"
    new = "id: health, zh: 健康生理信息, en: Health, sensitive: maybe"
    p.write_text(p.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(RulesError) as e:
        _ = Ruleset(rules_copy).categories
    msg = str(e.value)
    assert "categories.yaml" in msg and "id=health" in msg and "maybe" in msg


def test_unknown_clause_in_rule_is_named(rules_copy: Path) -> None:
    p = rules_copy / "rules.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("clauses: [pipl-51]", "clauses: [pipl-999]"),
                 encoding="utf-8")
    with pytest.raises(RulesError, match=r"rules\.yaml.*id=cleartext_pi.*pipl-999"):
        _ = Ruleset(rules_copy).rules


def test_broken_yaml_and_duplicate_id(rules_copy: Path) -> None:
    p = rules_copy / "sdks.yaml"
    original = p.read_text(encoding="utf-8")
    p.write_text(original + "\n  - {id: umeng, name: [unclosed\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"sdks\.yaml: line \d+: not valid YAML"):
        _ = Ruleset(rules_copy).sdks
    p.write_text(original.replace("id: jpush", "id: umeng"), encoding="utf-8")
    with pytest.raises(RulesError, match="duplicate id"):
        _ = Ruleset(rules_copy).sdks


def test_unknown_category_in_necessary_scope(rules_copy: Path) -> None:
    p = rules_copy / "necessary_scope.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("necessary: [precise_location]", "necessary: [gps]"),
                 encoding="utf-8")
    with pytest.raises(RulesError, match=r"id=map_navigation.*unknown category 'gps'"):
        _ = Ruleset(rules_copy).necessary_scope


def test_cli_reports_bad_rules_as_one_line(rules_copy: Path, tmp_path: Path, run_cli) -> None:
    (rules_copy / "clauses.yaml").write_text("clauses: [{id: x}]\n", encoding="utf-8")
    res = run_cli(["traffic", str(PROJECT_ROOT / "samples/traffic/gov_service.har")],
                  env={"AUDITOR_RULES_DIR": str(rules_copy)})
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "clauses.yaml" in lines[0] and "Traceback" not in res.stderr
