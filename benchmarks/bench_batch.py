"""Batch benchmark: a generated campaign of N apps, audited at --jobs 1 and 2 (and on Ray); prints the figures.

Run:  .venv/bin/python benchmarks/bench_batch.py [--apps 200] [--distinct 40] [--jobs 1,2] [--engine ray]

Generated campaign: ``--distinct`` real, signed APKs built from the sample smali (the flashlight app's
code under a new package name, plus SDK class trees such as com/umeng/..., cn/jpush/..., com/amap/api/...
copied from the samples' SDK classes, and a varied permission set) with the same Debian tools as
samples/apk/build.sh; every app of the campaign pairs one of them with its own capture (the sample HARs
with the app's own domain, a random subset of flows, sometimes no consent flow) and its own scope file.
Built files are cached in benchmarks/.cache/batch/, so only the first run pays for the APK builds.

Figures: apps/minute per --jobs (the whole `auditor batch` work incl. per-app HTML reports), the
speed-up, peak RSS per worker, database size, the time to resume a finished campaign, the dashboard
time (table + page + CSV + JSON) for the whole campaign, and the driver's cost per app (what caps any
number of workers). With ``--engine ray`` the same campaign also runs, in the same invocation, on a real
Ray cluster started here of one and of two one-CPU nodes (tests/ray_cluster.py), so the engines are
compared side by side under the same load.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.batch.dashboard import REPORTS_SUBDIR, write_dashboard  # noqa: E402
from auditor.batch.engine import Engine  # noqa: E402
from auditor.batch.local import LocalEngine  # noqa: E402
from auditor.batch.manifest import read_manifest  # noqa: E402
from auditor.batch.runner import run_batch  # noqa: E402
from auditor.model import Audit  # noqa: E402
from auditor.ruleset import Ruleset  # noqa: E402
from auditor.store import Store  # noqa: E402

SAMPLES = ROOT / "samples"
CACHE = ROOT / "benchmarks" / ".cache" / "batch"
FRAMEWORK = "/usr/share/android-framework-res/framework-res.apk"
BASE_APP = SAMPLES / "apk" / "flashlight"
SDK_CLASS = BASE_APP / "smali_classes2" / "com/umeng/commonsdk/statistics/common/DeviceConfig.smali"
LOCATION_CLASS = SAMPLES / "apk" / "wst" / "smali/cn/gov/example/wst/LocationHelper.smali"
# SDK id -> the class path its generated code lives under (prefixes from rules/sdks.yaml)
SDK_TREES = {
    "umeng": "com/umeng/commonsdk/statistics/common", "jpush": "cn/jpush/android/service",
    "amap": "com/amap/api/location", "getui": "com/igexin/sdk/core", "bugly": "com/tencent/bugly/crashreport",
    "pangle": "com/bytedance/sdk/openadsdk/core", "gdt": "com/qq/e/comm/managers",
    "talkingdata": "com/tendcloud/tenddata", "baidu_location": "com/baidu/location",
    "sensorsdata": "com/sensorsdata/analytics/android/sdk",
}
LOCATION_SDKS = {"amap", "baidu_location"}
GENERATOR = 1  # bump when build_apk changes what it builds, so cached APKs are rebuilt
PERMISSIONS = [
    "READ_PHONE_STATE", "ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION", "CAMERA", "READ_CONTACTS", "RECORD_AUDIO",
    "READ_SMS", "READ_CALL_LOG", "QUERY_ALL_PACKAGES", "ACCESS_WIFI_STATE", "READ_EXTERNAL_STORAGE", "BODY_SENSORS",
]
CAPTURES = {  # base capture -> (own domain in it, consent URL)
    SAMPLES / "traffic" / "gov_service.har": ("wst.example.gov.cn", "/api/privacy/agree"),
    SAMPLES / "traffic" / "ride_hailing.har": ("ride.example.com", "/v2/privacy/accept"),
}


def _methods(smali: str) -> list[str]:
    return re.findall(r"^\.method .*?^\.end method\n", smali, flags=re.S | re.M)


def _tool(args: list[str], cwd: Path | None = None) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, timeout=300)


def keystore() -> Path:
    ks = CACHE / "bench.keystore"
    if not ks.exists():
        _tool(["keytool", "-genkeypair", "-keystore", str(ks), "-storepass", "android", "-keypass", "android",
               "-alias", "bench", "-keyalg", "RSA", "-keysize", "2048", "-validity", "10000",
               "-dname", "CN=pi-auditor bench, O=pi-auditor, C=CN"])
    return ks


def apk_spec(n: int) -> dict[str, object]:
    rng = random.Random(f"apk-{n}")
    return {
        "package": f"cn.bench.app{n:03d}", "label": f"基准应用{n:03d}",
        "sdks": sorted(rng.sample(sorted(SDK_TREES), rng.randint(0, 4))),
        "permissions": sorted(rng.sample(PERMISSIONS, rng.randint(1, 8))),
        "cleartext": rng.random() < 0.4,
    }


def build_apk(n: int, ks: Path) -> Path:
    """The flashlight sample re-packaged: own package and label, chosen SDK trees and permissions."""
    spec = apk_spec(n)
    key = hashlib.sha256(json.dumps([GENERATOR, spec], sort_keys=True).encode()).hexdigest()[:12]
    out = CACHE / "apks" / f"app{n:03d}-{key}.apk"
    if out.exists():
        return out
    work = CACHE / "work" / f"app{n:03d}"
    shutil.rmtree(work, ignore_errors=True)
    pkg = str(spec["package"])
    src = work / "smali"
    own = src / pkg.replace(".", "/")
    own.mkdir(parents=True)
    for f in (BASE_APP / "smali/com/example/flashlight").glob("*.smali"):
        text = f.read_text(encoding="utf-8").replace("com/example/flashlight", pkg.replace(".", "/"))
        (own / f.name).write_text(text, encoding="utf-8")
    rng = random.Random(f"methods-{n}")
    base_methods = _methods(SDK_CLASS.read_text(encoding="utf-8"))
    location = _methods(LOCATION_CLASS.read_text(encoding="utf-8"))
    for sdk in spec["sdks"]:  # type: ignore[attr-defined]
        tree = SDK_TREES[sdk]
        chosen = rng.sample(base_methods, rng.randint(1, len(base_methods)))
        if sdk in LOCATION_SDKS:
            chosen += location
        cls = f"L{tree}/DeviceConfig;"
        body = f'.class public {cls}\n.super Ljava/lang/Object;\n.source "DeviceConfig.java"\n\n' + "\n".join(chosen)
        (src / tree).mkdir(parents=True, exist_ok=True)
        (src / tree / "DeviceConfig.smali").write_text(body, encoding="utf-8")
    manifest = (BASE_APP / "AndroidManifest.xml").read_text(encoding="utf-8")
    manifest = manifest.replace('package="com.example.flashlight"', f'package="{pkg}"')
    manifest = re.sub(r"\s*<uses-permission [^>]*/>", "", manifest)
    manifest = re.sub(r"\s*<provider .*?/>", "", manifest, flags=re.S)
    perms = "".join(f'\n    <uses-permission android:name="android.permission.{p}" />'
                    for p in ["INTERNET", *spec["permissions"]])  # type: ignore[misc]
    manifest = manifest.replace("/>\n    <application", "/>" + perms + "\n    <application", 1)
    if not spec["cleartext"]:
        manifest = manifest.replace(' android:usesCleartextTraffic="true"', "")
    (work / "AndroidManifest.xml").write_text(manifest, encoding="utf-8")
    res = work / "res" / "values"
    res.mkdir(parents=True)
    strings = (BASE_APP / "res/values/strings.xml").read_text(encoding="utf-8")
    strings = strings.replace("超亮手电筒", str(spec["label"]))
    strings = strings.replace("flashlight.example.com", f"app{n:03d}.example.com")
    (res / "strings.xml").write_text(strings, encoding="utf-8")
    _tool(["smali", "assemble", "--api", "21", "-o", str(work / "classes.dex"), str(src)])
    _tool(["aapt", "package", "-f", "-M", str(work / "AndroidManifest.xml"), "-S", str(work / "res"), "-I", FRAMEWORK,
           "-F", str(work / "unsigned.apk")])
    _tool(["aapt", "add", "unsigned.apk", "classes.dex"], cwd=work)
    _tool(["zipalign", "-p", "-f", "4", str(work / "unsigned.apk"), str(work / "aligned.apk")])
    out.parent.mkdir(parents=True, exist_ok=True)
    _tool(["apksigner", "sign", "--ks", str(ks), "--ks-pass", "pass:android", "--ks-key-alias", "bench",
           "--key-pass", "pass:android", "--out", str(work / "signed.apk"), str(work / "aligned.apk")])
    os.replace(work / "signed.apk", out)
    shutil.rmtree(work, ignore_errors=True)
    return out


def make_capture(i: int) -> tuple[Path, str, str | None]:
    """A sample HAR as app i saw it: its own domain, a random subset of flows, consent kept or not."""
    rng = random.Random(f"har-{i}")
    base = rng.choice(sorted(CAPTURES))
    domain, consent = CAPTURES[base]
    own = f"app{i:03d}.bench.example.cn"
    out = CACHE / "captures" / f"app{i:03d}.har"
    doc = json.loads(base.read_text(encoding="utf-8").replace(domain, own))
    keep_consent = rng.random() < 0.8
    entries = [e for e in doc["log"]["entries"]
               if (consent in e["request"]["url"] and keep_consent) or
               (consent not in e["request"]["url"] and rng.random() < 0.75)]
    doc["log"]["entries"] = entries
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return out, own, consent if keep_consent else None


def make_scope(i: int, package: str, own: str, consent: str | None) -> Path:
    rng = random.Random(f"scope-{i}")
    declared = rng.sample(["phone_number", "name", "id_document", "precise_location", "address", "device_id",
                           "face", "birth_date"], rng.randint(1, 6))
    sdks = rng.sample(["amap", "jpush", "umeng", "getui"], rng.randint(0, 3))
    doc: dict[str, object] = {
        "schema": "pi-auditor-scope/1",
        "app": {"name": f"基准应用{i:03d}", "package": package},
        "first_party": [own],
        "declared": [{"category": c, "purpose": "基本业务功能"} for c in declared],
        "sdks": [{"id": s, "purpose": "第三方服务"} for s in sdks],
    }
    if consent:
        doc["consent"] = {"url": consent}
    out = CACHE / "scopes" / f"app{i:03d}.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    return out


def build_campaign(apps: int, distinct: int) -> Path:
    CACHE.mkdir(parents=True, exist_ok=True)
    ks = keystore()
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        apks = list(pool.map(lambda n: build_apk(n, ks), range(distinct)))
    print(f"APKs: {distinct} distinct, built or taken from cache in {time.monotonic() - t0:.1f} s")
    lines = ["id,name,apk,traffic,scope"]
    for i in range(apps):
        n = i % distinct
        capture, own, consent = make_capture(i)
        scope = make_scope(i, str(apk_spec(n)["package"]), own, consent)
        lines.append(f"app{i:03d},基准应用{i:03d},{apks[n]},{capture},{scope}")
    manifest = CACHE / f"campaign-{apps}.csv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def measure(manifest: Path, label: str, engine: Engine, workers: int, ruleset: Ruleset) -> dict[str, object]:
    """One campaign from scratch through ``engine`` (``workers`` CPUs audit), then its resume and dashboard."""
    run_dir = CACHE / f"run-{label.replace(' ', '-')}"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    db = run_dir / "campaign.db"
    m = read_manifest(manifest)
    with Store(db) as store:
        t0, cpu0 = time.monotonic(), time.process_time()
        summary = run_batch(m, store, report_dir=run_dir / "out" / REPORTS_SUBDIR, ruleset=ruleset, engine=engine)
        seconds, driver_cpu = time.monotonic() - t0, time.process_time() - cpu0
        t0 = time.monotonic()
        resumed = run_batch(m, store, ruleset=ruleset, engine=engine)
        resume_seconds = time.monotonic() - t0
        t0 = time.monotonic()
        write_dashboard(store, m.campaign, run_dir / "out", ruleset, keys=[a.key for a in m.apps])
        dashboard_seconds = time.monotonic() - t0
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        audits = [store.load(a["id"]) for a in store.list_audits()]
    writes_per_s = writer_throughput(audits, run_dir / "writer.db")
    rss: dict[int, int] = {}
    for r in summary.results:
        rss[r.pid] = max(rss.get(r.pid, 0), r.peak_rss_kb)
    per_app = [r.seconds for r in summary.results]
    cpu = [r.cpu_seconds for r in summary.results]
    return {
        "label": label, "apps": summary.total, "done": len(summary.done), "failed": len(summary.failed),
        "seconds": seconds, "apps_per_min": 60 * len(summary.results) / seconds,
        "median_app_s": statistics.median(per_app), "median_cpu_s": statistics.median(cpu),
        "mean_cpu_s": statistics.fmean(cpu),
        "cpu_share": sum(cpu) / (seconds * workers), "store_share": summary.store_seconds / seconds,
        "driver_ms": 1000 * summary.store_seconds / len(summary.results),
        "driver_cpu_ms": 1000 * driver_cpu / len(summary.results),
        "p95_app_s": sorted(per_app)[int(0.95 * (len(per_app) - 1))],
        "peak_rss_mb": max(rss.values()) / 1024, "workers": len(rss),
        "nodes": len({r.node for r in summary.results if r.node}) or 1,
        "db_mb": sum(p.stat().st_size for p in run_dir.glob("campaign.db*")) / 1e6,
        "resume_s": resume_seconds, "resume_skipped": len(resumed.skipped), "dashboard_s": dashboard_seconds,
        "errors": summary.failed, "writes_per_s": writes_per_s,
    }


def measure_ray(manifest: Path, nodes: int, ruleset: Ruleset) -> dict[str, object]:
    """The campaign on a real Ray cluster of ``nodes`` one-CPU nodes on this machine (tests/ray_cluster.py).

    The benchmark joins the cluster itself and audits a few apps first (into a scratch database), so
    that the figure is the steady rate: each node's worker imports the analysis modules on its first
    app, a cost paid once per node per campaign, printed apart."""
    from ray_cluster import LocalCluster

    from auditor.batch.ray_engine import RayEngine, joined

    t0 = time.monotonic()
    with LocalCluster(nodes=nodes, cpus=1) as cluster:
        started = time.monotonic() - t0
        with joined(cluster.address, RayEngine()) as engine:
            m = read_manifest(manifest)
            warm = replace(m, apps=m.apps[:4 * nodes], campaign="warm-up")
            shutil.rmtree(CACHE / "run-warm", ignore_errors=True)
            with Store(CACHE / "run-warm" / "warm.db") as store:
                t0 = time.monotonic()
                run_batch(warm, store, ruleset=ruleset, engine=engine)
                warm_s = time.monotonic() - t0
            result = measure(manifest, f"ray {nodes} node{'s' if nodes > 1 else ''}", engine, nodes, ruleset)
    return {**result, "cluster_start_s": started, "warm_s": warm_s}


def writer_throughput(audits: list[Audit], db: Path) -> float:
    """Audits per second the single SQLite writer can store: the ceiling of any number of workers."""
    with Store(db) as store:
        t0 = time.monotonic()
        for a in audits:
            store.save(a)
        return len(audits) / (time.monotonic() - t0)


def frozen_ruleset() -> Ruleset:
    """A snapshot of the rules, so that edits made while the benchmark runs cannot change what it measures."""
    snapshot = CACHE / "rules-snapshot"
    shutil.rmtree(snapshot, ignore_errors=True)
    shutil.copytree(ROOT / "rules", snapshot / "rules")
    shutil.copytree(ROOT / "recognizers", snapshot / "recognizers")
    ruleset = Ruleset(snapshot / "rules", snapshot / "recognizers")
    ruleset.check()
    return ruleset


def warm_forkserver() -> float:
    """Start the workers' forkserver (it imports and warms auditor.batch.preload) and time it, so that
    both --jobs runs measure audits, not this one-time set-up."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["auditor.batch.preload"])
    t0 = time.monotonic()
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        pool.submit(os.getpid).result()
    return time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--apps", type=int, default=200)
    ap.add_argument("--distinct", type=int, default=40, help="distinct APKs to build (reused across apps)")
    ap.add_argument("--jobs", default="1,2", help="comma-separated --jobs values to measure (local engine)")
    ap.add_argument("--engine", choices=["local", "ray"], default="local",
                    help="ray: also measure the campaign on a Ray cluster of one and of two nodes here")
    ap.add_argument("--nodes", default="1,2", help="with --engine ray: comma-separated cluster sizes to measure")
    args = ap.parse_args()
    manifest = build_campaign(args.apps, args.distinct)
    ruleset = frozen_ruleset()
    print(f"forkserver start with warmed analysis modules (once per batch): {warm_forkserver():.1f} s")
    results = [measure(manifest, f"--jobs {j}", LocalEngine(int(j)), int(j), ruleset) for j in args.jobs.split(",")]
    if args.engine == "ray":
        sys.path.insert(0, str(ROOT / "tests"))
        results += [measure_ray(manifest, int(n), ruleset) for n in args.nodes.split(",")]
    for r in results:
        for key, error in sorted(r.pop("errors").items()):  # type: ignore[attr-defined]
            print(f"  {r['label']} failed {key}: {error}")
    print(f"machine: {os.cpu_count()} CPUs, load average at end {os.getloadavg()[0]:.1f}")
    for r in results:
        if "cluster_start_s" in r:
            print(f"{r['label']}: cluster up in {r['cluster_start_s']:.1f} s; first apps on cold workers "
                  f"(warm-up, not counted) {r['warm_s']:.1f} s")
        print(f"{r['label']}: {r['done']}/{r['apps']} apps audited ({r['failed']} failed) "
              f"in {r['seconds']:.1f} s = {r['apps_per_min']:.1f} apps/min; "
              f"per app median {r['median_app_s']:.2f} s wall, {r['median_cpu_s']:.2f} s CPU "
              f"(mean {r['mean_cpu_s']:.3f}), p95 {r['p95_app_s']:.2f} s; "
              f"workers got {r['cpu_share']:.0%} of their CPUs; {r['workers']} workers on {r['nodes']} node(s); "
              f"peak RSS per worker {r['peak_rss_mb']:.0f} MB; db {r['db_mb']:.1f} MB; "
              f"resume (all {r['resume_skipped']} skipped) {r['resume_s']:.1f} s; dashboard {r['dashboard_s']:.2f} s")
        print(f"  driver: stores {1000 / r['driver_ms']:.0f} apps/s ({r['driver_ms']:.1f} ms per app incl. reports "
              f"that came back to write, {r['store_share']:.0%} of the run); all its work (hashing inputs, "
              f"handing out tasks, receiving and storing) {r['driver_cpu_ms']:.1f} ms CPU per app = at most "
              f"{60000 / r['driver_cpu_ms']:.0f} apps/min on one core; SQLite writer alone {r['writes_per_s']:.0f} "
              f"audits/s")
    base = results[0]["apps_per_min"]
    for r in results[1:]:
        print(f"speed-up {r['label']} vs {results[0]['label']}: {r['apps_per_min'] / base:.2f}x")  # type: ignore[operator]


if __name__ == "__main__":
    main()
