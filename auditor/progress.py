"""Progress on stderr: a bar in a terminal, plain periodic lines everywhere else.

A batch of thousands of apps under CI or nohup, or a capture of a million flows, used to print nothing
until the end: rich draws its bar only on a terminal. Outside one, ``PlainProgress`` writes a line per
task every ``AUDITOR_PROGRESS_INTERVAL`` seconds (default 30) and one when the task ends, so a log
shows that work goes on and how far it is.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn

DEFAULT_INTERVAL_S = 30.0


@dataclass
class _Task:
    description: str
    total: float | None
    completed: float = 0
    fields: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    shown: float = field(default_factory=time.monotonic)
    lines: int = 0


class PlainProgress:
    """The part of rich's Progress the auditor uses (add_task, advance, update, console), as log lines."""

    def __init__(self, console: Console, interval: float | None = None) -> None:
        self.console = console
        env = os.environ.get("AUDITOR_PROGRESS_INTERVAL", "")
        try:
            default = float(env) if env else DEFAULT_INTERVAL_S
        except ValueError:
            default = DEFAULT_INTERVAL_S
        self.interval = default if interval is None else interval
        self.tasks: list[_Task] = []

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        for t in self.tasks:
            if t.lines or time.monotonic() - t.started >= self.interval:
                self._line(t, "done" if exc[0] is None else "stopped")

    def add_task(self, description: str, total: float | None = None, **fields: Any) -> int:
        self.tasks.append(_Task(description, total, fields=fields))
        return len(self.tasks) - 1

    def advance(self, task: int, advance: float = 1) -> None:
        self.update(task, advance=advance)

    def update(self, task: int, *, advance: float = 0, completed: float | None = None, total: float | None = None,
               **fields: Any) -> None:
        t = self.tasks[task]
        t.completed = completed if completed is not None else t.completed + advance
        t.total = total if total is not None else t.total
        t.fields.update(fields)
        if time.monotonic() - t.shown >= self.interval:
            self._line(t)

    def _line(self, t: _Task, state: str = "") -> None:
        now = time.monotonic()
        t.shown = now
        t.lines += 1
        done = f"{t.completed:,.0f}"
        if t.total:
            done += f"/{t.total:,.0f} ({100 * t.completed / t.total:.0f}%)"
        extra = "".join(f", {v}" for v in t.fields.values() if v)
        elapsed = now - t.started
        eta = ""
        if not state and t.total and t.completed:
            eta = f", about {_duration(elapsed * (t.total - t.completed) / t.completed)} left"
        suffix = f" {state}" if state else ""
        self.console.print(f"[pi-auditor] {t.description}: {done}{extra}, {_duration(elapsed)} elapsed{eta}{suffix}",
                           markup=False, highlight=False)


def _duration(seconds: float) -> str:
    s = int(seconds)
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    return f"{s // 3600} h {s % 3600 // 60} min"


def make_progress(console: Console, *extra: ProgressColumn) -> Progress | PlainProgress:
    """A bar with a count and time left on a terminal, else plain lines (``extra`` columns go before the time)."""
    if not console.is_terminal:
        return PlainProgress(console)
    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    *extra, TimeRemainingColumn(), console=console, transient=True)
