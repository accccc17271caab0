"""no_policy: not given is not absent.

Only a bundle that was searched and holds no policy (an APK, a mini-program package) supports the
finding, and then it needs a person (the policy may be online, or in the WeChat console) unless a
capture of the app shows no policy page either. A traffic-only audit, a live session and an app that
collects nothing never get it; an app.json permission description is not a policy.
"""

from __future__ import annotations

import json
from pathlib import Path

from traffic_fixtures import entry, write_har

from auditor.masking import new_salt
from auditor.model import Audit, Finding
from auditor.pipeline import AuditInputs, run_audit
from auditor.traffic.live import LiveAuditor

ROOT = Path(__file__).resolve().parent.parent
NO_POLICY_APK = ROOT / "samples/apk/build/flashlight.apk"  # requests PI permissions, bundles no policy
POLICY_APK = ROOT / "samples/apk/build/wst.apk"  # bundles assets/privacy.html


def audit(**inputs: object) -> Audit:
    return run_audit(AuditInputs(**inputs), salt=new_salt())  # type: ignore[arg-type]


def no_policy(a: Audit) -> list[Finding]:
    return [f for f in a.findings if f.rule == "no_policy"]


def capture(tmp_path: Path, *urls: str) -> Path:
    flows = [entry("https://api.example.cn/login?mobile=13912345678", method="POST"),
             *(entry(u, at=i + 1, response_mime="text/html", response="<h1>隐私政策</h1>") for i, u in enumerate(urls))]
    return write_har(tmp_path / "c.har", flows)


def miniprogram(tmp_path: Path, *, collects: bool, policy_page: bool = False) -> Path:
    root = tmp_path / "mp"
    pages = ["pages/index/index", *(["pages/privacy/privacy"] if policy_page else [])]
    app = {"pages": pages, "requiredPrivateInfos": ["getLocation"] if collects else [],
           "permission": {"scope.userLocation": {"desc": "你的位置信息将用于查找附近的办事大厅"}}}
    (root / "pages/index").mkdir(parents=True)
    (root / "app.json").write_text(json.dumps(app, ensure_ascii=False), encoding="utf-8")
    (root / "project.config.json").write_text('{"appid": "wx0123456789abcdef"}', encoding="utf-8")
    call = "wx.getLocation({ type: 'gcj02', success: (r) => this.setData(r) })" if collects else "this.setData({})"
    (root / "pages/index/index.js").write_text(f"Page({{ onLoad() {{ {call} }} }})\n", encoding="utf-8")
    (root / "pages/index/index.wxml").write_text("<view>办事指南</view>\n", encoding="utf-8")
    if policy_page:
        (root / "pages/privacy").mkdir()
        (root / "pages/privacy/privacy.wxml").write_text("<view>隐私政策</view><text>{{t}}</text>\n", encoding="utf-8")
        (root / "pages/privacy/privacy.js").write_text("Page({})\n", encoding="utf-8")
    return root


def test_traffic_only_never_gets_it(tmp_path: Path, run_cli) -> None:
    har = capture(tmp_path)
    assert not no_policy(audit(traffic=[har]))
    res = run_cli(["traffic", str(har), "--fail-on", "high"])
    assert res.returncode == 0, res.stderr


def test_a_live_session_without_flows_never_gets_it(tmp_path: Path) -> None:
    live = LiveAuditor(tmp_path / "live.db", echo=lambda _line: None)
    try:
        assert live.finish().findings == []
    finally:
        live.store.close()


def test_an_apk_without_a_bundled_policy_needs_a_person(tmp_path: Path) -> None:
    [f] = no_policy(audit(apk=NO_POLICY_APK))
    assert f.needs_review and f.severity == "low"
    assert "a person must check" in f.detail_en
    # the capture loaded a policy page: still a person's call, and the report says where to look
    [f] = no_policy(audit(apk=NO_POLICY_APK, traffic=[capture(tmp_path, "https://h5.example.cn/yinsi/index.html")]))
    assert f.needs_review and "https://h5.example.cn/yinsi/index.html" in f.detail_en


def test_an_apk_and_a_capture_without_any_policy_is_firm(tmp_path: Path) -> None:
    [f] = no_policy(audit(apk=NO_POLICY_APK, traffic=[capture(tmp_path, "https://h5.example.cn/help/faq.html")]))
    assert not f.needs_review and f.severity == "high"


def test_a_bundled_or_given_policy_is_a_policy(tmp_path: Path) -> None:
    assert not no_policy(audit(apk=POLICY_APK))
    policy = tmp_path / "p.txt"
    policy.write_text("隐私政策\n我们会收集您的设备信息和位置信息。\n", encoding="utf-8")
    assert not no_policy(audit(apk=NO_POLICY_APK, policy=policy))


def test_an_unreadable_policy_needs_a_person(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    [f] = no_policy(audit(policy=empty))
    assert f.needs_review and f.severity == "low"


def test_miniprogram_permission_texts_are_not_a_policy(tmp_path: Path) -> None:
    [f] = no_policy(audit(miniprogram=miniprogram(tmp_path, collects=True)))
    assert f.needs_review and "mini-program package" in f.detail_en


def test_a_miniprogram_that_collects_nothing_needs_no_policy(tmp_path: Path, run_cli) -> None:
    mp = miniprogram(tmp_path, collects=False)
    assert not no_policy(audit(miniprogram=mp))
    res = run_cli(["miniprogram", str(mp), "--fail-on", "low", "--json", "-"])
    assert not [f for f in json.loads(res.stdout)["findings"] if f["rule"] == "no_policy"]


def test_a_miniprogram_policy_page_is_its_policy(tmp_path: Path) -> None:
    assert not no_policy(audit(miniprogram=miniprogram(tmp_path, collects=True, policy_page=True)))
