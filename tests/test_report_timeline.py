"""The consent timeline's geometry: where consent falls, which flows count as before it, bounded size."""

from __future__ import annotations

from report_fixtures import sample_audit

from auditor.model import Audit, Observation, Party
from auditor.report.i18n import catalogue
from auditor.report.timeline import BIN_PX, WIDTH, build_timeline

ZH = catalogue("zh")


def label(category: str) -> str:
    return category


def test_consent_line_sits_between_the_last_flow_before_and_the_first_after() -> None:
    audit = sample_audit()
    tl = build_timeline(audit, label, ZH)
    assert tl is not None and tl.consent_x is not None
    before = [d.x for d in tl.dots if d.before]
    after = [d.x for d in tl.dots if not d.before]
    assert max(before) < tl.consent_x <= min(after)
    assert tl.before == sum(f["before_consent"] for f in audit.app["flows"])
    assert [lane.label for lane in tl.lanes[1:]] == ["device_id", "precise_location", "id_document",
                                                     "phone_number", "address", "name"]


def test_without_times_flows_are_placed_by_order_and_consent_by_flow_index() -> None:
    flows = [{"index": i, "file": "c.mitm", "categories": ["device_id"] if i % 2 else []} for i in range(10)]
    audit = Audit(id="a", created="", tool_version="0", rules_version="0", app={"flows": flows},
                  consent={"flow": 4, "file": "c.mitm"})
    tl = build_timeline(audit, label, ZH)
    assert tl is not None
    assert tl.axis_label == ZH.gettext("timeline.axis_index")
    assert tl.before == 4  # flows 0-3, judged by position since the pipeline gave no verdict
    assert [label for _, label in tl.ticks] == ["#0", "#2", "#4", "#6", "#8"]  # round steps across 0..9


def test_flows_are_rebuilt_from_traffic_observations_when_the_pipeline_gives_none() -> None:
    party = Party("third", "Umeng", sdk="umeng")
    obs = [Observation("device_id", "IMEI", "traffic", party,
                       {"flow": i, "file": "c.har", "time": f"2026-11-20T09:00:{i:02d}Z", "url": "https://u.cn/x"})
           for i in range(5)]
    audit = Audit(id="a", created="", tool_version="0", rules_version="0", observations=obs)
    tl = build_timeline(audit, label, ZH)
    assert tl is not None and tl.flows == 5
    assert [lane.label for lane in tl.lanes] == [ZH.gettext("timeline.all_flows"), "device_id"]


def test_size_is_bounded_by_the_plot_not_the_capture() -> None:
    flows = [{"index": i, "file": "big.mitm", "time": f"2026-11-20T{9 + i // 3600:02d}:{i // 60 % 60:02d}:"
              f"{i % 60:02d}+00:00", "categories": ["device_id", "precise_location"], "before_consent": i < 1000}
             for i in range(20_000)]
    audit = Audit(id="a", created="", tool_version="0", rules_version="0", app={"flows": flows})
    tl = build_timeline(audit, label, ZH)
    assert tl is not None and tl.flows == 20_000 and tl.before == 1000
    columns = (WIDTH - tl.left) // BIN_PX + 1
    assert len(tl.dots) <= len(tl.lanes) * columns * 2


def test_time_ticks_fall_on_round_clock_times() -> None:
    tl = build_timeline(sample_audit(), label, ZH)  # flows from 09:15:00 to 09:15:52
    assert tl is not None
    assert [label for _, label in tl.ticks] == ["09:15:00", "09:15:10", "09:15:20", "09:15:30", "09:15:40",
                                                "09:15:50"]
    xs = [x for x, _ in tl.ticks]
    assert xs == sorted(xs) and xs[0] >= tl.left and xs[-1] <= WIDTH


def test_lane_labels_get_the_room_they_need() -> None:
    names = {"zh": {"precise_location": "精确位置、行踪轨迹"},
             "en": {"precise_location": "Precise location / movement track"}}
    zh = build_timeline(sample_audit(), lambda c: names["zh"].get(c, "设备"), ZH)
    en = build_timeline(sample_audit(), lambda c: names["en"].get(c, "Device"), catalogue("en"))
    assert zh is not None and en is not None
    assert en.left > zh.left  # the English label takes more room on the page than the Chinese one
    assert en.left >= 14 * 0.55 * len(names["en"]["precise_location"])


def test_no_traffic_no_timeline() -> None:
    assert build_timeline(Audit(id="a", created="", tool_version="0", rules_version="0"), label, ZH) is None
