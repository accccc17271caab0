"""PI in URLs (host labels, path segments, user-info, query values) is masked in every output: JSON
flows[].url and where.url/host, the database, reports re-rendered from it (HTML timeline, SARIF), and
the live proxy's console; what a regulator needs (host, path shape) stays readable."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hostile_inputs import EMAIL, ID_NO, PHONE, PI_URL, PLANTED, har_with, set_url

from auditor.masking import mask_host, mask_url


@pytest.mark.parametrize("url", [
    PI_URL,
    f"http://user:{PHONE}@api.example.org/a",
    "http://x.example.org/%E5%BC%A0%E4%B8%89%E4%B8%B0/profile",
    "http://x.example.org/name/张三丰/profile",
    "http://x.example.org/d/123e4567-e89b-12d3-a456-426614174000/mac/aa:bb:cc:dd:ee:ff",
    f"http://x.example.org/p?mobile={PHONE}&name=%E5%BC%A0%E4%B8%89",
])
def test_mask_url_hides_pi_and_is_idempotent(url: str) -> None:
    shown = mask_url(url)
    for raw in (*PLANTED, "张三", "%E5%BC%A0%E4%B8%89", "426614174000", "aa:bb:cc:dd:ee:ff", f":{PHONE}@"):
        assert raw not in shown
    assert mask_url(shown) == shown  # what is read back from a database and shown again comes out the same
    assert "example.org" in shown


def test_mask_url_keeps_ordinary_urls_and_the_path_shape() -> None:
    for url in ("https://api.wst.example.gov.cn/app/config", "http://10.0.0.1:8080/v1/users/42",
                "http://[::1]:8080/x", "https://cdn.example.com/static/app.js"):
        assert mask_url(url) == url
    assert mask_url(PI_URL).startswith("https://139****5678.api.example.org/user/139****5678/id/110")
    assert mask_host(f"{PHONE}.example.org") == "139****5678.example.org"


def _audit(run_cli, tmp_path: Path) -> tuple[Path, Path]:
    har = tmp_path / "pi_url.har"
    har.write_text(har_with(set_url(PI_URL)), encoding="utf-8")
    db, out = tmp_path / "a.db", tmp_path / "a.json"
    r = run_cli(["traffic", str(har), "--db", str(db), "--json", str(out), "--html", str(tmp_path / "a.html"),
                 "--sarif", str(tmp_path / "a.sarif")])
    assert r.returncode == 0, r.stderr
    for raw in PLANTED:
        assert raw not in r.stderr
    return db, out


def test_pi_in_a_url_reaches_no_output(run_cli, tmp_path: Path) -> None:
    db, out = _audit(run_cli, tmp_path)
    doc = json.loads(out.read_text(encoding="utf-8"))
    urls = [f["url"] for f in doc["audit"]["app"]["flows"]] + [o["where"].get("url", "") for o in doc["observations"]]
    assert any(u.startswith("https://139****5678.api.example.org/user/139****5678/") for u in urls)
    con = sqlite3.connect(db)
    tables = ("audits", "observations", "findings")
    dump = "\n".join(str(row) for t in tables for row in con.execute(f"SELECT * FROM {t}"))
    con.close()
    rerendered = tmp_path / "again.html"
    r = run_cli(["report", "--db", str(db), "--html", str(rerendered), "--sarif", str(tmp_path / "again.sarif"),
                 "--json", str(tmp_path / "again.json")])
    assert r.returncode == 0, r.stderr
    outputs = [out, tmp_path / "a.html", tmp_path / "a.sarif", rerendered, tmp_path / "again.sarif",
               tmp_path / "again.json"]
    for raw in PLANTED:
        assert raw not in dump
        for p in outputs:
            assert raw not in p.read_text(encoding="utf-8"), (raw, p.name)


def test_a_report_of_an_audit_stored_unmasked_is_masked(run_cli, tmp_path: Path) -> None:
    """Databases written before URLs were masked: re-rendering masks what they hold."""
    db, _ = _audit(run_cli, tmp_path)
    con = sqlite3.connect(db)
    for rowid, where in con.execute("SELECT rowid, where_json FROM observations").fetchall():
        w = json.loads(where)
        if "url" in w:
            w["url"], w["host"] = PI_URL.split("?")[0], f"{PHONE}.api.example.org"
            con.execute("UPDATE observations SET where_json = ? WHERE rowid = ?", (json.dumps(w), rowid))
    app = json.loads(con.execute("SELECT app FROM audits").fetchone()[0])
    for f in app["flows"]:
        f["url"], f["host"] = PI_URL.split("?")[0], f"{PHONE}.api.example.org"
    con.execute("UPDATE audits SET app = ?", (json.dumps(app),))
    con.commit()
    con.close()
    html, sarif = tmp_path / "old.html", tmp_path / "old.sarif"
    r = run_cli(["report", "--db", str(db), "--html", str(html), "--sarif", str(sarif)])
    assert r.returncode == 0, r.stderr
    for raw in PLANTED:
        assert raw not in html.read_text(encoding="utf-8")
        assert raw not in sarif.read_text(encoding="utf-8")


def test_live_console_lines_are_masked(tmp_path: Path) -> None:
    from auditor.traffic.flows import Flow, Message
    from auditor.traffic.live import LiveAuditor

    lines: list[str] = []
    live = LiveAuditor(tmp_path / "live.db", echo=lines.append)
    body = json.dumps({"phone": PHONE, "email": EMAIL}).encode()
    flow = Flow("live", 0, "POST", PI_URL, datetime.now(UTC), Message([("content-type", "application/json")], body,
                mime="application/json"), None, None)
    assert live.process(flow)
    live.finish()
    live.store.close()
    assert lines and any("139****5678.api.example.org/user/139****5678" in line for line in lines)
    for raw in PLANTED:
        assert raw not in "\n".join(lines)


def test_mitmproxy_flow_log_is_off_and_its_log_lines_masked() -> None:
    """mitmdump prints every URL raw at its default flow_detail 1; the addon turns that off and masks
    the log lines mitmproxy writes itself (server connects name the host)."""
    import logging

    from auditor.traffic.live import quiet_mitmproxy

    class Opts:
        flow_detail = 1

        def update(self, **kw: int) -> None:
            self.__dict__.update(kw)

    opts = Opts()
    handler = logging.Handler()
    seen: list[str] = []
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        quiet_mitmproxy(opts)
        logging.getLogger("mitmproxy.proxy").warning("server connect %s:443 (%s)", f"{PHONE}.example.org", ID_NO)
    finally:
        root.removeHandler(handler)
        for h in root.handlers:  # pytest's own capture handlers got the filter too
            for f in [f for f in h.filters if type(f).__name__ == "_MaskingFilter"]:
                h.removeFilter(f)
    assert opts.flow_detail == 0
    assert seen == ["server connect 139****5678.example.org:443 (110***********4514)"]
