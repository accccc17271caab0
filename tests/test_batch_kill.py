"""A batch killed with SIGKILL half-way leaves a consistent database and resumes; a worker that dies
takes down only the app it was auditing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest
from apk_fixtures import sample_apks  # noqa: F401  (pytest fixture)
from test_batch_run import BATCH_CMD, ROOT, batch_cli, frozen_rules

from auditor.batch.local import WORKER_DIED
from auditor.batch.manifest import read_manifest
from auditor.batch.runner import run_batch
from auditor.batch.task import AppTask
from auditor.batch.worker import TaskResult, run_task
from auditor.ruleset import Ruleset
from auditor.store import Store

APPS = 40  # enough that the kill always lands half-way, even when the poll below is starved


def write_manifest(tmp: Path, apks: dict[str, Path], n: int) -> Path:
    names = sorted(apks)
    lines = ["campaign: kill-test", "apps:"]
    # the APKs repeat, so each app gets its own first-party domain: n distinct audits, not 3 reused ones
    lines += [f"  - {{id: app{i:02d}, apk: {apks[names[i % len(names)]]}, first_party: app{i:02d}.example.cn}}"
              for i in range(n)]
    path = tmp / "m.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def done_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute("SELECT COUNT(*) FROM batch_items WHERE status = 'done'").fetchone()[0])
        finally:
            con.close()
    except sqlite3.OperationalError:  # the table does not exist yet
        return 0


@pytest.mark.slow
def test_sigkill_half_way_then_resume(tmp_path: Path, sample_apks: dict[str, Path]) -> None:  # noqa: F811
    env = frozen_rules(tmp_path)
    manifest = write_manifest(tmp_path, sample_apks, APPS)
    db = tmp_path / "db.sqlite"
    proc = subprocess.Popen([*BATCH_CMD, str(manifest), "--db", str(db), "--jobs", "1"],
                            cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    try:
        while done_count(db) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the parent, its forkserver and workers, with no chance to clean up
        proc.wait()
    killed_at = done_count(db)
    assert 3 <= killed_at < APPS, "the batch was not killed half-way"

    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # every bookkeeping row points at a whole audit, and no batch audit is missing its row
    rows = con.execute("SELECT b.audit_id, a.id, a.summary FROM batch_items b LEFT JOIN audits a ON a.id = b.audit_id "
                       "WHERE b.status = 'done'").fetchall()
    assert all(aid == found for aid, found, _ in rows)
    assert con.execute("SELECT COUNT(*) FROM audits").fetchone()[0] == killed_at
    for aid, _, summary in rows:
        findings = con.execute("SELECT COUNT(*) FROM findings WHERE audit_id = ?", (aid,)).fetchone()[0]
        assert f'"findings":{findings},' in summary
    con.close()

    resumed = batch_cli([str(manifest), "--db", str(db), "--jobs", "2"], env)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{APPS - killed_at} audited, {killed_at} skipped" in resumed.stderr
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM audits").fetchone()[0] == APPS
    con.close()
    assert done_count(db) == APPS


def die_on_app01(task: AppTask) -> TaskResult:
    """A stand-in for a native parser crashing on one input: the worker process exits abruptly."""
    if task.key == "app01":
        os._exit(70)
    return run_task(task)


def test_a_dying_worker_fails_only_its_app(tmp_path: Path, sample_apks: dict[str, Path]) -> None:  # noqa: F811
    manifest = read_manifest(write_manifest(tmp_path, sample_apks, 4))
    with Store(tmp_path / "db.sqlite") as store:
        summary = run_batch(manifest, store, jobs=2, task_fn=die_on_app01, ruleset=Ruleset())
    assert summary.failed == {"app01": WORKER_DIED}
    assert sorted(summary.done) == ["app00", "app02", "app03"]


def tight_timeout_for_app00(task: AppTask) -> TaskResult:
    """The batch's --timeout, made far too short for the first app only."""
    return run_task(replace(task, timeout_s=0.001) if task.key == "app00" else task)


def test_an_audit_past_the_timeout_is_stopped_and_the_worker_goes_on(tmp_path: Path,
                                                                     sample_apks: dict[str, Path]) -> None:  # noqa: F811
    manifest = read_manifest(write_manifest(tmp_path, sample_apks, 2))
    with Store(tmp_path / "db.sqlite") as store:
        summary = run_batch(manifest, store, jobs=1, ruleset=Ruleset(), task_fn=tight_timeout_for_app00)
        stored = store.list_audits()
    assert list(summary.failed) == ["app00"] and "took longer than 0.001 s" in summary.failed["app00"]
    assert summary.done == ["app01"]
    assert len({r.pid for r in summary.results}) == 1  # the same worker audited app01 after the timeout
    assert [a["package"] for a in stored] == ["com.example.notes"]  # app01 = notes (sorted sample names, cycled)
