"""The sample campaign through the real command: parallel audits, one corrupt APK, resume, dashboard.

Expected values are taken from the stored audits themselves (Store.load, a different path than the
dashboard's SQL aggregates) or from the samples' design (flashlight embeds Umeng, the gov-service capture
sends device ids to Umeng before consent), never from the dashboard code under test.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from apk_fixtures import sample_apks  # noqa: F401  (pytest fixture)

from auditor.batch.table import build_table
from auditor.masking import value_hash
from auditor.model import Audit
from auditor.ruleset import Ruleset
from auditor.store import Store

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "samples" / "batch" / "campaign.yaml"
CAMPAIGN = "示例专项检查 2026-11"
NAMES = {"wst": "皖事通示例", "flashlight": "超亮手电筒", "notes": "随手记事本"}  # as samples/batch/campaign.yaml


BATCH_CMD = [sys.executable, "-m", "auditor.cli", "batch"]  # `auditor batch` as a user runs it


def batch_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BATCH_CMD, *args], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=600, check=False)


def frozen_rules(tmp: Path) -> dict[str, str]:
    """A snapshot of rules/ and recognizers/: colleagues editing rules mid-test must not change the
    rules version between two runs that are meant to resume."""
    shutil.copytree(ROOT / "rules", tmp / "rules")
    shutil.copytree(ROOT / "recognizers", tmp / "recognizers")
    return {"AUDITOR_RULES_DIR": str(tmp / "rules"), "AUDITOR_RECOGNIZERS_DIR": str(tmp / "recognizers")}


def batch_rows(db: Path) -> dict[str, dict[str, object]]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    rows = {r["key"]: dict(r) for r in con.execute("SELECT * FROM batch_items WHERE campaign = ?", (CAMPAIGN,))}
    con.close()
    return rows


def audit_count(db: Path) -> int:
    con = sqlite3.connect(db)
    n = con.execute("SELECT COUNT(*) FROM audits").fetchone()[0]
    con.close()
    return int(n)


@dataclass
class Run:
    proc: subprocess.CompletedProcess[str]
    db: Path
    out: Path
    env: dict[str, str]
    audits: dict[str, Audit]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory, sample_apks: dict[str, Path]) -> Run:  # noqa: F811
    tmp = tmp_path_factory.mktemp("batch")
    env = frozen_rules(tmp)
    db, out = tmp / "campaign.db", tmp / "out"
    proc = batch_cli([str(MANIFEST), "--db", str(db), "--jobs", "2", "--out", str(out)], env)
    with Store(db) as store:
        audits = {k: store.load(str(r["audit_id"])) for k, r in batch_rows(db).items() if r["status"] == "done"}
    return Run(proc, db, out, env, audits)


def test_corrupt_apk_fails_alone_and_the_batch_completes(first_run: Run) -> None:
    assert first_run.proc.returncode == 0, first_run.proc.stderr
    rows = batch_rows(first_run.db)
    assert {k: r["status"] for k, r in rows.items()} == {"wst": "done", "flashlight": "done", "notes": "done",
                                                         "broken": "failed"}
    assert "corrupt.apk" in str(rows["broken"]["error"]) and "not an APK" in str(rows["broken"]["error"])
    assert "failed broken:" in first_run.proc.stderr and "3 audited" in first_run.proc.stderr
    con = sqlite3.connect(first_run.db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    assert audit_count(first_run.db) == 3


def test_tasks_record_input_hashes_and_the_database_salt(first_run: Run) -> None:
    wst = first_run.audits["wst"]
    got = {(i.kind, Path(i.path).name, i.sha256) for i in wst.inputs}
    for kind, rel in (("apk", "samples/apk/build/wst.apk"), ("traffic", "samples/traffic/gov_service.har"),
                      ("scope", "samples/scope.example.yaml")):
        path = ROOT / rel
        assert (kind, path.name, hashlib.sha256(path.read_bytes()).hexdigest()) in got
    # workers hash values with the database's salt, so equal values correlate across the campaign's apps
    with Store(first_run.db) as store:
        salt = store.salt
    assert value_hash("13912345678", salt) in {o.value_hash for o in wst.observations}
    raw = json.dumps(wst.to_dict(), ensure_ascii=False)
    assert "340104199003071235" not in raw and "13912345678" not in raw


def test_rerun_skips_everything_already_audited(first_run: Run) -> None:
    proc = batch_cli([str(MANIFEST), "--db", str(first_run.db), "--jobs", "2", "--out", str(first_run.out)],
                     first_run.env)
    assert proc.returncode == 0, proc.stderr
    assert "0 audited, 3 skipped" in proc.stderr
    assert audit_count(first_run.db) == 3
    assert {k: r["audit_id"] for k, r in batch_rows(first_run.db).items() if r["status"] == "done"} == \
        {k: a.id for k, a in first_run.audits.items()}


def test_changed_input_is_reaudited_and_the_rest_skipped(tmp_path: Path, sample_apks: dict[str, Path]) -> None:  # noqa: F811
    env = frozen_rules(tmp_path)
    shutil.copy(sample_apks["notes"], tmp_path / "store-app.apk")
    manifest = tmp_path / "m.yaml"
    manifest.write_text(f"campaign: {CAMPAIGN}\napps:\n"
                        f"  - {{id: stable, apk: {sample_apks['flashlight']}}}\n"
                        "  - {id: updated, apk: store-app.apk}\n", encoding="utf-8")
    db = tmp_path / "db.sqlite"
    assert batch_cli([str(manifest), "--db", str(db), "--jobs", "1"], env).returncode == 0
    before = batch_rows(db)
    shutil.copy(sample_apks["wst"], tmp_path / "store-app.apk")  # a new version published under the same path
    proc = batch_cli([str(manifest), "--db", str(db), "--jobs", "1"], env)
    assert proc.returncode == 0, proc.stderr
    assert "1 audited, 1 skipped" in proc.stderr
    after = batch_rows(db)
    assert after["stable"]["audit_id"] == before["stable"]["audit_id"]
    assert after["updated"]["audit_id"] != before["updated"]["audit_id"]
    with Store(db) as store:
        assert store.load(str(after["updated"]["audit_id"])).app["package"] == "cn.gov.example.wst"
    # an edit of any rules file is a new rules version: every app is audited again
    with (tmp_path / "rules" / "sdks.yaml").open("a", encoding="utf-8") as f:
        f.write("# reviewed 2026-11\n")
    proc = batch_cli([str(manifest), "--db", str(db), "--jobs", "1"], env)
    assert "2 audited, 0 skipped" in proc.stderr, proc.stderr
    # the same apps under another campaign (a renamed manifest) reuse those audits
    renamed = tmp_path / "m-renamed.yaml"
    renamed.write_text(manifest.read_text(encoding="utf-8").replace(f"campaign: {CAMPAIGN}", "campaign: 复查"),
                       encoding="utf-8")
    proc = batch_cli([str(renamed), "--db", str(db), "--jobs", "1"], env)
    assert "0 audited, 2 skipped (already audited, 2 of them from another campaign)" in proc.stderr, proc.stderr
    assert audit_count(db) == 5  # 2, then 1 re-audited, then 2 under the edited rules, then none


def test_dashboard_flags_apps_audited_under_other_rules(first_run: Run, tmp_path: Path) -> None:
    env = frozen_rules(tmp_path)
    with Store(first_run.db) as store:
        current = build_table(store, CAMPAIGN, Ruleset(Path(first_run.env["AUDITOR_RULES_DIR"]),
                                                       Path(first_run.env["AUDITOR_RECOGNIZERS_DIR"])))
        with (tmp_path / "rules" / "categories.yaml").open("a", encoding="utf-8") as f:
            f.write("# reviewed 2026-11\n")
        edited = build_table(store, CAMPAIGN, Ruleset(Path(env["AUDITOR_RULES_DIR"]),
                                                      Path(env["AUDITOR_RECOGNIZERS_DIR"])))
    assert current.stale == []
    assert sorted(edited.stale) == sorted(first_run.audits)


def test_dashboard_ranks_by_severity_and_links_every_report(first_run: Run) -> None:
    html = (first_run.out / "dashboard.html").read_text(encoding="utf-8")
    severity = {k: tuple(sum(f.severity == s for f in a.findings) for s in ("high", "medium", "low"))
                for k, a in first_run.audits.items()}
    expected_order = sorted(severity, key=lambda k: (tuple(-n for n in severity[k]), k))
    ranked = re.findall(r'<td class="app">\d+\. ([^<]+)</td>', html)
    assert ranked == [NAMES[k] for k in expected_order]
    for key, audit in first_run.audits.items():
        links = re.findall(rf'href="(apps/{key}-[0-9a-f]{{6}}-{re.escape(audit.id)}\.html)"', html)
        assert len(links) == 1
        report = (first_run.out / links[0]).read_text(encoding="utf-8")
        assert audit.id in report
    assert "损坏的安装包" in html and "not an APK" in html


def test_dashboard_is_self_contained(first_run: Run) -> None:
    html = (first_run.out / "dashboard.html").read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def test_csv_and_json_exports_agree_with_the_stored_audits(first_run: Run) -> None:
    text = (first_run.out / "dashboard.csv").read_text(encoding="utf-8-sig")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(text))}
    doc = json.loads((first_run.out / "dashboard.json").read_text(encoding="utf-8"))
    assert doc["schema"] == "pi-auditor-dashboard/1" and doc["campaign"] == CAMPAIGN
    assert [a["id"] for a in doc["apps"]] == list(rows)
    assert rows["broken"]["status"] == "failed" and rows["broken"]["rank"] == ""
    for key, audit in first_run.audits.items():
        row = rows[key]
        for s in ("high", "medium", "low"):
            assert int(row[f"findings_{s}"]) == sum(f.severity == s for f in audit.findings)
        assert int(row["observations"]) == len(audit.observations)
        for cat in {o.category for o in audit.observations}:
            assert int(row[f"category:{cat}"]) == sum(o.category == cat for o in audit.observations)
        for rule in {f.rule for f in audit.findings}:
            assert int(row[f"rule:{rule}"]) == sum(f.rule == rule for f in audit.findings)
        timed = [o for o in audit.observations if o.before_consent is not None]
        assert int(row["consent_known"]) == len(timed)
        assert int(row["before_consent"]) == sum(1 for o in timed if o.before_consent)
    # the samples' design: Umeng is embedded in the flashlight APK and receives device ids in the
    # gov-service capture, before consent; the notes app embeds no SDK
    sdks = {s["id"]: s for s in doc["sdks"]}
    assert sdks["umeng"]["apps"] == ["flashlight", "wst"]
    assert "device_id" in sdks["umeng"]["categories"]
    assert sdks["umeng"]["before_consent_apps"] == ["wst"]
    assert float(rows["wst"]["before_consent_rate"]) > 0
    assert rows["notes"]["sdks"] == "" and rows["flashlight"]["before_consent_rate"] == ""


def test_unusable_manifest_or_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad_manifest = tmp_path / "m.csv"
    bad_manifest.write_text("id,apk\nx,a.apk\nx,b.apk\n", encoding="utf-8")
    proc = batch_cli([str(bad_manifest), "--db", str(tmp_path / "db.sqlite")], {})
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"auditor: error: {bad_manifest}: apps[1] (id=x): duplicate id"
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("会议纪要：不是数据库\n" * 200, encoding="utf-8")
    proc = batch_cli([str(MANIFEST), "--db", str(not_a_db)], {})
    assert proc.returncode == 2 and str(not_a_db) in proc.stderr and "Traceback" not in proc.stderr
    proc = batch_cli([str(MANIFEST), "--db", str(tmp_path / "db.sqlite"), "--out", str(not_a_db)], {})
    assert proc.returncode == 2 and f"{not_a_db}: --out must be a directory" in proc.stderr
    assert not (tmp_path / "db.sqlite").exists()
