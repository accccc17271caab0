"""Report benchmark: HTML, SARIF (and optionally PDF) for an audit of 10,000 observations and 200 findings.

Run: .venv/bin/python benchmarks/bench_report.py [--pdf]

Targets (issue): HTML in < 3 s and < 10 MB. The first render in a process pays for compiling the
templates and building the font subset; both are reported, cold first.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auditor.masking import mask, value_hash  # noqa: E402
from auditor.model import Audit, Clause, Finding, InputFile, Observation, Party, number  # noqa: E402
from auditor.report import render_html, to_sarif, write_pdf  # noqa: E402
from auditor.ruleset import Ruleset  # noqa: E402

N_OBS = 10_000
N_FINDINGS = 200
N_FLOWS = 3_000
SEED = 20261120

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
ROADS = ["建国路", "中山路", "人民路", "解放路", "长安街", "南京路", "淮海路"]
CITIES = ["北京市朝阳区", "上海市浦东新区", "广州市天河区", "深圳市南山区", "杭州市西湖区", "成都市武侯区"]


def raw_value(rng: random.Random, category: str) -> tuple[str, str]:
    """A realistic raw value and its entity; only its masked form and hash reach the audit."""
    if category == "id_document":
        birth = f"1949{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
        return f"110105{birth}{rng.randrange(1000):03d}X", "CN_RESIDENT_ID"
    if category == "phone_number":
        return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}", "CN_MOBILE"
    if category == "name":
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))), "PERSON_NAME"
    if category == "address":
        return f"{rng.choice(CITIES)}{rng.choice(ROADS)}{rng.randrange(1, 300)}号", "ADDRESS"
    if category == "precise_location":
        return f"{116 + rng.random():.6f},{39 + rng.random():.6f}", "COORDINATES"
    if category == "bank_account":
        return f"62220{rng.randrange(10**14):014d}", "BANK_CARD"
    return f"86{rng.randrange(10**13):013d}", "IMEI"


def build_audit(rs: Ruleset) -> Audit:
    rng = random.Random(SEED)
    categories = ["device_id", "precise_location", "phone_number", "id_document", "name", "address",
                  "bank_account", "app_list", "wifi_info", "clipboard"]
    parties = [Party("first", "应用本身")] + [Party("third", s["name"], sdk=sid) for sid, s in rs.sdks.items()]
    hosts = ["api.example-shop.cn", "log.example-shop.cn", "ulogs.umeng.com", "restapi.amap.com", "sdk.jpush.cn"]
    obs: list[Observation] = []
    for i in range(N_OBS):
        cat = rng.choice(categories)
        party = rng.choice(parties)
        source = ("traffic", "apk", "miniprogram")[i % 3]
        raw, entity = raw_value(rng, cat)
        if source == "traffic":
            flow = rng.randrange(N_FLOWS)
            where = {"flow": flow, "side": "request", "path": f"body.data.items[{i % 7}].{cat}",
                     "url": f"https://{rng.choice(hosts)}/v2/collect/{i % 50}?t={i}",
                     "time": f"2026-11-20T09:{flow * 3600 // N_FLOWS // 60:02d}:{flow * 3600 // N_FLOWS % 60:02d}Z",
                     "file": "capture.mitm"}
        elif source == "apk":
            where = {"class": f"com.example.shop.module{i % 40}.Collector{i % 9}", "method": f"collect{cat.title()}",
                     "api": "android.telephony.TelephonyManager.getImei"}
        else:
            where = {"file": f"pages/p{i % 30}/index.js", "line": 10 + i % 400, "column": 1 + i % 30,
                     "api": "wx.getLocation"}
        obs.append(Observation(cat, entity, source, party, where, value=mask(raw, entity),  # type: ignore[arg-type]
                               value_hash=value_hash(raw, "bench"), confidence=0.5 + (i % 50) / 100,
                               before_consent=(source == "traffic" and where["flow"] < 300)))
    number(obs, "o")
    rule_ids = list(rs.rules["by_id"])
    findings = []
    per = N_OBS // N_FINDINGS
    for k in range(N_FINDINGS):
        rule = rs.rule(rule_ids[k % len(rule_ids)])
        members = obs[k * per:(k + 1) * per]
        clauses = [Clause(c, rs.clauses[c]["instrument"], rs.clauses[c]["article"], rs.clauses[c]["text"])
                   for c in rule["clauses"]]
        findings.append(Finding(rule["id"], members[0].category, rule["severity"], rule["title"], clauses,
                                [o.id for o in members], party=members[0].party, title_en=rule["title_en"],
                                count=len(members)))
    number(findings, "f")
    flows = [{"file": "capture.mitm", "index": f, "time": f"2026-11-20T09:{f * 3600 // N_FLOWS // 60:02d}:"
              f"{f * 3600 // N_FLOWS % 60:02d}+00:00", "url": f"https://{hosts[f % len(hosts)]}/v2/x",
              "host": hosts[f % len(hosts)], "categories": [categories[f % len(categories)]] if f % 3 else [],
              "before_consent": f < 300} for f in range(N_FLOWS)]
    return Audit(
        id="bench-1", created="2026-11-20T10:00:00+00:00", tool_version="0.1.0", rules_version=rs.version,
        inputs=[InputFile("traffic", "capture.mitm", "0" * 64, 123_456_789)],
        app={"name": "示例商城", "package": "com.example.shop", "version": "9.9.9", "category": "online_shopping",
             "flows": flows,
             "permissions": [{"name": f"android.permission.P{i}", "dangerous": i % 2 == 0,
                              "categories": [categories[i % len(categories)]], "used_by": [f"com.example.C{i}"]}
                             for i in range(30)],
             "sdks": [{"id": sid, "name": s["name"], "evidence": [f"code: {p}" for p in s.get("packages", [])]}
                      for sid, s in rs.sdks.items()]},
        consent={"how": "index", "spec": "@300", "file": "capture.mitm", "flow": 300},
        observations=obs, findings=findings,
    )


def timed(fn):  # type: ignore[no-untyped-def]
    """Wall and CPU seconds: the CPU figure stays meaningful on a machine shared with other work."""
    t, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf", action="store_true", help="also print the zh report to PDF with Chromium")
    args = ap.parse_args()
    rs = Ruleset()
    audit, t_build, _ = timed(lambda: build_audit(rs))
    print(f"audit: {len(audit.observations):,} observations, {len(audit.findings)} findings, "
          f"{len(audit.app['flows']):,} flows (built in {t_build:.2f} s)")
    print(f"{'':<20} {'wall':>8} {'cpu':>8} {'size':>9}")
    for label, lang in (("html zh (cold)", "zh"), ("html zh (warm)", "zh"), ("html en (new font)", "en")):
        html, wall, cpu = timed(lambda lang=lang: render_html(audit, rs, lang=lang))
        size = len(html.encode("utf-8"))
        verdict = "OK" if wall < 3 and size < 10 * 2**20 else "OVER TARGET"
        print(f"{label:<20} {wall:6.2f} s {cpu:6.2f} s {size / 2**20:6.2f} MB  {verdict}")
    sarif, wall, cpu = timed(lambda: to_sarif(audit, rs))
    print(f"{'sarif':<20} {wall:6.2f} s {cpu:6.2f} s {len(json.dumps(sarif).encode()) / 2**20:6.2f} MB")
    if args.pdf:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "report.pdf"
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            _, wall, cpu = timed(lambda: write_pdf(audit, rs, path))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            browser = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            print(f"{'pdf zh':<20} {wall:6.2f} s {cpu:6.2f} s {path.stat().st_size / 2**20:6.2f} MB"
                  f"  (+ {browser:.2f} s cpu in chromium)")


if __name__ == "__main__":
    main()
