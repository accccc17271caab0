"""Time analyze_miniprogram on a generated mini-program of 2,000 source files (~20 MB of JS).

    .venv/bin/python benchmarks/bench_miniprogram.py [--files 2000] [--kb 10] [--runs 3] [--bundle-mb 50]

Two trees are generated: a realistic one where a quarter of the JS files call a privacy API (the
rest are business logic that never names one, as in real projects) and a worst case where every file
does, so every file must be parsed. Each JS file is ~10 KB of page/component code; a WXML file
accompanies every other page. Prints seconds and files/s for each, best of ``--runs``, with the CPU
seconds of all processes (wall time on a shared machine depends on its load); then the time for one
50 MB minified bundle, which the parse limit of rules/miniprogram_apis.yaml (limits.max_parse_bytes) refuses.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.miniprogram import analyze_miniprogram

PRIVACY_CALLS = [
    "wx.getLocation({ type: 'gcj02', success: (r) => this.setData({ lat: r.latitude }) })",
    "wx.chooseMedia({ count: 9, mediaType: ['image'], success: (r) => this.upload(r.tempFiles) })",
    "const w = wx; w.getClipboardData({ success: (r) => this.parse(r.data) })",
    "wx['chooseAddress']({ success: (r) => this.setData({ address: r }) })",
]

BLOCK = """
  handle{i}(event) {{
    const items = (this.data.list || []).filter((x) => x.status === {i} % 5)
    const total = items.reduce((sum, x) => sum + Number(x.amount || 0), 0)
    if (total > {i}) {{
      this.setData({{ ['summary.k{i}']: total, loading: false, message: '办件进度已更新 {i}' }})
    }} else {{
      wx.request({{ url: BASE + '/api/items/{i}', method: 'GET', data: {{ page: {i}, size: 20 }},
        success: (res) => this.setData({{ list: res.data.items }}) }})
    }}
    return items.map((x) => ({{ id: x.id, title: `${{x.title}} #{i}`, tags: x.tags.slice(0, 3) }}))
  }},
"""


def js_file(n: int, kb: int, privacy: bool, rng: random.Random) -> str:
    parts = ["const BASE = 'https://gov.example.cn'\n", "Page({\n  data: { list: [], loading: true },\n"]
    i = 0
    while sum(len(p) for p in parts) < kb * 1024:
        parts.append(BLOCK.format(i=n * 1000 + i))
        i += 1
    if privacy:
        parts.insert(len(parts) // 2, f"  onPrivacy{n}() {{ {rng.choice(PRIVACY_CALLS)} }},\n")
    parts.append("})\n")
    return "".join(parts)


def generate(root: Path, files: int, kb: int, ratio: float) -> int:
    rng = random.Random(1)
    pages = [f"pages/p{n // 50}/page{n}" for n in range(files)]
    (root / "app.json").write_text(json.dumps({"pages": pages[: files // 2]}), encoding="utf-8")
    total = 0
    for n, page in enumerate(pages):
        p = root / f"{page}.js"
        p.parent.mkdir(parents=True, exist_ok=True)
        text = js_file(n, kb, rng.random() < ratio, rng)
        p.write_text(text, encoding="utf-8")
        total += len(text.encode())
        if n % 2 == 0:
            (root / f"{page}.wxml").write_text(f"<view>{n}</view><button open-type='getPhoneNumber'/>", "utf-8")
    return total


def bundle(root: Path, mb: int) -> None:
    """A mini-program whose vendor bundle is one minified line of ``mb`` megabytes."""
    unit = "function f(a){var o={x:1,y:[1,2,3]};if(a){wx.getLocation({type:'gcj02'})}return o.x+a*2}"
    (root / "app.json").write_text(json.dumps({"pages": ["pages/index/index"]}), encoding="utf-8")
    (root / "common").mkdir()
    (root / "common" / "vendor.js").write_text(unit * (mb * 1_000_000 // len(unit)), encoding="utf-8")


def cpu_seconds() -> float:
    """User+system time of this process and its finished children (the pool workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--kb", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bundle-mb", type=int, default=50, help="size of the minified-bundle case; 0 skips it")
    args = ap.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {load}")
    for label, ratio in (("realistic (25% of files call a privacy API)", 0.25), ("worst case (every file)", 1.0)):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            size = generate(root, args.files, args.kb, ratio)
            best, best_cpu = float("inf"), float("inf")
            for _ in range(args.runs):
                cpu0 = cpu_seconds()
                start = time.perf_counter()
                result = analyze_miniprogram(root, salt="bench")
                best = min(best, time.perf_counter() - start)
                best_cpu = min(best_cpu, cpu_seconds() - cpu0)
            files = result.app["files_scanned"]
            print(
                f"{label}: {files} files ({args.files} JS, {size / 1e6:.1f} MB JS), "
                f"{len(result.observations)} observations: {best:.2f} s, {files / best:.0f} files/s, "
                f"{size / 1e6 / best:.1f} MB/s; CPU {best_cpu:.2f} s (all processes)"
            )

    if args.bundle_mb:
        with tempfile.TemporaryDirectory() as tmp:
            bundle(Path(tmp), args.bundle_mb)
            start = time.perf_counter()
            result = analyze_miniprogram(Path(tmp), salt="bench")
            took = time.perf_counter() - start
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{args.bundle_mb} MB minified bundle: {took:.2f} s, peak RSS {rss:.0f} MB, "
                  f"{len(result.observations)} observations, warnings: {result.warnings}")


if __name__ == "__main__":
    main()
