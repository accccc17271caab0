"""The default engine: a process pool on this machine.

At most ``jobs`` tasks are in flight, so when a worker dies outright (a segfault in a native parser, the
OOM killer) the suspects are exactly the in-flight tasks: each is retried alone, and only an app that
kills its worker again is marked failed; the batch goes on. Workers come from a forkserver (warmed
once by preload.py), never forked from this process, so they do not inherit the progress bar's thread
or the open SQLite connection.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from auditor.batch.engine import Record, WorkerSetup
from auditor.batch.task import AppTask
from auditor.batch.worker import TaskResult, init_worker, run_task

TaskFn = Callable[[AppTask], TaskResult]
WORKER_DIED = "the worker process died while auditing this app, twice (crash or out of memory)"


class LocalEngine:
    def __init__(self, jobs: int = 1, task_fn: TaskFn = run_task) -> None:
        self.jobs = jobs
        self.task_fn = task_fn

    def run(self, tasks: deque[AppTask], setup: WorkerSetup, record: Record) -> None:
        init_args = (setup.salt, setup.rules_root, setup.recognizers_root, os.getpid())
        while tasks:
            for suspect in _run_pool(tasks, self.jobs, init_args, self.task_fn, record):
                if _run_pool(deque([suspect]), 1, init_args, self.task_fn, record):
                    record(suspect, TaskResult.failure(suspect.key, WORKER_DIED))


def _run_pool(tasks: deque[AppTask], jobs: int, init_args: tuple[str, str, str, int], task_fn: TaskFn,
              record: Record) -> list[AppTask]:
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
        return TaskResult.failure(task.key, f"internal error: {type(exc).__name__}: {exc}")
    return fut.result()
