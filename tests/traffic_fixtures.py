"""Captures written for the traffic tests: HAR files as browsers and proxies export them, and flow files
written by mitmproxy's own FlowWriter, each reproducing one pattern met in captures others made."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from auditor.pipeline import AuditInputs, run_audit
from auditor.ruleset import default_ruleset
from auditor.traffic.scan import TrafficResult, analyze_traffic

MOBILE = "13812345678"
RESIDENT_ID = "11010519491231002X"
PLATE = "苏E5P623"
START = datetime(2026, 11, 20, 9, 30, 0, tzinfo=UTC)


def luhn_complete(prefix: str) -> str:
    """``prefix`` plus the Luhn check digit that makes it pass (a card-shaped number for tests)."""
    total = 0
    for i, ch in enumerate(reversed(prefix)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return prefix + str((10 - total % 10) % 10)


def entry(url: str, *, method: str = "GET", headers: Iterable[tuple[str, str]] = (), body: str | None = None,
          body_mime: str = "application/x-www-form-urlencoded", status: int = 200, response: str = "",
          response_mime: str = "application/json", response_headers: Iterable[tuple[str, str]] = (),
          at: float = 0, **extra: Any) -> dict[str, Any]:
    """One HAR 1.2 entry sent ``at`` seconds after START (``extra``: browser-specific members such as
    ``_webSocketMessages``, ``pageref``)."""
    req: dict[str, Any] = {"method": method, "url": url, "httpVersion": "HTTP/1.1",
                           "headers": [{"name": k, "value": v} for k, v in headers], "queryString": [], "cookies": []}
    if body is not None:
        req["postData"] = {"mimeType": body_mime, "text": body}
    time = (START + timedelta(seconds=at)).isoformat().replace("+00:00", "Z")
    return {"startedDateTime": time, "time": 10, "request": req,
            "response": {"status": status, "statusText": "OK", "httpVersion": "HTTP/1.1",
                         "headers": [{"name": k, "value": v} for k, v in response_headers], "cookies": [],
                         "content": {"size": len(response), "mimeType": response_mime, "text": response}},
            **extra}


def write_har(path: Path, entries: list[dict[str, Any]], pages: list[dict[str, Any]] | None = None) -> Path:
    log: dict[str, Any] = {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}
    if pages is not None:
        log["pages"] = pages
    path.write_text(json.dumps({"log": log}, ensure_ascii=False), encoding="utf-8")
    return path


def write_flows(path: Path, flows: Iterable[Any]) -> Path:
    """A flow file written by mitmproxy itself (mitmproxy.io.FlowWriter)."""
    from mitmproxy import io

    with path.open("wb") as fh:
        w = io.FlowWriter(fh)
        for f in flows:
            w.add(f)
    return path


def mitm_flow(url: str, *, method: str = "GET", headers: Iterable[tuple[str, str]] = (), body: bytes = b"",
              response: bytes = b"{}", response_type: str = "application/json", time: float = 1_795_000_000.0) -> Any:
    """A mitmproxy HTTPFlow with the given request and a response, sent at ``time`` (epoch seconds)."""
    from mitmproxy import http
    from mitmproxy.test import tflow

    f = tflow.tflow(resp=True)
    f.request = http.Request.make(method, url, body, dict(headers))
    f.request.timestamp_start = time
    f.response = http.Response.make(200, response, {"content-type": response_type})
    return f


def audit(path: Path, **kw: Any) -> TrafficResult:
    return analyze_traffic([path], ruleset=default_ruleset(), salt="test", **kw)


def found(result: TrafficResult) -> set[tuple[int, str, str]]:
    """(flow, side, category) of every observation: the unit the real-world scorer counts."""
    return {(o.where["flow"], o.where["side"], o.category) for o in result.observations}


def full_audit(path: Path, **kw: Any) -> Any:
    return run_audit(AuditInputs(traffic=[path], **kw))
