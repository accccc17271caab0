"""The report as a person sees it: opened in headless Chromium with the network cut, and printed to PDF.

Network: Chromium runs with the report's offline flags (dead proxy, no name resolution) and writes
its NetLog; every URL the page asked for is in it, whether or not the request could go anywhere. A
control page that does fetch something shows the check works; the report must ask for nothing.
PDF: pdffonts, pdftotext and pdftoppm (poppler-utils) show an embedded CJK font, the Chinese text
and a rendered page.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from report_fixtures import HOSTILE, Page, hostile_audit, sample_audit

from auditor.errors import InputError
from auditor.report import render_html, write_pdf
from auditor.report.chromium import find_chromium, run_chromium
from auditor.ruleset import Ruleset

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_chromium() is None, reason="chromium is not installed (scripts/setup.sh installs it)"),
]


def page_requests(netlog: Path) -> list[str]:
    """URLs the page asked the network stack for, from Chromium's NetLog.

    The browser's own background requests (update checks, account probes) carry the initiator
    'not an origin'; anything the document loads carries the document's origin. Both kinds fail at
    the dead proxy anyway: this separates what the report asked for from what Chromium does itself.
    """
    log = json.loads(netlog.read_text(encoding="utf-8"))
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    starts = [e.get("params") or {} for e in log["events"] if names.get(e["type"]) == "URL_REQUEST_START_JOB"]
    return [p["url"] for p in starts if "url" in p and p.get("initiator") != "not an origin"]


@pytest.fixture(scope="module")
def rs() -> Ruleset:
    return Ruleset()


def open_page(html: str, tmp: Path, *action: str) -> tuple[str, list[str]]:
    """Load the page in offline headless Chromium; return the DOM it built (or what ``action`` prints)
    and the URLs the page requested."""
    page = tmp / "page.html"
    page.write_text(html, encoding="utf-8")
    netlog = tmp / "netlog.json"
    proc = run_chromium([*(action or ["--dump-dom"]), f"--log-net-log={netlog}", page.as_uri()], tmp / "profile")
    return proc.stdout, page_requests(netlog)


def test_the_check_sees_a_page_that_fetches(tmp_path: Path) -> None:
    control = ('<!DOCTYPE html><html><head><link rel="stylesheet" href="http://cdn.example.com/a.css"></head>'
               '<body><img src="https://tracker.example.com/p.gif"></body></html>')
    _, requested = open_page(control, tmp_path)
    assert "http://cdn.example.com/a.css" in requested
    assert "https://tracker.example.com/p.gif" in requested


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_loads_nothing_from_the_network(tmp_path: Path, rs: Ruleset, lang: str) -> None:
    dom, requested = open_page(render_html(sample_audit(rs), rs, lang=lang), tmp_path)
    assert 'id="findings"' in dom  # the page really loaded
    assert requested == []


def test_hostile_values_stay_text_in_the_browser_dom(tmp_path: Path, rs: Ruleset) -> None:
    dom, requested = open_page(render_html(hostile_audit(rs), rs), tmp_path)
    page = Page(dom)
    assert page.tags("script") == [] and page.tags("img") == []
    assert HOSTILE in page.all_text
    assert requested == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screenshot(tmp_path: Path, rs: Ruleset, lang: str) -> None:
    shot = tmp_path / f"report-{lang}.png"
    _, requested = open_page(render_html(sample_audit(rs), rs, lang=lang), tmp_path,
                             "--hide-scrollbars", "--window-size=1200,1600", f"--screenshot={shot}")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 1600)
    assert len(data) > 100_000  # a blank or tofu-only page compresses to a few kilobytes
    assert requested == []


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory, rs: Ruleset) -> Path:
    if not shutil.which("pdffonts"):
        pytest.skip("poppler-utils is not installed (scripts/setup.sh installs it)")
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    write_pdf(sample_audit(rs), rs, path)
    return path


def _run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=120).stdout


def test_pdf_embeds_a_named_cjk_font(pdf: Path) -> None:
    rows = [line.split() for line in _run("pdffonts", str(pdf)).splitlines()[2:]]
    cjk = [r for r in rows if "NotoSansCJKsc" in r[0]]
    assert cjk, rows
    for r in rows:
        assert "Type" not in r[1] or r[2] != "3", r  # no unnamed Type 3 glyph fonts
        assert r[-5] == "yes", r  # every font embedded


def test_pdf_text_is_chinese_and_paged_on_a4(pdf: Path) -> None:
    text = _run("pdftotext", "-layout", str(pdf), "-")
    for s in ("个人信息保护合规审计报告", "安心挂号", "征得用户同意前即收集个人信息", "第 1 页 / 共"):
        assert s in text, s
    info = _run("pdfinfo", str(pdf))
    assert "(A4)" in info


def test_pdf_pages_render(pdf: Path, tmp_path: Path) -> None:
    _run("pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "page"))
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2
    assert all(p.stat().st_size > 5_000 for p in pages)


def test_pdf_into_a_missing_directory_is_an_input_error_naming_it(tmp_path: Path, rs: Ruleset) -> None:
    target = tmp_path / "no-such-dir" / "report.pdf"
    with pytest.raises(InputError) as e:
        write_pdf(sample_audit(rs), rs, target)
    assert str(target) in str(e.value)
