"""The sample audit end to end, through the real `auditor` command, as a user runs it.

The expected findings were written down from the sample's design (samples/traffic/make_gov_har.py and
samples/scope.example.yaml) before the first run; a change in detection or rules that alters them has
to be argued, not just re-recorded.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import jsonschema
import pytest

from auditor.model import Audit
from auditor.pipeline import AuditInputs, run_audit
from auditor.store import Store

ROOT = Path(__file__).resolve().parent.parent
HAR = ROOT / "samples/traffic/gov_service.har"
SCOPE = ROOT / "samples/scope.example.yaml"
SCHEMA = json.loads((ROOT / "auditor/schema/audit.schema.json").read_text(encoding="utf-8"))

# (rule, category, party name) -- the sample's story, finding by finding
EXPECTED = {
    # before the user tapped 同意: device ids to Umeng, the position to AMap (and the address AMap returns)
    ("before_consent", "device_id", "Umeng"),
    ("before_consent", "precise_location", "AMap"),
    ("before_consent", "address", "AMap"),
    # never declared: device ids (login, Umeng) and the face photo (own server and the FaceID vendor)
    ("undeclared", "device_id", "example.gov.cn"),
    ("undeclared", "device_id", "Umeng"),
    ("undeclared", "face", "example.gov.cn"),
    ("undeclared", "face", "Megvii FaceID"),
    # third parties that the scope's SDK list does not name
    ("undisclosed_sdk", "device_id", "Umeng"),
    ("undisclosed_sdk", "face", "Megvii FaceID"),
    # sensitive PI without a stated separate consent (the ID number has one)
    ("sensitive_no_separate_consent", "face", "example.gov.cn"),
    ("sensitive_no_separate_consent", "face", "Megvii FaceID"),
    ("sensitive_no_separate_consent", "precise_location", "example.gov.cn"),
    ("sensitive_no_separate_consent", "precise_location", "AMap"),
    # the nearby-hall query over plain HTTP carries the position and the JWT with the phone number
    ("cleartext_pi", "precise_location", "example.gov.cn"),
    ("cleartext_pi", "phone_number", "example.gov.cn"),
    # a location track every 3 s
    ("excessive_frequency", "precise_location", "example.gov.cn"),
}


def validate(doc: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)


@pytest.fixture(scope="module")
def sample_audit() -> Audit:
    return run_audit(AuditInputs(traffic=[HAR], scope=SCOPE))


def test_sample_findings_are_exactly_the_expected_ones(sample_audit: Audit) -> None:
    got = {(f.rule, f.category, f.party.name if f.party else None) for f in sample_audit.findings}
    assert got == EXPECTED


def test_sample_observations_are_masked_and_timed(sample_audit: Audit) -> None:
    raw = json.dumps(sample_audit.to_dict(), ensure_ascii=False)
    for secret in ("13912345678", "340104199003071235", "864512030617459", "9f3c2a71b04e6d58", "张伟"):
        assert secret not in raw
    ids = [o for o in sample_audit.observations if o.category == "id_document"]
    assert ids and all(o.value and "*" in o.value for o in ids)
    assert {o.where["path"] for o in ids} >= {"body.sfzh", "body.data.sfzh"}
    assert any(o.where["side"] == "response" for o in ids)
    before = {o.where["flow"] for o in sample_audit.observations if o.before_consent}
    assert before == {1, 2}
    assert sample_audit.consent and sample_audit.consent["flow"] == 3


def test_sample_finding_cites_clause_text(sample_audit: Audit) -> None:
    bc = next(f for f in sample_audit.findings if f.rule == "before_consent")
    assert any(c.id == "rdff-3-1" and "征得用户同意前" in c.text for c in bc.clauses)
    assert bc.severity == "high" and bc.first_seen and bc.count >= 1


def test_cli_audit_writes_valid_json_db_and_html(tmp_path: Path, run_cli) -> None:
    db, js, html = tmp_path / "a.db", tmp_path / "a.json", tmp_path / "a.html"
    res = run_cli(["audit", "--traffic", str(HAR), "--scope", str(SCOPE), "--db", str(db), "--json", str(js),
                   "--html", str(html), "--fail-on", "high"])
    assert res.returncode == 1, res.stderr  # high findings present
    doc = json.loads(js.read_text(encoding="utf-8"))
    validate(doc)
    assert doc["schema"] == "pi-auditor/1"
    assert {i["kind"] for i in doc["audit"]["inputs"]} == {"traffic", "scope"}
    assert all(len(i["sha256"]) == 64 for i in doc["audit"]["inputs"])
    assert html.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    # re-render from the store without re-analysis gives the same audit
    js2 = tmp_path / "b.json"
    res2 = run_cli(["report", "--db", str(db), "--json", str(js2), "--html", str(tmp_path / "b.html")])
    assert res2.returncode == 0, res2.stderr
    assert json.loads(js2.read_text(encoding="utf-8")) == doc
    res3 = run_cli(["audits", "--db", str(db)])
    assert doc["audit"]["id"] in res3.stdout


def test_cli_traffic_json_to_stdout_and_consent_options(run_cli) -> None:
    res = run_cli(["traffic", str(HAR), "--consent-at", "@5", "--first-party", "wst.example.gov.cn", "--json", "-"])
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    validate(doc)
    before = {o["where"]["flow"] for o in doc["observations"] if o.get("before_consent")}
    assert before and max(before) == 4
    assert doc["audit"]["consent"]["how"] == "index"
    # no policy given is not an absent policy: a capture alone cannot tell
    assert not any(f["rule"] == "no_policy" for f in doc["findings"])
    # without --consent-at the consent flow is found by pattern, and the audit says which
    res2 = run_cli(["traffic", str(HAR), "--json", "-"])
    doc2 = json.loads(res2.stdout)
    assert doc2["audit"]["consent"]["flow"] == 3 and doc2["audit"]["consent"]["how"] == "auto"
    assert any("consent moment taken from flow 3" in w for w in doc2["audit"]["warnings"])
    assert "consent moment taken from flow 3" in res2.stderr


@pytest.mark.parametrize("args,needle", [
    (["traffic", "missing.har"], "missing.har: no such file"),
    (["traffic", "README.md"], "README.md: not a HAR"),
    (["audit", "--traffic", "samples/traffic/gov_service.har", "--app-category", "政务"], "unknown app category"),
    (["traffic", "samples/traffic/gov_service.har", "--consent-at", "@x"], "--consent-at"),
    (["audit"], "nothing to audit"),
    (["audit", "--scope", "README.md"], "README.md: scope file"),
])
def test_bad_usage_is_one_line_exit_2(run_cli, args: list[str], needle: str) -> None:
    res = run_cli(args)
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert needle in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_failed_audit_leaves_earlier_audits_intact(tmp_path: Path, run_cli) -> None:
    db = tmp_path / "keep.db"
    assert run_cli(["traffic", str(HAR), "--db", str(db)]).returncode == 0
    with Store(db) as s:
        first = s.list_audits()
        before = s.load(first[0]["id"]).to_dict()
    bad = tmp_path / "broken.har"
    bad.write_text(HAR.read_text(encoding="utf-8")[:5000], encoding="utf-8")
    res = run_cli(["audit", "--traffic", str(HAR), "--traffic", str(bad), "--db", str(db)])
    assert res.returncode == 2 and "broken.har" in res.stderr
    with Store(db) as s:
        assert s.list_audits() == first
        assert s.load(first[0]["id"]).to_dict() == before
    assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_store_rejects_a_non_database(tmp_path: Path, run_cli) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    res = run_cli(["traffic", str(HAR), "--db", str(junk)])
    assert res.returncode == 2 and "junk.db" in res.stderr
    assert junk.read_bytes() == b"this is not sqlite" * 100


def test_store_round_trip_and_many_audits(tmp_path: Path, sample_audit: Audit) -> None:
    with Store(tmp_path / "s.db") as s:
        s.save(sample_audit)
        other = run_audit(AuditInputs(traffic=[HAR]), salt=s.salt)
        s.save(other)
        assert len(s.list_audits()) == 2
        assert s.load(sample_audit.id).to_dict() == sample_audit.to_dict()
        # one salt per database: equal values hash equally across audits
        h1 = {o.value_hash for o in s.load(other.id).observations if o.category == "id_document"}
        again = run_audit(AuditInputs(traffic=[HAR]), salt=s.salt)
        assert h1 == {o.value_hash for o in again.observations if o.category == "id_document"}


RIDE_HAR = ROOT / "samples/traffic/ride_hailing.har"
RIDE_POLICY = ROOT / "samples/policy/ride_hailing_policy.txt"
# Written from the sample's design (samples/traffic/make_ride_har.py) before the first run.
RIDE_EXPECTED = {
    ("before_consent", "device_id", "Getui"),            # IMEI to Getui before 同意
    ("undisclosed_sdk", "device_id", "Getui"),           # Getui is not in the policy's SDK list
    ("contradicts_policy", "face", "example.com"),       # 我们不会收集您的人脸信息 -- then a face photo
    ("sensitive_no_separate_consent", "face", "example.com"),
    ("sensitive_no_separate_consent", "bank_account", "example.com"),  # location has 单独征得 stated
    ("beyond_necessary", "face", "example.com"),         # ride hailing needs phone, positions, payment data
    ("beyond_necessary", "bank_account", "example.com"),
    ("beyond_necessary", "device_id", "example.com"),
    ("beyond_necessary", "device_id", "Getui"),
    ("rights_missing", None, None),  # 认定方法 六.1: the policy offers correction and deletion, no cancellation
}


def test_ride_hailing_sample_with_policy_and_category(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "ride.json"
    res = run_cli(["audit", "--traffic", str(RIDE_HAR), "--policy", str(RIDE_POLICY), "--app-category", "网络约车",
                   "--json", str(out)])
    assert res.returncode == 0, res.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    validate(doc)
    got = {(f["rule"], f["category"], (f["party"] or {}).get("name")) for f in doc["findings"]}
    assert got == RIDE_EXPECTED
    assert doc["audit"]["app"]["category"] == "ride_hailing"
    bn = next(f for f in doc["findings"] if f["rule"] == "beyond_necessary" and f["category"] == "face")
    assert "网络约车" in bn["detail"] and any(c["id"] == "nps-4" for c in bn["clauses"])
    assert "Ride hailing" in bn["detail_en"] and "Phone number" in bn["detail_en"]
    assert all(f["detail_en"] for f in doc["findings"])


def test_english_report_speaks_english(sample_audit: Audit) -> None:
    from auditor.report import render_html
    from auditor.ruleset import default_ruleset

    page = render_html(sample_audit, default_ruleset(), lang="en")
    assert "Collected before the user agreed to the privacy policy" in page
    assert "在用户同意隐私政策之前即发生收集" not in page


def test_face_images_are_described_and_hashed_not_kept(sample_audit: Audit) -> None:
    faces = [o for o in sample_audit.observations if o.category == "face"]
    assert faces and all(o.value and o.value.endswith("bytes>") for o in faces)
    # the same photo goes to the app's server (base64 in JSON) and to the FaceID vendor (multipart)
    assert len({o.value_hash for o in faces}) == 1
