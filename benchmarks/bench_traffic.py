"""Traffic benchmark: offline audit speed on a ~100 MB capture, and the live addon's added latency.

Run: .venv/bin/python benchmarks/bench_traffic.py [--flows 6000] [--requests 300 | 0] [--repeat 3]

1. Builds a realistic mitmproxy flow file (cached in benchmarks/.cache/): thousands of flows mixing
   JSON APIs with PI, form posts, gzip'd analytics batches, JPEG uploads, HTML pages and static
   images, and audits it offline in a child process: prints flows/s, MB/s and peak RSS.
2. Starts a local HTTP server and two mitmdump instances on loopback, one plain and one with the
   pi-auditor addon, sends the same requests through each in turn and prints the median round trip
   of both and the difference (the addon's added latency).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def rid(rng: random.Random) -> str:
    first = f"{rng.choice(['110105', '310104', '340104', '440305', '510107'])}{rng.randint(1960, 2005)}" \
            f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    return first + "10X98765432"[sum(int(d) * w for d, w in zip(first, WEIGHTS, strict=True)) % 11]


def make_capture(path: Path, n: int, seed: int = 7) -> None:
    from mitmproxy import io
    from mitmproxy.test import tflow

    rng = random.Random(seed)
    jpeg = b"\xff\xd8\xff\xe0" + rng.randbytes(60_000) + b"\xff\xd9"
    hosts = ["api.example.gov.cn", "ulogs.umeng.com", "restapi.amap.com", "cdn.example.gov.cn", "api.jpush.cn"]
    t0 = 1_795_000_000.0
    with path.open("wb") as fh:
        w = io.FlowWriter(fh)
        for i in range(n):
            f = tflow.tflow(resp=True)
            kind = i % 10
            host = hosts[kind % len(hosts)]
            f.request.host = host
            f.request.scheme = "https"
            f.request.port = 443
            f.request.timestamp_start = t0 + i * 0.2
            f.request.headers["content-type"] = "application/json"
            phone = f"1{rng.choice('3589')}{rng.randint(100000000, 999999999)}"
            if kind in (0, 1, 2):
                f.request.method = "POST"
                f.request.path = "/api/user/update"
                f.request.content = json.dumps({
                    "data": {"xm": "张伟", "sfzh": rid(rng), "lxdh": phone, "jtdz": "北京市朝阳区建国路88号",
                             "orderId": str(rng.randint(10**17, 10**18 - 1)), "ts": int((t0 + i) * 1000),
                             "items": [{"sku": rng.randint(1000, 9999), "price": 19.9} for _ in range(20)]},
                    "traceId": os.urandom(16).hex()}, ensure_ascii=False).encode()
                f.response.content = json.dumps({"code": 0, "msg": "成功", "data": {"id": i}},
                                                ensure_ascii=False).encode()
            elif kind == 3:
                f.request.method = "POST"
                f.request.path = "/unify_logs"
                f.request.headers["content-encoding"] = "gzip"
                batch = [{"imei": "864512030617459", "oaid": os.urandom(16).hex(), "event": "page_view",
                          "page": f"/p/{j}", "ts": int(t0 * 1000) + j} for j in range(200)]
                f.request.raw_content = gzip.compress(json.dumps(batch).encode())
            elif kind == 4:
                f.request.method = "GET"
                f.request.path = (f"/v3/geocode/regeo?location={116 + rng.random():.6f},{39 + rng.random():.6f}"
                                  "&key=8d1c2e&extensions=base")
                f.response.content = json.dumps({"status": "1", "regeocode": {
                    "formatted_address": "北京市朝阳区建国路88号"}}, ensure_ascii=False).encode()
            elif kind == 5:
                f.request.method = "POST"
                f.request.path = "/api/realname/face"
                f.request.headers["content-type"] = "multipart/form-data; boundary=BB"
                f.request.content = (b"--BB\r\nContent-Disposition: form-data; name=\"faceImage\"; "
                                     b"filename=\"f.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" + jpeg +
                                     b"\r\n--BB--\r\n")
            elif kind == 6:
                f.request.method = "POST"
                f.request.path = "/api/login"
                f.request.headers["content-type"] = "application/x-www-form-urlencoded"
                f.request.content = f"mobile={phone}&code=123456&deviceId={os.urandom(8).hex()}".encode()
            elif kind == 7:
                f.request.method = "GET"
                f.request.path = f"/static/img/{i}.jpg"
                f.response.headers["content-type"] = "image/jpeg"
                f.response.content = jpeg
            elif kind == 8:
                f.request.method = "GET"
                f.request.path = "/news/list.html"
                f.response.headers["content-type"] = "text/html; charset=utf-8"
                f.response.content = ("<html><body>" + "<p>政务服务新闻：本市推进一网通办，办事更便捷。</p>" * 400
                                      + "</body></html>").encode()
            else:
                f.request.method = "POST"
                f.request.path = "/api/track"
                f.request.content = json.dumps({"points": [{"la": 39.9 + j * 1e-4, "lo": 116.4 + j * 1e-4,
                                                            "t": int(t0) + j} for j in range(50)]}).encode()
            w.add(f)


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the scan workers): comparable between two
    versions on a shared machine, where wall time is not."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def offline(path: Path) -> dict:
    """Audit the capture in this process; called in a child so peak RSS is the audit's own.

    Three figures, because the first is paid once per run whatever the capture: start-up (importing
    the auditor, loading jieba's tables and the LAC model), the audit itself (read, scan, judge), and storing
    the result in SQLite as `auditor audit --db` does.
    """
    t0 = time.perf_counter()
    from auditor.pii import get_scanner
    from auditor.pipeline import AuditInputs, run_audit
    from auditor.store import Store

    scanner = get_scanner()
    _ = scanner.analyzer
    scanner.scan_text("收货人张伟，电话13912345678")
    t1, c1 = time.perf_counter(), cpu_seconds()
    audit = run_audit(AuditInputs(traffic=[path]))
    t2, c2 = time.perf_counter(), cpu_seconds()
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        store.save(audit)
        t3 = time.perf_counter()
    return {"startup": t1 - t0, "audit": t2 - t1, "audit_cpu": c2 - c1, "store": t3 - t2,
            "flows": audit.app.get("flow_count", 0),
            "observations": len(audit.observations), "findings": len(audit.findings),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "peak_rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


class Echo(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        n = int(self.headers.get("Content-Length", 0))
        self.rfile.read(n)
        body = json.dumps({"code": 0, "data": {"sfzh": "340104199003071235", "xm": "张伟"}},
                          ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_mitmdump(port: int, confdir: Path, addon: bool, db: Path) -> subprocess.Popen:
    args = [sys.executable, "-c", "from mitmproxy.tools.main import mitmdump; mitmdump()", "-q",
            "--listen-host", "127.0.0.1", "--listen-port", str(port), "--set", f"confdir={confdir}"]
    if addon:
        args += ["-s", str(ROOT / "auditor/traffic/mitm_addon.py"), "--set", f"pi_db={db}"]
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return p
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("mitmdump did not start")


def latency(requests: int) -> dict:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/api/user/update"
    payload = json.dumps({"data": {"xm": "张伟", "sfzh": "340104199003071235", "lxdh": "13912345678",
                                   "la": 31.82, "lo": 117.22}}, ensure_ascii=False).encode()
    with tempfile.TemporaryDirectory() as tmp:
        plain_port, addon_port = free_port(), free_port()
        plain = start_mitmdump(plain_port, Path(tmp) / "c1", False, Path(tmp) / "x.db")
        withaddon = start_mitmdump(addon_port, Path(tmp) / "c2", True, Path(tmp) / "live.db")
        times: dict[str, list[float]] = {"plain": [], "addon": []}
        try:
            openers = {
                name: urllib.request.build_opener(urllib.request.ProxyHandler({"http": f"http://127.0.0.1:{p}"}))
                for name, p in (("plain", plain_port), ("addon", addon_port))
            }
            for i in range(requests + 20):  # the first 20 warm up
                for name in ("plain", "addon") if i % 2 else ("addon", "plain"):
                    req = urllib.request.Request(url, data=payload, headers={"Content-Type": "application/json"})
                    t = time.perf_counter()
                    with openers[name].open(req, timeout=30) as r:
                        r.read()
                    if i >= 20:
                        times[name].append((time.perf_counter() - t) * 1000)
        finally:
            for p in (plain, withaddon):
                p.terminate()
                p.wait(timeout=60)
            srv.shutdown()
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"median_ms_plain": med["plain"], "median_ms_addon": med["addon"],
            "added_ms": med["addon"] - med["plain"], "requests": requests}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--flows", type=int, default=6000)
    ap.add_argument("--requests", type=int, default=300, help="live-addon requests; 0 skips the live test")
    ap.add_argument("--repeat", type=int, default=3,
                    help="offline runs (this machine's speed drifts by a third between runs: best and median)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(offline(Path(a.child))))
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    cap = CACHE / f"capture-{a.flows}.mitm"
    if not cap.exists():
        print(f"building {cap} ...", flush=True)
        make_capture(cap, a.flows)
    size_mb = cap.stat().st_size / 1e6
    runs = []
    for _ in range(a.repeat):  # each run in a fresh process: peak RSS and start-up are a run's own
        out = subprocess.run([sys.executable, __file__, "--child", str(cap)], capture_output=True, text=True,
                             check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    r = min(runs, key=lambda x: x["audit"])
    n = r["flows"]
    print(f"offline: {n} flows, {size_mb:.1f} MB; {r['observations']} observations, {r['findings']} findings; "
          f"{a.repeat} run(s), load average {os.getloadavg()[0]:.1f}")
    audits = sorted(x["audit"] for x in runs)
    print(f"  audit (read, scan, judge): best {audits[0]:.2f} s -> {n / audits[0]:.0f} flows/s, "
          f"{size_mb / audits[0]:.1f} MB/s; median {statistics.median(audits):.2f} s -> "
          f"{n / statistics.median(audits):.0f} flows/s (all: {', '.join(f'{t:.2f}' for t in audits)})")
    cpus = sorted(x["audit_cpu"] for x in runs)
    print(f"  audit CPU (this process and the scan workers): best {cpus[0]:.2f} s, "
          f"median {statistics.median(cpus):.2f} s")
    whole = sorted(x["startup"] + x["audit"] + x["store"] for x in runs)
    print(f"  with start-up (best {min(x['startup'] for x in runs):.2f} s) and SQLite store "
          f"(best {min(x['store'] for x in runs):.2f} s): best {whole[0]:.2f} s -> {n / whole[0]:.0f} flows/s, "
          f"{size_mb / whole[0]:.1f} MB/s; median {statistics.median(whole):.2f} s")
    print(f"  peak RSS {max(x['peak_rss_mb'] for x in runs):.0f} MB "
          f"(largest scan worker {max(x['peak_rss_worker_mb'] for x in runs):.0f} MB)")
    if a.requests == 0:
        return
    lat = latency(a.requests)
    print(f"live: median round trip {lat['median_ms_plain']:.2f} ms plain vs {lat['median_ms_addon']:.2f} ms "
          f"with addon over {lat['requests']} requests -> added {lat['added_ms']:.2f} ms")


if __name__ == "__main__":
    main()
