"""Policy reading quality on real published policies and on the labelled set, and its cost.

    .venv/bin/python benchmarks/bench_policy.py [--dir tests/data/policies] [--huge-mb 30]

First the real-world figures: the shared scorer (../shared/realworld/policies, when present) on the
auditor and on its keyword baseline, side by side (targets: categories P and R >= 0.95, negations
>= 0.9, SDK ids P >= 0.95 and R >= 0.90, each above the baseline), with the CPU time of reading
each real policy (target < 2 s). Then, on the project's own labelled set:
Prints per-category precision and recall of `declared` (declared or conditional) and `negated`,
the overall figures (targets: declared P >= 0.95, R >= 0.9; negated P >= 0.95, R >= 0.9), the same
for each held-out batch (truth `split: holdout` / `holdout2`), conditional and separate-consent figures,
the SDK-list exact-match rate (target >= 90% of policies), every remaining error, the mean reading
time per policy, and the time and peak memory of one generated HTML page of --huge-mb MB.
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.policy import read_policy  # noqa: E402
from auditor.policy.evaluate import Scores, Tally, labelled_cases, score  # noqa: E402

TARGETS = {"declared": (0.95, 0.90), "negated": (0.95, 0.90)}
REALWORLD = ROOT.parent / "shared" / "realworld" / "policies"
REAL_TARGETS = {"categories": (0.95, 0.95), "negations": (0.9, 0.9), "SDKs": (0.95, 0.90)}
_SUMMARY = re.compile(r"(categories|negations|SDKs) P=\s*(\S+) R=\s*(\S+)")


def real_world() -> None:
    """The shared scorer's summary for the auditor and the baseline, and CPU time per real policy."""
    if not REALWORLD.is_dir():
        print(f"== real-world policies: {REALWORLD} not present, skipped")
        return
    auditor = str(Path(sys.executable).with_name("auditor"))
    lines = {}
    for label, tool in (("auditor", auditor), ("baseline", "--baseline")):
        with tempfile.TemporaryDirectory() as d:
            out = subprocess.run(
                ["bash", str(REALWORLD / "run_all.sh"), tool, d],
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                check=False,
            )
        lines[label] = (out.stdout.strip().splitlines() or ["(no output)"])[-1]
        if out.stderr.strip():
            print(f"  {label} stderr: {out.stderr.strip()[:300]}")
    print(f"== real-world policies ({REALWORLD})")
    for line in lines.values():
        print(f"  {line}")
    ours = {k: (p, r) for k, p, r in _SUMMARY.findall(lines["auditor"])}
    base = {k: (p, r) for k, p, r in _SUMMARY.findall(lines["baseline"])}
    for kind, (tp, tr) in REAL_TARGETS.items():
        p, r = (float(x) if x != "-" else 0.0 for x in ours.get(kind, ("0", "0")))
        bp, br = (float(x) if x != "-" else 0.0 for x in base.get(kind, ("0", "0")))
        ok = p >= tp and r >= tr and p >= bp and r >= br
        print(f"  {kind:10} P {p:.2f} R {r:.2f} (baseline P {bp:.2f} R {br:.2f}){'  ok' if ok else '  BELOW TARGET'}")
    times = []
    for f in sorted(REALWORLD.glob("cases/*")):
        if f.name.endswith((".truth.json", ".checklist.json", ".ORIGIN.txt")):
            continue
        t = time.process_time()
        read_policy(f)
        times.append((time.process_time() - t, f.name))
    worst = max(times)
    print(
        f"  CPU per real policy: mean {sum(t for t, _ in times) / len(times):.2f} s, worst {worst[0]:.2f} s "
        f"({worst[1]}){'  ok' if worst[0] < 2 else '  BELOW TARGET'}"
    )


def fmt(t: Tally) -> str:
    return f"P {t.precision:.3f}  R {t.recall:.3f}  (tp {t.tp}, fp {t.fp}, fn {t.fn})"


def print_scores(title: str, sc: Scores) -> None:
    print(f"\n== {title}: {sc.policies} policies")
    for status in ("declared", "negated", "conditional", "separate"):
        t = sc.overall.get(status, Tally())
        target = TARGETS.get(status)
        mark = ""
        if target:
            mark = "  ok" if t.precision >= target[0] and t.recall >= target[1] else "  BELOW TARGET"
        print(f"{status:12} {fmt(t)}{mark}")
    print(
        f"SDK list exact: {sc.sdk_exact}/{sc.policies} = {sc.sdk_exact_rate:.1%}"
        f"{'  ok' if sc.sdk_exact_rate >= 0.9 else '  BELOW TARGET'}; "
        f"with the PI each SDK collects also exact: {sc.sdk_categories_exact}/{sc.policies}"
    )


def print_per_category(sc: Scores) -> None:
    print("\n== per category (declared | negated)")
    for cat in sorted(sc.by_category):
        row = sc.by_category[cat]
        cells = []
        for status in ("declared", "negated"):
            t = row.get(status)
            cells.append(f"{status[:3]} P {t.precision:.2f} R {t.recall:.2f} n={t.tp + t.fn:<3}" if t else " " * 26)
        print(f"{cat:18} " + "   ".join(cells))


def huge_html(mb: int) -> str:
    """Read a generated page of `mb` MB in a child process, so its peak RSS is its own."""
    code = f"""
import resource, sys, time
from pathlib import Path
sys.path.insert(0, {str(ROOT)!r})
from auditor.policy import read_policy
t = time.perf_counter()
r = read_policy(Path(sys.argv[1]))
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{time.perf_counter() - t:.1f}} s, peak RSS {{rss:.0f}} MB, "
      f"{{len(r.text)}} characters analysed, {{len(r.declarations)}} declarations")
"""
    para = "<p>当您使用叫车服务时，我们会收集您的精确位置信息和手机号码。我们不会收集您的通讯录。</p>\n".encode()
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "huge.html"
        p.write_bytes(b"<html><body>" + para * (mb * 1024 * 1024 // len(para)) + b"</body></html>")
        out = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=ROOT / "tests" / "data" / "policies")
    ap.add_argument("--huge-mb", type=int, default=30)
    args = ap.parse_args()

    real_world()
    cases = labelled_cases(args.dir)
    sc = score(cases)
    print_scores("all labelled policies", sc)
    for split in sorted({c.truth["split"] for c in cases if c.truth.get("split")}):
        held = [c for c in cases if c.truth.get("split") == split]
        print_scores(f"split {split} (labelled before the reader was first run on them)", score(held))
    print_per_category(sc)
    print("\n== remaining errors")
    for e in sc.errors or ["none"]:
        print(" ", e)

    t = time.perf_counter()
    for c in cases:
        read_policy(c.path)
    per = (time.perf_counter() - t) / len(cases)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n== cost: {per * 1000:.0f} ms per policy (mean of {len(cases)}), this process peak RSS {rss:.0f} MB")
    if args.huge_mb:
        print(f"{args.huge_mb} MB HTML page: {huge_html(args.huge_mb)}")


if __name__ == "__main__":
    main()
