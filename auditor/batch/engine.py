"""Where a campaign's audits run: the one interface the runner hands its pending apps to.

The runner (runner.py) decides what to audit (hashing, fingerprints, resume), and stores every result
itself, one transaction per app; an engine only executes tasks and hands each result back through
``record``, in the runner's process, as results arrive. Two engines implement it: ``LocalEngine``
(local.py, a process pool on this machine, the default) and ``RayEngine`` (ray_engine.py, the nodes of
a Ray cluster). Either must return a result for every task it was given, a failure with its reason
included (a worker that died, a node that was lost), so the dashboard can list every failed app.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from auditor.batch.task import AppTask
from auditor.batch.worker import TaskResult

Record = Callable[[AppTask, TaskResult], None]


@dataclass(frozen=True)
class WorkerSetup:
    """What every worker needs besides its task: the database's salt (so value hashes correlate across
    the campaign's apps) and the rules the runner checked, by folder."""

    salt: str
    rules_root: str
    recognizers_root: str


class Engine(Protocol):
    def run(self, tasks: deque[AppTask], setup: WorkerSetup, record: Record) -> None:
        """Audit every task of ``tasks`` (consuming it) and ``record`` each one's result as it arrives."""
        ...
