"""Run a campaign: hash inputs, skip what is already audited, hand the rest to an engine, store results.

This process is the only database writer: engines (engine.py) run the audits, locally or on a cluster,
and return each as data; the runner stores it with its bookkeeping row in one transaction as it
arrives, so a run killed at any moment loses nothing stored and the next run resumes.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from auditor.batch.engine import Engine, WorkerSetup
from auditor.batch.ledger import Ledger
from auditor.batch.local import LocalEngine, TaskFn
from auditor.batch.manifest import Manifest
from auditor.batch.reports import save_report
from auditor.batch.task import AppTask, prepare_task, report_filename
from auditor.batch.worker import TaskResult, run_task
from auditor.errors import InputError
from auditor.ruleset import Ruleset
from auditor.store import Store


class Listener(Protocol):
    """What a progress display needs to know; the runner knows nothing about terminals."""

    def start(self, total: int, skipped: int, failed: int) -> None: ...

    def finished(self, key: str, error: str | None) -> None: ...


@dataclass
class BatchSummary:
    campaign: str
    total: int
    skipped: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)  # skipped because another campaign has the same audit
    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    results: list[TaskResult] = field(default_factory=list)  # timings per app; the audits are in the database
    seconds: float = 0.0
    store_seconds: float = 0.0  # the parent's time writing audits: the single writer's share of the run


def run_batch(manifest: Manifest, store: Store, *, jobs: int = 1, report_dir: Path | None = None,
              lang: str = "zh", listener: Listener | None = None, task_fn: TaskFn = run_task,
              ruleset: Ruleset | None = None, timeout_s: float | None = None,
              engine: Engine | None = None) -> BatchSummary:
    """Audit every app of the manifest not yet audited from the same inputs and rules; return what happened.

    ``engine`` runs the audits (default: ``LocalEngine(jobs, task_fn)``, a process pool here)."""
    started = time.monotonic()
    ruleset = ruleset or Ruleset()
    ruleset.check()
    ledger = Ledger(store)
    already = ledger.done(manifest.campaign)
    audited = ledger.audited()
    summary = BatchSummary(campaign=manifest.campaign, total=len(manifest.apps))
    pending: deque[AppTask] = deque()
    for app in manifest.apps:
        try:
            task = prepare_task(manifest.campaign, app, rules_version=ruleset.version, report_dir=report_dir,
                                lang=lang, timeout_s=timeout_s)
        except InputError as e:
            ledger.record_failure(manifest.campaign, app.key, app.name, str(e))
            summary.failed[app.key] = str(e)
            continue
        if already.get(app.key) == task.fingerprint:
            summary.skipped.append(app.key)
        elif audit_id := audited.get(task.fingerprint):
            ledger.adopt(task, audit_id)
            summary.skipped.append(app.key)
            summary.reused.append(app.key)
        else:
            pending.append(task)
    if listener:
        listener.start(summary.total, len(summary.skipped), len(summary.failed))

    def record(task: AppTask, result: TaskResult) -> None:
        t0 = time.monotonic()
        if result.report_html is not None and result.audit is not None and task.report_dir:
            # rendered by a worker on another machine; written here, where --out is
            audit_id = str(result.audit["audit"]["id"])
            path = Path(task.report_dir) / report_filename(task.key, audit_id)
            result = replace(result, report_html=None, report_error=save_report(path, result.report_html))
        ledger.record(task, result)
        summary.store_seconds += time.monotonic() - t0
        summary.results.append(replace(result, audit=None))  # stored now; a campaign's audits need not stay in memory
        if result.error is None:
            summary.done.append(task.key)
        else:
            summary.failed[task.key] = result.error
        if listener:
            listener.finished(task.key, result.error)

    if pending:  # a finished campaign resumes without starting workers or joining a cluster
        engine = engine or LocalEngine(jobs, task_fn)
        engine.run(pending, WorkerSetup(store.salt, str(ruleset.root), str(ruleset.recognizers_root)), record)
    summary.seconds = time.monotonic() - started
    return summary

