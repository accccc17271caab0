"""Headless Chromium, run so that it cannot reach the network, for PDF printing and page checks.

The report must never fetch anything; running the browser with every host resolving to nothing and
every request sent to a proxy that is not there makes that true for the printed PDF too, whatever a
page might ask for. Chromium comes from the Debian package (scripts/apt-packages.txt).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from auditor.errors import AuditorError

# Debian's real binary first: its /usr/bin/chromium wrapper adds flags from /etc/chromium.d that load
# extensions and set API keys, i.e. more background requests for nothing.
CANDIDATES = ("/usr/lib/chromium/chromium", "chromium", "chromium-browser", "google-chrome")
DEAD_PROXY = "127.0.0.1:9"  # the discard port: nothing listens there, so every request fails
TIMEOUT_S = 300.0  # a 300-page PDF takes ~20 s of CPU; a loaded machine stretches that


class BrowserError(AuditorError):
    """Chromium is missing or failed to render (exit 2, like any unusable input or tool)."""


def find_chromium() -> str | None:
    """The browser to use: $AUDITOR_CHROMIUM, else the first of CANDIDATES on PATH."""
    explicit = os.environ.get("AUDITOR_CHROMIUM")
    if explicit:
        return explicit if shutil.which(explicit) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def offline_flags(profile: Path, proxy: str = DEAD_PROXY) -> list[str]:
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--mute-audio",
        f"--proxy-server={proxy}",
        "--proxy-bypass-list=<-loopback>",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
    ]


def run_chromium(args: Sequence[str], profile: Path, *, proxy: str = DEAD_PROXY,
                 timeout: float = TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium with ``args`` after the offline flags; raise BrowserError on failure."""
    browser = find_chromium()
    if browser is None:
        raise BrowserError("chromium not found: install the Debian package 'chromium' (scripts/setup.sh)")
    cmd = [browser, *offline_flags(profile, proxy), *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False,
                              env={**os.environ, "HOME": str(profile)})
    except subprocess.TimeoutExpired:
        raise BrowserError(f"chromium did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise BrowserError(f"chromium failed (exit {proc.returncode}): {tail}")
    return proc
