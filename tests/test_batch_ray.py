"""`auditor batch --engine ray` on a real Ray cluster started here: a head node and a second node joined
with `ray start --address`, one CPU each, on loopback (tests/ray_cluster.py), torn down at the end.

The samples campaign must give the same findings per app as the local engine, with inputs read by path
and with every input (and the rules) sent through Ray's object store; a campaign must complete when the
second node is killed half-way, keep everything stored when the driver itself is killed, and resume.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from apk_fixtures import sample_apks  # noqa: F401  (pytest fixture)
from test_batch_kill import done_count
from test_batch_run import BATCH_CMD, MANIFEST, ROOT, batch_cli, batch_rows, frozen_rules

from auditor.masking import value_hash
from auditor.model import Audit
from auditor.store import Store

ray_cluster = pytest.importorskip("ray_cluster")
pytest.importorskip("ray", reason="Ray is not installed (scripts/setup.sh installs pi-auditor[ray])")

pytestmark = pytest.mark.slow
NODE_LINE = re.compile(r"node ([0-9a-f]{8}): (\d+)")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with ray_cluster.LocalCluster(nodes=2, cpus=1) as c:
        yield c


def ray_batch(cluster: Any, manifest: Path, db: Path, env: dict[str, str],
              *extra: str) -> subprocess.CompletedProcess[str]:
    return batch_cli([str(manifest), "--db", str(db), "--engine", "ray", "--address", cluster.address, *extra],
                     {**ray_cluster.ray_env(), **env})


def stored(db: Path) -> dict[str, Audit]:
    with Store(db) as store:
        return {k: store.load(str(r["audit_id"])) for k, r in batch_rows(db).items() if r["status"] == "done"}


def comparable(audit: Audit) -> dict[str, Any]:
    """What an audit found, without what differs between two databases (ids, times, the salt's hashes)."""
    doc = audit.to_dict()
    return {"findings": doc["findings"], "app": doc["audit"]["app"], "inputs": doc["audit"]["inputs"],
            "observations": [{k: v for k, v in o.items() if k != "value_hash"} for o in doc["observations"]]}


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory, sample_apks: dict[str, Path]) -> tuple[dict[str, str], Any]:  # noqa: F811
    tmp = tmp_path_factory.mktemp("local")
    env = frozen_rules(tmp)
    proc = batch_cli([str(MANIFEST), "--db", str(tmp / "local.db"), "--jobs", "2"], env)
    assert proc.returncode == 0, proc.stderr
    return env, stored(tmp / "local.db")


@pytest.mark.parametrize("ship", [False, True], ids=["by-path", "object-store"])
def test_samples_campaign_on_ray_gives_the_local_findings(cluster: Any, local_run: tuple[dict[str, str], Any],
                                                          tmp_path: Path, ship: bool) -> None:
    env, local = local_run
    db, out = tmp_path / "ray.db", tmp_path / "out"
    proc = ray_batch(cluster, MANIFEST, db, env, "--out", str(out), *(["--ship-inputs"] if ship else []))
    assert proc.returncode == 0, proc.stderr
    assert "3 audited, 0 skipped (already audited), 1 failed" in proc.stderr
    rows = batch_rows(db)
    assert rows["broken"]["status"] == "failed"
    # the error names the input as the manifest does, even when the worker read a copy
    assert str(rows["broken"]["error"]).startswith(str(ROOT / "samples" / "batch" / "corrupt.apk") + ": not an APK")
    on_ray = stored(db)
    assert set(on_ray) == set(local) == {"wst", "flashlight", "notes"}
    for key in local:
        assert comparable(on_ray[key]) == comparable(local[key]), key
        assert on_ray[key].rules_version == local[key].rules_version
    # the workers used this database's salt, wherever they ran
    with Store(db) as store:
        salt = store.salt
    assert value_hash("13912345678", salt) in {o.value_hash for o in on_ray["wst"].observations}
    # reports rendered on the nodes, written by the driver, linked from the dashboard
    html = (out / "dashboard.html").read_text(encoding="utf-8")
    for key, audit in on_ray.items():
        assert re.search(rf'href="apps/{key}-[0-9a-f]{{6}}-{re.escape(audit.id)}\.html"', html)
    assert "not an APK" in html
    assert sum(int(n) for _, n in NODE_LINE.findall(proc.stderr)) == 4


def test_a_runaway_app_hits_the_timeout_and_the_dashboard_says_why(cluster: Any, local_run: tuple[dict[str, str], Any],
                                                                  tmp_path: Path) -> None:
    env, _ = local_run
    proc = ray_batch(cluster, MANIFEST, tmp_path / "db", env, "--timeout", "0.001", "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "out" / "dashboard.json").read_text(encoding="utf-8"))
    reasons = {a["id"]: a["error"] for a in doc["apps"] if a["status"] == "failed"}
    assert set(reasons) == {"wst", "flashlight", "notes", "broken"}
    for key in ("wst", "flashlight", "notes"):
        assert "took longer than 0.001 s" in reasons[key]


APPS = 24
CAPTURE_REPEAT = 20  # the gov-service capture's flows 20 times over: ~0.5 s per app instead of ~0.1 s


def campaign(tmp: Path, apks: dict[str, Path], n: int) -> Path:
    """n distinct apps (the sample APKs cycled, each its own first-party domain) with a long capture each,
    so that an app takes long enough for the second node to be busy with one when it is killed."""
    har = json.loads((ROOT / "samples" / "traffic" / "gov_service.har").read_text(encoding="utf-8"))
    har["log"]["entries"] *= CAPTURE_REPEAT
    capture = tmp / "capture.har"
    capture.write_text(json.dumps(har, ensure_ascii=False), encoding="utf-8")
    names = sorted(apks)
    lines = ["campaign: ray-test", "apps:"]
    lines += [f"  - {{id: app{i:02d}, apk: {apks[names[i % len(names)]]}, traffic: [{capture}], "
              f"first_party: app{i:02d}.example.cn}}" for i in range(n)]
    path = tmp / "m.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_killed_driver_keeps_what_is_stored_and_resumes(cluster: Any, tmp_path: Path,
                                                        sample_apks: dict[str, Path]) -> None:  # noqa: F811
    env = {**ray_cluster.ray_env(), **frozen_rules(tmp_path)}
    manifest = campaign(tmp_path, sample_apks, APPS)
    db = tmp_path / "db.sqlite"
    proc = subprocess.Popen([*BATCH_CMD, str(manifest), "--db", str(db), "--engine", "ray", "--address",
                             cluster.address], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until(lambda: done_count(db) >= 3 or proc.poll() is not None)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    killed_at = done_count(db)
    assert 3 <= killed_at < APPS, "the driver was not killed half-way"
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM audits").fetchone()[0] == killed_at
    con.close()
    resumed = ray_batch(cluster, manifest, db, env)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{APPS - killed_at} audited, {killed_at} skipped" in resumed.stderr


def test_losing_a_node_half_way_completes_the_campaign_and_a_rerun_resumes(cluster: Any, tmp_path: Path,
                                                                           sample_apks: dict[str, Path]) -> None:  # noqa: F811
    env = {**ray_cluster.ray_env(), **frozen_rules(tmp_path)}
    manifest = campaign(tmp_path, sample_apks, APPS)
    db = tmp_path / "db.sqlite"
    err = tmp_path / "stderr"
    with err.open("w") as stderr:
        proc = subprocess.Popen([*BATCH_CMD, str(manifest), "--db", str(db), "--engine", "ray", "--address",
                                 cluster.address], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
                                start_new_session=True)
    try:
        # half-way, and while the second node is auditing an app, so that app has to be retried elsewhere
        wait_until(lambda: (done_count(db) >= APPS // 4 and cluster.running(1, "audit_app")) or proc.poll() is not None)
        at_kill = done_count(db)
        cluster.kill_node(1)  # its raylet and its workers, like a machine that died
        proc.wait(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    out = err.read_text(encoding="utf-8")
    assert proc.returncode == 0, out
    assert at_kill <= APPS * 3 // 4, "the campaign was nearly done before the node was killed"
    assert f"{APPS} audited, 0 skipped (already audited), 0 failed" in out
    assert done_count(db) == APPS
    rerun = ray_batch(cluster, manifest, db, env)
    assert rerun.returncode == 0, rerun.stderr
    assert f"0 audited, {APPS} skipped" in rerun.stderr


def wait_until(condition: Any, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)

