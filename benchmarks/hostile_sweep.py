"""Hostile sweep: build hostile inputs at run time, run every command on them, report what broke.

    .venv/bin/python benchmarks/hostile_sweep.py [--only NAME-SUBSTRING] [--timeout S] [--keep DIR]

For each case it prints one line: exit code, seconds, peak RSS of the run (the command and every
process it waited for), and the problems found. A problem is any of:
  crash      exit code 3 or above, or killed by a signal (SIGSEGV: a native crash)
  hang       still running after --timeout seconds (then killed)
  rss        peak RSS above 2 GiB on an input under 10 MB
  raw-pi     a planted phone number, ID number or e-mail in stdout, stderr or any file written
  lost       an input with one bad record whose good records were not all audited and stored
  foreign    a file that is not the command's output changed (another program's database, a link target)
  traceback  a Python traceback on stderr
The last line sums them up; the exit code is 1 when any problem was found. Nothing is downloaded:
inputs are built from the project's samples or from scratch (tests/hostile_inputs.py).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hostile_inputs import (  # noqa: E402
    EMAIL,
    ID_NO,
    PHONE,
    PI_URL,
    PLANTED,
    SAMPLE_HAR,
    billion_laughs,
    flate_bomb_pdf,
    flow_file,
    har_with,
    pdf_document,
    sample_entries,
    set_url,
)

RSS_LIMIT_KB = 2 << 20
BATCH_APPS = 300  # enough that the second of two concurrent batch runs starts while the first runs
AUDITOR = [sys.executable, "-m", "auditor.cli"]


@dataclass
class Case:
    name: str
    args: list[str]  # after `auditor`; {d} is the case's folder
    build: Callable[[Path], None]
    expect_flows: int | None = None  # one bad record: this many flows must be audited (json at {d}/out.json)
    watch: list[str] = field(default_factory=list)  # files (relative to {d}) that must not change
    stdin: bytes | None = None
    absent: list[str] = field(default_factory=list)  # must not appear in {d}/out.json (read from outside)


@dataclass
class Result:
    case: str
    code: int | None
    seconds: float
    rss_kb: int
    problems: list[str]


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(data)


def _file(name: str, data: Callable[[], bytes | str]) -> Callable[[Path], None]:
    return lambda d: _write(d / name, data())


def _flow(name: str, change: Callable[[dict], None]) -> Callable[[Path], None]:
    return lambda d: flow_file(d / name, change=change) and None


def _set(*keys: str, value: object) -> Callable[[dict], None]:
    def change(state: dict) -> None:
        target = state
        for k in keys[:-1]:
            target = target[k]
        target[keys[-1]] = value
    return change


def _huge_int_flow(d: Path) -> None:
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        flow_file(d / "c.mitm", change=_set("response", "status_code", value=10**5000))
    finally:
        sys.set_int_max_str_digits(limit)


def _deep_json_har() -> str:
    def change(e: dict) -> None:
        e["response"]["content"]["text"] = "[" * 200_000 + "]" * 200_000
    return har_with(change)


def _pi_body_har() -> str:
    def change(e: dict) -> None:
        e["request"]["url"] = PI_URL
        e["request"]["headers"] = [{"name": "Host", "value": f"{PHONE}.api.example.org"},
                                   {"name": "Content-Type", "value": "application/json"}]
        e["request"]["postData"] = {"mimeType": "application/json",
                                    "text": json.dumps({"mobile": PHONE, "sfzh": ID_NO, "email": EMAIL})}
    return har_with(change)


def _escape_har() -> str:
    return har_with(set_url("http://evil\x1bc\x07.example.org/\x1b[2J/x"))


def _gzip_bomb_har() -> str:
    import base64

    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)  # built a MiB at a time: the sweep's own RSS is inherited by what it starts
    bomb = b"".join(c.compress(zeros) for _ in range(1024)) + c.flush()

    def change(e: dict) -> None:
        e["response"]["headers"] = [{"name": "Content-Encoding", "value": "gzip"}]
        e["response"]["content"] = {"mimeType": "application/json", "encoding": "base64",
                                    "text": base64.b64encode(bomb).decode()}
    return har_with(change)


def _foreign_db(d: Path) -> None:
    con = sqlite3.connect(d / "places.sqlite")
    con.execute("CREATE TABLE moz_places (id INTEGER, url TEXT)")
    con.execute("INSERT INTO moz_places VALUES (1, 'https://example.org')")
    con.commit()
    con.close()


def _sparse(d: Path) -> None:
    with (d / "big.har").open("wb") as fh:
        fh.truncate(40 << 30)


def _fifo(name: str) -> Callable[[Path], None]:
    def build(d: Path) -> None:
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(d / name)
    return build


def _mini(files: dict[str, str], links: dict[str, str] | None = None,
          fifo: str | None = None) -> Callable[[Path], None]:
    def build(d: Path) -> None:
        root = d / "mp"
        _write(root / "app.json", '{"pages":["pages/index/index"]}')
        _write(root / "project.config.json", '{"miniprogramRoot": "./"}')
        for name, text in files.items():
            _write(root / name, text)
        for name, target in (links or {}).items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).symlink_to(target.replace("{d}", str(d)))
        if fifo:
            os.mkfifo(root / fifo)
        _write(d / "outside" / "secret.js", "wx.getLocation({}); wx.chooseAddress({});")
    return build


def _wxapkg_overlap(d: Path) -> None:
    """1,000 index entries pointing at one 4 MiB region."""
    body = b"wx.getLocation({});\n" * (4 << 20 // 20)
    names = [f"/p{i}.js".encode() for i in range(1000)]
    index_len = 4 + sum(4 + len(n) + 8 for n in names)
    data_start = 14 + index_len
    index = struct.pack(">I", len(names)) + b"".join(struct.pack(">I", len(n)) + n + struct.pack(">II", data_start,
                                                                                                 len(body))
                                                     for n in names)
    head = b"\xbe" + struct.pack(">III", 0, index_len, len(body)) + b"\xed"
    _write(d / "p.wxapkg", head + index + body)


def _apk_bomb(d: Path) -> None:
    """classes.dex whose local and central headers claim 1 MB (CRC of the real data): it inflates to 1 GiB."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("AndroidManifest.xml", b"\x03\x00\x08\x00" + b"\0" * 60)
        with zf.open("classes.dex", "w") as fh:
            fh.write(b"dex\n035\x00")
            zeros = b"\0" * (1 << 20)
            for _ in range(1024):
                fh.write(zeros)
    data = bytearray(buf.getvalue())
    claimed = struct.pack("<I", 1 << 20)
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = 0
        while (pos := data.find(sig, pos)) >= 0:
            name_len = struct.unpack_from("<H", data, pos + (26 if sig == b"PK\x03\x04" else 28))[0]
            name_at = pos + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at:name_at + name_len] == b"classes.dex":
                data[pos + off:pos + off + 4] = claimed
            pos += 4
    _write(d / "bomb.apk", bytes(data))


def _deep_pdf() -> bytes:
    return pdf_document(b"[" * 100_000 + b"]" * 100_000, filters="[]")


def _two_batches(d: Path) -> None:
    _write(d / "a.har", SAMPLE_HAR.read_bytes())
    lines = ["campaign: c", "apps:"] + [f"  - {{id: a{i:03d}, traffic: [a.har], first_party: a{i}.example.cn}}"
                                         for i in range(BATCH_APPS)]
    _write(d / "m.yaml", "\n".join(lines) + "\n")


N = sample_entries()
CASES: list[Case] = [
    # captures: one bad record each; the rest must be audited and stored
    *[Case(f"har-{n}", ["traffic", "{d}/c.har", "--db", "{d}/a.db", "--json", "{d}/out.json", "--html", "{d}/a.html"],
           _file("c.har", f), expect_flows=N) for n, f in [
        ("bad-ipv6", lambda: har_with(set_url("http://[::1/ping"))),
        ("bad-port", lambda: har_with(set_url("http://api.example.org:99999/x"))),
        ("lone-surrogate", lambda: har_with(set_url("http://api.example.org/a\udc80b"))),
        ("digits-5000", lambda: har_with(_set("response", "status", value="@B@")).replace('"@B@"', "9" * 5000)),
        ("deep-json-body", _deep_json_har),
        ("gzip-bomb-body", _gzip_bomb_har),
        ("escape-host", _escape_har),
    ]],
    *[Case(f"flow-{n}", ["traffic", "{d}/c.mitm", "--db", "{d}/a.db", "--json", "{d}/out.json"], b, expect_flows=4)
      for n, b in [
        ("time-1e300", _flow("c.mitm", _set("request", "timestamp_start", value=1e300))),
        ("time-nan", _flow("c.mitm", _set("request", "timestamp_start", value=float("nan")))),
        ("gbk-path", _flow("c.mitm", _set("request", "path", value="/用户/张三".encode("gbk")))),
        ("digits-5000", _huge_int_flow),
    ]],
    Case("har-pi-in-url-and-body", ["traffic", "{d}/c.har", "--db", "{d}/a.db", "--json", "{d}/out.json", "--html",
                                    "{d}/a.html", "--sarif", "{d}/a.sarif"], _file("c.har", _pi_body_har),
         expect_flows=N + 1),
    Case("report-of-pi-db", ["report", "--db", "{d}/a.db", "--html", "{d}/r.html", "--json", "{d}/r.json"],
         lambda d: subprocess.run([*AUDITOR, "traffic", str(_pi(d)), "--db", str(d / "a.db")], cwd=ROOT,
                                  capture_output=True, check=False) and None),
    Case("har-garbage", ["traffic", "{d}/c.har"], _file("c.har", lambda: os.urandom(100_000))),
    Case("har-empty", ["traffic", "{d}/c.har"], _file("c.har", lambda: b"")),
    Case("har-fifo", ["traffic", "{d}/c.har"], _fifo("c.har")),
    Case("har-sparse-40g", ["traffic", "{d}/big.har"], _sparse),
    Case("consent-backtracking", ["traffic", "{d}/c.har", "--consent-at", "(a+)+$"],
         _file("c.har", lambda: har_with(set_url("http://a.example.org/" + "a" * 50_000 + "!")))),
    # YAML
    Case("scope-billion-laughs", ["audit", "--scope", "{d}/s.yaml"], _file("s.yaml", billion_laughs)),
    Case("scope-recursive", ["audit", "--scope", "{d}/s.yaml"], _file("s.yaml", lambda: "app: &a {name: *a}\n")),
    Case("scope-nan", ["audit", "--scope", "{d}/s.yaml", "--json", "{d}/out.json"],
         _file("s.yaml", lambda: "app:\n  name: x\n  version: .nan\n")),
    Case("manifest-billion-laughs", ["batch", "{d}/m.yaml", "--db", "{d}/b.db"],
         _file("m.yaml", lambda: billion_laughs(key="apps"))),
    # policies
    Case("pdf-flate-bomb", ["policy", "{d}/p.pdf", "--json", "{d}/out.json"], _file("p.pdf", flate_bomb_pdf)),
    Case("pdf-deep-array", ["policy", "{d}/p.pdf"], _file("p.pdf", _deep_pdf)),
    Case("html-deep-tags", ["policy", "{d}/p.html"], _file("p.html", lambda: "<div>" * 200_000 + "隐私政策")),
    Case("policy-fifo", ["policy", "{d}/p.txt"], _fifo("p.txt")),
    # mini-programs (the mini area's bounds)
    Case("mini-member-chain", ["miniprogram", "{d}/mp"],
         _mini({"pages/index/index.js": "wx" + ".a" * 1000 + ".getLocation()"})),
    Case("mini-deep-parens", ["miniprogram", "{d}/mp"],
         _mini({"pages/index/index.js": "(" * 50_000 + "1" + ")" * 50_000})),
    Case("mini-arrow-chain", ["miniprogram", "{d}/mp"],
         _mini({"pages/index/index.js": "x => " * 100_000 + "wx.getLocation()"})),
    Case("mini-fifo-js", ["miniprogram", "{d}/mp"], _mini({"pages/index/index.js": "1"}, fifo="fifo.js")),
    Case("mini-root-symlink-out", ["miniprogram", "{d}/mp", "--json", "{d}/out.json"],
         _mini({"project.config.json": '{"miniprogramRoot": "src/"}'}, links={"src": "{d}/outside"}),
         absent=["secret.js"]),
    Case("wxapkg-overlap", ["miniprogram", "{d}/p.wxapkg"], _wxapkg_overlap),
    # APK (the apk area's bound)
    Case("apk-zip-bomb-lying-headers", ["apk", "{d}/bomb.apk"], _apk_bomb),
    Case("apk-garbage", ["apk", "{d}/g.apk"], _file("g.apk", lambda: b"PK\x03\x04" + os.urandom(50_000))),
    # the database
    *[Case(f"foreign-db-{c[0]}", [*c, "--db", "{d}/places.sqlite"], _foreign_db, watch=["places.sqlite"])
      for c in (["traffic", str(SAMPLE_HAR)], ["audits"], ["report", "--html", "{d}/r.html"])],
    Case("scan-stdin-escapes", ["scan", "-"], lambda d: None, stdin=f"\x1b]0;owned\x07 {PHONE}\n".encode()),
]


def _pi(d: Path) -> Path:
    _write(d / "pi.har", _pi_body_har())
    return d / "pi.har"


def run_case(case: Case, base: Path, timeout: float) -> Result:
    d = base / case.name
    d.mkdir(parents=True)
    case.build(d)
    watched = {w: hashlib.sha256((d / w).read_bytes()).hexdigest() for w in case.watch}
    args = [a.replace("{d}", str(d)) for a in case.args]
    started = time.monotonic()
    out_path, err_path = d / "_stdout", d / "_stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen([*AUDITOR, *args], cwd=ROOT, stdout=out, stderr=err,
                                stdin=subprocess.PIPE if case.stdin is not None else subprocess.DEVNULL,
                                start_new_session=True)
        if case.stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(case.stdin)
            proc.stdin.close()
        code, rss, hung = _wait(proc, timeout)
    seconds = time.monotonic() - started
    problems = []
    if hung:
        problems.append("hang")
    elif code is not None and (code < 0 or code >= 3):
        problems.append(f"crash({signal.Signals(-code).name if code < 0 else code})")
    if rss > RSS_LIMIT_KB and _input_bytes(d) < 10 << 20:
        problems.append(f"rss({rss >> 10} MiB)")
    stderr = err_path.read_bytes()
    if b"Traceback (most recent call last)" in stderr:
        problems.append("traceback")
    if b"\x1b" in stderr or b"\x07" in stderr:
        problems.append("escape-printed")
    problems += _raw_pi(d, case)
    out_json = d / "out.json"
    for text in case.absent:
        if out_json.exists() and text in out_json.read_text(encoding="utf-8"):
            problems.append(f"outside({text})")
    if case.expect_flows is not None:
        problems += _lost(d, case.expect_flows)
    for w, digest in watched.items():
        if hashlib.sha256((d / w).read_bytes()).hexdigest() != digest or _siblings(d, w):
            problems.append(f"foreign({w})")
    return Result(case.name, code, seconds, rss, problems)


def _wait(proc: subprocess.Popen, timeout: float) -> tuple[int | None, int, bool]:
    """Exit code, peak RSS in KiB (the process and all it waited for), and whether it hung."""
    deadline = time.monotonic() + timeout
    peak = 0
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, max(peak, usage.ru_maxrss), False
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    _, status, usage = os.wait4(proc.pid, 0)
    return None, max(peak, usage.ru_maxrss), True


def _tree_rss_kb(root: int) -> int:
    """The largest current RSS among the process and its descendants (children not yet waited for)."""
    parents, rss = {}, {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            stat = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(p)], rss[int(p)] = int(stat[1]), int(stat[21]) * os.sysconf("SC_PAGE_SIZE") >> 10
    tree, frontier = {root}, {root}
    while frontier:
        frontier = {c for c, par in parents.items() if par in frontier} - tree
        tree |= frontier
    return max((rss.get(p, 0) for p in tree), default=0)


def _input_bytes(d: Path) -> int:
    total = 0
    for p in d.rglob("*"):
        if p.is_file() and not p.is_symlink() and not p.name.startswith("_"):
            total += min(p.stat().st_blocks * 512, p.stat().st_size)
    return total


def _raw_pi(d: Path, case: Case) -> list[str]:
    """Planted PI anywhere the command wrote: its stdout and stderr, and every file it created."""
    inputs_with_pi = {"c.har", "pi.har", "c.mitm", "_stdin"}
    found = set()
    for p in d.rglob("*"):
        if not p.is_file() or p.is_symlink() or p.name in inputs_with_pi or p.suffix in (".har", ".mitm"):
            continue
        data = _readable(p)
        for raw in PLANTED:
            if raw.encode() in data:
                found.add(raw)
    return [f"raw-pi({', '.join(sorted(found))})"] if found else []


def _readable(p: Path) -> bytes:
    if p.suffix in (".db", ".sqlite") or p.name.endswith(("-wal", "-shm")):
        try:
            con = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
            rows = [str(r) for t, in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
                    for r in con.execute(f"SELECT * FROM [{t}]")]
            con.close()
            return "\n".join(rows).encode() + p.read_bytes()
        except sqlite3.Error:
            return p.read_bytes()
    return p.read_bytes()


def _lost(d: Path, expected: int) -> list[str]:
    out = d / "out.json"
    if not out.exists():
        return ["lost(no JSON written)"]
    doc = json.loads(out.read_text(encoding="utf-8"))
    flows = len(doc["audit"]["app"].get("flows") or [])
    problems = [] if flows >= expected else [f"lost({flows} of {expected} flows)"]
    db = d / "a.db"
    if db.exists():
        con = sqlite3.connect(db)
        stored = con.execute("SELECT COUNT(*) FROM observations").fetchone()[0]
        con.close()
        if stored != len(doc["observations"]):
            problems.append(f"lost({stored} of {len(doc['observations'])} observations stored)")
    elif "--db" in json.dumps(doc):  # never: the db path is not in the audit
        problems.append("lost(no database)")
    return problems


def _siblings(d: Path, watched: str) -> list[str]:
    """Files the command put beside a watched file (-wal, -shm, a lock)."""
    return [p.name for p in d.iterdir() if p.name.startswith(watched) and p.name != watched]


def concurrent_batches(base: Path) -> Result:
    """Two batch runs on one database at once: no app may be audited twice."""
    d = base / "batch-twice"
    d.mkdir(parents=True)
    _two_batches(d)
    started = time.monotonic()
    cmd = [*AUDITOR, "batch", str(d / "m.yaml"), "--db", str(d / "b.db"), "--jobs", "1"]
    a = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(3)
    b = subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False, timeout=600)
    a.wait(timeout=600)
    con = sqlite3.connect(d / "b.db")
    audits = con.execute("SELECT COUNT(*) FROM audits").fetchone()[0]
    con.close()
    problems = [] if audits == BATCH_APPS else [f"twice({audits} audits of {BATCH_APPS} apps)"]
    if b.returncode == 0 and a.returncode == 0:
        problems.append("no-overlap(the first run ended before the second started: raise BATCH_APPS)")
    return Result("batch-twice", b.returncode, time.monotonic() - started, 0, problems)


def killed_batch(base: Path) -> Result:
    """kill -9 of a batch parent: no forkserver or worker may live on."""
    d = base / "batch-killed"
    d.mkdir(parents=True)
    _two_batches(d)
    _write(d / "m.yaml", "campaign: k\napps:\n" + "".join(
        f"  - {{id: b{i:04d}, traffic: [a.har], first_party: b{i}.example.cn}}\n" for i in range(400)))
    started = time.monotonic()
    proc = subprocess.Popen([*AUDITOR, "batch", str(d / "m.yaml"), "--db", str(d / "b.db"), "--jobs", "2"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children: set[int] = set()
    deadline = time.monotonic() + 120
    while len(children) < 3 and time.monotonic() < deadline:
        children = _descendants(proc.pid)
        time.sleep(0.2)
    proc.kill()
    proc.wait()
    time.sleep(5)
    left = [p for p in children if Path(f"/proc/{p}").exists()
            and Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"]
    for p in left:
        os.kill(p, signal.SIGKILL)
    return Result("batch-killed", -9, time.monotonic() - started, 0, [f"orphans({len(left)})"] if left else [])


def _descendants(pid: int) -> set[int]:
    parents = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                parents[int(p)] = int(Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    out, frontier = set(), {pid}
    while frontier:
        frontier = {c for c, par in parents.items() if par in frontier} - out
        out |= frontier
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="run only cases whose name contains this")
    ap.add_argument("--timeout", type=float, default=300, help="seconds before a run counts as a hang")
    ap.add_argument("--keep", type=Path, help="keep the inputs and outputs in this folder")
    opts = ap.parse_args()
    base = opts.keep or Path(tempfile.mkdtemp(prefix="hostile-sweep-"))
    base.mkdir(parents=True, exist_ok=True)
    results = []
    for case in CASES:
        if opts.only and opts.only not in case.name:
            continue
        r = run_case(case, base, opts.timeout)
        results.append(r)
        _print(r)
    for extra in (concurrent_batches, killed_batch):
        if not opts.only or opts.only in extra.__name__.replace("_", "-"):
            r = extra(base)
            results.append(r)
            _print(r)
    kinds: dict[str, int] = {}
    for r in results:
        for p in r.problems:
            kinds[p.split("(")[0]] = kinds.get(p.split("(")[0], 0) + 1
    print(f"\n{len(results)} runs; problems: " + (", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none")
          + f"; peak RSS {max((r.rss_kb for r in results), default=0) >> 10} MiB; inputs in {base}")
    if not opts.keep:
        import shutil

        shutil.rmtree(base, ignore_errors=True)
    return 1 if kinds else 0


def _print(r: Result) -> None:
    print(f"{r.case:32} exit {r.code!s:>5} {r.seconds:7.1f} s {r.rss_kb >> 10:6d} MiB  "
          f"{', '.join(r.problems) or 'ok'}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
