"""A ruleset passed to run_audit is the one every source reads, and the one the audit records.

A regulator's own rules directory (AUDITOR_RULES_DIR) or a remote worker's ruleset must change what the
APK, policy and mini-program analysis see; an audit that silently read the installed rules while
naming the custom ones would be wrong evidence.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from auditor.masking import new_salt
from auditor.pipeline import AuditInputs, run_audit
from auditor.ruleset import Ruleset, rules_dir

ROOT = Path(__file__).resolve().parent.parent
APK = ROOT / "samples/apk/build/wst.apk"
MINIPROGRAM = ROOT / "samples/miniprogram/gov-service"


def _edit(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _entry(items: list[dict], ident: str) -> dict:
    return next(i for i in items if i["id"] == ident)


def test_apk_policy_and_miniprogram_read_the_ruleset_given(tmp_path: Path) -> None:
    custom = tmp_path / "rules"
    shutil.copytree(rules_dir(), custom)
    # three edits a regulator could make, one per source
    _edit(custom / "android_apis.yaml",
          lambda d: _entry(d["apis"], "TelephonyManager.getDeviceId").update(category="phone_number"))
    _edit(custom / "miniprogram_apis.yaml",
          lambda d: _entry(d["apis"], "wx.getClipboardData").update(category="contacts"))
    _edit(custom / "policy_lexicon.yaml",
          lambda d: _entry(d["categories"], "plate_number")["terms"].append("星舰编号"))
    policy = tmp_path / "policy.txt"
    policy.write_text("一、我们收集的信息\n为完成登记，我们会收集您的星舰编号。\n", encoding="utf-8")
    rs = Ruleset(custom)

    a = run_audit(AuditInputs(apk=APK, miniprogram=MINIPROGRAM, policy=policy), ruleset=rs, salt=new_salt())

    apk_cats = {o.category for o in a.observations if o.source == "apk" and o.entity == "TelephonyManager.getDeviceId"}
    assert apk_cats == {"phone_number"}
    mp_cats = {o.category for o in a.observations if o.source == "miniprogram" and "getClipboardData" in o.entity}
    assert mp_cats == {"contacts"}
    assert ("plate_number", "declared") in {(d.category, d.status) for d in a.declarations if d.source == "policy"}
    assert a.rules_version == rs.version != Ruleset().version


def test_traffic_scans_with_the_recognizers_of_the_ruleset_given(tmp_path: Path) -> None:
    """The PI scanner reads the ruleset's recognizer folder, not the installed one."""
    from traffic_fixtures import entry, write_har

    from auditor.ruleset import recognizers_dir

    custom = tmp_path / "recognizers"
    shutil.copytree(recognizers_dir(), custom)
    _edit(custom / "entities.yaml", lambda d: _entry(d["entities"], "EMAIL").update(category="contacts"))
    har = write_har(tmp_path / "c.har", [entry("https://api.example.cn/user/profile", method="POST",
                                               body='{"email": "zhang.wei@example.com"}',
                                               body_mime="application/json")])
    rs = Ruleset(recognizers=custom)

    a = run_audit(AuditInputs(traffic=[har]), ruleset=rs, salt=new_salt())

    assert {o.category for o in a.observations if o.entity == "EMAIL"} == {"contacts"}
    assert a.rules_version == rs.version != Ruleset().version
