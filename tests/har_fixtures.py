"""Small HAR 1.2 captures written by tests: one entry per (url, method, seconds from START, status)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2026, 11, 20, 9, 30, 0, tzinfo=UTC)


def entry(url: str, *, method: str = "GET", at: float = 0, status: int = 200, mime: str = "application/json",
          text: str = "") -> dict:
    return {
        "startedDateTime": (START + timedelta(seconds=at)).isoformat().replace("+00:00", "Z"),
        "time": 5,
        "request": {"method": method, "url": url, "httpVersion": "HTTP/1.1", "headers": [], "queryString": [],
                    "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": status, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                     "content": {"size": len(text), "mimeType": mime, "text": text}, "redirectURL": "",
                     "headersSize": -1, "bodySize": len(text)},
        "cache": {}, "timings": {"send": 0, "wait": 5, "receive": 0},
    }


def write_har(path: Path, entries: list[dict]) -> Path:
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "tests", "version": "1"},
                                        "entries": entries}}), encoding="utf-8")
    return path
