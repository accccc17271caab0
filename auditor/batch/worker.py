"""What runs inside a worker process: one app's audit, isolated, returned as plain data.

Workers never touch the database: they return the audit as a ``pi-auditor/1`` dict and the parent,
the only writer, stores it. Every failure an app can cause (a corrupt APK, an unreadable capture, a
bug tripped by odd input) becomes this app's error message, never the batch's. Each worker builds its
own Ruleset once, so rules and recognizers load once per process, not per app.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.batch.reports import save_report
from auditor.batch.task import AppTask, report_filename
from auditor.errors import AuditorError
from auditor.model import Audit
from auditor.pipeline import run_audit
from auditor.report import render_html
from auditor.ruleset import Ruleset

_state: dict[str, Any] = {}


class AppTimeout(BaseException):
    """An app's audit ran past the batch's --timeout; the worker stops it and takes the next app.

    A BaseException, like KeyboardInterrupt, so that analysis code guarding itself with
    ``except Exception`` cannot swallow it and run on.
    """


def _on_alarm(signum: int, frame: object) -> None:
    raise AppTimeout(f"the audit took longer than {_state['timeout_s']:g} s and was stopped (--timeout)")


@dataclass
class TaskResult:
    key: str
    audit: dict[str, Any] | None
    error: str | None
    seconds: float
    pid: int
    peak_rss_kb: int
    report_error: str | None = None
    cpu_seconds: float = 0.0
    #: the rendered per-app report, when the task asked for it back instead of written (run_task)
    report_html: str | None = None
    node: str = ""  # the cluster node that ran it (distributed engines; empty for the local pool)

    @classmethod
    def failure(cls, key: str, error: str) -> TaskResult:
        """An app that failed outside any worker's audit (its worker died, its node was lost)."""
        return cls(key=key, audit=None, error=error, seconds=0.0, pid=0, peak_rss_kb=0)


def init_worker(salt: str, rules_root: str, recognizers_root: str, parent_pid: int = 0) -> None:
    """Process-pool initializer: the database's salt (so value hashes correlate) and this worker's rules,
    from the directories the parent chose (not from whatever environment the forkserver started with).

    Ctrl-C is the parent's to handle: it stops handing out work and keeps what is stored, while a worker
    finishes its current app quietly instead of printing a KeyboardInterrupt traceback.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)
    configure(salt, Ruleset(Path(rules_root), Path(recognizers_root)))


def configure(salt: str, ruleset: Ruleset) -> None:
    """Make this process a worker: the salt and rules every task uses, and the --timeout alarm."""
    signal.signal(signal.SIGALRM, _on_alarm)
    ruleset.check()
    _state["salt"] = salt
    _state["ruleset"] = ruleset


def die_with_parent(parent_pid: int) -> None:
    """End this worker when the batch process that started it dies.

    A worker's parent is the forkserver, not the batch process, and a worker holds the forkserver's
    liveness pipe, so after a kill -9 of the batch neither saw the other go: forkserver and workers
    lived on for ever. A daemon thread waits on the batch process (a pidfd, so no polling) and exits
    the worker when it is gone; the forkserver then exits as its last client has."""
    def watch() -> None:
        try:
            fd = os.pidfd_open(parent_pid)
        except (AttributeError, OSError):  # no pidfd (old kernel, not Linux): poll
            while _alive(parent_pid):
                time.sleep(1.0)
        else:
            select.select([fd], [], [])
        os._exit(0)

    if parent_pid and not _alive(parent_pid):
        os._exit(0)
    if parent_pid:
        threading.Thread(target=watch, name="batch-parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_task(task: AppTask, *, return_report: bool = False, shown_paths: Mapping[str, str] | None = None) -> TaskResult:
    """Audit one app.

    With ``return_report`` its report comes back in the result (for a driver on another machine to
    write) instead of being written to ``task.report_dir`` here. ``shown_paths`` maps the paths this
    worker read copies of inputs from to the paths the manifest named, so that the audit, its report and
    any error name the app's inputs as the campaign knows them, wherever they were read."""
    started, cpu_started = time.monotonic(), time.process_time()
    audit: dict[str, Any] | None = None
    error: str | None = None
    report_error: str | None = None
    report_html: str | None = None
    ruleset: Ruleset = _state["ruleset"]
    _state["timeout_s"] = task.timeout_s
    try:
        if task.timeout_s:
            # safe to interrupt: the forkserver already imported every analysis module (preload.py)
            signal.setitimer(signal.ITIMER_REAL, task.timeout_s)
        result = run_audit(task.audit_inputs(), ruleset=ruleset, salt=_state["salt"])
        if shown_paths:
            result = Audit.from_dict(json.loads(_relabel(json.dumps(result.to_dict()), shown_paths, json_text=True)))
        audit = result.to_dict()
        if task.report_dir:
            report_html, report_error = _render_report(result, ruleset, task.lang)
            if not return_report and report_html is not None:
                report_error = save_report(Path(task.report_dir) / report_filename(task.key, result.id),
                                                 report_html)
                report_html = None
    except (AuditorError, AppTimeout) as e:
        error = str(e)
    except Exception as e:  # noqa: BLE001 -- one app's crash must not end the batch; it is reported per app
        error = f"internal error: {type(e).__name__}: {e}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    if error and shown_paths:
        error = _relabel(error, shown_paths)
    return TaskResult(key=task.key, audit=audit, error=error,
                      seconds=time.monotonic() - started, pid=os.getpid(), peak_rss_kb=peak_rss_kb(),
                      report_error=report_error, cpu_seconds=time.process_time() - cpu_started,
                      report_html=report_html)


def _relabel(text: str, paths: Mapping[str, str], *, json_text: bool = False) -> str:
    """Replace each local path in ``text`` (JSON-encoded when ``json_text``) by the path it stands for."""
    for local, shown in paths.items():
        if json_text:
            local, shown = json.dumps(local)[1:-1], json.dumps(shown)[1:-1]
        text = text.replace(local, shown)
    return text


def peak_rss_kb() -> int:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _render_report(audit: Audit, ruleset: Ruleset, lang: str) -> tuple[str | None, str | None]:
    """Render the per-app report here, in parallel, rather than serially in the parent: (html, error)."""
    try:
        return render_html(audit, ruleset, lang=lang), None
    except Exception as e:  # noqa: BLE001 -- the audit stands even if its report cannot be drawn
        return None, f"{type(e).__name__}: {e}"

