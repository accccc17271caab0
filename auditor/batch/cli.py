"""``auditor batch MANIFEST``: the click command the main CLI group adds (``cli.add_command(batch)``).

It only wires the pieces: read the manifest, run the campaign with a progress bar on stderr, write the
dashboard. A failed app is reported, not fatal (exit 0); a bad manifest or database is exit 2 through
the main CLI's error handling. Ctrl-C stops handing out work; what is stored stays stored, and the
next run resumes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import Progress, TaskID, TextColumn

from auditor.progress import PlainProgress, make_progress
from auditor.safetext import for_terminal

if TYPE_CHECKING:
    from auditor.batch.runner import BatchSummary

_err = Console(stderr=True, highlight=False, soft_wrap=True)
PathArg = click.Path(path_type=Path)


class ProgressListener:
    """Apps done / failed and the ETA, on stderr: a bar on a terminal, periodic lines elsewhere."""

    def __init__(self, progress: Progress | PlainProgress) -> None:
        self.progress = progress
        self.task: TaskID | int | None = None
        self.ok = 0
        self.failed = 0

    def start(self, total: int, skipped: int, failed: int) -> None:
        self.failed = failed
        self.task = self.progress.add_task("audits", total=total - skipped - failed, status=self._status())
        if skipped:
            self.progress.console.print(f"{skipped} of {total} apps already audited from the same inputs and "
                                        "rules: skipped")

    def finished(self, key: str, error: str | None) -> None:
        if error is None:
            self.ok += 1
        else:
            self.failed += 1
        assert self.task is not None
        self.progress.update(self.task, advance=1, status=self._status())

    def _status(self) -> str:
        return f"done {self.ok} · failed {self.failed}"


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)))


@click.command()
@click.argument("manifest", type=PathArg)
@click.option("--db", type=PathArg, default=Path("pi-auditor.db"), show_default=True,
              help="SQLite database: audits, and the batch bookkeeping that makes re-runs resume.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=default_jobs(), show_default="CPUs available",
              help="Worker processes auditing apps in parallel.")
@click.option("--out", type=PathArg, help="Directory for dashboard.html/.csv/.json and apps/<report>.html.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the per-app reports and of category names.")
@click.option("--timeout", type=click.FloatRange(min=0), default=1800, show_default=True,
              help="Seconds one app's audit may take before it is stopped and marked failed (0: no limit).")
def batch(manifest: Path, db: Path, jobs: int, out: Path | None, lang: str, timeout: float) -> None:
    """Audit every app of a campaign MANIFEST (CSV or YAML; see docs/batch.md), resumably, in parallel."""
    # imported here so that every other `auditor` command starts without the batch and report machinery
    from auditor.batch.dashboard import REPORTS_SUBDIR, write_dashboard
    from auditor.batch.lock import exclusive
    from auditor.batch.manifest import read_manifest
    from auditor.batch.runner import run_batch
    from auditor.errors import InputError
    from auditor.ruleset import Ruleset
    from auditor.store import Store, check_ours

    m = read_manifest(manifest)
    if out and out.exists() and not out.is_dir():
        raise InputError(out, "--out must be a directory")  # found now, not after hours of audits
    ruleset = Ruleset()
    check_ours(db)  # before the lock file is put beside it
    with exclusive(db), Store(db) as store:
        progress = make_progress(_err, TextColumn("{task.fields[status]}"))
        listener = ProgressListener(progress)
        try:
            with progress:
                summary = run_batch(m, store, jobs=jobs, report_dir=out / REPORTS_SUBDIR if out else None,
                                    lang=lang, listener=listener, ruleset=ruleset, timeout_s=timeout or None)
        except KeyboardInterrupt:
            _err.print(f"interrupted: {listener.ok} apps audited in this run are stored in {db}; run the same "
                       "command again to resume", markup=False)
            raise
        _print_summary(summary, db)
        if out:
            files = write_dashboard(store, m.campaign, out, ruleset, keys=[a.key for a in m.apps], lang=lang)
            _err.print(f"dashboard: {files.html} (+ {files.csv.name}, {files.json.name})", markup=False)
            for key, error in sorted(files.reports_failed.items()):
                _err.print(for_terminal(f"  no report for {key}: {error}"), markup=False)


def _print_summary(s: BatchSummary, db: Path) -> None:
    reused = f", {len(s.reused)} of them from another campaign" if s.reused else ""
    line = (f"campaign {s.campaign}: {s.total} apps, {len(s.done)} audited, {len(s.skipped)} skipped "
            f"(already audited{reused}), {len(s.failed)} failed, in {s.seconds:.1f} s; stored in {db}")
    _err.print(for_terminal(line), markup=False)  # campaign names and errors quote the manifest and inputs
    for key, error in sorted(s.failed.items()):
        _err.print(for_terminal(f"  failed {key}: {error}"), markup=False)
