"""Run a campaign: hash inputs, skip what is already audited, audit the rest in worker processes.

The parent is the only database writer; workers return audits as data (worker.py). At most ``jobs``
tasks are in flight, so when a worker dies outright (a segfault in a native parser, the OOM killer) the
suspects are exactly the in-flight tasks: each is retried alone, and only an app that kills its worker
again is marked failed; the batch goes on. Workers come from a forkserver (warmed once by preload.py),
never forked from this process, so they do not inherit the progress bar's thread or the open SQLite
connection.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from auditor.batch.ledger import Ledger
from auditor.batch.manifest import Manifest
from auditor.batch.task import AppTask, prepare_task
from auditor.batch.worker import TaskResult, init_worker, run_task
from auditor.errors import InputError
from auditor.ruleset import Ruleset
from auditor.store import Store

TaskFn = Callable[[AppTask], TaskResult]
WORKER_DIED = "the worker process died while auditing this app, twice (crash or out of memory)"


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
              ruleset: Ruleset | None = None, timeout_s: float | None = None) -> BatchSummary:
    """Audit every app of the manifest not yet audited from the same inputs and rules; return what happened."""
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
        ledger.record(task, result)
        summary.store_seconds += time.monotonic() - t0
        summary.results.append(replace(result, audit=None))  # stored now; a campaign's audits need not stay in memory
        if result.error is None:
            summary.done.append(task.key)
        else:
            summary.failed[task.key] = result.error
        if listener:
            listener.finished(task.key, result.error)

    init_args = (store.salt, str(ruleset.root), str(ruleset.recognizers_root), os.getpid())
    while pending:
        for suspect in _run_pool(pending, jobs, init_args, task_fn, record):
            if _run_pool(deque([suspect]), 1, init_args, task_fn, record):
                record(suspect, _failed(suspect, WORKER_DIED))
    summary.seconds = time.monotonic() - started
    return summary


def _run_pool(tasks: deque[AppTask], jobs: int, init_args: tuple[str, str, str, int], task_fn: TaskFn,
              record: Callable[[AppTask, TaskResult], None]) -> list[AppTask]:
    """Drain ``tasks`` through a pool; if the pool breaks, return the tasks that were in flight."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["auditor.batch.preload"])
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=init_worker,
                               initargs=init_args)
    inflight: dict[Future[TaskResult], AppTask] = {}
    clean = False
    try:
        while tasks or inflight:
            if broken := _refill(pool, tasks, inflight, jobs, task_fn):
                return [*broken, *inflight.values()]
            finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
            outcomes = [(inflight.pop(fut), fut) for fut in finished]
            broken = [t for t, fut in outcomes if isinstance(fut.exception(), BrokenProcessPool)]
            # hand out the next apps before storing these, so no worker idles while the parent writes
            broken = broken or _refill(pool, tasks, inflight, jobs, task_fn)
            for task, fut in outcomes:
                if task not in broken:
                    record(task, _outcome(task, fut))
            if broken:
                return [*broken, *inflight.values()]
        clean = True
        return []
    finally:
        pool.shutdown(wait=clean, cancel_futures=True)


def _refill(pool: ProcessPoolExecutor, tasks: deque[AppTask], inflight: dict[Future[TaskResult], AppTask],
            jobs: int, task_fn: TaskFn) -> list[AppTask]:
    """Keep ``jobs`` tasks in flight; a pool that breaks on submit returns the task it refused."""
    while tasks and len(inflight) < jobs:
        task = tasks.popleft()
        try:
            inflight[pool.submit(task_fn, task)] = task
        except BrokenProcessPool:
            return [task]
    return []


def _outcome(task: AppTask, fut: Future[TaskResult]) -> TaskResult:
    exc = fut.exception()
    if exc is not None:  # the task function itself failed, e.g. its result would not pickle
        return _failed(task, f"internal error: {type(exc).__name__}: {exc}")
    return fut.result()


def _failed(task: AppTask, error: str) -> TaskResult:
    return TaskResult(key=task.key, audit=None, error=error, seconds=0.0, pid=0, peak_rss_kb=0)

