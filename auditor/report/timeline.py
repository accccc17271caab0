"""Geometry of the consent timeline: which PI went out when, relative to the user's consent.

The chart is drawn as inline SVG by the template; this module only computes positions. Flows are
binned into columns a few pixels wide and counted, so the SVG stays the same size whether the
capture holds 20 flows or 20,000, and a bin never mixes flows from before and after consent.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from auditor.masking import mask_host
from auditor.model import Audit
from auditor.report.i18n import Catalogue

WIDTH = 960
MIN_LEFT, MAX_LEFT = 110, 300  # room for lane labels, sized to the longest one
LABEL_PX = 14  # lane label font size (reports/css/report.css .lane-label)
RIGHT = 24
TOP = 40
LANE = 28
BOTTOM = 44
BIN_PX = 4
MAX_HOSTS_IN_TITLE = 3


@dataclass
class Dot:
    x: float
    y: float
    r: float
    before: bool
    title: str


@dataclass
class Lane:
    y: float
    label: str


@dataclass
class Timeline:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: float
    lanes: list[Lane]
    dots: list[Dot]
    ticks: list[tuple[float, str]]
    consent_x: float | None
    axis_label: str
    flows: int
    before: int


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def flows_of(audit: Audit) -> list[dict[str, Any]]:
    """The pipeline's flow list, or one rebuilt from traffic observations when it gave none."""
    flows = audit.app.get("flows")
    if flows:
        return [f for f in flows if isinstance(f, dict)]
    rebuilt: dict[tuple[str, int], dict[str, Any]] = {}
    for o in audit.observations:
        if o.source != "traffic" or o.where.get("flow") is None:
            continue
        key = (str(o.where.get("file", "")), int(o.where["flow"]))
        flow = rebuilt.setdefault(
            key,
            {"index": key[1], "file": key[0], "time": o.where.get("time"), "url": o.where.get("url"),
             "host": None, "categories": []},
        )
        if o.category not in flow["categories"]:
            flow["categories"].append(o.category)
    return [rebuilt[k] for k in sorted(rebuilt)]


def _consent_position(audit: Audit, flows: list[dict[str, Any]], use_time: bool) -> float | None:
    c = audit.consent or {}
    if use_time and _parse_time(c.get("time")):
        return _parse_time(c.get("time")).timestamp()  # type: ignore[union-attr]
    index = c.get("index", c.get("flow"))
    if index is None:
        return None
    for pos, f in enumerate(flows):
        if f.get("index") == index and (not c.get("file") or f.get("file") == c.get("file")):
            if use_time:
                t = _parse_time(f.get("time"))
                return t.timestamp() if t else None
            return float(pos)
    return None


def _text_px(text: str) -> float:
    """Rough rendered width of a lane label: CJK characters are square, Latin about half as wide."""
    return sum(LABEL_PX if ord(ch) >= 0x2E80 else LABEL_PX * 0.55 for ch in text)


def _host(flow: dict[str, Any]) -> str:
    if flow.get("host"):
        return mask_host(str(flow["host"]))  # audits stored before hosts were masked
    url = str(flow.get("url") or "")
    return mask_host(url.split("://", 1)[-1].split("/", 1)[0].split("?", 1)[0])


TIME_STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
MAX_TICKS = 7


def _step(span: float, use_time: bool) -> float:
    """A round tick interval giving at most MAX_TICKS ticks: clock-like for times, 1-2-5 for indexes."""
    if use_time:
        for step in TIME_STEPS_S:
            if span / step <= MAX_TICKS:
                return step
        return 86400 * math.ceil(span / 86400 / MAX_TICKS)
    magnitude = 10 ** math.floor(math.log10(max(span, 1)))
    for m in (0.1, 0.2, 0.5, 1, 2, 5, 10):
        if m * magnitude >= 1 and span / (m * magnitude) <= MAX_TICKS:
            return m * magnitude
    return 10 * magnitude


def _ticks(lo: float, hi: float, use_time: bool, x_of: Callable[[float], float]) -> list[tuple[float, str]]:
    step = _step(hi - lo, use_time)
    if not use_time:
        fmt = ""
    elif hi - lo >= 86400:
        fmt = "%m-%d %H:%M"
    else:
        fmt = "%H:%M" if step >= 60 else "%H:%M:%S"
    out = []
    v = math.ceil(lo / step) * step
    while v <= hi + 1e-9:
        label = datetime.fromtimestamp(v, UTC).strftime(fmt) if use_time else f"#{round(v)}"
        out.append((round(x_of(v), 1), label))
        v += step
    return out


def build_timeline(audit: Audit, category_label: Callable[[str], str], t: Catalogue) -> Timeline | None:
    flows = flows_of(audit)
    if not flows:
        return None
    times = [_parse_time(f.get("time")) for f in flows]
    use_time = all(times)
    pos = [tm.timestamp() for tm in times if tm] if use_time else [float(i) for i in range(len(flows))]
    consent = _consent_position(audit, flows, use_time)
    lo, hi = min(pos), max(pos)
    if consent is not None:
        lo, hi = min(lo, consent), max(hi, consent)
    if hi <= lo:
        hi = lo + 1
    cats: list[str] = []
    for f in flows:
        for c in f.get("categories") or []:
            if c not in cats:
                cats.append(c)
    lane_keys = ["", *cats]
    lanes = [
        Lane(y=TOP + i * LANE, label=category_label(c) if c else t.gettext("timeline.all_flows"))
        for i, c in enumerate(lane_keys)
    ]
    left = round(min(MAX_LEFT, max(MIN_LEFT, max(_text_px(lane.label) for lane in lanes) + 16)))
    plot_w = WIDTH - left - RIGHT

    def x_of(v: float) -> float:
        return left + (v - lo) / (hi - lo) * plot_w

    bins: dict[tuple[int, int, bool], list[dict[str, Any]]] = defaultdict(list)
    before_count = 0
    for f, v in zip(flows, pos, strict=True):
        # The pipeline's own verdict wins: within one capture it orders by flow index, not clock.
        verdict = f.get("before_consent")
        before = bool(verdict) if verdict is not None else consent is not None and v < consent
        before_count += before
        col = int((x_of(v) - left) // BIN_PX)
        bins[(0, col, before)].append(f)
        for c in f.get("categories") or []:
            bins[(lane_keys.index(c), col, before)].append(f)
    dots = []
    for (lane, col, before), members in sorted(bins.items()):
        hosts = sorted({_host(f) for f in members if _host(f)})
        shown = ", ".join(hosts[:MAX_HOSTS_IN_TITLE]) + (" …" if len(hosts) > MAX_HOSTS_IN_TITLE else "")
        title = f"{lanes[lane].label}: {len(members)} × {t.gettext('timeline.flows')}"
        dots.append(
            Dot(
                x=round(left + col * BIN_PX + BIN_PX / 2, 1),
                y=lanes[lane].y,
                r=round(3.5 + min(5.0, 1.5 * math.log2(len(members))), 1) if lane else 3.0,
                before=before,
                title=f"{title} — {shown}" if shown else title,
            )
        )
    return Timeline(
        width=WIDTH,
        height=TOP + len(lanes) * LANE + BOTTOM,
        left=left,
        right=WIDTH - RIGHT,
        top=TOP - LANE // 2,
        bottom=TOP + (len(lanes) - 1) * LANE + LANE // 2,
        lanes=lanes,
        dots=dots,
        ticks=_ticks(lo, hi, use_time, x_of),
        consent_x=round(x_of(consent), 1) if consent is not None else None,
        axis_label=t.gettext("timeline.axis_time" if use_time else "timeline.axis_index"),
        flows=len(flows),
        before=before_count,
    )
