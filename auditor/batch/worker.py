"""What runs inside a worker process: one app's audit, isolated, returned as plain data.

Workers never touch the database: they return the audit as a ``pi-auditor/1`` dict and the parent,
the only writer, stores it. Every failure an app can cause (a corrupt APK, an unreadable capture, a
bug tripped by odd input) becomes this app's error message, never the batch's. Each worker builds its
own Ruleset once, so rules and recognizers load once per process, not per app.
"""

from __future__ import annotations

import os
import resource
import select
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.batch.reports import write_report
from auditor.batch.task import AppTask, report_filename
from auditor.errors import AuditorError
from auditor.model import Audit
from auditor.pipeline import run_audit
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


def init_worker(salt: str, rules_root: str, recognizers_root: str, parent_pid: int = 0) -> None:
    """Process-pool initializer: the database's salt (so value hashes correlate) and this worker's rules,
    from the directories the parent chose (not from whatever environment the forkserver started with).

    Ctrl-C is the parent's to handle: it stops handing out work and keeps what is stored, while a worker
    finishes its current app quietly instead of printing a KeyboardInterrupt traceback.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, _on_alarm)
    die_with_parent(parent_pid)
    ruleset = Ruleset(Path(rules_root), Path(recognizers_root))
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


def run_task(task: AppTask) -> TaskResult:
    started, cpu_started = time.monotonic(), time.process_time()
    audit: dict[str, Any] | None = None
    error: str | None = None
    report_error: str | None = None
    ruleset: Ruleset = _state["ruleset"]
    _state["timeout_s"] = task.timeout_s
    try:
        if task.timeout_s:
            # safe to interrupt: the forkserver already imported every analysis module (preload.py)
            signal.setitimer(signal.ITIMER_REAL, task.timeout_s)
        result = run_audit(task.audit_inputs(), ruleset=ruleset, salt=_state["salt"])
        audit = result.to_dict()
        if task.report_dir:
            path = Path(task.report_dir) / report_filename(task.key, result.id)
            report_error = _write_report(result, ruleset, path, task.lang)
    except (AuditorError, AppTimeout) as e:
        error = str(e)
    except Exception as e:  # noqa: BLE001 -- one app's crash must not end the batch; it is reported per app
        error = f"internal error: {type(e).__name__}: {e}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return TaskResult(key=task.key, audit=audit, error=error,
                      seconds=time.monotonic() - started, pid=os.getpid(), peak_rss_kb=peak_rss_kb(),
                      report_error=report_error, cpu_seconds=time.process_time() - cpu_started)


def peak_rss_kb() -> int:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _write_report(audit: Audit, ruleset: Ruleset, path: Path, lang: str) -> str | None:
    """Render the per-app report here, in parallel, rather than serially in the parent."""
    try:
        write_report(audit, ruleset, path, lang)
    except Exception as e:  # noqa: BLE001 -- the audit stands even if its report cannot be drawn
        return f"{type(e).__name__}: {e}"
    return None
