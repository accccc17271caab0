"""Long work outside a terminal (CI, nohup, a pipe) prints plain progress lines on stderr."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from auditor.progress import PlainProgress, make_progress

ROOT = Path(__file__).resolve().parent.parent


def test_plain_lines_every_interval_and_at_the_end() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)
    progress = make_progress(console)
    assert isinstance(progress, PlainProgress)
    progress.interval = 0
    with progress:
        task = progress.add_task("audits", total=4, status="done 0 · failed 0")
        for i in range(4):
            progress.update(task, advance=1, status=f"done {i + 1} · failed 0")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[pi-auditor] audits: 1/4 (25%), done 1 · failed 0, 0 s elapsed, about")
    assert lines[-1].startswith("[pi-auditor] audits: 4/4 (100%), done 4 · failed 0") and lines[-1].endswith("done")


def test_quiet_for_short_work() -> None:
    out = io.StringIO()
    with PlainProgress(Console(file=out, force_terminal=False), interval=3600) as progress:
        progress.advance(progress.add_task("scanning flows", total=10), 10)
    assert out.getvalue() == ""


def test_a_capture_audit_in_a_pipe_reports_progress(run_cli) -> None:
    res = run_cli(["traffic", str(ROOT / "samples/traffic/gov_service.har")], env={"AUDITOR_PROGRESS_INTERVAL": "0"})
    assert res.returncode == 0, res.stderr
    assert "[pi-auditor] scanning flows: 25/25 (100%)" in res.stderr
