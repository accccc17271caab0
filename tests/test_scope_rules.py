"""Each rule fires on a case that breaks it and stays silent on the close case that does not.

Observations here are built the way the sources build them (same dataclasses, same where-fields), so
the rules are tested apart from detection; the end-to-end tests run them on real captures.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auditor.model import Declaration, Observation, Party, number
from auditor.pipeline import judge_findings
from auditor.ruleset import default_ruleset

APP = Party("first", "example.gov.cn")
UMENG = Party("third", "Umeng", "umeng")
T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def obs(category: str, *, party: Party = APP, entity: str = "X", conf: float = 0.95, before: bool | None = None,
        scheme: str = "https", t: float = 0, flow: int = 0, source: str = "traffic") -> Observation:
    where = {"file": "c.har", "flow": flow, "side": "request", "path": "body.x", "url": "https://h/x",
             "scheme": scheme, "time": (T0 + timedelta(seconds=t)).isoformat()}
    if source == "apk":
        where = {"permission": "android.permission.READ_PHONE_STATE"} if entity == "PERMISSION" else {
            "class": "Lcom/a/B;", "method": "m", "api": "TelephonyManager.getDeviceId"}
    return Observation(category=category, entity=entity, source=source, party=party, where=where,  # type: ignore[arg-type]
                       confidence=conf, before_consent=before)


def decl(category: str | None, status: str = "declared", *, sdk: str | None = None, sdk_cats: list[str] | None = None,
         separate: bool = False) -> Declaration:
    return Declaration(category=category, status=status, source="policy", text="……", sdk=sdk,  # type: ignore[arg-type]
                       sdk_name=sdk, sdk_categories=sdk_cats or [], separate_consent=separate)


def run(observations, declarations, *, category: str | None = None, policy: bool = True, unreadable: str | None = None):
    number(observations, "o")
    number(declarations, "d")
    return judge_findings(observations, declarations, {}, default_ruleset(), app_category=category,
                          policy_given=policy, policy_unreadable=unreadable)


def rules_of(findings, rule: str) -> list:
    return [f for f in findings if f.rule == rule]


def test_undeclared_fires_and_declared_does_not() -> None:
    f = run([obs("face"), obs("phone_number")], [decl("phone_number")])
    und = rules_of(f, "undeclared")
    assert [x.category for x in und] == ["face"]
    assert und[0].severity == "high"  # sensitive
    assert {c.id for c in und[0].clauses} >= {"pipl-17", "rdff-2-1"}
    assert und[0].clauses[0].text  # the clause text travels with the finding


def test_undeclared_respects_sdk_declared_categories() -> None:
    f = run([obs("device_id", party=UMENG)], [decl(None, sdk="umeng", sdk_cats=["device_id"])])
    assert not rules_of(f, "undeclared") and not rules_of(f, "undisclosed_sdk")
    f2 = run([obs("device_id", party=UMENG)], [decl(None, sdk="umeng", sdk_cats=["coarse_location"]), decl("name")])
    assert rules_of(f2, "undeclared") and not rules_of(f2, "undisclosed_sdk")


def test_contradicts_policy_only_when_negated_and_not_declared() -> None:
    f = run([obs("contacts")], [decl("contacts", "negated")])
    assert rules_of(f, "contradicts_policy") and not rules_of(f, "undeclared")
    f2 = run([obs("contacts")], [decl("contacts", "negated"), decl("contacts")])
    assert not rules_of(f2, "contradicts_policy")


def test_before_consent() -> None:
    f = run([obs("device_id", before=True), obs("phone_number", before=False)],
            [decl("device_id"), decl("phone_number")])
    bc = rules_of(f, "before_consent")
    assert [x.category for x in bc] == ["device_id"]
    f2 = run([obs("device_id", before=None)], [decl("device_id")])
    assert not rules_of(f2, "before_consent")


def test_beyond_necessary_uses_the_category() -> None:
    f = run([obs("phone_number"), obs("face"), obs("precise_location")], [decl("phone_number")],
            category="ride_hailing")
    assert sorted(x.category for x in rules_of(f, "beyond_necessary")) == ["face"]
    assert "网络约车" in rules_of(f, "beyond_necessary")[0].detail
    assert not rules_of(run([obs("face")], [decl("face")], category=None), "beyond_necessary")


def test_sensitive_needs_separate_consent() -> None:
    f = run([obs("id_document"), obs("phone_number")], [decl("id_document"), decl("phone_number")])
    s = rules_of(f, "sensitive_no_separate_consent")
    assert [x.category for x in s] == ["id_document"]
    f2 = run([obs("id_document")], [decl("id_document", separate=True)])
    assert not rules_of(f2, "sensitive_no_separate_consent")


def test_undisclosed_sdk() -> None:
    f = run([obs("device_id", party=UMENG), obs("device_id")], [decl("device_id")])
    u = rules_of(f, "undisclosed_sdk")
    assert len(u) == 1 and u[0].party == UMENG
    f2 = run([obs("device_id", party=UMENG)], [decl("device_id"), decl(None, sdk="umeng")])
    assert not rules_of(f2, "undisclosed_sdk")


def test_excessive_frequency_counts_flows_in_a_window() -> None:
    many = [obs("precise_location", t=3 * i, flow=i) for i in range(15)]
    f = run(many, [decl("precise_location")])
    ef = rules_of(f, "excessive_frequency")
    assert len(ef) == 1 and ef[0].count == 15 and "15" in ef[0].detail
    spread = [obs("precise_location", t=30 * i, flow=i) for i in range(15)]
    assert not rules_of(run(spread, [decl("precise_location")]), "excessive_frequency")
    # many fields of one flow are one collection
    one_flow = [obs("precise_location", t=0, flow=0) for _ in range(15)]
    assert not rules_of(run(one_flow, [decl("precise_location")]), "excessive_frequency")


def test_cleartext_pi() -> None:
    f = run([obs("phone_number", scheme="http"), obs("name")], [decl("phone_number"), decl("name")])
    assert [x.category for x in rules_of(f, "cleartext_pi")] == ["phone_number"]


def test_permission_unjustified() -> None:
    perm = obs("contacts", entity="PERMISSION", source="apk", conf=0.6)
    f = run([perm], [decl("phone_number")], category="news")
    assert [x.category for x in rules_of(f, "permission_unjustified")] == ["contacts"]
    # a permission alone is not collection: no undeclared finding from it
    assert not rules_of(f, "undeclared")
    ok = obs("precise_location", entity="PERMISSION", source="apk", conf=0.6)
    assert not rules_of(run([ok], [], category="map_navigation"), "permission_unjustified")


def test_no_policy_and_unreadable_policy() -> None:
    # not given is not absent: without a bundle that was searched, nothing supports the finding
    f = run([obs("phone_number")], [], policy=False)
    assert not rules_of(f, "no_policy") and not rules_of(f, "undeclared")
    f2 = run([obs("phone_number")], [], policy=True, unreadable="scanned PDF without text")
    [unreadable] = rules_of(f2, "no_policy")
    assert "scanned PDF" in unreadable.detail and unreadable.needs_review
    assert not rules_of(run([obs("phone_number")], [decl("phone_number")]), "no_policy")


def test_weak_evidence_lowers_severity_and_merges_per_category_party() -> None:
    weak = [obs("face", conf=0.4, flow=i) for i in range(3)]
    f = rules_of(run(weak, [decl("phone_number")]), "undeclared")
    assert len(f) == 1 and f[0].weak and f[0].severity == "medium" and f[0].count == 3
    strong = rules_of(run([obs("face", conf=0.4), obs("face", conf=0.95)], [decl("phone_number")]), "undeclared")
    assert not strong[0].weak and strong[0].severity == "high"


def test_findings_ordered_by_severity() -> None:
    f = run([obs("face", before=True), obs("device_id", scheme="http")], [decl("device_id")])
    order = {"high": 0, "medium": 1, "low": 2}
    assert [order[x.severity] for x in f] == sorted(order[x.severity] for x in f)


def test_evidence_from_code_and_traffic_merges_into_one_finding() -> None:
    code = obs("face", source="apk", entity="Camera.open", party=Party("first", "cn.gov.example.wst"))
    net = obs("face", party=APP)
    f = rules_of(run([code, net], [decl("phone_number")]), "undeclared")
    assert len(f) == 1 and f[0].count == 2 and f[0].sources == ["apk", "traffic"]


def test_cleartext_allowed_needs_the_flag_and_first_party_code() -> None:
    code = obs("id_document", source="apk", entity="X", party=Party("first", "cn.gov.example.wst"))
    number([code], "o")
    ctx_app = {"cleartext_allowed": True, "cleartext": {"cleartext_domains": ["wst.example.gov.cn"]}}
    f = judge_findings([code], [decl("id_document", separate=True)], ctx_app, default_ruleset(), app_category=None,
                       policy_given=True)
    ca = rules_of(f, "cleartext_allowed")
    assert len(ca) == 1 and ca[0].severity == "medium" and "wst.example.gov.cn" in ca[0].detail
    f2 = judge_findings([code], [decl("id_document", separate=True)], {"cleartext_allowed": False},
                        default_ruleset(), app_category=None, policy_given=True)
    assert not rules_of(f2, "cleartext_allowed")


def test_declared_or_necessary_precise_location_covers_coarse() -> None:
    f = run([obs("coarse_location")], [decl("precise_location")], category="map_navigation")
    assert not rules_of(f, "undeclared") and not rules_of(f, "beyond_necessary")
    f2 = run([obs("precise_location")], [decl("coarse_location")], category="news")
    assert rules_of(f2, "undeclared") and rules_of(f2, "beyond_necessary")
