"""APK analysis cost against androguard's bare AnalyzeAPK on the same file, in the same run.

    .venv/bin/python benchmarks/bench_apk.py [--classes 50000] [--fetch] [--apk FILE ...] [--repeat 1]
                                             [--baseline CHECKOUT]

Measures, each in a fresh subprocess so peak RSS is per run: androguard's ``AnalyzeAPK`` (the
yardstick), ``auditor.apk.analyze_apk``, and with --baseline the ``analyze_apk`` of another checkout
of the project (e.g. /work/main: before a change, in the same run), on
- a generated APK with --classes classes (smali written here, assembled into several dex files with
  Debian's smali, built once into samples/apk/build/bench/ and reused), where 1 class in 100 reads PI
  and a third of the classes sit in SDK packages;
- the largest real APKs given with --apk, or with --fetch the Yosemite.apk that NetEase ships inside
  the airtest sdist on PyPI (downloaded once with pip into the same cache);
- a --big-mb (300) MB APK: the compliant notes sample plus an incompressible asset, for memory.
Targets (issue 21): ours <= 0.25x bare CPU time and peak RSS <= 0.5x bare on the real APKs and the
generated one. The ratio is taken on CPU seconds of the measured process, which other work on a shared
machine disturbs far less than wall time (both are printed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "samples" / "apk" / "build" / "bench"
FRAMEWORK = "/usr/share/android-framework-res/framework-res.apk"
CLASSES_PER_DEX = 12_000  # 3 methods per class keeps each dex under the 65,536 method-reference limit
GENERATOR_VERSION = "2"
PACKAGES = ["com/example/big/feature{}", "com/umeng/analytics/pro{}", "com/bytedance/sdk/openadsdk/core/c{}"]
PI_CALLS = [
    (
        'const-string v1, "phone"\n    invoke-virtual {p1, v1}, Landroid/content/Context;->getSystemService'
        "(Ljava/lang/String;)Ljava/lang/Object;\n    move-result-object v1\n    check-cast v1, "
        "Landroid/telephony/TelephonyManager;\n    invoke-virtual {v1}, Landroid/telephony/TelephonyManager;"
        "->getDeviceId()Ljava/lang/String;"
    ),
    (
        "invoke-virtual {p1}, Landroid/content/Context;->getContentResolver()Landroid/content/ContentResolver;\n"
        '    move-result-object v1\n    const-string v2, "android_id"\n    invoke-static {v1, v2}, '
        "Landroid/provider/Settings$Secure;->getString(Landroid/content/ContentResolver;Ljava/lang/String;)"
        "Ljava/lang/String;"
    ),
    (
        "invoke-virtual {p1}, Landroid/content/Context;->getPackageManager()Landroid/content/pm/PackageManager;\n"
        "    move-result-object v1\n    const/4 v2, 0x0\n    invoke-virtual {v1, v2}, "
        "Landroid/content/pm/PackageManager;->getInstalledPackages(I)Ljava/util/List;"
    ),
    "sget-object v1, Landroid/os/Build;->SERIAL:Ljava/lang/String;",
]

WORKER = """
import json, resource, sys, time
from pathlib import Path
mode, path = sys.argv[1], sys.argv[2]
if len(sys.argv) > 3:
    sys.path.insert(0, sys.argv[3])  # another checkout's auditor package comes first
t, c = time.perf_counter(), time.process_time()
if mode == "bare":
    from loguru import logger
    logger.disable("androguard")  # same quiet logging as ours, or the comparison measures stderr
    from androguard.misc import AnalyzeAPK
    _a, _d, dx = AnalyzeAPK(path)
    n = len(dx.classes)
else:
    from auditor.apk import analyze_apk
    r = analyze_apk(Path(path), salt="bench")
    n = len(r.observations)
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "n": n}))
"""


def smali_class(i: int, n: int) -> tuple[str, str]:
    pkg = PACKAGES[i % 3].format(i % 97)
    name = f"L{pkg}/C{i};"
    callee = f"L{PACKAGES[(i + 1) % 3].format((i + 1) % 97)}/C{(i + 1) % n};"
    pi = PI_CALLS[(i // 100) % len(PI_CALLS)] if i % 100 == 0 else "const/4 v1, 0x0"
    body = f""".class public {name}
.super Ljava/lang/Object;

.field private value:I

.method public constructor <init>()V
    .registers 1
    invoke-direct {{p0}}, Ljava/lang/Object;-><init>()V
    return-void
.end method

.method public run(Landroid/content/Context;)Ljava/lang/String;
    .registers 4
    const-string v0, "event_{i % 5000}"
    {pi}
    invoke-static {{p1}}, {callee}->helper(Landroid/content/Context;)I
    return-object v0
.end method

.method public static helper(Landroid/content/Context;)I
    .registers 2
    const/16 v0, {i % 30000}
    return v0
.end method
"""
    return f"{pkg}/C{i}.smali", body


def build_generated(n: int) -> Path:
    out = CACHE / f"generated-{n}.apk"
    stamp = out.with_suffix(".stamp")
    if out.exists() and stamp.exists() and stamp.read_text() == GENERATOR_VERSION:
        return out
    for tool in ("smali", "aapt", "zipalign", "apksigner", "keytool"):
        if shutil.which(tool) is None:
            sys.exit(f"bench_apk: missing {tool}; run scripts/setup.sh as root")
    CACHE.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        work = Path(tmp)
        groups = [range(s, min(s + CLASSES_PER_DEX, n)) for s in range(0, n, CLASSES_PER_DEX)]
        for g, idx in enumerate(groups):
            for i in idx:
                rel, body = smali_class(i, n)
                f = work / f"smali{g}" / rel
                f.parent.mkdir(parents=True, exist_ok=True)
                f.write_text(body)
        dex_names = ["classes.dex" if g == 0 else f"classes{g + 1}.dex" for g in range(len(groups))]

        def assemble(g: int) -> None:
            subprocess.run(
                [
                    "smali",
                    "assemble",
                    "--api",
                    "21",
                    "-j",
                    "1",
                    "-o",
                    str(work / dex_names[g]),
                    str(work / f"smali{g}"),
                ],
                check=True,
            )

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(assemble, range(len(groups))))
        (work / "AndroidManifest.xml").write_text(
            '<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="com.example.big">'
            '<uses-sdk android:minSdkVersion="21" android:targetSdkVersion="30"/>'
            '<uses-permission android:name="android.permission.READ_PHONE_STATE"/>'
            '<application android:label="Big"/></manifest>'
        )
        subprocess.run(
            [
                "aapt",
                "package",
                "-f",
                "-M",
                str(work / "AndroidManifest.xml"),
                "-I",
                FRAMEWORK,
                "-F",
                str(work / "unsigned.apk"),
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(["aapt", "add", "unsigned.apk", *dex_names], cwd=work, check=True, capture_output=True)
        subprocess.run(["zipalign", "-p", "-f", "4", str(work / "unsigned.apk"), str(work / "aligned.apk")], check=True)
        ks = work / "bench.keystore"
        subprocess.run(
            [
                "keytool",
                "-genkeypair",
                "-keystore",
                str(ks),
                "-storepass",
                "android",
                "-keypass",
                "android",
                "-alias",
                "b",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "1000",
                "-dname",
                "CN=bench",
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                "apksigner",
                "sign",
                "--ks",
                str(ks),
                "--ks-pass",
                "pass:android",
                "--out",
                str(out),
                str(work / "aligned.apk"),
            ],
            check=True,
        )
    stamp.write_text(GENERATOR_VERSION)
    print(f"built {out.name} ({out.stat().st_size >> 20} MB) in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return out


def build_big(mb: int) -> Path:
    """The notes sample plus an incompressible asset of ``mb`` MB (a game's data pack)."""
    out = CACHE / f"big-{mb}mb.apk"
    if out.exists():
        return out
    notes = ROOT / "samples" / "apk" / "build" / "notes.apk"
    if not notes.exists():
        subprocess.run(["bash", str(ROOT / "samples" / "apk" / "build.sh"), "notes"], check=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    shutil.copy(notes, tmp)
    block = os.urandom(1 << 20)
    with zipfile.ZipFile(tmp, "a", zipfile.ZIP_STORED) as zf, zf.open("assets/game.pak", "w", force_zip64=True) as f:
        for _ in range(mb):
            f.write(block)
    tmp.rename(out)
    return out


def fetch_real() -> Path:
    """Yosemite.apk (NetEase) from the airtest sdist, downloaded once with pip."""
    target = CACHE / "real" / "Yosemite.apk"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-q",
                "-d",
                tmp,
                "airtest==1.4.3",
            ],
            check=True,
        )
        [sdist] = Path(tmp).glob("airtest-*.tar.gz")
        with tarfile.open(sdist) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith("/Yosemite.apk"))
            with tar.extractfile(member) as src, target.open("wb") as dst:  # type: ignore[union-attr]
                shutil.copyfileobj(src, dst)
    return target


def measure(mode: str, apk: Path, checkout: Path | None = None) -> dict[str, float]:
    extra = [str(checkout)] if checkout else []
    out = subprocess.run(
        [sys.executable, "-c", WORKER, mode, str(apk), *extra],
        cwd=checkout or ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--classes", type=int, default=50_000)
    ap.add_argument("--apk", type=Path, action="append", default=[], help="a real APK to measure")
    ap.add_argument("--fetch", action="store_true", help="download Yosemite.apk (airtest sdist) with pip")
    ap.add_argument("--repeat", type=int, default=1, help="runs per mode; the fastest counts")
    ap.add_argument("--big-mb", type=int, default=300, help="size of the large-file case (0: skip)")
    ap.add_argument("--baseline", type=Path, help="another checkout whose analyze_apk is measured too (before)")
    args = ap.parse_args()
    apks = list(args.apk)
    if args.fetch:
        apks.append(fetch_real())
    apks.append(build_generated(args.classes))
    if args.big_mb:
        apks.append(build_big(args.big_mb))
    before = " | before wall / CPU, RSS" if args.baseline else ""
    print(
        f"| APK | size | bare AnalyzeAPK wall / CPU | analyze_apk wall / CPU | ratio (CPU) "
        f"| peak RSS bare / ours (ratio) | observations{before} |"
    )
    print("|---|---|---|---|---|---|---|" + ("---|" if args.baseline else ""))
    modes = ["bare", "ours"] + (["before"] if args.baseline else [])
    for apk in apks:
        runs: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
        for _ in range(args.repeat):  # interleaved, so a burst of load on the machine hits all
            for mode in modes:
                checkout = args.baseline if mode == "before" else None
                runs[mode].append(measure("ours" if mode == "before" else mode, apk, checkout))
        best = {m: min(runs[m], key=lambda r: r["cpu"]) for m in modes}
        bare, ours = best["bare"], best["ours"]
        row = (
            f"| {apk.name} ({bare['n']} classes) | {apk.stat().st_size / 2**20:.1f} MB "
            f"| {bare['seconds']:.1f} / {bare['cpu']:.1f} s | {ours['seconds']:.1f} / {ours['cpu']:.1f} s "
            f"| {ours['cpu'] / bare['cpu']:.2f}x | {bare['rss_mb']:.0f} / {ours['rss_mb']:.0f} MB "
            f"({ours['rss_mb'] / bare['rss_mb']:.2f}x) | {ours['n']} |"
        )
        if args.baseline:
            b = best["before"]
            row += f" {b['seconds']:.1f} / {b['cpu']:.1f} s, {b['rss_mb']:.0f} MB ({b['n']} obs) |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
