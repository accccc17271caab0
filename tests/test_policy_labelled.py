"""The reader against the hand-labelled policy set in tests/data/policies (41 policies of 41 app
kinds, with GBK, GB18030/HTML and PDF variants): the targets of the issue must hold on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.policy.evaluate import Scores, labelled_cases, score
from auditor.ruleset import default_ruleset

DATA = Path(__file__).parent / "data" / "policies"


@pytest.fixture(scope="module")
def scores() -> Scores:
    return score(labelled_cases(DATA))


def test_the_set_is_large_and_varied_enough() -> None:
    cases = labelled_cases(DATA)
    assert len(cases) >= 20
    suffixes = {c.path.suffix for c in cases}
    assert {".txt", ".html", ".pdf"} <= suffixes
    raw = {c.path.name: c.path.read_bytes() for c in cases}
    with pytest.raises(UnicodeDecodeError):
        raw["p04_govservice.txt"].decode("utf-8")  # really GBK
    assert b"charset=gb2312" in raw["p11_ticketing.html"]
    assert len({c.truth["app_type"] for c in cases}) >= 20


def test_truth_files_name_real_categories_and_sdks() -> None:
    rs = default_ruleset()
    for case in labelled_cases(DATA):
        t = case.truth
        for key in ("declared", "conditional", "negated", "separate_consent"):
            unknown = set(t.get(key) or []) - set(rs.categories)
            assert not unknown, f"{case.path.name}: {key} has unknown categories {unknown}"
        assert set(t.get("conditional") or []) <= set(t["declared"]), case.path.name
        for entry in t.get("sdks") or []:
            assert ("sdk" in entry) != ("name" in entry), case.path.name
            if "sdk" in entry:
                assert entry["sdk"] in rs.sdks, f"{case.path.name}: unknown sdk {entry['sdk']}"


def test_declared_precision_and_recall(scores: Scores) -> None:
    t = scores.overall["declared"]
    assert t.precision >= 0.95 and t.recall >= 0.90, scores.errors


def test_negated_precision_and_recall(scores: Scores) -> None:
    t = scores.overall["negated"]
    assert t.precision >= 0.95 and t.recall >= 0.90, scores.errors


def test_sdk_list_exact_on_nine_in_ten_policies(scores: Scores) -> None:
    assert scores.sdk_exact_rate >= 0.90, scores.errors


def test_separate_consent_is_found(scores: Scores) -> None:
    t = scores.overall["separate"]
    assert t.tp >= 6 and t.precision >= 0.9 and t.recall >= 0.9, scores.errors
