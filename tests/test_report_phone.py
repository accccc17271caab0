"""The report on a phone (390 px wide, as an iPhone 12-15 shows it): nothing wider than the screen,
the verdict on the first screen, SDK evidence in cells wide enough to read, the timeline at a legible
size in its own scroller. Measured in headless Chromium; a screenshot is taken as a person would."""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

import pytest
from report_fixtures import sample_audit
from test_report_browser import open_page

from auditor.report import render_html
from auditor.report.chromium import find_chromium
from auditor.ruleset import Ruleset

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed (scripts/setup.sh installs it)"),
]
PHONE = (390, 844)

# Reads the layout once the page is laid out; the report itself runs no script (its CSP forbids it),
# so the test's copy drops the CSP and appends this probe. Headless Chromium will not make its window
# narrower than 500 px, so the report is laid out in a 390 px frame, which is what media queries and
# the viewport see; the probe writes its figures onto the page around the frame.
PROBE = """<script>
const d = document.documentElement, w = d.clientWidth;
const box = (e) => e.getBoundingClientRect();
const over = [...document.querySelectorAll('body *')].filter((e) => !e.closest('.chart') && box(e).right > w + 0.5);
const cells = [...document.querySelectorAll('table.sdk-table td:nth-child(2)')].map((e) => box(e).width);
const chart = document.querySelector('.chart svg'), verdict = document.querySelector('.verdict');
parent.document.body.setAttribute('data-layout', JSON.stringify({
  scrollWidth: d.scrollWidth, clientWidth: w, height: d.scrollHeight,
  overflowing: over.slice(0, 5).map((e) => e.tagName + '.' + e.className),
  verdict: verdict ? [box(verdict).top, box(verdict).right] : null,
  sdkEvidence: cells, chart: chart ? box(chart).width : null,
}));
</script>"""


def layout(html: str, tmp: Path) -> dict:
    probed = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html).replace("</body>", PROBE + "</body>")
    frame = (f'<!DOCTYPE html><html><body style="margin:0"><iframe style="border:0;width:{PHONE[0]}px;'
             f'height:{PHONE[1]}px" srcdoc="{escape(probed, quote=True)}"></iframe></body></html>')
    dom, requested = open_page(frame, tmp, "--dump-dom", "--hide-scrollbars", "--window-size=800,900")
    assert requested == []
    found = re.search(r'data-layout="([^"]*)"', dom)
    assert found, "the probe did not run"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_fits_a_phone(tmp_path: Path, lang: str) -> None:
    rs = Ruleset()
    m = layout(render_html(sample_audit(rs), rs, lang=lang), tmp_path)
    assert m["clientWidth"] == PHONE[0]
    assert m["scrollWidth"] <= m["clientWidth"], m["overflowing"]
    top, right = m["verdict"]
    assert top < PHONE[1] and right <= PHONE[0]  # the verdict is on the first screen
    assert m["sdkEvidence"] and min(m["sdkEvidence"]) >= 250  # not a character per line
    assert m["chart"] >= 600  # the timeline keeps a readable size, scrolled within its figure
    assert m["height"] < 40 * PHONE[1]


def test_phone_screenshot(tmp_path: Path) -> None:
    rs = Ruleset()
    shot = tmp_path / "report-phone.png"
    open_page(render_html(sample_audit(rs), rs, lang="zh"), tmp_path, "--hide-scrollbars",
              f"--window-size={PHONE[0]},{PHONE[1]}", f"--screenshot={shot}")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == PHONE
    assert len(data) > 30_000  # text and colour, not a blank page
