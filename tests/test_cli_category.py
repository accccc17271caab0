"""--app-category takes the names people actually use: the 2021 rules' own (网络约车类), short 中文,
English in any spelling, ids and numbers; a typo gets the closest name as a suggestion (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.errors import UsageError
from auditor.pipeline import resolve_app_category
from auditor.ruleset import default_ruleset

ROOT = Path(__file__).resolve().parent.parent
HAR = ROOT / "samples/traffic/ride_hailing.har"


@pytest.mark.parametrize(("name", "expected"), [
    ("网络约车类", "ride_hailing"), ("网络约车", "ride_hailing"), ("网约车", "ride_hailing"),
    ("ride-hailing", "ride_hailing"), ("Ride Hailing", "ride_hailing"), ("ride_hailing", "ride_hailing"),
    ("2", "ride_hailing"), ("（二）网络约车类", "ride_hailing"),
    ("地图导航类", "map_navigation"), ("Map & Navigation", "map_navigation"), ("map-and-navigation", "map_navigation"),
    ("手机银行类App", "mobile_banking"), ("邮件快件寄递类", "postal_express"), ("Women's health", "womens_health"),
])
def test_official_short_and_english_names(name: str, expected: str) -> None:
    assert resolve_app_category(name, default_ruleset()) == expected


def test_every_category_by_its_rule_name_and_english_name() -> None:
    rs = default_ruleset()
    for cid, entry in rs.necessary_scope.items():
        assert resolve_app_category(f"{entry['zh']}类", rs) == cid
        assert resolve_app_category(entry["en"].upper(), rs) == cid


@pytest.mark.parametrize(("typo", "suggestion"), [
    ("网络约车累", "ride_hailing"), ("ride-haling", "ride_hailing"), ("地图道航", "map_navigation"),
    ("mobile banks", "mobile_banking"),
])
def test_a_typo_suggests_the_closest(typo: str, suggestion: str) -> None:
    with pytest.raises(UsageError, match=f"did you mean '{suggestion}'"):
        resolve_app_category(typo, default_ruleset())


def test_cli_accepts_the_rules_name_and_refuses_a_typo_in_one_line(run_cli) -> None:
    res = run_cli(["traffic", str(HAR), "--app-category", "网络约车类", "--json", "-"])
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["audit"]["app"]["category"] == "ride_hailing"
    res = run_cli(["traffic", str(HAR), "--app-category", "网络约车累"])
    assert res.returncode == 2
    [line] = res.stderr.strip().splitlines()
    assert "did you mean 'ride_hailing' (网络约车类, Ride hailing)?" in line
