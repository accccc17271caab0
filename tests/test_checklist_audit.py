"""The checklist of a whole audit: 31 scenarios in the JSON (validated by the published schema), each
violation with its evidence, the refusal moment (三.2), consent boxes ticked by default (三.4) in a
mini-program and in a captured H5 page, changes since an earlier audit of the same app (二.2, 四.3),
the stored checklist re-rendered by `auditor report`, and `auditor diff`."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from traffic_fixtures import entry, write_har

from auditor.checklist.consent_ui import markup_boxes

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "auditor/schema/audit.schema.json").read_text(encoding="utf-8"))
SAMPLES = ROOT / "samples"
FULL = ["--policy", str(SAMPLES / "policy/ride_hailing_policy.txt"),
        "--miniprogram", str(SAMPLES / "miniprogram/gov-service"),
        "--traffic", str(SAMPLES / "traffic/gov_service.har"), "--refused-at", "@1", "--app-category", "地图导航类"]


def entries(doc: dict) -> dict[str, dict]:
    return {e["id"]: e for e in doc["checklist"]}


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    """The same app audited twice into one database: the second audit is compared with the first."""
    from conftest import _run

    d = tmp_path_factory.mktemp("full")
    db = d / "audits.db"
    docs = []
    for i in (1, 2):
        res = _run(["audit", *FULL, "--db", str(db), "--json", str(d / f"a{i}.json")])
        assert res.returncode == 0, res.stderr
        docs.append(json.loads((d / f"a{i}.json").read_text(encoding="utf-8")))
    return db, docs[0], docs[1]


def test_every_scenario_is_answered_and_published(stored: tuple[Path, dict, dict]) -> None:
    _, first, second = stored
    for doc in (first, second):
        jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)
        got = entries(doc)
        assert sorted(got) == sorted(f"rdff-{s}-{i}" for s, n in zip(range(1, 7), (4, 4, 9, 6, 3, 5), strict=True)
                                     for i in range(1, n + 1))
        for e in got.values():
            if e["verdict"] == "violation":
                assert e["evidence"] and e["automatic"], e["id"]
            if not e["automatic"]:
                assert e["review"] or e["verdict"] == "not_checked", e["id"]
    # policy + mini-program + capture with consent and refusal moments + an earlier audit of the app
    assert sum(e["automatic"] for e in second["checklist"]) >= 21
    assert entries(first)["rdff-2-2"]["verdict"] == "not_checked"
    assert entries(second)["rdff-2-2"]["verdict"] == "compliant"  # nothing new since the first audit
    assert second["audit"]["changes"]["previous"] == first["audit"]["id"]


def test_scenarios_no_input_answers_are_left_to_a_person(stored: tuple[Path, dict, dict]) -> None:
    got = entries(stored[2])
    for sid in ("rdff-1-3", "rdff-3-5", "rdff-3-7", "rdff-5-2", "rdff-6-4"):
        assert got[sid]["verdict"] == "needs_review" and got[sid]["review"] and got[sid]["review_en"]


def test_collection_after_refusal_is_a_violation_naming_the_flow(stored: tuple[Path, dict, dict]) -> None:
    doc = stored[2]
    e = entries(doc)["rdff-3-2"]
    assert e["verdict"] == "violation"
    assert doc["audit"]["refusal"]["flow"] == 1
    assert all("flow" in ev["where"] and ev["where"]["flow"] > 1 for ev in e["evidence"])
    refused = [f for f in doc["findings"] if f["rule"] == "after_refusal"]
    assert refused and {c["id"] for c in refused[0]["clauses"]} >= {"rdff-3-2"}


def test_refusal_and_later_consent(tmp_path: Path, run_cli) -> None:
    har = write_har(tmp_path / "r.har", [
        entry("https://api.example-app.cn/init", at=0),
        entry("https://api.example-app.cn/privacy/disagree", method="POST", at=1),
        entry("https://api.example-app.cn/log?mobile=13912345678", at=2),
        entry("https://api.example-app.cn/privacy/agree", method="POST", at=3),
        entry("https://api.example-app.cn/profile?mobile=13912345678", at=4),
    ])
    out = tmp_path / "r.json"
    res = run_cli(["traffic", str(har), "--refused-at", "disagree", "--consent-at", "@3", "--json", str(out)])
    assert res.returncode == 0, res.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    after = [o["where"]["flow"] for o in doc["observations"] if o["where"].get("after_refusal")]
    assert after == [2], "only what came after the refusal and before the later consent"
    bad = run_cli(["traffic", str(har), "--refused-at", "@9"])
    assert bad.returncode == 2 and "--refused-at" in bad.stderr and "Traceback" not in bad.stderr


def test_consent_box_ticked_in_a_captured_h5_page(tmp_path: Path, run_cli) -> None:
    page = ('<html><body><form><input type="checkbox" name="agree" checked>'
            '<span>我已阅读并同意《用户协议》与《隐私政策》</span><button>登录</button></form></body></html>')
    har = write_har(tmp_path / "h5.har",
                    [entry("https://m.example-app.cn/login", response_mime="text/html", response=page)])
    out = tmp_path / "h5.json"
    assert run_cli(["traffic", str(har), "--json", str(out)]).returncode == 0
    e = entries(json.loads(out.read_text(encoding="utf-8")))["rdff-3-4"]
    assert e["verdict"] == "violation" and e["evidence"][0]["where"]["flow"] == 0


def test_consent_boxes_in_markup() -> None:
    wxml = '<view><checkbox value="agree" checked="true"/><text>我已阅读并同意《隐私政策》</text></view>'
    ticked = markup_boxes(wxml, {"file": "pages/login/login.wxml"})
    assert [b["checked"] for b in ticked] == [True]
    bound = markup_boxes('<label><checkbox checked="{{agreed}}"/>同意《隐私政策》</label>', {"file": "a.wxml"})
    assert [b["checked"] for b in bound] == [False]
    vant = markup_boxes('<van-checkbox value="{{ true }}">我已阅读并同意服务协议</van-checkbox>', {"file": "b.wxml"})
    assert [b["checked"] for b in vant] == [True]
    assert markup_boxes('<checkbox checked/><text>记住密码</text>', {"file": "c.wxml"}) == []


def test_a_miniprogram_with_a_ticked_consent_box(tmp_path: Path, run_cli) -> None:
    root = tmp_path / "mp"
    (root / "pages/login").mkdir(parents=True)
    (root / "app.json").write_text(json.dumps({"pages": ["pages/login/login"]}), encoding="utf-8")
    (root / "pages/login/login.js").write_text("Page({})\n", encoding="utf-8")
    (root / "pages/login/login.wxml").write_text(
        '<view class="agree">\n  <checkbox checked="{{true}}"/>\n'
        '  <text>登录即同意《用户服务协议》和《隐私政策》</text>\n</view>\n',
        encoding="utf-8")
    out = tmp_path / "mp.json"
    assert run_cli(["miniprogram", str(root), "--json", str(out)]).returncode == 0
    got = entries(json.loads(out.read_text(encoding="utf-8")))
    assert got["rdff-3-4"]["verdict"] == "violation"
    assert got["rdff-3-4"]["evidence"][0]["where"] == {"file": "pages/login/login.wxml", "line": 2,
                                                         "element": "checkbox", "checked": True}
    assert got["rdff-4-6"]["verdict"] == "not_applicable"  # WeChat asks for each scope on its own


def test_report_re_renders_the_stored_checklist(stored: tuple[Path, dict, dict], tmp_path: Path, run_cli) -> None:
    db, _, second = stored
    for lang, title in (("zh", "检查清单"), ("en", "Checklist of the Methods")):
        out = tmp_path / f"r.{lang}.html"
        res = run_cli(["report", "--db", str(db), "--audit", second["audit"]["id"], "--html", str(out),
                       "--lang", lang])
        assert res.returncode == 0, res.stderr
        page = out.read_text(encoding="utf-8")
        start = page.index('<section class="checklist"')
        section = page[start : page.index("</section>", start)]
        assert title in section and section.count('<tr class="row-') == 31
        assert section[section.index('<tr class="row-'):].startswith('<tr class="row-violation"')  # violations first
    assert "Changes since the previous audit" in page


def test_diff_of_two_stored_audits(stored: tuple[Path, dict, dict], run_cli) -> None:
    db, first, second = stored
    res = run_cli(["diff", "--db", str(db), first["audit"]["id"], second["audit"]["id"], "--json", "-"])
    assert res.returncode == 0, res.stderr
    changes = json.loads(res.stdout)
    assert changes["previous"] == first["audit"]["id"]
    assert changes["categories"] == changes["sdks"] == changes["permissions"] == []
    assert changes["policy_changed"] is False
    missing = run_cli(["diff", "--db", str(db), first["audit"]["id"], "no-such-audit"])
    assert missing.returncode == 2 and "no-such-audit" in missing.stderr
